// RNNsearch (Bahdanau, Cho & Bengio 2015, "Neural Machine Translation by Jointly Learning to
// Align and Translate"), with a single tanh layer as the readout in place of the paper's maxout
// (appendix A.2.2).
//
//   encoder:    h_j = [h->_j; h<-_j], a bidirectional RNN over E_src[x_j]         (section 3.2)
//   init:       s_0 = tanh(W_s h<-_1)   (LSTM: c_0 = tanh(W_c c<-_1) too)         (appendix A.2.2)
//   alignment:  e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)                            (eq. 6, A.1.2)
//               alpha_ij = softmax_j(e_ij) over the sentence's real tokens          (eq. 6)
//   context:    c_i = sum_j alpha_ij h_j                                            (eq. 5)
//   decoder:    s_i = RNN([E_tgt[y_{i-1}]; c_i], s_{i-1})                          (eq. 4)
//   readout:    r_i = tanh(R [s_i; c_i; E_tgt[y_{i-1}]]),  logits = O r_i + b      ("deep output"
//               without maxout; the paper: t_i = maxout(U_o s_{i-1} + V_o E y_{i-1} + C_o c_i), A.2.2)
// Sizes, for hidden_size H: encoder H/2 per direction (annotations H), decoder H, attention H,
// readout H/2 (e.g. 256, 512, 512, 256 for H = 512). Cell lstm by default, gru selectable; rnn_layers
// stacks bidirectional encoder layers (the paper: 1). Dropout on the embeddings, the annotations
// and the readout. reverse_source makes the encoder read each sentence's pieces backwards;
// last_attention maps the weights back to the source as written.
#pragma once

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/linear.h"
#include "nmt/layers/rnn_encoder.h"
#include "nmt/models/rnn_common.h"

namespace nmt {

class Bahdanau : public EncoderDecoder {
 public:
  Bahdanau(const ModelConfig& config, Generator& init);

  Var logits(const Tensor& source, const Tensor& target_input, bool training) override;
  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override;
  Tensor step(DecoderState& state, const Tensor& previous_tokens) override;
  Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const override;
  void select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask = Tensor()) override;

 private:
  // Encodes source ids into `state` (annotations, keys, padding, lengths, s_0) for B rows.
  void encode(const Tensor& source, RnnState& state, bool training);
  // One decoder step from e_proj [N, G], the embedded y_{i-1}'s part of the decoder's input
  // projection: attends from s_{i-1}, updates state.layers[0] to s_i, puts alpha_i [N, 1, S] in
  // `weights`; returns the context c_i [N, 2 H_e].
  Var attend_and_step(const Var& e_proj, RnnState& state, Var* weights);
  Var readout(const Var& s, const Var& c, const Var& e, bool training);  // r_i

  int64_t embedding_size_ = 0, context_size_ = 0;
  Parameter source_embedding_, target_embedding_;
  RnnEncoder encoder_;
  Linear bridge_h_, bridge_c_;
  AttentionScore score_;
  RecurrentLayer decoder_;
  Linear readout_, output_;
};

}  // namespace nmt
