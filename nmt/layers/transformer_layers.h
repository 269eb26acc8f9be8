// Transformer encoder and decoder layers (Vaswani et al. 2017, section 3.1 and figure 1).
//
// Each sub-layer (self-attention, encoder-decoder attention, feed-forward) is wrapped in
// dropout, a residual connection and layer normalisation:
//   post-norm (the paper):  x = LayerNorm(x + Dropout(Sublayer(x)))
//   pre-norm (Wang et al. 2019, "Learning Deep Transformer Models for MT"):
//                           x = x + Dropout(Sublayer(LayerNorm(x)))
#pragma once

#include <string>

#include "nmt/layers/feed_forward.h"
#include "nmt/layers/layer_norm.h"
#include "nmt/layers/multi_head_attention.h"

namespace nmt {

struct TransformerLayerSettings {
  int64_t d_model, heads, d_ff;
  float dropout;
  bool pre_norm, gelu;
};

class TransformerEncoderLayer {
 public:
  TransformerEncoderLayer(ParameterStore& store, const std::string& name, const TransformerLayerSettings& s,
                          Generator& init);
  // x [B, S, d], source padding mask [B, 1, 1, S].
  Var operator()(const Var& x, const Tensor& mask, Generator& dropout_rng, bool training);

 private:
  TransformerLayerSettings s_;
  MultiHeadAttention self_attention_;
  FeedForward feed_forward_;
  LayerNorm norm1_, norm2_;
};

class TransformerDecoderLayer {
 public:
  TransformerDecoderLayer(ParameterStore& store, const std::string& name, const TransformerLayerSettings& s,
                          Generator& init);
  // Teacher forcing: y [B, T, d] with a causal mask [T, T]; memory_kv from project_memory.
  Var operator()(const Var& y, const Tensor& causal_mask, const MultiHeadAttention::KeysValues& memory_kv,
                 const Tensor& source_mask, Generator& dropout_rng, bool training);
  // Incremental decoding of position `position` y [N, 1, d] (inference: no dropout), its
  // self-attention keys and values written in place into the caches [rows, H, capacity, d_k] (see
  // MultiHeadAttention::self_attend_step); the `beam` rows of a sentence share its memory_kv and
  // source_mask (MultiHeadAttention::attend_step); with `cross_weights`, also the
  // encoder-decoder attention weights [N, H, 1, S].
  Var step(const Var& y, Tensor& self_keys, Tensor& self_values, int64_t position,
           const MultiHeadAttention::CacheRows& cache_rows, const MultiHeadAttention::KeysValues& memory_kv,
           const Tensor& source_mask, int64_t beam, Tensor* cross_weights = nullptr);

  MultiHeadAttention& cross_attention() { return cross_attention_; }
  const MultiHeadAttention& cross_attention() const { return cross_attention_; }

 private:
  TransformerLayerSettings s_;
  MultiHeadAttention self_attention_, cross_attention_;
  FeedForward feed_forward_;
  LayerNorm norm1_, norm2_, norm3_;
};

}  // namespace nmt
