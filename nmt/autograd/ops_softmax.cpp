// Softmax and log-softmax over the last axis with an optional additive (constant) mask.
//
// Forward, per row of n values (three sweeps over a row that stays in L1):
//   1. z = x + mask and m = max z             2. s = sum exp(z - m)
//   3. softmax: y = exp(z - m) / s            log_softmax: y = z - (m + log s)
// Subtracting the max keeps exp() from overflowing (the classic stable form). When m = -inf
// the row is fully masked: y = 0 (see ops_softmax.h).
// Backward, per row (g = dL/dy):
//   softmax:     dx = y * (g - <g, y>)
//   log_softmax: dx = g - exp(y) * sum(g)       (0 for a fully masked row)
// Rows are independent: they are split over OpenMP threads, each row computed by one thread
// in a fixed order, so results do not depend on the thread count.
#include "nmt/autograd/ops_softmax.h"

#include <omp.h>

#include <limits>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();


// One row. `mask` may be null. Returns true when the row is fully masked (max z = -inf).
template <bool kLog>
NMT_KERNEL bool softmax_row(const float* x, const float* mask, float* y, int64_t n) {
  float m = kNegInf;
  if (mask) {
#pragma omp simd reduction(max : m)
    for (int64_t j = 0; j < n; ++j) {
      y[j] = x[j] + mask[j];
      m = y[j] > m ? y[j] : m;
    }
  } else {
#pragma omp simd reduction(max : m)
    for (int64_t j = 0; j < n; ++j) {
      y[j] = x[j];
      m = x[j] > m ? x[j] : m;
    }
  }
  if (m == kNegInf) {  // fully masked (or an empty row)
    for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
    return true;
  }
  float s = 0.0f;
  if constexpr (kLog) {
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += fast_math::exp_nonpositive(y[j] - m);
    const float shift = m + fast_math::log(s);
    for (int64_t j = 0; j < n; ++j) y[j] -= shift;
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) {
      y[j] = fast_math::exp_nonpositive(y[j] - m);
      s += y[j];
    }
    const float r = 1.0f / s;
    for (int64_t j = 0; j < n; ++j) y[j] *= r;
  }
  return false;
}

// dx (=|+=) y * (g - <g, y>)
NMT_KERNEL void softmax_backward_row(const float* y, const float* g, float* dx, int64_t n, bool accumulate) {
  float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
  for (int64_t j = 0; j < n; ++j) dot += g[j] * y[j];
  if (accumulate)
    for (int64_t j = 0; j < n; ++j) dx[j] += y[j] * (g[j] - dot);
  else
    for (int64_t j = 0; j < n; ++j) dx[j] = y[j] * (g[j] - dot);
}

// dx (=|+=) g - exp(y) * sum(g); a dead (fully masked) row gets 0.
NMT_KERNEL void log_softmax_backward_row(const float* y, const float* g, float* dx, int64_t n, bool dead,
                                         bool accumulate) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < n; ++j) sum += g[j];
  const float keep = dead ? 0.0f : 1.0f;
  if (dead) sum = 0.0f;
  if (accumulate)
    for (int64_t j = 0; j < n; ++j) dx[j] += keep * g[j] - fast_math::exp(y[j]) * sum;
  else
    for (int64_t j = 0; j < n; ++j) dx[j] = keep * g[j] - fast_math::exp(y[j]) * sum;
}

// Where each row of x finds its mask row: offset = sum over leading axes k of index_k *
// stride_k, with stride_k = 0 on axes where the mask has extent 1 (or no axis).
struct MaskRows {
  int axes = 0;  // leading axes of x
  int64_t extent[Shape::kMaxRank]{};
  int64_t stride[Shape::kMaxRank]{};
  int64_t offset(int64_t row) const {
    int64_t off = 0;
    for (int k = axes - 1; k >= 0; --k) {
      off += (row % extent[k]) * stride[k];
      row /= extent[k];
    }
    return off;
  }
};

