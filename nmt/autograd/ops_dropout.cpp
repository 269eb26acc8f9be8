// Inverted dropout (Srivastava et al. 2014):
//   forward   y = x * m,  m_i = 1/(1-p) (kept, probability 1-p) or 0 (dropped)
//   backward  dx = dy * m
// The mask is drawn sequentially from the Generator (its sequence defines the mask, so it
// cannot be split over threads); applying it is a vectorised, parallel elementwise product.
#include "nmt/autograd/ops_dropout.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

// mask[i] = scale when the i-th 32-bit draw is >= threshold, else 0. Each 64-bit draw serves
// two elements: its high half first, then its low half.
void draw_mask(float* mask, int64_t n, uint64_t threshold, float scale, Generator& gen) {
  int64_t i = 0;
  for (; i + 1 < n; i += 2) {
    const uint64_t bits = gen.next();
    mask[i] = (bits >> 32) >= threshold ? scale : 0.0f;
    mask[i + 1] = (bits & 0xffffffffULL) >= threshold ? scale : 0.0f;
  }
  if (i < n) mask[i] = (gen.next() >> 32) >= threshold ? scale : 0.0f;
}

// out (=|+=) a * b
NMT_KERNEL void multiply(const float* a, const float* b, float* out, int64_t n, bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) out[i] += a[i] * b[i];
  else
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void multiply_parallel(const float* a, const float* b, float* out, int64_t n, bool accumulate) {
  parallel_chunks(n, [&](int64_t s, int64_t e) { multiply(a + s, b + s, out + s, e - s, accumulate); });
}

// saved[0]: the mask.
void dropout_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate))
    multiply_parallel(node.grad.f32(), node.saved[0].f32(), dx->f32(), dx->numel(), accumulate);
}

}  // namespace

Var dropout(const Var& x, float p, Generator& gen, bool training) {
  if (!(p >= 0.0f && p <= 1.0f)) throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;
  const int64_t n = x.numel();
  // keep iff u >= p 2^32 for u uniform on [0, 2^32): probability 1 - p (up to 2^-32).
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(static_cast<double>(p), 32));
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  Tensor mask = Tensor::empty(x.shape());
  draw_mask(mask.f32(), n, threshold, scale, gen);
  Tensor out = Tensor::empty(x.shape());
  multiply_parallel(x.value().f32(), mask.f32(), out.f32(), n, false);
  Var y = Var::make_result("dropout", std::move(out), {x}, dropout_backward);
  if (Node* node = y.recording()) node->saved[0] = std::move(mask);
  return y;
}

}  // namespace nmt
