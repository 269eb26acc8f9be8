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

// The two halves of eq. 1 for one query of one head over `length` keys, each key (and its value)
// at its own address: keys[j] and values[j] point at d_k floats. Scores q k_j (the query already
// scaled by 1 / sqrt(d_k), as attention() scales it) plus the additive mask (none: nullptr),
// softmax as softmax_row computes it (max, fast exp, one division), then out = sum_j w_j v_j.
// Dot products four keys at a time, for independent accumulators. With `weights`, w is kept.
NMT_KERNEL void attend_one(const float* q, const float* const* keys, const float* const* values, const float* mask,
                           int64_t length, int64_t d_k, float* scores, float* out, float* weights) {
  int64_t j = 0;
  for (; j + 4 <= length; j += 4) {
    const float *k0 = keys[j], *k1 = keys[j + 1], *k2 = keys[j + 2], *k3 = keys[j + 3];
    float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (int64_t c = 0; c < d_k; ++c) {
      s0 += q[c] * k0[c];
      s1 += q[c] * k1[c];
      s2 += q[c] * k2[c];
      s3 += q[c] * k3[c];
    }
    scores[j] = s0, scores[j + 1] = s1, scores[j + 2] = s2, scores[j + 3] = s3;
  }
  for (; j < length; ++j) {
    const float* k = keys[j];
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t c = 0; c < d_k; ++c) s += q[c] * k[c];
    scores[j] = s;
  }
  // The softmax in blocks of 16 scores (`scores` has room for them; the padding scores -inf, so
  // exp gives 0): whole vectors, no scalar remainder loop.
  constexpr int64_t kBlock = 16;
  const int64_t padded = (length + kBlock - 1) / kBlock * kBlock;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  if (mask)
    for (int64_t i = 0; i < length; ++i) scores[i] += mask[i];
  for (int64_t i = length; i < padded; ++i) scores[i] = kNegInf;
  float block_max[kBlock];
  for (int64_t i = 0; i < kBlock; ++i) block_max[i] = kNegInf;
  for (int64_t b = 0; b < padded; b += kBlock)
#pragma omp simd
    for (int64_t i = 0; i < kBlock; ++i) block_max[i] = scores[b + i] > block_max[i] ? scores[b + i] : block_max[i];
  float m = kNegInf;
  for (int64_t i = 0; i < kBlock; ++i) m = block_max[i] > m ? block_max[i] : m;
  if (m == kNegInf) {  // every key masked: no context, as softmax_row
    for (int64_t c = 0; c < d_k; ++c) out[c] = 0.f;
    if (weights)
      for (int64_t i = 0; i < length; ++i) weights[i] = 0.f;
    return;
  }
  float block_sum[kBlock] = {};
  for (int64_t b = 0; b < padded; b += kBlock)
#pragma omp simd
    for (int64_t i = 0; i < kBlock; ++i) {
      const float e = fast_math::exp_nonpositive(scores[b + i] - m);
      scores[b + i] = e;
      block_sum[i] += e;
    }
  float sum = 0.f;
  for (int64_t i = 0; i < kBlock; ++i) sum += block_sum[i];
  const float r = 1.f / sum;
  for (int64_t b = 0; b < padded; b += kBlock)
#pragma omp simd
    for (int64_t i = 0; i < kBlock; ++i) scores[b + i] *= r;
  if (weights)
    for (int64_t i = 0; i < length; ++i) weights[i] = scores[i];
  // out = sum_i w_i v_i, 16 columns at a time: the 16 sums stay in registers over all i.
  int64_t c0 = 0;
  constexpr int64_t kColumns = 16;
  for (; c0 + kColumns <= d_k; c0 += kColumns) {
    float sums[kColumns] = {};
    for (int64_t i = 0; i < length; ++i) {
      const float w = scores[i];
      const float* v = values[i] + c0;
#pragma omp simd
      for (int64_t c = 0; c < kColumns; ++c) sums[c] += w * v[c];
    }
    for (int64_t c = 0; c < kColumns; ++c) out[c0 + c] = sums[c];
  }
  for (int64_t c = c0; c < d_k; ++c) out[c] = 0.f;  // d_k not a multiple of 16: the last columns
  for (int64_t i = 0; i < length && c0 < d_k; ++i)
    for (int64_t c = c0; c < d_k; ++c) out[c] += scores[i] * values[i][c];
}

// Per-thread scratch for attend_one: the key and value addresses, the scaled query and scores.
struct AttendScratch {
  std::vector<const float*> keys, values;
  std::vector<float> query, scores;
  void reserve(int64_t length, int64_t d_k) {
    if (static_cast<int64_t>(keys.size()) < length) {
      keys.resize(static_cast<std::size_t>(length));
      values.resize(static_cast<std::size_t>(length));
      scores.resize(static_cast<std::size_t>((length + 15) / 16 * 16));  // attend_one's blocks of 16
    }
    if (static_cast<int64_t>(query.size()) < d_k) query.resize(static_cast<std::size_t>(d_k));
  }
};

}  // namespace

