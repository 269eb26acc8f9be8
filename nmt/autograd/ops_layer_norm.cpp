// Layer normalisation (Ba et al. 2016), fused: one kernel for the forward (statistics and
// output, per row), one for the backward (dx for a block of rows together with that block's
// partial sums of dgamma and dbeta). The formulas are in ops_layer_norm.h.
//
// Determinism: rows are cut into blocks whose size depends only on the number of rows, never on
// the thread count; each block's partial dgamma/dbeta is summed in a fixed order. So results
// are bit-identical for any number of threads.
#include "nmt/autograd/ops_layer_norm.h"

#include <omp.h>

#include <cmath>
#include <stdexcept>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt {
namespace {


// Rows [0, rows) of x: y, and per row mean and 1/std. Two-pass variance (stable for rows with a
// large mean).
NMT_KERNEL void layer_norm_forward_rows(const float* x, const float* gamma, const float* beta, float* y,
                                        float* mean, float* rstd, int64_t rows, int64_t d, float eps) {
  const float inv_d = 1.0f / static_cast<float>(d);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < d; ++j) sum += xr[j];
    const float mu = sum * inv_d;
    float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
    for (int64_t j = 0; j < d; ++j) sq += (xr[j] - mu) * (xr[j] - mu);
    const float rs = 1.0f / std::sqrt(sq * inv_d + eps);
    for (int64_t j = 0; j < d; ++j) yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
    mean[r] = mu;
    rstd[r] = rs;
  }
}

// One block of rows: dx (=|+= , when dx is not null) and this block's partial sums
// dgamma_part = sum g * xhat, dbeta_part = sum g (when not null; overwritten).
NMT_KERNEL void layer_norm_backward_rows(const float* x, const float* g, const float* gamma, const float* mean,
                                         const float* rstd, int64_t rows, int64_t d, float* dx, bool accumulate,
                                         float* dgamma_part, float* dbeta_part) {
  const float inv_d = 1.0f / static_cast<float>(d);
  if (dgamma_part)
    for (int64_t j = 0; j < d; ++j) dgamma_part[j] = 0.0f;
  if (dbeta_part)
    for (int64_t j = 0; j < d; ++j) dbeta_part[j] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    const float* gr = g + r * d;
    const float mu = mean[r], rs = rstd[r];
    if (dx) {
      float s1 = 0.0f, s2 = 0.0f;  // sum g*gamma, sum g*gamma*xhat
#pragma omp simd reduction(+ : s1, s2)
      for (int64_t j = 0; j < d; ++j) {
        const float gy = gr[j] * gamma[j];
        s1 += gy;
        s2 += gy * (xr[j] - mu) * rs;
      }
      const float m1 = s1 * inv_d, m2 = s2 * inv_d;
      float* dxr = dx + r * d;
      // One pass for dx and, when wanted, this row's share of dgamma and dbeta.
      if (dgamma_part && dbeta_part) {
        if (accumulate) {
#pragma omp simd
          for (int64_t j = 0; j < d; ++j) {
            const float xhat = (xr[j] - mu) * rs;
            dxr[j] += rs * (gr[j] * gamma[j] - m1 - xhat * m2);
            dgamma_part[j] += gr[j] * xhat;
            dbeta_part[j] += gr[j];
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < d; ++j) {
            const float xhat = (xr[j] - mu) * rs;
            dxr[j] = rs * (gr[j] * gamma[j] - m1 - xhat * m2);
            dgamma_part[j] += gr[j] * xhat;
            dbeta_part[j] += gr[j];
          }
        }
        continue;
      }
      if (accumulate)
        for (int64_t j = 0; j < d; ++j) dxr[j] += rs * (gr[j] * gamma[j] - m1 - (xr[j] - mu) * rs * m2);
      else
        for (int64_t j = 0; j < d; ++j) dxr[j] = rs * (gr[j] * gamma[j] - m1 - (xr[j] - mu) * rs * m2);
    }
    if (dgamma_part)
      for (int64_t j = 0; j < d; ++j) dgamma_part[j] += gr[j] * (xr[j] - mu) * rs;
    if (dbeta_part)
      for (int64_t j = 0; j < d; ++j) dbeta_part[j] += gr[j];
  }
}

// target (=|+=) parts[0] + parts[1] + ... + parts[blocks - 1], each part d values, in that order.
NMT_KERNEL void sum_blocks(const float* parts, int64_t blocks, int64_t d, float* target, bool accumulate) {
  if (accumulate)
    for (int64_t j = 0; j < d; ++j) target[j] += parts[j];
  else
    for (int64_t j = 0; j < d; ++j) target[j] = parts[j];
  for (int64_t b = 1; b < blocks; ++b)
    for (int64_t j = 0; j < d; ++j) target[j] += parts[b * d + j];
}

