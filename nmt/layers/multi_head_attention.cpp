#include "nmt/layers/multi_head_attention.h"

#include <cmath>
#include <stdexcept>

namespace nmt {

MultiHeadAttention::MultiHeadAttention(ParameterStore& store, const std::string& name, int64_t d_model,
                                       int64_t heads, bool self_attention, Generator& init)
    : d_model_(d_model), heads_(heads), d_k_(d_model / heads) {
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

Var MultiHeadAttention::self_attend_step(const Var& x, KeysValues& cache) {
  std::vector<Var> qkv = split_projection(qkv_(x), 3, heads_, d_k_);  // [N, H, 1, d_k] each
  if (cache.keys.defined()) {
    cache.keys = concat({cache.keys, qkv[1]}, 2);
    cache.values = concat({cache.values, qkv[2]}, 2);
  } else {
    cache.keys = qkv[1];
    cache.values = qkv[2];
  }
  return out_(merge_heads(attention(qkv[0], cache.keys, cache.values, Tensor())));
}

MultiHeadAttention::KeysValues MultiHeadAttention::project_memory(const Var& memory) const {
  std::vector<Var> kv = split_projection(kv_(memory), 2, heads_, d_k_);
  return {kv[0], kv[1]};
}

Var MultiHeadAttention::attend(const Var& x, const KeysValues& memory, const Tensor& mask, Tensor* weights) {
  return out_(merge_heads(attention(split_heads(q_(x)), memory.keys, memory.values, mask, weights)));
}

}  // namespace nmt
