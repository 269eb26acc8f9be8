// The Transformer (Vaswani et al. 2017, "Attention Is All You Need").
//
//   encoder:  x_0 = Dropout(E[src] * sqrt(d) + PE),  x_l = EncoderLayer_l(x_{l-1})
//   decoder:  y_0 = Dropout(E[tgt_in] * sqrt(d) + PE),  y_l = DecoderLayer_l(y_{l-1}, x_N)
//   output:   logits = y_N E_out^T   (E_out = E when embeddings are tied, section 3.4)
// Post-norm as in the paper, pre-norm selectable (then one more LayerNorm closes each stack).
// Decoding caches the keys and values of every decoder self-attention, and the encoder output's
// keys and values, so that a step costs one new position.
#pragma once

#include <vector>

#include "nmt/layers/layer_norm.h"
#include "nmt/layers/linear.h"
#include "nmt/layers/transformer_layers.h"
#include "nmt/models/encoder_decoder.h"

namespace nmt {

class Transformer : public EncoderDecoder {
 public:
  Transformer(const ModelConfig& config, Generator& init);

  Var logits(const Tensor& source, const Tensor& target_input, bool training) override;
  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override;
  Tensor step(DecoderState& state, const Tensor& previous_tokens) override;
  Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const override;
  void select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask = Tensor()) override;

 private:
  // E[ids] * sqrt(d) + PE[offset : offset + T], then dropout. ids [B, T] -> [B, T, d]
  Var embed(const Parameter& table, const Tensor& ids, int64_t offset, bool training);
  Var encode(const Tensor& source, const Tensor& source_mask, bool training);
  Var project_output(const Var& y) const;  // [..., d] -> [..., V]

  Parameter source_embedding_, target_embedding_;  // the same parameter when tied
  Linear output_;                                  // used when not tied
  Tensor positions_;                               // [max_positions, d]
  std::vector<TransformerEncoderLayer> encoder_;
  std::vector<TransformerDecoderLayer> decoder_;
  LayerNorm encoder_norm_, decoder_norm_;          // pre-norm only
};

// Additive mask [T, T] (0 visible, -inf hidden) hiding future positions. (The padding mask is
// source_padding_mask, nmt/layers/attention_scores.h, viewed as [B, 1, 1, S].)
Tensor causal_mask(int64_t length);

}  // namespace nmt
