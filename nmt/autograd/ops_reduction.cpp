// Reductions over one axis (sum, mean) and over everything (sum_all, mean_all).
//
// One-axis reductions view x as [outer, n, inner] (n the reduced extent):
//   forward   y[o, i] = s * sum_j x[o, j, i]          (s = 1 for sum, 1/n for mean)
//   backward  dx[o, j, i] = s * dy[o, i]
// The forward adds the n slices in order j = 0, 1, ..., each output element by one thread,
// so the result does not depend on the thread count. For inner == 1 (reducing the last axis)
// each row is a vectorised dot-style reduction instead.
#include "nmt/autograd/ops_reduction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nmt/autograd/ops_shape.h"  // normalize_axis
#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt {
namespace {

// ---- one axis -------------------------------------------------------------------------------

// Reducing the last axis: y[o] = s * sum_j x[o, j].
NMT_KERNEL void reduce_rows(const float* x, float* y, int64_t outer, int64_t n, float scale) {
#pragma omp parallel for if (outer * n > kParallelThreshold)
  for (int64_t o = 0; o < outer; ++o) {
    const float* row = x + o * n;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += row[j];
    y[o] = s * scale;
  }
}

// Reducing an inner axis: y[o, i] = s * sum_j x[o, j, i], in blocks of the inner axis so that
// an output block stays in L1 while the n slices are added into it.
NMT_KERNEL void reduce_middle(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, float scale) {
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for if (outer * n * inner > kParallelThreshold)
  for (int64_t t = 0; t < outer * blocks; ++t) {
    const int64_t o = t / blocks, begin = (t % blocks) * kBlock, end = std::min(inner, begin + kBlock);
    float* out = y + o * inner;
    const float* in = x + o * n * inner;
    for (int64_t i = begin; i < end; ++i) out[i] = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      const float* slice = in + j * inner;
      for (int64_t i = begin; i < end; ++i) out[i] += slice[i];
    }
    if (scale != 1.0f)
      for (int64_t i = begin; i < end; ++i) out[i] *= scale;
  }
}

// dx[o, j, i] (=|+=) s * dy[o, i]
NMT_KERNEL void expand_grad(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner, float scale,
                            bool accumulate) {
  if (inner == 1) {
#pragma omp parallel for if (outer * n > kParallelThreshold)
    for (int64_t o = 0; o < outer; ++o) {
      const float v = scale * g[o];
      float* row = dx + o * n;
      if (accumulate)
        for (int64_t j = 0; j < n; ++j) row[j] += v;
      else
        for (int64_t j = 0; j < n; ++j) row[j] = v;
    }
    return;
  }
#pragma omp parallel for if (outer * n * inner > kParallelThreshold)
  for (int64_t r = 0; r < outer * n; ++r) {
    const float* src = g + (r / n) * inner;
    float* row = dx + r * inner;
    if (accumulate)
      for (int64_t i = 0; i < inner; ++i) row[i] += scale * src[i];
    else
      for (int64_t i = 0; i < inner; ++i) row[i] = scale * src[i];
  }
}

// ints: outer, n, inner; scalars[0]: the scale s.
void reduce_axis_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate))
    expand_grad(node.grad.f32(), dx->f32(), node.ints[0], node.ints[1], node.ints[2], node.scalars[0], accumulate);
}

Var reduce_axis(const char* name, const Var& x, int axis, bool keepdim, bool average) {
  const Shape& shape = x.shape();
  if (shape.rank() == 0) shape_error(name, "needs at least one axis, got", shape);
  const int a = normalize_axis(name, shape, axis);
  const int64_t outer = shape.outer(a), n = shape[a], inner = shape.inner(a);
  Shape out_shape;
  for (int i = 0; i < shape.rank(); ++i) {
    if (i != a)
      out_shape.push_back(shape[i]);
    else if (keepdim)
      out_shape.push_back(1);
  }
  if (out_shape.rank() == 0) out_shape.push_back(1);  // no 0-rank results (see the header)
  const float scale = average ? (n > 0 ? 1.0f / static_cast<float>(n) : std::numeric_limits<float>::quiet_NaN())
                              : 1.0f;
  Tensor out = Tensor::empty(out_shape);
  if (inner == 1)
    reduce_rows(x.value().f32(), out.f32(), outer, n, scale);
  else
    reduce_middle(x.value().f32(), out.f32(), outer, n, inner, scale);
  Var y = Var::make_result(name, std::move(out), {x}, reduce_axis_backward);
  if (Node* node = y.recording()) {
    node->ints[0] = outer;
    node->ints[1] = n;
    node->ints[2] = inner;
    node->scalars[0] = scale;
  }
  return y;
}

// ---- everything -----------------------------------------------------------------------------

constexpr int64_t kChunk = 8192;

// partial[c] = sum of chunk c (kChunk elements, the last one shorter).
NMT_KERNEL void chunk_sums(const float* x, int64_t n, float* partial, int64_t chunks) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t c = 0; c < chunks; ++c) {
    const float* p = x + c * kChunk;
    const int64_t m = std::min(kChunk, n - c * kChunk);
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < m; ++i) s += p[i];
    partial[c] = s;
  }
}

// dx (=|+=) v everywhere.
NMT_KERNEL void fill_grad(float* dx, int64_t n, float v, bool accumulate) {
  if (accumulate) {
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) dx[i] += v;
  } else {
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) dx[i] = v;
  }
}

// scalars[0]: the scale s (1 or 1/numel).
void reduce_all_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate))
    fill_grad(dx->f32(), dx->numel(), node.scalars[0] * node.grad.f32()[0], accumulate);
}

Var reduce_all(const char* name, const Var& x, bool average) {
  const int64_t n = x.numel();
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  double total = 0;
  if (chunks > 0) {
    Tensor partial = Tensor::empty({chunks});
    chunk_sums(x.value().f32(), n, partial.f32(), chunks);
    for (int64_t c = 0; c < chunks; ++c) total += partial.f32()[c];
  }
  const float scale = average ? (n > 0 ? 1.0f / static_cast<float>(n) : std::numeric_limits<float>::quiet_NaN())
                              : 1.0f;
  Tensor out = Tensor::empty({1});
  out.f32()[0] = average ? static_cast<float>(n > 0 ? total / static_cast<double>(n) : std::nan(""))
                         : static_cast<float>(total);
  Var y = Var::make_result(name, std::move(out), {x}, reduce_all_backward);
  if (Node* node = y.recording()) node->scalars[0] = scale;
  return y;
}

}  // namespace

Var sum(const Var& x, int axis, bool keepdim) { return reduce_axis("sum", x, axis, keepdim, false); }
Var mean(const Var& x, int axis, bool keepdim) { return reduce_axis("mean", x, axis, keepdim, true); }
Var sum_all(const Var& x) { return reduce_all("sum_all", x, false); }
Var mean_all(const Var& x) { return reduce_all("mean_all", x, true); }

}  // namespace nmt
