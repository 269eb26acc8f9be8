// Softmax and log-softmax over the last axis, with an optional additive mask.
//
//   z = x + mask                    (mask broadcast over the leading axes; a constant)
//   softmax(x)_j     = exp(z_j - max z) / sum_k exp(z_k - max z)
//   log_softmax(x)_j = z_j - max z - log sum_k exp(z_k - max z)
//
// The mask is a float tensor whose last axis equals x's and whose leading axes broadcast to
// x's (numpy rules, aligned at the right): e.g. x [B, H, T, S] with a padding mask [B, 1, 1, S]
// or a causal mask [T, S]. Masked positions hold -inf (or a large negative number), visible
// ones 0. A row whose every position is -inf ("fully masked") has no distribution; we define
// its output as 0 everywhere (for both ops) and its gradient as 0, so that it never makes NaN.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// Gradient: dx_j = y_j (g_j - sum_k g_k y_k), with y = softmax(x).
Var softmax(const Var& x, const Tensor& mask = Tensor());

// Gradient: dx_j = g_j - softmax_j sum_k g_k, with softmax_j = exp(y_j).
Var log_softmax(const Var& x, const Tensor& mask = Tensor());

}  // namespace nmt
