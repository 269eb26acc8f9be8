// The decoder state's beam bookkeeping: see decoder_state.h.
#include "nmt/models/decoder_state.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <stdexcept>

#include "nmt/autograd/ops.h"

namespace nmt {
namespace {

// Rows ids[k] of x, as a new value: select_rows' kernel for float entries, a row copy for int32.
Var gather(const Var& x, const Tensor& ids) {
  if (x.value().dtype() == DType::f32) return select_rows(x, ids);
  const Tensor& in = x.value();
  Shape shape = in.shape();
  shape[0] = ids.dim(0);
  Tensor out = Tensor::empty(shape, in.dtype());
  const int64_t d = in.shape().inner(0);
  for (int64_t k = 0; k < ids.dim(0); ++k)
    std::memcpy(out.i32() + k * d, in.i32() + static_cast<int64_t>(ids.i32()[k]) * d,
                static_cast<std::size_t>(d) * sizeof(int32_t));
  return Var(std::move(out));
}

// The rows that repeat each of n rows `beam` times: 0 (beam times), 1, ..., n - 1.
Tensor repeat_index(int64_t n, int beam) {
  std::vector<int32_t> rows(static_cast<std::size_t>(n * beam));
  for (int64_t i = 0; i < n * beam; ++i) rows[i] = static_cast<int32_t>(i / beam);
  return Tensor::from_ids({n * beam}, rows);
}

// A buffer x (positions along `axis`) gathered into `rows` rows of `capacity` positions: row r's
// positions j < filled from buffer row prefix[r * stride + j] (the rest left unset).
Tensor gather_prefixes(const Tensor& x, int axis, int64_t rows, const int32_t* prefix, int64_t stride, int64_t filled,
                       int64_t capacity) {
  Shape shape = x.shape();
  shape[0] = rows;
  shape[axis] = capacity;
  Tensor out = Tensor::empty(shape);
  int64_t outer = 1;
  for (int a = 1; a < axis; ++a) outer *= x.dim(a);
  const int64_t slice = x.shape().inner(axis), from_capacity = x.dim(axis);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < filled; ++j)
        std::memcpy(out.f32() + ((r * outer + o) * capacity + j) * slice,
                    x.f32() + ((prefix[r * stride + j] * outer + o) * from_capacity + j) * slice,
                    static_cast<std::size_t>(slice) * sizeof(float));
  return out;
}

}  // namespace

int DecoderState::add_buffer(std::string name, int axis) {
  if (axis < 1) throw std::logic_error("decoder state: buffer '" + name + "' needs an axis after the rows");
  const int slot = add(std::move(name), StateRows::per_hypothesis);
  entries_.back().buffer_axis = axis;
  return slot;
}

int DecoderState::add(std::string name, StateRows rows) {
  if (find(name)) throw std::logic_error("decoder state: two entries named '" + name + "'");
  entries_.push_back({std::move(name), rows, Var()});
  return static_cast<int>(entries_.size()) - 1;
}

