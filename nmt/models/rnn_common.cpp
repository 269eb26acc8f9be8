// Shared parts of the RNN models: see rnn_common.h.
#include "nmt/models/rnn_common.h"

#include <stdexcept>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/local_attention.h"
#include "nmt/tensor/init.h"
#include "tokenizer/special_ids.h"

namespace nmt {

Tensor rnn_embedding_table(int64_t vocab, int64_t size, Generator& init) {
  Tensor table = init::normal({vocab, size}, 0.f, 0.1f, init);
  for (int64_t j = 0; j < size; ++j) table.f32()[text::kPadId * size + j] = 0.f;
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

RnnState::RnnState(std::size_t decoder_layers) {
  for (std::size_t l = 0; l < decoder_layers; ++l) {
    const std::string p = "decoder." + std::to_string(l) + ".";
    layers_.push_back({add(p + "h", StateRows::per_hypothesis), add(p + "c", StateRows::per_hypothesis)});
  }
  feed_ = add("feed", StateRows::per_hypothesis);
  values_ = add("values", StateRows::per_sentence);
  keys_ = add("keys", StateRows::per_sentence);
  padding_ = add("padding", StateRows::per_sentence);
  lengths_ = add("lengths", StateRows::per_sentence);
  length_values_ = add("length_values", StateRows::per_sentence);
  attention_ = add("attention", StateRows::per_hypothesis);
  positions_ = add("positions", StateRows::per_hypothesis);
}

void RnnState::set_lengths(std::span<const int32_t> lengths) {
  (*this)[lengths_] = Var(Tensor::from_ids({static_cast<int64_t>(lengths.size())}, lengths));
}

std::span<const int32_t> RnnState::lengths() const {
  const Var& v = (*this)[lengths_];
  if (!v.defined()) return {};
  return {v.value().i32(), static_cast<std::size_t>(v.numel())};
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
