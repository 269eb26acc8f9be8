// Shared parts of the RNN models: see rnn_common.h.
#include "nmt/models/rnn_common.h"

#include <stdexcept>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/local_attention.h"
#include "nmt/tensor/init.h"

namespace nmt {

Tensor rnn_embedding_table(int64_t vocab, int64_t size, Generator& init) {
  Tensor table = init::normal({vocab, size}, 0.f, 0.1f, init);
  for (int64_t j = 0; j < size; ++j) table.f32()[j] = 0.f;  // pad = 0
  return table;
}

RnnSource::RnnSource(const Tensor& ids)
    : time_major(transpose_ids(ids)),
      masks(step_masks(time_major)),
      lengths(sentence_lengths(ids)),
      padding(source_padding_mask(ids)) {
  for (std::size_t b = 0; b < lengths.size(); ++b)
    if (lengths[b] == 0) throw std::invalid_argument("rnn models: source sentence " + std::to_string(b) + " is empty (all padding)");
}

static Tensor beam_index(int64_t batch, int beam) {
  std::vector<int32_t> rows(static_cast<std::size_t>(batch * beam));
  for (int64_t i = 0; i < batch * beam; ++i) rows[i] = static_cast<int32_t>(i / beam);
  return Tensor::from_ids({batch * beam}, rows);
}

Var expand_rows(const Var& x, int beam) { return beam == 1 ? x : select_rows(x, beam_index(x.dim(0), beam)); }
Tensor expand_rows(const Tensor& x, int beam) { return expand_rows(Var(x), beam).value(); }
std::vector<int32_t> expand_rows(std::span<const int32_t> values, int beam) {
  std::vector<int32_t> out;
  for (int32_t v : values) out.insert(out.end(), static_cast<std::size_t>(beam), v);
  return out;
}

void RnnState::expand(int beam) {
  for (RecurrentState& s : layers) {
    s.h = expand_rows(s.h, beam);
    if (s.c.defined()) s.c = expand_rows(s.c, beam);
  }
  if (values.defined()) values = expand_rows(values, beam);
  if (keys.defined()) keys = expand_rows(keys, beam);
  if (padding.defined()) padding = expand_rows(padding, beam);
  if (length_values.defined()) length_values = expand_rows(length_values, beam);
  lengths = expand_rows(lengths, beam);
}

void RnnState::reorder(std::span<const int32_t> rows) {
  const Tensor index = Tensor::from_ids({static_cast<int64_t>(rows.size())}, rows);
  for (RecurrentState& s : layers) {
    s.h = select_rows(s.h, index);
    if (s.c.defined()) s.c = select_rows(s.c, index);
  }
  if (feed.defined()) feed = select_rows(feed, index);
  if (attention.defined()) attention = select_rows(Var(attention), index).value();
  if (positions.defined()) positions = select_rows(Var(positions), index).value();
  if (rows.size() != lengths.size()) {  // the search dropped sentences: their encoder parts go too
    if (values.defined()) values = select_rows(values, index);
    if (keys.defined()) keys = select_rows(keys, index);
    if (padding.defined()) padding = select_rows(Var(padding), index).value();
    if (length_values.defined()) length_values = select_rows(length_values, index);
    std::vector<int32_t> kept;
    kept.reserve(rows.size());
    for (int32_t r : rows) kept.push_back(lengths[r]);
    lengths = std::move(kept);
  }
}

Tensor uniform_attention(std::span<const int32_t> lengths, int64_t source_len) {
  const int64_t n = static_cast<int64_t>(lengths.size());
  Tensor out = Tensor::zeros({n, source_len});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < lengths[i]; ++j) out.f32()[i * source_len + j] = 1.f / static_cast<float>(lengths[i]);
  return out;
}

Tensor normalized_rows(const Tensor& weights) {
  const int64_t s = weights.dim(weights.rank() - 1), n = weights.numel() / s;
  Tensor out = Tensor::empty({n, s});
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < s; ++j) sum += weights.f32()[i * s + j];
    const float scale = sum > 0 ? static_cast<float>(1.0 / sum) : 0.f;
    for (int64_t j = 0; j < s; ++j) out.f32()[i * s + j] = weights.f32()[i * s + j] * scale;
  }
  return out;
}

void require_positive(const std::string& model, const std::string& setting, int64_t value) {
  if (value < 1) throw std::invalid_argument(model + ": " + setting + " must be at least 1, got " + std::to_string(value));
}

}  // namespace nmt
