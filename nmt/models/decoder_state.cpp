// The decoder state's beam bookkeeping: see decoder_state.h.
#include "nmt/models/decoder_state.h"

#include <cstring>
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

// Rows ids[k] of a float buffer x whose axis `axis` is filled up to `filled`: a new buffer of the same
// capacity, only the filled slices copied.
Var gather_buffer(const Var& x, const Tensor& ids, int axis, int64_t filled) {
  const Tensor& in = x.value();
  Shape shape = in.shape();
  shape[0] = ids.dim(0);
  Tensor out = Tensor::empty(shape, in.dtype());
  int64_t outer = 1;
  for (int a = 1; a < axis; ++a) outer *= in.dim(a);
  const int64_t slice = in.shape().inner(axis);  // one position: the axes after `axis`
  const int64_t block = in.dim(axis) * slice;    // one outer index: the whole capacity
  const int64_t row = outer * block;
  const std::size_t bytes = static_cast<std::size_t>(filled * slice) * sizeof(float);
  const float* src = in.f32();  // buffers are float (attention caches)
  float* dst = out.f32();
  for (int64_t k = 0; k < ids.dim(0); ++k) {
    const int64_t from = static_cast<int64_t>(ids.i32()[k]);
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + k * row + o * block, src + from * row + o * block, bytes);
  }
  return Var(std::move(out));
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
  if (beam == 1) return;
  NoGradGuard no_grad;
  Tensor index;
  for (Entry& e : entries_) {
    if (!e.value.defined()) continue;
    const int64_t n = e.value.dim(0);
    if (!index.defined() || index.dim(0) != n * beam) {
      std::vector<int32_t> rows(static_cast<std::size_t>(n * beam));
      for (int64_t i = 0; i < n * beam; ++i) rows[i] = static_cast<int32_t>(i / beam);
      index = Tensor::from_ids({n * beam}, rows);
    }
    e.value = gather(e.value, index);
  }
}

void DecoderState::reorder(std::span<const int32_t> rows) {
  NoGradGuard no_grad;
  const int64_t n = static_cast<int64_t>(rows.size());
  const Tensor index = Tensor::from_ids({n}, rows);
  for (Entry& e : entries_) {
    if (!e.value.defined()) continue;
    // Rows that stay within their sentence leave a per-sentence entry as it is.
    if (e.rows == StateRows::per_sentence && e.value.dim(0) == n) continue;
    e.value = e.buffer_axis > 0 ? gather_buffer(e.value, index, e.buffer_axis, position) : gather(e.value, index);
  }
}

void DecoderState::select_outputs(std::shared_ptr<const SelectedOutput> output, const Tensor& mask) {
  selected_output = std::move(output);
  if (output_mask_ < 0 && mask.defined()) output_mask_ = add("output_mask", StateRows::per_sentence);
  if (output_mask_ >= 0) (*this)[output_mask_] = mask.defined() ? Var(mask) : Var();
}

Var DecoderState::selected_logits(const Var& y) const {
  Var logits = (*selected_output)(y);
  if (output_mask_ >= 0 && (*this)[output_mask_].defined()) logits = logits + (*this)[output_mask_];
  return logits;
}

}  // namespace nmt
