// Token-level cross-entropy with label smoothing, fused with the log-softmax.
//
// For logits x [N, V] (or [..., V]) and targets y [N] (int32; [...]), per position i with
// y_i != ignore_id, p = softmax(x_i) and eps = label_smoothing:
//   loss_i = (1 - eps) * -log p_{y_i}  +  eps * (1/V) sum_v -log p_v
// Label smoothing after Szegedy et al. 2016 ("Rethinking the Inception Architecture"), defined as
// PyTorch's CrossEntropyLoss(label_smoothing=eps) does: the smoothing mass eps is spread uniformly
// over all V classes (the target included), i.e. the target distribution is
// q_v = (1 - eps) [v == y_i] + eps / V. With log p_v = x_v - lse_i (lse_i = log sum_v exp x_v):
//   loss_i = lse_i - (1 - eps) x_{y_i} - eps * mean_v(x_v)
//   d loss_i / d x_v = p_v - q_v
// Positions whose target equals ignore_id (padding) contribute nothing and get zero gradient.
// Reduction::sum returns sum_i loss_i; Reduction::mean divides by the number of non-ignored
// positions (0 when there are none).
#pragma once

#include <cstdint>

#include "nmt/autograd/var.h"

namespace nmt {

enum class Reduction { sum, mean };

struct CrossEntropyResult {
  Var loss;            // scalar (shape []): the smoothed loss, summed or averaged
  double nll_sum = 0;  // sum_i -log p_{y_i} (unsmoothed): perplexity = exp(nll_sum / tokens)
  int64_t tokens = 0;  // positions with target != ignore_id
};

// Throws std::invalid_argument for mismatched shapes, non-int32 targets, a target outside
// [0, V) that is not ignore_id, or label_smoothing outside [0, 1].
CrossEntropyResult cross_entropy_with_stats(const Var& logits, const Tensor& targets, float label_smoothing = 0.0f,
                                            int32_t ignore_id = -1, Reduction reduction = Reduction::sum);

// The same, returning only the loss.
Var cross_entropy(const Var& logits, const Tensor& targets, float label_smoothing = 0.0f, int32_t ignore_id = -1,
                  Reduction reduction = Reduction::sum);

}  // namespace nmt
