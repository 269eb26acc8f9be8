// What the RNN models (rnn_seq2seq, bahdanau, luong) share: their embeddings, their decoding
// state, the source preparation (time-major ids, step masks,
// lengths, padding mask), and the attention weights they report.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nmt/layers/recurrent.h"
#include "nmt/models/encoder_decoder.h"

namespace nmt {

// An embedding table [V, E] drawn from N(0, 0.1^2), pad row zero.
Tensor rnn_embedding_table(int64_t vocab, int64_t size, Generator& init);

// A source batch [B, S] ready for a recurrent encoder.
struct RnnSource {
  Tensor time_major;            // ids [S, B]
  std::vector<Tensor> masks;    // step_masks(time_major)
  std::vector<int32_t> lengths; // real tokens per sentence
  Tensor padding;               // additive mask [B, 1, S]
  explicit RnnSource(const Tensor& ids);
};

// The decoding state of the RNN models (rows are hypotheses, see EncoderDecoder::start), as
// named entries of a DecoderState:
//   per hypothesis: decoder.<l>.h / .c [N, H] (c: LSTM only), feed (Luong's input feeding,
//                   h~_{t-1} [N, H]), attention [N, S] and positions [N] (local-p's p_t) of the
//                   last step, kept only when asked for (DecoderState::keep_attention)
//   per sentence:   values [N, S, K] (annotations) and keys (their prepared form), padding
//                   [N, 1, S] (additive mask), lengths (int32 [N]), length_values [N, 1, 1]
//                   (the same lengths as floats, for local-p)
// The training forward of Bahdanau and Luong uses the same state, with gradients.
class RnnState : public DecoderState {
 public:
  explicit RnnState(std::size_t decoder_layers);

  std::size_t layers() const { return layers_.size(); }
  RecurrentState layer(std::size_t l) const { return {(*this)[layers_[l].h], (*this)[layers_[l].c]}; }
  void set_layer(std::size_t l, const RecurrentState& s) {
    (*this)[layers_[l].h] = s.h;
    (*this)[layers_[l].c] = s.c;
  }
  Var& feed() { return (*this)[feed_]; }
  Var& values() { return (*this)[values_]; }
  const Var& values() const { return (*this)[values_]; }
  Var& keys() { return (*this)[keys_]; }
  const Var& keys() const { return (*this)[keys_]; }
  Var& padding() { return (*this)[padding_]; }
  const Tensor& padding() const { return (*this)[padding_].value(); }
  Var& length_values() { return (*this)[length_values_]; }
  const Var& length_values() const { return (*this)[length_values_]; }
  Var& attention() { return (*this)[attention_]; }
  const Var& attention() const { return (*this)[attention_]; }
  Var& positions() { return (*this)[positions_]; }
  const Var& positions() const { return (*this)[positions_]; }
  // Real source tokens of every row (eos included).
  void set_lengths(std::span<const int32_t> lengths);
  std::span<const int32_t> lengths() const;

  // The width S of the source batch (the same for every row).
  int64_t source_width = 0;

 private:
  struct LayerSlots {
    int h, c;
  };
  std::vector<LayerSlots> layers_;
  int feed_, values_, keys_, padding_, lengths_, length_values_, attention_, positions_;
};

// Weights [N, S] spread evenly over each row's real source positions (the vanilla model has no
// attention; this is what an uninformative alignment looks like).
Tensor uniform_attention(std::span<const int32_t> lengths, int64_t source_len);

// Weights [N, 1, S] or [N, S] rescaled so that each row sums to one (rows summing to 0 stay 0).
Tensor normalized_rows(const Tensor& weights);

// Throws std::invalid_argument("<model>: <setting> must be ...") for sizes < 1.
void require_positive(const std::string& model, const std::string& setting, int64_t value);

}  // namespace nmt
