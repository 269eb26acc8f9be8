// Attention pooling: one vector for a whole sequence, a weighted mean of its hidden states with
// weights the model learns to give ("feed-forward attention", Raffel & Ellis 2015, "Feed-Forward
// Networks with Attention Can Solve Some Long-Term Memory Problems", eqs. 1-3; the additive score
// of Bahdanau et al. 2015 without a decoder state). For hidden states h_t [B, T, H]:
//
//   e_t = tanh(h_t . w + b_t)                  (1)  score of position t; w [H], b [T] or one b
//   a_t = exp(e_t) / sum_k exp(e_k)            (2)  a = softmax(e) over the T positions
//   c   = sum_t a_t h_t                        (3)  the context [B, H], what the classifier reads
//
// The founding article's layer is exactly this with one bias per position t (b [T], T = 32) and
// no mask: the softmax also spreads weight over the padding after the sentence, whose states are
// whatever the LSTM computed while reading padding. Our variant masks the padding (e_t = -inf
// where position t is padding, so sum_t a_t over the real words is 1) and may use one shared
// bias (a per-position bias ties the score to where a word sits, which the padding mask makes
// meaningless). A fully padded row (an empty sentence) gets a = 0 and c = 0 (ops_softmax.h).
//
// Since e_t lies in [-1, 1], no weight can exceed e^2 = 7.4 times another: the layer can shade
// but never select a single word (the picture in recipes/uci-sentiment shows it). Two other
// scores (the `attention-score` setting) lift that limit:
//
//   linear     e_t = h_t . w + b_t                         (1') no squashing: any ratio
//   additive   e_t = v . tanh(W h_t + b_W) + b_t           (1'') Bahdanau et al. 2015's scorer with
//              W [H, A], b_W [A], v [A] (A = attention-size units); no decoder state
#pragma once

#include <string>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/tensor/random.h"

namespace nmt::classify {

enum class AttentionScore { tanh, linear, additive };
AttentionScore parse_attention_score(const std::string& name);  // "tanh" | "linear" | "additive"
const char* to_string(AttentionScore score);

class AttentionPooling {
 public:
  struct Output {
    Var context;  // c [B, H]
    Var weights;  // a [B, T]
  };

  AttentionPooling() = default;
  // Parameters <name>.w [H] (Glorot-uniform, as a [H, 1] matrix) and <name>.b: [positions] when
  // per_position_bias (the article), else [1]; zero-initialised. The additive score adds
  // <name>.w_units [H, A] (Glorot-uniform), <name>.b_units [A] (zeros), and w is then v [A, 1].
  AttentionPooling(ParameterStore& store, const std::string& name, int64_t hidden, int64_t positions,
                   bool per_position_bias, Generator& init, AttentionScore score = AttentionScore::tanh,
                   int64_t units = 0);

  // h [B, T, H]; padding_mask [B, T] additive (0 real, -inf padding) or undefined (the article:
  // no mask). With a per-position bias, T must equal `positions`.
  Output operator()(const Var& h, const Tensor& padding_mask = Tensor()) const;

 private:
  int64_t positions_ = 0;
  AttentionScore score_ = AttentionScore::tanh;
  Parameter w_, b_, w_units_, b_units_;
};

// The additive mask of post-padded ids [B, T] (0 = padding): 0 where real, -inf where padding.
Tensor padding_mask(const Tensor& ids);

}  // namespace nmt::classify
