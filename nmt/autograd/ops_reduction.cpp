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
#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

// ---- one axis -------------------------------------------------------------------------------

// Reducing the last axis: y[o] = s * sum_j x[o, j] for rows o in [begin, end).
NMT_KERNEL void reduce_rows(const float* x, float* y, int64_t begin, int64_t end, int64_t n, float scale) {
  for (int64_t o = begin; o < end; ++o) {
    const float* row = x + o * n;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += row[j];
    y[o] = s * scale;
  }
}

// Reducing an inner axis, one block [begin, end) of the inner axis of one outer index:
// out[i] = s * sum_j in[j, i]. The block of out stays in L1 while the n slices are added.
NMT_KERNEL void reduce_block(const float* in, float* out, int64_t n, int64_t inner, int64_t begin, int64_t end,
                             float scale) {
  for (int64_t i = begin; i < end; ++i) out[i] = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    const float* slice = in + j * inner;
    for (int64_t i = begin; i < end; ++i) out[i] += slice[i];
  }
  if (scale != 1.0f)
    for (int64_t i = begin; i < end; ++i) out[i] *= scale;
}

void reduce_forward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, float scale) {
  if (inner == 1) {
    constexpr int64_t kRows = 64;
    parallel_for((outer + kRows - 1) / kRows, outer * n, [&](int64_t t) {
      reduce_rows(x, y, t * kRows, std::min(outer, (t + 1) * kRows), n, scale);
    });
    return;
  }
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(outer * blocks, outer * n * inner, [&](int64_t t) {
    const int64_t o = t / blocks, begin = (t % blocks) * kBlock;
    reduce_block(x + o * n * inner, y + o * inner, n, inner, begin, std::min(inner, begin + kBlock), scale);
  });
}

// dx[j] (=|+=) v for j < n (the gradient of one reduced row).
NMT_KERNEL void broadcast_value(float* dx, int64_t n, float v, bool accumulate) {
  if (accumulate)
    for (int64_t j = 0; j < n; ++j) dx[j] += v;
  else
    for (int64_t j = 0; j < n; ++j) dx[j] = v;
}

// dx[i] (=|+=) s * g[i] for i < n.
NMT_KERNEL void scaled_copy(float* dx, const float* g, int64_t n, float scale, bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) dx[i] += scale * g[i];
  else
    for (int64_t i = 0; i < n; ++i) dx[i] = scale * g[i];
}

// dx[o, j, i] (=|+=) s * dy[o, i]
void expand_grad(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner, float scale, bool accumulate) {
  if (inner == 1)
    parallel_for(outer, outer * n, [&](int64_t o) { broadcast_value(dx + o * n, n, scale * g[o], accumulate); });
  else
    parallel_for(outer * n, outer * n * inner, [&](int64_t r) {
      scaled_copy(dx + r * inner, g + (r / n) * inner, inner, scale, accumulate);
    });
}

// What the backward reads: x viewed as [outer, n, inner], and the scale s.
struct ReduceAxisRecord {
  int64_t outer, n, inner;
  float scale;
};

void reduce_axis_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate)) {
    const ReduceAxisRecord& r = node.record<ReduceAxisRecord>();
    expand_grad(node.grad.f32(), dx->f32(), r.outer, r.n, r.inner, r.scale, accumulate);
  }
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
  reduce_forward(x.value().f32(), out.f32(), outer, n, inner, scale);
  Var y = Var::make_result(name, std::move(out), {x}, reduce_axis_backward);
  if (Node* node = y.recording()) node->emplace_record<ReduceAxisRecord>(outer, n, inner, scale);
  return y;
}

// ---- everything -----------------------------------------------------------------------------

constexpr int64_t kChunk = 8192;

// The sum of one chunk.
NMT_KERNEL float chunk_sum(const float* x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}

// What the backward reads: the scale s (1 or 1/numel).
struct ReduceAllRecord {
  float scale;
};

void reduce_all_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate)) {
    const float v = node.record<ReduceAllRecord>().scale * node.grad.f32()[0];
    float* d = dx->f32();
    parallel_chunks(dx->numel(), [&](int64_t b, int64_t e) { broadcast_value(d + b, e - b, v, accumulate); });
  }
}

Var reduce_all(const char* name, const Var& x, bool average) {
  const int64_t n = x.numel();
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  double total = 0;
  if (chunks > 0) {
    Tensor partial = Tensor::empty({chunks});
    const float* in = x.value().f32();
    float* p = partial.f32();
    parallel_for(chunks, n, [&](int64_t c) { p[c] = chunk_sum(in + c * kChunk, std::min(kChunk, n - c * kChunk)); });
    for (int64_t c = 0; c < chunks; ++c) total += p[c];
  }
  const float scale = average ? (n > 0 ? 1.0f / static_cast<float>(n) : std::numeric_limits<float>::quiet_NaN())
                              : 1.0f;
  Tensor out = Tensor::empty({1});
  out.f32()[0] = average ? static_cast<float>(n > 0 ? total / static_cast<double>(n) : std::nan(""))
                         : static_cast<float>(total);
  Var y = Var::make_result(name, std::move(out), {x}, reduce_all_backward);
  if (Node* node = y.recording()) node->emplace_record<ReduceAllRecord>(scale);
  return y;
}

}  // namespace

Var sum(const Var& x, int axis, bool keepdim) { return reduce_axis("sum", x, axis, keepdim, false); }
Var mean(const Var& x, int axis, bool keepdim) { return reduce_axis("mean", x, axis, keepdim, true); }
Var sum_all(const Var& x) { return reduce_all("sum_all", x, false); }
Var mean_all(const Var& x) { return reduce_all("mean_all", x, true); }

}  // namespace nmt
