// Local attention windows (Luong et al. 2015, section 3.2): see local_attention.h.
#include "nmt/layers/local_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nmt/tensor/init.h"
#include "tokenizer/special_ids.h"

namespace nmt {

static constexpr float kHidden = -std::numeric_limits<float>::infinity();

std::vector<int32_t> sentence_lengths(const Tensor& ids) {
  const int64_t b = ids.dim(0), s = ids.dim(1);
  std::vector<int32_t> lengths(static_cast<std::size_t>(b), 0);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < s; ++j) lengths[i] += ids.i32()[i * s + j] != text::kPadId;
  return lengths;
}

// Row [center - D, center + D] of the mask, clipped to [0, length - 1].
static void fill_window(float* row, int64_t source_len, int64_t center, int window, int32_t length) {
  const int64_t low = std::max<int64_t>(0, center - window);
  const int64_t high = std::min<int64_t>(length - 1, center + window);
  for (int64_t s = 0; s < source_len; ++s) row[s] = s >= low && s <= high ? 0.f : kHidden;
}

Tensor local_m_mask(std::span<const int32_t> lengths, int64_t first_t, int64_t steps, int64_t source_len,
                    int window) {
  const int64_t b = static_cast<int64_t>(lengths.size());
  Tensor mask = Tensor::empty({b, steps, source_len});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t center = std::min<int64_t>(first_t + t, lengths[i] - 1);  // p_t = t
      fill_window(mask.f32() + (i * steps + t) * source_len, source_len, center, window, lengths[i]);
    }
  return mask;
}

Tensor local_p_mask(const Tensor& positions, std::span<const int32_t> lengths, int64_t source_len, int window) {
  const int64_t b = positions.dim(0), steps = positions.dim(1);
  Tensor mask = Tensor::empty({b, steps, source_len});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t t = 0; t < steps; ++t) {
      const float p = positions.f32()[i * steps + t];
      const int64_t center = std::clamp<int64_t>(std::lround(p), 0, lengths[i] - 1);
      fill_window(mask.f32() + (i * steps + t) * source_len, source_len, center, window, lengths[i]);
    }
  return mask;
}

Var gaussian_window(const Var& positions, int64_t source_len, int window) {
  Tensor s = Tensor::empty({1, 1, source_len});
  for (int64_t j = 0; j < source_len; ++j) s.f32()[j] = static_cast<float>(j);
  const float sigma = static_cast<float>(window) / 2.f;
  Var d = Var(s) - positions;  // [B, T, S]
  return exp(d * d * (-1.f / (2.f * sigma * sigma)));
}

PredictivePosition::PredictivePosition(ParameterStore& store, const std::string& name, int64_t hidden,
                                       Generator& init)
    : w_p_(store.add(name + ".w_p", init::glorot_uniform({hidden, hidden}, 1.f, init))),
      v_p_(store.add(name + ".v_p", init::glorot_uniform({hidden, 1}, 1.f, init))) {}

Var PredictivePosition::operator()(const Var& h, const Var& lengths) const {
  return lengths * sigmoid(matmul(tanh(matmul(h, w_p_)), v_p_));  // [B, T, 1]
}

}  // namespace nmt