Var MultiHeadAttention::self_attend_step(const Var& x, Tensor& keys, Tensor& values, int64_t position,
                                         const CacheRows& rows) {
  const int64_t n = x.dim(0);
  if (x.rank() != 3 || x.dim(1) != 1 || keys.rank() != 4 || keys.dim(1) != heads_ || keys.dim(3) != d_k_ ||
      position >= keys.dim(2) || values.shape() != keys.shape())
    shape_error("attention step", "needs x [N, 1, d] and caches [rows, H, capacity > position, d_k], got", x.shape(),
                keys.shape());
  const Tensor qkv = qkv_(x).value();  // [N, 1, 3d]: queries, keys, values, each heads side by side
  const int64_t capacity = keys.dim(2), d = d_model_, length = position + 1, cache_rows = keys.dim(0);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k_));
  Tensor context = Tensor::empty({n, 1, d});
  const float* in = qkv.f32();
  float* kc = keys.f32();
  float* vc = values.f32();
  float* out = context.f32();
  // Position `position` of row r into cache row home[r], first for every row (a row's prefix may lie
  // in the home row of another).
  for (int64_t r = 0; r < n; ++r) {
    if (rows.home[r] < 0 || rows.home[r] >= cache_rows)
      throw std::logic_error("attention step: cache row " + std::to_string(rows.home[r]) + " outside " +
                             std::to_string(cache_rows));
    for (int64_t h = 0; h < heads_; ++h) {
      const int64_t at = ((rows.home[r] * heads_ + h) * capacity + position) * d_k_;
      std::memcpy(kc + at, in + r * 3 * d + d + h * d_k_, static_cast<std::size_t>(d_k_) * sizeof(float));
      std::memcpy(vc + at, in + r * 3 * d + 2 * d + h * d_k_, static_cast<std::size_t>(d_k_) * sizeof(float));
    }
  }
  parallel_for(n * heads_, n * heads_ * length * d_k_ * 4, [&](int64_t i) {
    const int64_t r = i / heads_, h = i % heads_;
    thread_local AttendScratch scratch;
    scratch.reserve(length, d_k_);
    const int32_t* prefix = rows.rows + r * rows.stride;
    for (int64_t j = 0; j < length; ++j) {
      const int64_t at = ((prefix[j] * heads_ + h) * capacity + j) * d_k_;
      scratch.keys[j] = kc + at;
      scratch.values[j] = vc + at;
    }
    const float* q = in + r * 3 * d + h * d_k_;
    for (int64_t c = 0; c < d_k_; ++c) scratch.query[c] = q[c] * scale;
    attend_one(scratch.query.data(), scratch.keys.data(), scratch.values.data(), nullptr, length, d_k_,
               scratch.scores.data(), out + r * d + h * d_k_, nullptr);
  });
  return out_(Var(std::move(context)));
}

Var MultiHeadAttention::attend_step(const Var& x, const KeysValues& memory, const Tensor& mask, int64_t beam,
                                    Tensor* weights) {
  const int64_t n = x.dim(0);
  const Tensor& mk = memory.keys.value();
  const Tensor& mv = memory.values.value();
  if (x.rank() != 3 || x.dim(1) != 1 || beam < 1 || mk.rank() != 4 || mk.dim(0) * beam != n || mk.dim(1) != heads_ ||
      mk.dim(3) != d_k_ || mv.shape() != mk.shape() || mask.numel() != mk.dim(0) * mk.dim(2))
    shape_error("attention step", "needs x [N, 1, d], memory [N / beam, H, S, d_k] and a mask [N / beam, 1, 1, S], got",
                x.shape(), mk.shape());
  const Tensor q = q_(x).value();  // [N, 1, d]
  const int64_t S = mk.dim(2), d = d_model_;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k_));
  Tensor context = Tensor::empty({n, 1, d});
  if (weights) *weights = Tensor::empty({n, heads_, 1, S});
  const float* qp = q.f32();
  const float* kp = mk.f32();
  const float* vp = mv.f32();
  const float* mp = mask.f32();
  float* out = context.f32();
  float* wp = weights ? weights->f32() : nullptr;
  parallel_for(n * heads_, n * heads_ * S * d_k_ * 4, [&](int64_t i) {
    const int64_t r = i / heads_, h = i % heads_, sentence = r / beam;
    thread_local AttendScratch scratch;
    scratch.reserve(S, d_k_);
    const int64_t at = (sentence * heads_ + h) * S * d_k_;
    const float* m = mp + sentence * S;
    int64_t length = S;  // keys after the last visible one (the padding) weigh 0: not read
    while (length > 0 && m[length - 1] == -std::numeric_limits<float>::infinity()) --length;
    for (int64_t j = 0; j < length; ++j) {
      scratch.keys[j] = kp + at + j * d_k_;
      scratch.values[j] = vp + at + j * d_k_;
    }
    for (int64_t c = 0; c < d_k_; ++c) scratch.query[c] = qp[r * d + h * d_k_ + c] * scale;
    float* w = wp ? wp + i * S : nullptr;
    attend_one(scratch.query.data(), scratch.keys.data(), scratch.values.data(), m, length, d_k_,
               scratch.scores.data(), out + r * d + h * d_k_, w);
    if (w)
      for (int64_t j = length; j < S; ++j) w[j] = 0.f;
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