// Rows per backward block: a function of the row count only (see the file comment).
int64_t block_rows(int64_t rows) {
  constexpr int64_t kMinRows = 32, kMaxBlocks = 256;
  const int64_t by_count = (rows + kMaxBlocks - 1) / kMaxBlocks;
  return by_count > kMinRows ? by_count : kMinRows;
}

// What the backward reads besides x and gamma: each row's mean and 1/std from the forward.
struct LayerNormRecord {
  Tensor mean, rstd;
};

void layer_norm_backward(Node& node) {
  const Tensor& x = node.input(0)->value;
  const Tensor& gamma = node.input(1)->value;
  const int64_t d = gamma.numel(), rows = d ? x.numel() / d : 0;
  const LayerNormRecord& record = node.record<LayerNormRecord>();
  const float* mean = record.mean.f32();
  const float* rstd = record.rstd.f32();
  bool acc_x = false, acc_gamma = false, acc_beta = false;
  Tensor* gx = node.input_grad(0, &acc_x);
  Tensor* ggamma = node.input_grad(1, &acc_gamma);
  Tensor* gbeta = node.input_grad(2, &acc_beta);

  if (rows == 0) {  // no rows: zero gradients for gamma and beta
    if (ggamma && !acc_gamma) ggamma->fill(0.0f);
    if (gbeta && !acc_beta) gbeta->fill(0.0f);
    return;
  }
  const int64_t per_block = block_rows(rows);
  const int64_t blocks = (rows + per_block - 1) / per_block;
  Tensor parts;  // [2, blocks, d]: the blocks' partial dgamma, then their partial dbeta
  if (ggamma || gbeta) parts = Tensor::empty({2, blocks, d});
  const float* xp = x.f32();
  const float* gp = node.grad.f32();
  const float* gm = gamma.f32();
  float* dxp = gx ? gx->f32() : nullptr;
  float* pp = parts.defined() ? parts.f32() : nullptr;
  parallel_for(blocks, x.numel(), [&](int64_t b) {
    const int64_t r0 = b * per_block;
    const int64_t n = rows - r0 < per_block ? rows - r0 : per_block;
    layer_norm_backward_rows(xp + r0 * d, gp + r0 * d, gm, mean + r0, rstd + r0, n, d,
                             dxp ? dxp + r0 * d : nullptr, acc_x, ggamma ? pp + b * d : nullptr,
                             gbeta ? pp + (blocks + b) * d : nullptr);
  });
  if (ggamma) sum_blocks(pp, blocks, d, ggamma->f32(), acc_gamma);
  if (gbeta) sum_blocks(pp + blocks * d, blocks, d, gbeta->f32(), acc_beta);
}

}  // namespace

Var layer_norm(const Var& x, const Var& gamma, const Var& beta, float eps) {
  const Shape& xs = x.shape();
  if (xs.rank() == 0 || xs[-1] == 0) shape_error("layer_norm", "needs x [..., D] with D > 0, got", xs);
  const int64_t d = xs[-1], rows = x.numel() / d;
  if (gamma.shape() != Shape{d}) shape_error("layer_norm", "gamma must be [D] for x", gamma.shape(), xs);
  if (beta.shape() != Shape{d}) shape_error("layer_norm", "beta must be [D] for x", beta.shape(), xs);
  if (!(eps >= 0.0f)) throw std::invalid_argument("layer_norm: eps must be >= 0");
  Tensor out = Tensor::empty(xs);
  Tensor mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  const float* xp = x.value().f32();
  const float* gm = gamma.value().f32();
  const float* bt = beta.value().f32();
  float* yp = out.f32();
  float* mp = mean.f32();
  float* rp = rstd.f32();
  // Blocks of rows per thread (the forward has no cross-row sums: any split gives equal bits).
  constexpr int64_t kRowsPerTask = 16;
  const int64_t tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  parallel_for(tasks, x.numel(), [&](int64_t t) {
    const int64_t r0 = t * kRowsPerTask;
    const int64_t n = rows - r0 < kRowsPerTask ? rows - r0 : kRowsPerTask;
    layer_norm_forward_rows(xp + r0 * d, gm, bt, yp + r0 * d, mp + r0, rp + r0, n, d, eps);
  });
  Var y = Var::make_result("layer_norm", std::move(out), {x, gamma, beta}, layer_norm_backward,
                           ValueReads::input(0) | ValueReads::input(1));
  if (Node* node = y.recording()) node->emplace_record<LayerNormRecord>(std::move(mean), std::move(rstd));
  return y;
}

}  // namespace nmt
