// Inverted dropout (Srivastava et al. 2014):
//   forward   y = x * m,  m_i = 1/(1-p) (kept, probability 1-p) or 0 (dropped)
//   backward  dx = dy * m
// The mask is kept as one bit per element (32 per word): a float mask would hold as much memory
// as the activation itself, for every dropout of the network, until backward. It is drawn
// sequentially from the Generator (its sequence defines the mask, so it cannot be split over
// threads); applying it is a vectorised, parallel loop over whole words.
#include "nmt/autograd/ops_dropout.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

constexpr int64_t kBitsPerWord = 32;

// Bit j of words[w] is set when element 32w + j is kept: when its 32-bit draw is >= threshold.
// Each 64-bit draw serves two elements: its high half first, then its low half.
void draw_mask(uint32_t* words, int64_t n, uint64_t threshold, Generator& gen) {
  for (int64_t w = 0; w * kBitsPerWord < n; ++w) {
    const int64_t count = std::min(kBitsPerWord, n - w * kBitsPerWord);
    uint32_t bits = 0;
    for (int64_t j = 0; j < count; j += 2) {
      const uint64_t draw = gen.next();
      bits |= static_cast<uint32_t>((draw >> 32) >= threshold) << j;
      if (j + 1 < count) bits |= static_cast<uint32_t>((draw & 0xffffffffULL) >= threshold) << (j + 1);
    }
    words[w] = bits;
  }
}

// out[i] (=|+=) x[i] * (bit i of the mask ? scale : 0), for the n elements starting at word 0.
NMT_KERNEL void masked_scale(const float* x, const uint32_t* words, float scale, float* out, int64_t n,
                             bool accumulate) {
  const int64_t full = n / kBitsPerWord;
  for (int64_t w = 0; w < full; ++w) {
    const uint32_t bits = words[w];
    const float* xw = x + w * kBitsPerWord;
    float* ow = out + w * kBitsPerWord;
    if (accumulate)
      for (int j = 0; j < kBitsPerWord; ++j) ow[j] += ((bits >> j) & 1u) ? xw[j] * scale : 0.0f;
    else
      for (int j = 0; j < kBitsPerWord; ++j) ow[j] = ((bits >> j) & 1u) ? xw[j] * scale : 0.0f;
  }
  for (int64_t i = full * kBitsPerWord; i < n; ++i) {
    const float v = ((words[full] >> (i % kBitsPerWord)) & 1u) ? x[i] * scale : 0.0f;
    out[i] = accumulate ? out[i] + v : v;
  }
}

void masked_scale_parallel(const float* x, const Tensor& mask, float scale, float* out, int64_t n, bool accumulate) {
  const auto* words = reinterpret_cast<const uint32_t*>(mask.i32());
  // Chunks of whole words: 2^14 elements = 512 words.
  parallel_chunks(n, [&](int64_t b, int64_t e) {
    masked_scale(x + b, words + b / kBitsPerWord, scale, out + b, e - b, accumulate);
  });
}

// What the backward reads: the mask bits and the scale 1/(1-p).
struct DropoutRecord {
  Tensor mask;
  float scale;
};

void dropout_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate)) {
    const DropoutRecord& record = node.record<DropoutRecord>();
    masked_scale_parallel(node.grad.f32(), record.mask, record.scale, dx->f32(), dx->numel(), accumulate);
  }
}

}  // namespace

Var dropout(const Var& x, float p, Generator& gen, bool training) {
  if (!(p >= 0.0f && p <= 1.0f)) throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;
  const int64_t n = x.numel();
  // keep iff u >= p 2^32 for u uniform on [0, 2^32): probability 1 - p (up to 2^-32).
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(static_cast<double>(p), 32));
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  Tensor mask = Tensor::empty({(n + kBitsPerWord - 1) / kBitsPerWord}, DType::i32);
  draw_mask(reinterpret_cast<uint32_t*>(mask.i32()), n, threshold, gen);
  Tensor out = Tensor::empty(x.shape());
  masked_scale_parallel(x.value().f32(), mask, scale, out.f32(), n, false);
  Var y = Var::make_result("dropout", std::move(out), {x}, dropout_backward, ValueReads::none);
  if (Node* node = y.recording()) node->emplace_record<DropoutRecord>(std::move(mask), scale);
  return y;
}

}  // namespace nmt
