// What the RNN models (rnn_seq2seq, bahdanau, luong) share: their embeddings, their decoding
// state and how it follows the beam, the source preparation (time-major ids, step masks,
// lengths, padding mask), and the attention weights they report.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nmt/layers/recurrent.h"
#include "nmt/models/encoder_decoder.h"

namespace nmt {

// An embedding table [V, E] drawn from N(0, 0.1^2) as the PyTorch peer does, pad row zero.
Tensor rnn_embedding_table(int64_t vocab, int64_t size, Generator& init);

// A source batch [B, S] ready for a recurrent encoder.
struct RnnSource {
  Tensor time_major;            // ids [S, B]
  std::vector<Tensor> masks;    // step_masks(time_major)
  std::vector<int32_t> lengths; // real tokens per sentence
  Tensor padding;               // additive mask [B, 1, S]
  explicit RnnSource(const Tensor& ids);
};

// Rows b * beam + k = row b of x (k < beam): the encoder's results for every hypothesis.
Var expand_rows(const Var& x, int beam);
Tensor expand_rows(const Tensor& x, int beam);
std::vector<int32_t> expand_rows(std::span<const int32_t> values, int beam);

// The decoding state of the RNN models. Rows are hypotheses (see EncoderDecoder::start).
struct RnnState : DecoderState {
  std::vector<RecurrentState> layers;  // decoder state per layer, [N, H]
  Var feed;                            // Luong's input feeding: h~_{t-1} [N, H]
  Var values, keys;                    // annotations [N, S, K] and their prepared keys
  Tensor padding;                      // [N, 1, S]
  std::vector<int32_t> lengths;        // per row
  Var length_values;                   // the same as a constant [N, 1, 1] (local-p)
  int64_t position = 0;                // target position t of the next step
  Tensor attention;                    // [N, S] weights of the last step
  Tensor positions;                    // [N] local-p's p_t of the last step

  // Repeats every row beam times (rows b * beam + k, as expand_rows): the state of B sentences
  // as the encoder leaves it (decoder states, annotations, keys, padding, lengths) becomes the
  // state of beam hypotheses per sentence.
  void expand(int beam);
  // Rows of everything that differs between hypotheses (states, feed, attention); the
  // per-sentence parts are the same for every row of one sentence and stay as they are.
  void reorder(std::span<const int32_t> rows);
};

// Weights [N, S] spread evenly over each row's real source positions (the vanilla model has no
// attention; this is what an uninformative alignment looks like).
Tensor uniform_attention(std::span<const int32_t> lengths, int64_t source_len);

// Weights [N, 1, S] or [N, S] rescaled so that each row sums to one (rows summing to 0 stay 0).
Tensor normalized_rows(const Tensor& weights);

// Throws std::invalid_argument("<model>: <setting> must be ...") for sizes < 1.
void require_positive(const std::string& model, const std::string& setting, int64_t value);

}  // namespace nmt
