// Fused additive attention scores: see ops_additive_scores.h.
#include "nmt/autograd/ops_additive_scores.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

// Rows of the batch per block of dv's partial sums: fixed, so the sum order is too.
constexpr int64_t kRowsPerBlock = 4;

// e[s] = sum_a v[a] tanh(q[a] + k[s, a]) for one query row q against S keys.
NMT_KERNEL void scores_row(const float* q, const float* k, const float* v, int64_t keys, int64_t width, float* e) {
  for (int64_t s = 0; s < keys; ++s) {
    const float* ks = k + s * width;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t a = 0; a < width; ++a) sum += v[a] * fast_math::tanh(q[a] + ks[a]);
    e[s] = sum;
  }
}

// One query row's backward against S keys: adds into dq [A], dk [S, A] and dv [A].
NMT_KERNEL void scores_row_backward(const float* q, const float* k, const float* v, const float* de, int64_t keys,
                                    int64_t width, float* dq, float* dk, float* dv) {
  for (int64_t s = 0; s < keys; ++s) {
    const float g = de[s];
    if (g == 0.0f) continue;  // masked positions: every term below would be 0
    const float* ks = k + s * width;
    float* dks = dk + s * width;
#pragma omp simd
    for (int64_t a = 0; a < width; ++a) {
      const float h = fast_math::tanh(q[a] + ks[a]);
      const float dpre = g * v[a] * (1.0f - h * h);
      dq[a] += dpre;
      dks[a] += dpre;
      dv[a] += g * h;
    }
  }
}

// What the backward reads besides its inputs {q, k, v}: the sizes of q [B, T, A] and k [B, S, A].
struct ScoresRecord {
  int64_t batch, queries, keys, width;
};

void additive_scores_backward(Node& node) {
  const ScoresRecord& r = node.record<ScoresRecord>();
  const int64_t batch = r.batch, queries = r.queries, keys = r.keys, width = r.width;
  const float* q = node.input(0)->value.f32();
  const float* k = node.input(1)->value.f32();
  const float* v = node.input(2)->value.f32();
  const float* de = node.grad.f32();
  bool acc_q = false, acc_k = false, acc_v = false;
  Tensor* gq = node.input_grad(0, &acc_q);
  Tensor* gk = node.input_grad(1, &acc_k);
  Tensor* gv = node.input_grad(2, &acc_v);
  // The kernel always adds: a new gradient starts at zero, one not wanted goes to scratch.
  if (gq && !acc_q) gq->fill(0.0f);
  if (gk && !acc_k) gk->fill(0.0f);
  Tensor dq = gq ? *gq : Tensor::zeros({batch * queries * width});
  Tensor dk = gk ? *gk : Tensor::zeros({batch * keys * width});
  const int64_t blocks = (batch + kRowsPerBlock - 1) / kRowsPerBlock;
  Tensor dv_blocks = Tensor::zeros({blocks, width});
  float* dqp = dq.f32();
  float* dkp = dk.f32();
  float* dvp = dv_blocks.f32();
  parallel_for(blocks, batch * queries * keys * width, [&](int64_t block) {
    const int64_t end = std::min(batch, (block + 1) * kRowsPerBlock);
    for (int64_t b = block * kRowsPerBlock; b < end; ++b)
      for (int64_t t = 0; t < queries; ++t) {
        const int64_t row = b * queries + t;
        scores_row_backward(q + row * width, k + b * keys * width, v, de + row * keys, keys, width,
                            dqp + row * width, dkp + b * keys * width, dvp + block * width);
      }
  });
  if (gv) {
    float* out = gv->f32();
    if (!acc_v) std::fill(out, out + width, 0.0f);
    for (int64_t block = 0; block < blocks; ++block)
      for (int64_t a = 0; a < width; ++a) out[a] += dvp[block * width + a];
  }
}

}  // namespace

Var additive_scores(const Var& q, const Var& k, const Var& v) {
  const Shape& qs = q.shape();
  const Shape& ks = k.shape();
  if (qs.rank() != 3 || ks.rank() != 3 || qs[0] != ks[0] || qs[2] != ks[2])
    shape_error("additive_scores", "needs q [B, T, A] and k [B, S, A], got", qs, ks);
  const int64_t batch = qs[0], queries = qs[1], keys = ks[1], width = qs[2];
  if (v.numel() != width || v.shape().rank() > 2)
    shape_error("additive_scores", "needs v of A numbers ([A] or [A, 1]) for q, got", qs, v.shape());
  if (q.node() == k.node() || q.node() == v.node() || k.node() == v.node())
    throw std::invalid_argument("additive_scores: q, k and v must be different values");
  Tensor e = Tensor::empty({batch, queries, keys});
  const float* qp = q.value().f32();
  const float* kp = k.value().f32();
  const float* vp = v.value().f32();
  float* ep = e.f32();
  parallel_for(batch * queries, batch * queries * keys * width, [&](int64_t row) {
    scores_row(qp + row * width, kp + (row / queries) * keys * width, vp, keys, width, ep + row * keys);
  });
  Var out = Var::make_result("additive_scores", std::move(e), {q, k, v}, additive_scores_backward,
                             ValueReads::input(0) | ValueReads::input(1) | ValueReads::input(2));
  if (Node* node = out.recording()) node->emplace_record<ScoresRecord>(batch, queries, keys, width);
  return out;
}

}  // namespace nmt
