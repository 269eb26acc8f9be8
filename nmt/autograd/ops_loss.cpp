// Fused cross-entropy with label smoothing (the formulas are in ops_loss.h).
//
// Forward: ONE pass over each row's V logits, in chunks that stay in L1. Per chunk: its max
// and the sum of its logits; if the max grew, the running sum of exponentials is rescaled
// (s *= exp(m_old - m_new), the "online softmax" of Milakov & Gimelshein 2018); then
// s += sum exp(x - m). At the end lse = m + log s. The row's loss and NLL follow from lse, the
// target's logit and the logits' sum, without storing any probabilities.
// Backward: one pass per row, dx_v = g * (exp(x_v - lse) - q_v) with the saved lse.
// Rows go to OpenMP threads; row results are summed in row order in double precision, so the
// loss does not depend on the thread count.
#include "nmt/autograd/ops_loss.h"

#include <omp.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt {
namespace {

constexpr int64_t kChunk = 1024;  // logits per chunk: 4 KiB


// log sum_v exp(x_v) and sum_v x_v for one row, in one pass over it.
NMT_KERNEL void logsumexp_row(const float* x, int64_t n, float* lse, float* sum) {
  float m = -std::numeric_limits<float>::infinity(), s = 0.0f, total = 0.0f;
  for (int64_t c = 0; c < n; c += kChunk) {
    const float* xc = x + c;
    const int64_t len = n - c < kChunk ? n - c : kChunk;
    float cm = -std::numeric_limits<float>::infinity(), cs = 0.0f;
#pragma omp simd reduction(max : cm) reduction(+ : cs)
    for (int64_t j = 0; j < len; ++j) {
      cm = xc[j] > cm ? xc[j] : cm;
      cs += xc[j];
    }
    total += cs;
    if (cm > m) {
      s *= fast_math::exp_nonpositive(m - cm);  // 0 * exp(-inf) = 0 on the first chunk
      m = cm;
    }
    float e = 0.0f;
#pragma omp simd reduction(+ : e)
    for (int64_t j = 0; j < len; ++j) e += fast_math::exp_nonpositive(xc[j] - m);
    s += e;
  }
  *lse = m + fast_math::log(s);
  *sum = total;
}

// dx (=|+=) scale * (exp(x - lse) - eps/V - (1 - eps) [v == y])
NMT_KERNEL void cross_entropy_backward_row(const float* x, float lse, int32_t y, float smooth, float confidence,
                                           float scale, float* dx, int64_t n, bool accumulate) {
  if (accumulate)
    for (int64_t v = 0; v < n; ++v) dx[v] += scale * (fast_math::exp_nonpositive(x[v] - lse) - smooth);
  else
    for (int64_t v = 0; v < n; ++v) dx[v] = scale * (fast_math::exp_nonpositive(x[v] - lse) - smooth);
  dx[y] -= scale * confidence;
}

// What the backward reads besides the logits: each row's log-sum-exp, the targets, the label
// smoothing eps, the reduction's scale (1 or 1/tokens) and the target that gets no gradient.
struct CrossEntropyRecord {
  Tensor lse, targets;
  float label_smoothing, scale;
  int32_t ignore_id;
};

void cross_entropy_backward(Node& node) {
  bool accumulate;
  Tensor* gx = node.input_grad(0, &accumulate);
  if (!gx) return;
  const Tensor& logits = node.input(0)->value;
  const int64_t v = logits.dim(-1), rows = logits.numel() / v;
  const float* x = logits.f32();
  const CrossEntropyRecord& record = node.record<CrossEntropyRecord>();
  const float* lse = record.lse.f32();
  const int32_t* targets = record.targets.i32();
  const float eps = record.label_smoothing;
  const float scale = node.grad.f32()[0] * record.scale;
  const int32_t ignore_id = record.ignore_id;
  const float smooth = eps / static_cast<float>(v), confidence = 1.0f - eps;
  float* dx = gx->f32();
  parallel_for(rows, rows * v, [&](int64_t r) {
    float* d = dx + r * v;
    if (targets[r] != ignore_id)
      cross_entropy_backward_row(x + r * v, lse[r], targets[r], smooth, confidence, scale, d, v, accumulate);
    else if (!accumulate)
      for (int64_t j = 0; j < v; ++j) d[j] = 0.0f;
  });
}

}  // namespace

