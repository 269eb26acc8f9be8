#include "nmt/layers/multi_head_attention.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {

MultiHeadAttention::MultiHeadAttention(ParameterStore& store, const std::string& name, int64_t d_model,
                                       int64_t heads, bool self_attention, Generator& init)
    : d_model_(d_model), heads_(heads), d_k_(heads > 0 ? d_model / heads : 0) {  // no division by 0 heads
  if (heads <= 0 || d_model % heads != 0)
    throw std::invalid_argument("attention: d_model " + std::to_string(d_model) + " is not divisible by " +
                                std::to_string(heads) + " heads");
  if (self_attention) {
    qkv_ = Linear(store, name + ".qkv", d_model, 3 * d_model, init);
  } else {
    q_ = Linear(store, name + ".q", d_model, d_model, init);
    kv_ = Linear(store, name + ".kv", d_model, 2 * d_model, init);
  }
  out_ = Linear(store, name + ".out", d_model, d_model, init);
}

Var MultiHeadAttention::split_heads(const Var& x) const {
  const int64_t b = x.dim(0), t = x.dim(1);
  return transpose(reshape(x, {b, t, heads_, d_k_}), 1, 2);
}

Var MultiHeadAttention::merge_heads(const Var& x) const {
  const int64_t b = x.dim(0), t = x.dim(2);
  return reshape(transpose(x, 1, 2), {b, t, d_model_});
}

Var MultiHeadAttention::attention(const Var& q, const Var& k, const Var& v, const Tensor& mask, Tensor* kept) {
  // Scaling the queries instead of the scores: the same product, on a smaller tensor.
  Var scores = batched_matmul(q * (1.0f / std::sqrt(static_cast<float>(d_k_))), k, false, true);  // [B, H, T, S]
  Var weights = softmax(scores, mask);
  if (kept) *kept = weights.value();
  return batched_matmul(weights, v);  // [B, H, T, d_k]
}

// Splits a fused projection [B, T, n * d] into n tensors [B, H, T, d_k].
static std::vector<Var> split_projection(const Var& fused, int64_t n, int64_t heads, int64_t d_k) {
  const int64_t b = fused.dim(0), t = fused.dim(1);
  Var per_head = permute(reshape(fused, {b, t, n, heads, d_k}), {2, 0, 3, 1, 4});  // [n, B, H, T, d_k]
  std::vector<Var> parts = split(per_head, 0, std::vector<int64_t>(n, 1));
  for (Var& p : parts) p = reshape(p, {b, heads, t, d_k});
  return parts;
}

Var MultiHeadAttention::self_attend(const Var& x, const Tensor& mask) {
  std::vector<Var> qkv = split_projection(qkv_(x), 3, heads_, d_k_);
  return out_(merge_heads(attention(qkv[0], qkv[1], qkv[2], mask)));
}

namespace {

// One query of one head against positions [0, length) of its cache: softmax(q k^T / sqrt(d_k)) v,
// as attention() computes it (the same softmax_row arithmetic: max, fast exp, one division).
NMT_KERNEL void attend_cached(const float* q, const float* keys, const float* values, int64_t length, int64_t d_k,
                              float scale, float* scratch, float* out) {
  float* qs = scratch;  // the query scaled first, as attention() scales it
  float* scores = scratch + d_k;
  for (int64_t c = 0; c < d_k; ++c) qs[c] = q[c] * scale;
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < length; ++j) {
    const float* k = keys + j * d_k;
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t c = 0; c < d_k; ++c) s += qs[c] * k[c];
    scores[j] = s;
    m = s > m ? s : m;
  }
  float sum = 0.f;
  for (int64_t j = 0; j < length; ++j) {
    scores[j] = fast_math::exp_nonpositive(scores[j] - m);
    sum += scores[j];
  }
  const float r = 1.f / sum;
  for (int64_t c = 0; c < d_k; ++c) out[c] = 0.f;
  for (int64_t j = 0; j < length; ++j) {
    const float w = scores[j] * r;
    const float* v = values + j * d_k;
#pragma omp simd
    for (int64_t c = 0; c < d_k; ++c) out[c] += w * v[c];
  }
}

}  // namespace

Var MultiHeadAttention::self_attend_step(const Var& x, Tensor& keys, Tensor& values, int64_t position) {
  const int64_t n = x.dim(0);
  if (x.rank() != 3 || x.dim(1) != 1 || keys.rank() != 4 || keys.dim(0) != n || keys.dim(1) != heads_ ||
      keys.dim(3) != d_k_ || position >= keys.dim(2) || values.shape() != keys.shape())
    shape_error("attention step", "needs x [N, 1, d] and caches [N, H, capacity > position, d_k], got", x.shape(),
                keys.shape());
  const Tensor qkv = qkv_(x).value();  // [N, 1, 3d]: queries, keys, values, each heads side by side
  const int64_t capacity = keys.dim(2), d = d_model_, length = position + 1;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k_));
  Tensor context = Tensor::empty({n, 1, d});
  const float* in = qkv.f32();
  float* kc = keys.f32();
  float* vc = values.f32();
  float* out = context.f32();
  parallel_for(n * heads_, n * heads_ * length * d_k_ * 4, [&](int64_t i) {
    const int64_t row = i / heads_, h = i % heads_;
    const float* q = in + row * 3 * d + h * d_k_;
    float* k = kc + (i * capacity) * d_k_;
    float* v = vc + (i * capacity) * d_k_;
    std::memcpy(k + position * d_k_, q + d, static_cast<std::size_t>(d_k_) * sizeof(float));
    std::memcpy(v + position * d_k_, q + 2 * d, static_cast<std::size_t>(d_k_) * sizeof(float));
    thread_local std::vector<float> scratch;
    if (static_cast<int64_t>(scratch.size()) < length + d_k_) scratch.resize(static_cast<std::size_t>(length + d_k_));
    attend_cached(q, k, v, length, d_k_, scale, scratch.data(), out + row * d + h * d_k_);
  });
  return out_(Var(std::move(context)));
}

MultiHeadAttention::KeysValues MultiHeadAttention::project_memory(const Var& memory) const {
  std::vector<Var> kv = split_projection(kv_(memory), 2, heads_, d_k_);
  return {kv[0], kv[1]};
}

Var MultiHeadAttention::attend(const Var& x, const KeysValues& memory, const Tensor& mask, Tensor* weights) {
  return out_(merge_heads(attention(split_heads(q_(x)), memory.keys, memory.values, mask, weights)));
}

}  // namespace nmt