const DecoderState::Entry* DecoderState::find(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

void DecoderState::expand(int beam) {
  beam_ = beam;
  if (beam == 1) return;
  NoGradGuard no_grad;
  Tensor index;
  for (Entry& e : entries_) {
    if (!e.value.defined() || e.rows == StateRows::shared_per_sentence) continue;
    const int64_t n = e.value.dim(0);
    if (!index.defined() || index.dim(0) != n * beam) index = repeat_index(n, beam);
    e.value = gather(e.value, index);
  }
}

void DecoderState::reorder(std::span<const int32_t> rows) {
  NoGradGuard no_grad;
  const int64_t n = static_cast<int64_t>(rows.size());
  const Tensor index = Tensor::from_ids({n}, rows);
  Tensor sentence_index;  // the kept sentences' rows of shared_per_sentence entries
  for (Entry& e : entries_) {
    if (!e.value.defined() || e.buffer_axis > 0) continue;  // buffers: prefix_ below
    if (e.rows == StateRows::shared_per_sentence) {
      if (e.value.dim(0) * beam_ == n) continue;
      if (!sentence_index.defined()) {
        std::vector<int32_t> kept;
        for (int64_t r = 0; r < n; r += beam_) kept.push_back(rows[r] / beam_);
        sentence_index = Tensor::from_ids({static_cast<int64_t>(kept.size())}, kept);
      }
      e.value = gather(e.value, sentence_index);
      continue;
    }
    // Rows that stay within their sentence leave a per-sentence entry as it is.
    if (e.rows == StateRows::per_sentence && e.value.dim(0) == n) continue;
    e.value = gather(e.value, index);
  }
  if (home_.empty()) return;
  // Row r continues the prefix of row rows[r] and writes from now on where hypothesis r % beam of
  // its sentence wrote before (the same row unless sentences were dropped): every buffer row
  // belongs to one live hypothesis at a time.
  std::vector<int32_t>& prefix = spare_prefix_;  // kept between steps: no allocation per step
  std::vector<int32_t>& home = spare_home_;
  prefix.resize(static_cast<std::size_t>(n * prefix_stride_));
  home.resize(static_cast<std::size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    std::memcpy(prefix.data() + r * prefix_stride_, prefix_.data() + rows[r] * prefix_stride_,
                static_cast<std::size_t>(position) * sizeof(int32_t));
    home[r] = home_[(rows[r] / beam_) * beam_ + r % beam_];
  }
  prefix_.swap(prefix);
  home_.swap(home);
}

DecoderState::PrefixRows DecoderState::prefix_rows(int64_t n) {
  if (home_.empty()) {  // the first step: row r writes into buffer row r
    home_.resize(static_cast<std::size_t>(n));
    for (int64_t r = 0; r < n; ++r) home_[r] = static_cast<int32_t>(r);
  }
  if (static_cast<int64_t>(home_.size()) != n)
    throw std::logic_error("decoder state: a step over " + std::to_string(n) + " rows, the state has " +
                           std::to_string(home_.size()));
  if (position >= prefix_stride_) {
    // Full: every buffer grows (up to max_length, else doubling) and is compacted on the way:
    // row r's prefix moves into buffer row r, the rows of dropped sentences are left behind.
    int64_t stride = std::max<int64_t>({position + 1, 2 * prefix_stride_, 16});
    if (max_length > position) stride = std::min(stride, max_length);
    for (Entry& e : entries_)
      if (e.buffer_axis > 0 && e.value.defined())
        e.value = Var(gather_prefixes(e.value.value(), e.buffer_axis, n, prefix_.data(), prefix_stride_, position, stride));
    prefix_.assign(static_cast<std::size_t>(n * stride), 0);
    for (int64_t r = 0; r < n; ++r) {
      home_[r] = static_cast<int32_t>(r);
      for (int64_t j = 0; j < position; ++j) prefix_[r * stride + j] = static_cast<int32_t>(r);
    }
    prefix_stride_ = stride;
  }
  for (int64_t r = 0; r < n; ++r) prefix_[r * prefix_stride_ + position] = home_[r];
  return {prefix_.data(), prefix_stride_, home_.data()};
}

Tensor DecoderState::hypothesis_rows(int slot) const {
  const Entry& e = entries_.at(static_cast<std::size_t>(slot));
  if (!e.value.defined()) return Tensor();
  const Tensor& x = e.value.value();
  if (e.rows == StateRows::shared_per_sentence) return gather(e.value, repeat_index(x.dim(0), beam_)).value();
  if (e.buffer_axis < 0) return x;
  // A buffer (none of its positions filled before the first step).
  const int64_t n = home_.empty() ? x.dim(0) : static_cast<int64_t>(home_.size());
  return gather_prefixes(x, e.buffer_axis, n, prefix_.data(), prefix_stride_, position, position);
}

void DecoderState::select_outputs(std::shared_ptr<const SelectedOutput> output, const Tensor& mask) {
  selected_output = std::move(output);
  if (output_mask_ < 0 && mask.defined()) output_mask_ = add("output_mask", StateRows::per_sentence);
  if (output_mask_ >= 0) (*this)[output_mask_] = mask.defined() ? Var(mask) : Var();
}

Tensor DecoderState::selected_log_probs(const Var& y) const {
  const Var logits = (*selected_output)(y);
  if (output_mask_ >= 0 && (*this)[output_mask_].defined()) return log_softmax(logits, (*this)[output_mask_].value()).value();
  return log_softmax(logits).value();
}

}  // namespace nmt