MaskRows plan_mask(const char* op, const Shape& xs, const Tensor& mask) {
  const Shape& ms = mask.shape();
  if (mask.dtype() != DType::f32) shape_error(op, "the mask must be float32; shapes", xs, ms);
  if (xs.rank() == 0 || ms.rank() == 0 || ms.rank() > xs.rank() || ms[-1] != xs[-1])
    shape_error(op, "the mask must match the last axis and broadcast over the leading axes:", xs, ms);
  MaskRows plan;
  plan.axes = xs.rank() - 1;
  int64_t stride = ms[-1];
  for (int k = xs.rank() - 2; k >= 0; --k) {
    const int km = k - (xs.rank() - ms.rank());
    const int64_t dm = km >= 0 ? ms[km] : 1;
    if (dm != 1 && dm != xs[k])
      shape_error(op, "the mask must match the last axis and broadcast over the leading axes:", xs, ms);
    plan.extent[k] = xs[k];
    plan.stride[k] = dm == 1 ? 0 : stride;
    stride *= dm;
  }
  return plan;
}

// What the backward of softmax and log_softmax reads besides the output: the row length n and,
// for log_softmax with a mask, which rows are fully masked (1 per such row).
struct SoftmaxRecord {
  Tensor dead;
  int64_t n;
};

void softmax_backward(Node& node) {
  bool accumulate;
  Tensor* gx = node.input_grad(0, &accumulate);
  if (!gx) return;
  const int64_t n = node.record<SoftmaxRecord>().n, rows = n ? node.value.numel() / n : 0;
  const float* y = node.value.f32();
  const float* g = node.grad.f32();
  float* dx = gx->f32();
  parallel_for(rows, rows * n,
               [&](int64_t r) { softmax_backward_row(y + r * n, g + r * n, dx + r * n, n, accumulate); });
}

void log_softmax_backward(Node& node) {
  bool accumulate;
  Tensor* gx = node.input_grad(0, &accumulate);
  if (!gx) return;
  const SoftmaxRecord& record = node.record<SoftmaxRecord>();
  const int64_t n = record.n, rows = n ? node.value.numel() / n : 0;
  const float* y = node.value.f32();
  const float* g = node.grad.f32();
  const float* dead = record.dead.defined() ? record.dead.f32() : nullptr;  // only with a mask
  float* dx = gx->f32();
  parallel_for(rows, rows * n, [&](int64_t r) {
    log_softmax_backward_row(y + r * n, g + r * n, dx + r * n, n, dead && dead[r] != 0.0f, accumulate);
  });
}

template <bool kLog>
Var softmax_op(const char* op, const Var& x, const Tensor& mask) {
  const Shape& xs = x.shape();
  if (xs.rank() == 0) shape_error(op, "needs at least one axis, got", xs);
  const int64_t n = xs[-1], rows = n ? x.numel() / n : 0;
  Tensor out = Tensor::empty(xs);
  Tensor dead;  // per row: 1 when fully masked (log_softmax's backward needs it)
  const float* xp = x.value().f32();
  float* yp = out.f32();
  if (mask.defined()) {
    const MaskRows plan = plan_mask(op, xs, mask);
    const float* mp = mask.f32();
    dead = Tensor::empty({rows});
    float* dp = dead.f32();
    parallel_for(rows, rows * n, [&](int64_t r) {
      dp[r] = softmax_row<kLog>(xp + r * n, mp + plan.offset(r), yp + r * n, n) ? 1.0f : 0.0f;
    });
  } else {
    parallel_for(rows, rows * n, [&](int64_t r) { softmax_row<kLog>(xp + r * n, nullptr, yp + r * n, n); });
  }
  Var y = Var::make_result(op, std::move(out), {x}, kLog ? log_softmax_backward : softmax_backward,
                           ValueReads::output);
  if (Node* node = y.recording()) node->emplace_record<SoftmaxRecord>(kLog ? std::move(dead) : Tensor(), n);
  return y;
}

}  // namespace

Var softmax(const Var& x, const Tensor& mask) { return softmax_op<false>("softmax", x, mask); }
Var log_softmax(const Var& x, const Tensor& mask) { return softmax_op<true>("log_softmax", x, mask); }

}  // namespace nmt
