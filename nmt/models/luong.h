// Effective approaches to attention-based NMT (Luong, Pham & Manning 2015).
//
//   encoder:    a stacked RNN (LSTM in the paper) over E_src[x_s]; h_s = its top layer
//   decoder:    a stacked RNN from the encoder's final states; its input at step t is
//               E_tgt[y_{t-1}], joined by h~_{t-1} with input feeding (section 3.3)
//   attention:  from the current top state h_t:
//               global:  a_t(s) = softmax_s score(h_t, h_s) over every real source position  (eq. 7)
//               local-m: the same over the window [p_t - D, p_t + D], p_t = t          (section 3.2)
//               local-p: p_t = S sigmoid(v_p^T tanh(W_p h_t)),                          (eq. 9)
//                        a_t(s) = align(h_t, h_s) exp(-(s - p_t)^2 / (2 (D/2)^2))        (eq. 10)
//               score dot, general or concat (eq. 8; nmt/layers/attention_scores.h)
//   context:    c_t = sum_s a_t(s) h_s
//   output:     h~_t = tanh(W_c [c_t; h_t])  (eq. 5),  p(y_t | y_<t, x) = softmax(W_s h~_t + b)  (eq. 6)
// Without input feeding the decoder's recurrences do not depend on the attention, so teacher
// forcing runs each layer over all steps and attends for all steps at once; with it, step by
// step. Dropout on the embeddings, between layers (encoder output included) and on h~_t before
// the output layer. last_attention reports local-p's weights rescaled to sum to one (eq. 10's
// weights sum to less than one; the context uses them as the paper does). reverse_source makes
// the encoder read each sentence's pieces backwards (the paper's Table 1: every model so); the
// windows and p_t then live in the reversed order, and last_attention and last_positions map
// them back to the source as written.
#pragma once

#include <vector>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/linear.h"
#include "nmt/layers/local_attention.h"
#include "nmt/layers/rnn_encoder.h"
#include "nmt/models/rnn_common.h"

namespace nmt {

class Luong : public EncoderDecoder {
 public:
  Luong(const ModelConfig& config, Generator& init);

  Var logits(const Tensor& source, const Tensor& target_input, bool training) override;
  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override;
  Tensor step(DecoderState& state, const Tensor& previous_tokens) override;
  Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const override;
  void select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask = Tensor()) override;
  // local-p: p_t of the last step, [N]; undefined for global and local-m.
  Tensor last_positions(const DecoderState& state) const override;

 private:
  enum class Window { global, local_m, local_p };

  void encode(const Tensor& source, RnnState& state, bool training);
  // Top states h [B, T, H] at target positions first_t.. -> attentional states h~ [B, T, H];
  // also the weights a_t [B, T, S] and, for local-p and when `positions` is given, p_t [B, T, 1]
  // (left undefined otherwise).
  Var attentional(const Var& h, const RnnState& state, int64_t first_t, Var* weights, Var* positions);
  // One decoder step through every layer from the projected embedding of y_{t-1} [N, G];
  // returns h~_t [N, H] (and feeds it to the next step when input feeding is on).
  Var decode_step(const Var& e_proj, RnnState& state, bool training, Var* weights);

  Window window_ = Window::global;
  int64_t embedding_size_ = 0, hidden_ = 0;
  Parameter source_embedding_, target_embedding_;
  RnnEncoder encoder_;
  std::vector<RecurrentLayer> decoder_;
  AttentionScore score_;
  PredictivePosition position_;
  Linear combine_, output_;  // W_c, W_s
};

}  // namespace nmt
