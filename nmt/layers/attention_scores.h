// Attention scores of the RNN attention models, and the weighted context they give.
//
//   dot       score(h_t, h_s) = h_t . h_s                          (Luong et al. 2015, eq. 8)
//   general   score(h_t, h_s) = h_t^T W_a h_s                      (Luong, eq. 8)
//   concat    score(h_t, h_s) = v_a^T tanh(W_a [h_t; h_s])          (Luong, eq. 8)
//   additive  e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)              (Bahdanau et al. 2015, eq. 6 / A.1.2)
// concat and additive are one function: W_a [h_t; h_s] = W_q h_t + W_k h_s. Both get a bias on
// the query side (a Linear layer with bias on h_t, as OpenNMT-py's "mlp" attention).
//   a_t = softmax(score + mask),  c_t = sum_s a_t(s) h_s           (Luong eq. 7; Bahdanau eq. 5-6)
//
// The key side (h_s, W_a h_s or U_a h_j) does not depend on the query: prepare() computes it
// once per sentence, and each decoder step scores its queries against it.
// Shapes: B sentences (or beam rows), T queries, S source positions.
#pragma once

#include <string>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/tensor/random.h"

namespace nmt {

enum class ScoreType { dot, general, additive };

// "dot" | "general" | "concat" | "additive"; anything else throws naming the setting.
ScoreType parse_score(const std::string& name);

class AttentionScore {
 public:
  AttentionScore() = default;
  // query_size Q, key_size K; attention_size A is the width of the additive layer. dot needs
  // Q == K. Parameters: general <name>.w_a [Q, K]; additive <name>.w_a [Q, A], <name>.b_a [A],
  // <name>.u_a [K, A], <name>.v_a [A, 1].
  AttentionScore(ParameterStore& store, const std::string& name, ScoreType type, int64_t query_size,
                 int64_t key_size, int64_t attention_size, Generator& init);

  // keys [B, S, K] -> what the scores need of them, once per sentence.
  Var prepare(const Var& keys) const;
  // queries [B, T, Q], prepared keys -> scores [B, T, S].
  Var operator()(const Var& queries, const Var& prepared) const;

  ScoreType type() const { return type_; }

 private:
  ScoreType type_ = ScoreType::dot;
  Parameter w_a_, b_a_, u_a_, v_a_;
};

// Additive mask [B, 1, S] of source ids [B, S]: 0 at real tokens, -inf at padding (text::kPadId).
// The one padding mask of every model (the Transformer views it as [B, 1, 1, S]).
Tensor source_padding_mask(const Tensor& ids);

// a = softmax(scores + mask) over S ([B, T, S]; mask broadcasts to it), context = a values
// [B, T, K] for values [B, S, K].
struct Attended {
  Var context;  // [B, T, K]
  Var weights;  // [B, T, S]
};
Attended attend(const Var& scores, const Tensor& mask, const Var& values);

}  // namespace nmt
