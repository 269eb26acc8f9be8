// The vanilla encoder-decoder (Sutskever et al. 2014, "Sequence to Sequence Learning with
// Neural Networks"; Cho et al. 2014, "Learning Phrase Representations using RNN
// Encoder-Decoder"): no attention.
//
//   encoder:  h_t^l = RNN_enc^l(h_t^{l-1}, h_{t-1}^l),  h_t^0 = E_src[x_t]   (x optionally reversed)
//   decoder:  s_i^l = RNN_dec^l(s_i^{l-1}, s_{i-1}^l),  s_i^0 = E_tgt[y_{i-1}],
//             s_0^l = the encoder's final state of layer l (the sentence's last real token)
//   output:   p(y_i | y_<i, x) = softmax(W_o s_i^L + b_o)
// Cells rnn (tanh), gru or lstm; L = rnn_layers. Source reversal (Sutskever, section 3.3)
// reverses each sentence's tokens before its final eos. Dropout on the embeddings, between
// layers and before the output layer.
#pragma once

#include <vector>

#include "nmt/layers/linear.h"
#include "nmt/layers/rnn_encoder.h"
#include "nmt/models/rnn_common.h"

namespace nmt {

class RnnSeq2Seq : public EncoderDecoder {
 public:
  RnnSeq2Seq(const ModelConfig& config, Generator& init);

  Var logits(const Tensor& source, const Tensor& target_input, bool training) override;
  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override;
  Tensor step(DecoderState& state, const Tensor& previous_tokens) override;
  // No attention: weights spread evenly over the real source positions.
  Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const override;
  void select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask = Tensor()) override;

 private:
  // The encoder's final state per layer for source ids [B, S].
  std::vector<RecurrentState> encode(const Tensor& source, bool training);

  Parameter source_embedding_, target_embedding_;
  RnnEncoder encoder_;
  std::vector<RecurrentLayer> decoder_;
  Linear output_;
};

// Each row's tokens before its final eos (or all its real tokens when none) in reverse order;
// eos and padding stay where they are (tokenizer/special_ids.h).
Tensor reverse_source(const Tensor& ids);

// What a model that reads reverse_source(ids) reports, in the source's own order: attention
// weights [N, S] (or [N, 1, S]) and predicted positions [N] of rows with `lengths` real tokens
// each (eos included), for sources that end in eos as every source row does (pieces + [eos]).
// Weights move back to the positions they came from; a position p before the eos becomes
// L - 2 - p (clipped at 0), and one at the eos stays.
Tensor source_order_weights(const Tensor& weights, std::span<const int32_t> lengths);
Tensor source_order_positions(const Tensor& positions, std::span<const int32_t> lengths);

}  // namespace nmt
