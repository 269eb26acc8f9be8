// Local attention (Luong et al. 2015, section 3.2): attend to a window [p_t - D, p_t + D] of
// source positions around an aligned position p_t.
//
//   local-m (monotonic):  p_t = t
//   local-p (predictive): p_t = S * sigmoid(v_p^T tanh(W_p h_t))                    (eq. 9)
//                         a_t(s) = align(h_t, h_s) exp(-(s - p_t)^2 / (2 sigma^2)),  (eq. 10)
//                         sigma = D / 2
// S is the length of that sentence (its real tokens, eos included, padding excluded). Windows
// are clipped at the sentence's edges and padding never receives weight. Where the paper leaves
// it open: local-m uses p_t = min(t, S - 1), so that a target longer than its source still has a
// window (the last D + 1 source positions); local-p centres its window on the real position
// nearest p_t (round, clipped to [0, S - 1]), so the window is never empty, and the Gaussian
// uses the real-valued p_t (through which the gradient reaches W_p and v_p).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/tensor/random.h"

namespace nmt {

// The number of real (not text::kPadId) tokens of each row of ids [B, S].
std::vector<int32_t> sentence_lengths(const Tensor& ids);

// Additive mask [B, T, S] (0 inside the window, -inf elsewhere) for the target positions
// first_t .. first_t + T - 1 of local-m with half-width D.
Tensor local_m_mask(std::span<const int32_t> lengths, int64_t first_t, int64_t steps, int64_t source_len, int window);

// Additive mask [B, T, S] of local-p windows around positions p [B, T, 1] (values only).
Tensor local_p_mask(const Tensor& positions, std::span<const int32_t> lengths, int64_t source_len, int window);

// exp(-(s - p_t)^2 / (2 sigma^2)) for s = 0 .. S-1, sigma = D / 2: [B, T, S] for p [B, T, 1].
Var gaussian_window(const Var& positions, int64_t source_len, int window);

// The predictive position of local-p: p_t = S * sigmoid(v_p^T tanh(W_p h_t)).
class PredictivePosition {
 public:
  PredictivePosition() = default;
  // Parameters <name>.w_p [H, H], <name>.v_p [H, 1].
  PredictivePosition(ParameterStore& store, const std::string& name, int64_t hidden, Generator& init);
  // h [B, T, H], lengths: a constant [B, 1, 1] of the sentences' S -> p [B, T, 1] in [0, S].
  Var operator()(const Var& h, const Var& lengths) const;

 private:
  Parameter w_p_, v_p_;
};

}  // namespace nmt