CrossEntropyResult cross_entropy_with_stats(const Var& logits, const Tensor& targets, float label_smoothing,
                                            int32_t ignore_id, Reduction reduction) {
  const char* op = "cross_entropy";
  const Shape& ls = logits.shape();
  const Shape& ts = targets.shape();
  if (ls.rank() < 1 || ls[-1] < 1) shape_error(op, "needs logits [..., V] with V >= 1, got", ls);
  Shape expected;
  for (int i = 0; i < ls.rank() - 1; ++i) expected.push_back(ls[i]);
  if (ts != expected) shape_error(op, "targets must have the logits' shape without the last axis:", ls, ts);
  if (targets.dtype() != DType::i32) shape_error(op, "targets must be int32; logits and targets", ls, ts);
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    throw std::invalid_argument("cross_entropy: label_smoothing must be in [0, 1], got " +
                                std::to_string(label_smoothing));

  const int64_t v = ls[-1], rows = targets.numel();
  const float* x = logits.value().f32();
  const int32_t* y = targets.i32();
  int64_t tokens = 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (y[r] == ignore_id) continue;
    if (y[r] < 0 || y[r] >= v)
      throw std::invalid_argument("cross_entropy: target " + std::to_string(y[r]) + " at position " +
                                  std::to_string(r) + " is outside [0, " + std::to_string(v) +
                                  ") and not the ignore_id " + std::to_string(ignore_id));
    ++tokens;
  }

  Tensor lse = Tensor::empty({rows});
  Tensor per_row = Tensor::empty({2, rows});  // each row's loss and NLL (from the pool)
  float* row_loss = per_row.f32();
  float* row_nll = row_loss + rows;
  float* lp = lse.f32();
  const double eps = label_smoothing;
  parallel_for(rows, rows * v, [&](int64_t r) {
    if (y[r] == ignore_id) {
      lp[r] = 0.0f;
      row_loss[r] = row_nll[r] = 0.0f;
      return;
    }
    float sum;
    logsumexp_row(x + r * v, v, &lp[r], &sum);
    const double nll = double(lp[r]) - double(x[r * v + y[r]]);
    row_nll[r] = static_cast<float>(nll);
    row_loss[r] = static_cast<float>((1.0 - eps) * nll + eps * (double(lp[r]) - double(sum) / double(v)));
  });
  double loss_sum = 0.0, nll_sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    loss_sum += row_loss[r];
    nll_sum += row_nll[r];
  }
  const double scale = reduction == Reduction::mean ? (tokens > 0 ? 1.0 / double(tokens) : 0.0) : 1.0;
  Tensor out = Tensor::full(Shape{}, static_cast<float>(loss_sum * scale));

  CrossEntropyResult result;
  result.loss = Var::make_result(op, std::move(out), {logits}, cross_entropy_backward, ValueReads::input(0));
  if (Node* node = result.loss.recording())  // a copy of the targets: the caller may refill its batch buffer
    node->emplace_record<CrossEntropyRecord>(std::move(lse), targets.clone(), label_smoothing,
                                             static_cast<float>(scale), ignore_id);
  result.nll_sum = nll_sum;
  result.tokens = tokens;
  return result;
}

Var cross_entropy(const Var& logits, const Tensor& targets, float label_smoothing, int32_t ignore_id,
                  Reduction reduction) {
  return cross_entropy_with_stats(logits, targets, label_smoothing, ignore_id, reduction).loss;
}

}  // namespace nmt
