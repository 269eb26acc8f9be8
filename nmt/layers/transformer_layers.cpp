#include "nmt/layers/transformer_layers.h"

namespace nmt {
namespace {

// One sub-layer with its residual connection, dropout and layer norm, pre- or post-norm.
template <class Sublayer>
Var residual(const Var& x, const LayerNorm& norm, bool pre_norm, float p, Generator& rng, bool training,
             Sublayer&& sublayer) {
  if (pre_norm) return x + dropout(sublayer(norm(x)), p, rng, training);
  return norm(x + dropout(sublayer(x), p, rng, training));
}

}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(ParameterStore& store, const std::string& name,
                                                 const TransformerLayerSettings& s, Generator& init)
    : s_(s),
      self_attention_(store, name + ".self_attention", s.d_model, s.heads, true, init),
      feed_forward_(store, name + ".feed_forward", s.d_model, s.d_ff, s.gelu, init),
      norm1_(store, name + ".norm1", s.d_model),
      norm2_(store, name + ".norm2", s.d_model) {}

Var TransformerEncoderLayer::operator()(const Var& x, const Tensor& mask, Generator& rng, bool training) {
  Var h = residual(x, norm1_, s_.pre_norm, s_.dropout, rng, training,
                   [&](const Var& in) { return self_attention_.self_attend(in, mask); });
  return residual(h, norm2_, s_.pre_norm, s_.dropout, rng, training,
                  [&](const Var& in) { return feed_forward_(in); });
}

TransformerDecoderLayer::TransformerDecoderLayer(ParameterStore& store, const std::string& name,
                                                 const TransformerLayerSettings& s, Generator& init)
    : s_(s),
      self_attention_(store, name + ".self_attention", s.d_model, s.heads, true, init),
      cross_attention_(store, name + ".cross_attention", s.d_model, s.heads, false, init),
      feed_forward_(store, name + ".feed_forward", s.d_model, s.d_ff, s.gelu, init),
      norm1_(store, name + ".norm1", s.d_model),
      norm2_(store, name + ".norm2", s.d_model),
      norm3_(store, name + ".norm3", s.d_model) {}

Var TransformerDecoderLayer::operator()(const Var& y, const Tensor& causal_mask,
                                        const MultiHeadAttention::KeysValues& memory_kv, const Tensor& source_mask,
                                        Generator& rng, bool training) {
  Var h = residual(y, norm1_, s_.pre_norm, s_.dropout, rng, training,
                   [&](const Var& in) { return self_attention_.self_attend(in, causal_mask); });
  h = residual(h, norm2_, s_.pre_norm, s_.dropout, rng, training,
               [&](const Var& in) { return cross_attention_.attend(in, memory_kv, source_mask); });
  return residual(h, norm3_, s_.pre_norm, s_.dropout, rng, training,
                  [&](const Var& in) { return feed_forward_(in); });
}

Var TransformerDecoderLayer::step(const Var& y, Tensor& self_keys, Tensor& self_values, int64_t position,
                                  const MultiHeadAttention::CacheRows& cache_rows,
                                  const MultiHeadAttention::KeysValues& memory_kv, const Tensor& source_mask,
                                  int64_t beam, Tensor* cross_weights) {
  Generator unused;
  Var h = residual(y, norm1_, s_.pre_norm, 0.f, unused, false, [&](const Var& in) {
    return self_attention_.self_attend_step(in, self_keys, self_values, position, cache_rows);
  });
  h = residual(h, norm2_, s_.pre_norm, 0.f, unused, false, [&](const Var& in) {
    return cross_attention_.attend_step(in, memory_kv, source_mask, beam, cross_weights);
  });
  return residual(h, norm3_, s_.pre_norm, 0.f, unused, false, [&](const Var& in) { return feed_forward_(in); });
}

}  // namespace nmt
