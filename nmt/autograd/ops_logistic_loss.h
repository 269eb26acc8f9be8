// Binary cross-entropy with logits: the loss of logistic regression, fused with the sigmoid.
//
// For logits z [N] (any shape) and targets y of the same shape (float32, each in [0, 1]),
// with p = sigmoid(z):
//   loss_i = -(y_i log p_i + (1 - y_i) log(1 - p_i))
// computed without forming p, in the form that neither overflows nor loses precision for large
// |z| (log(1 - sigmoid z) = -z - log(1 + e^-z), log sigmoid z = -log(1 + e^-z)):
//   loss_i = max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|))
//   d loss_i / d z_i = sigmoid(z_i) - y_i
// (PyTorch's BCEWithLogitsLoss, Keras's binary_crossentropy(from_logits=True)).
// Reduction::sum returns sum_i loss_i, Reduction::mean divides by N (0 when N = 0); shape [].
#pragma once

#include "nmt/autograd/ops_loss.h"
#include "nmt/autograd/var.h"

namespace nmt {

// Throws std::invalid_argument when the shapes differ, the targets are not float32, or a target
// lies outside [0, 1] (the message names its position).
Var binary_cross_entropy_with_logits(const Var& logits, const Tensor& targets, Reduction reduction = Reduction::mean);

}  // namespace nmt
