// Multi-head scaled dot-product attention (Vaswani et al. 2017, section 3.2):
//   Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + mask) V                       (eq. 1)
//   MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W^O,
//     head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)
// The h heads' projections are one matrix each (d -> d, heads side by side); self-attention
// projects queries, keys and values with one fused [d, 3d] matrix, encoder-decoder attention
// its queries with [d, d] and the encoder output's keys and values with one [d, 2d].
//
// Shapes: B batch, T query positions, S key positions, H heads, d_k = d / H.
// Masks are additive (0 = visible, -inf = hidden) and broadcast to [B, H, T, S].
#pragma once

#include <string>

#include "nmt/layers/linear.h"

namespace nmt {

class MultiHeadAttention {
 public:
  // Keys and values, split into heads: [B, H, S, d_k] each.
  struct KeysValues {
    Var keys, values;
  };
  // Where a self-attention cache holds each query row's earlier positions (reordering by index,
  // DecoderState::prefix_rows): position j of row r in cache row rows[r * stride + j]; the new
  // position of row r is written into cache row home[r].
  struct CacheRows {
    const int32_t* rows;
    int64_t stride;
    const int32_t* home;
  };

  MultiHeadAttention() = default;
  MultiHeadAttention(ParameterStore& store, const std::string& name, int64_t d_model, int64_t heads,
                     bool self_attention, Generator& init);

  // Self-attention over x [B, T, d] -> [B, T, d].
  Var self_attend(const Var& x, const Tensor& mask);
  // Incremental self-attention for one new position x [N, 1, d]: writes its keys and values in
  // place into position `position` of the preallocated caches `keys` and `values`
  // ([rows, H, capacity, d_k], capacity > position, positions before `position` filled by the
  // earlier steps; which cache row holds what: `rows`) and attends over positions 0..position
  // (one fused loop per row and head; no cache row is copied).
  Var self_attend_step(const Var& x, Tensor& keys, Tensor& values, int64_t position, const CacheRows& rows);

  // Encoder-decoder attention: the encoder output's keys and values, computed once per sentence.
  KeysValues project_memory(const Var& memory) const;
  // Queries x [B, T, d] attend to `memory` -> [B, T, d]; with `weights`, also the attention
  // weights [B, H, T, S] (for alignments: only when a caller asks for them).
  Var attend(const Var& x, const KeysValues& memory, const Tensor& mask, Tensor* weights = nullptr);
  // Incremental encoder-decoder attention: x [N, 1, d] holds `beam` rows per sentence, which share
  // their sentence's `memory` [N / beam, H, S, d_k] and `mask` [N / beam, 1, 1, S] (one fused
  // loop per row and head, the memory read where it lies); `weights` [N, H, 1, S] as attend's.
  Var attend_step(const Var& x, const KeysValues& memory, const Tensor& mask, int64_t beam, Tensor* weights = nullptr);

 private:
  Var split_heads(const Var& x) const;   // [B, T, d] -> [B, H, T, d_k]
  Var merge_heads(const Var& x) const;   // [B, H, T, d_k] -> [B, T, d]
  Var attention(const Var& q, const Var& k, const Var& v, const Tensor& mask, Tensor* weights = nullptr);  // eq. 1

  int64_t d_model_ = 0, heads_ = 0, d_k_ = 0;
  Linear qkv_, q_, kv_, out_;
};

}  // namespace nmt
