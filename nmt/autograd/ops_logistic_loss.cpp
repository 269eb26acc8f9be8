// Binary cross-entropy with logits: see ops_logistic_loss.h. Classifier batches are small (one
// logit per sentence), so the loops are plain and serial; the sum is taken in double.
#include "nmt/autograd/ops_logistic_loss.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nmt {
namespace {

// What the backward needs: the targets y (a copy: the caller may refill its batch buffer) and the
// reduction's factor (1/n for the mean, 1 for the sum).
struct LogisticLossRecord {
  Tensor targets;
  float scale;
};

// dz_i = dloss * scale * (sigmoid(z_i) - y_i)
void binary_cross_entropy_backward(Node& node) {
  bool accumulate;
  Tensor* gz = node.input_grad(0, &accumulate);
  if (!gz) return;
  const Tensor& logits = node.input(0)->value;
  const float* z = logits.f32();
  const LogisticLossRecord& record = node.record<LogisticLossRecord>();
  const float* y = record.targets.f32();
  const float scale = node.grad.f32()[0] * record.scale;
  float* dz = gz->f32();
  for (int64_t i = 0; i < logits.numel(); ++i) {
    const float p = 1.0f / (1.0f + std::exp(-z[i]));
    const float g = scale * (p - y[i]);
    dz[i] = accumulate ? dz[i] + g : g;
  }
}

}  // namespace

Var binary_cross_entropy_with_logits(const Var& logits, const Tensor& targets, Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  if (!(logits.shape() == targets.shape())) shape_error(op, "logits and targets must have the same shape", logits.shape(), targets.shape());
  if (targets.dtype() != DType::f32) shape_error(op, "targets must be float32; logits and targets", logits.shape(), targets.shape());
  const int64_t n = targets.numel();
  const float* z = logits.value().f32();
  const float* y = targets.f32();
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (!(y[i] >= 0.0f && y[i] <= 1.0f))
      throw std::invalid_argument(std::string(op) + ": target " + std::to_string(y[i]) + " at position " +
                                  std::to_string(i) + " is outside [0, 1]");
    const double zi = z[i];
    sum += std::max(zi, 0.0) - zi * y[i] + std::log1p(std::exp(-std::abs(zi)));
  }
  const double scale = reduction == Reduction::mean ? (n > 0 ? 1.0 / double(n) : 0.0) : 1.0;
  Var loss = Var::make_result(op, Tensor::full(Shape{}, static_cast<float>(sum * scale)), {logits},
                              binary_cross_entropy_backward, ValueReads::input(0));
  if (Node* node = loss.recording())
    node->emplace_record<LogisticLossRecord>(targets.clone(), static_cast<float>(scale));
  return loss;
}

}  // namespace nmt
