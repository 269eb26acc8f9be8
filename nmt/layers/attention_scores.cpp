// Attention scores (dot, general, concat / additive) and the context: see attention_scores.h.
#include "nmt/layers/attention_scores.h"

#include <limits>
#include <stdexcept>

#include "nmt/tensor/init.h"
#include "tokenizer/special_ids.h"

namespace nmt {

ScoreType parse_score(const std::string& name) {
  if (name == "dot") return ScoreType::dot;
  if (name == "general") return ScoreType::general;
  if (name == "concat" || name == "additive") return ScoreType::additive;
  throw std::invalid_argument("score: unknown attention score '" + name + "' (dot, general, concat or additive)");
}

AttentionScore::AttentionScore(ParameterStore& store, const std::string& name, ScoreType type, int64_t q,
                               int64_t k, int64_t a, Generator& init)
    : type_(type) {
  switch (type) {
    case ScoreType::dot:
      if (q != k)
        throw std::invalid_argument("score: dot attention needs queries and keys of one size, got " +
                                    std::to_string(q) + " and " + std::to_string(k));
      break;
    case ScoreType::general: w_a_ = store.add(name + ".w_a", init::glorot_uniform({q, k}, 1.f, init)); break;
    case ScoreType::additive:
      w_a_ = store.add(name + ".w_a", init::glorot_uniform({q, a}, 1.f, init));
      b_a_ = store.add(name + ".b_a", init::zeros({a}));
      u_a_ = store.add(name + ".u_a", init::glorot_uniform({k, a}, 1.f, init));
      v_a_ = store.add(name + ".v_a", init::glorot_uniform({a, 1}, 1.f, init));
      break;
  }
}

Var AttentionScore::prepare(const Var& keys) const {
  switch (type_) {
    case ScoreType::dot: return keys;                                 // h_s
    case ScoreType::general: return matmul(keys, w_a_, false, true);  // (W_a h_s)^T: [B, S, Q]
    case ScoreType::additive: return matmul(keys, u_a_);              // U_a h_j: [B, S, A]
  }
  return keys;
}

Var AttentionScore::operator()(const Var& queries, const Var& prepared) const {
  if (type_ != ScoreType::additive) return batched_matmul(queries, prepared, false, true);  // [B, T, S]
  // v_a^T tanh(W_a s_{i-1} + b + U_a h_j) for every (i, j), fused: no [B, T, S, A] tensor.
  return additive_scores(matmul(queries, w_a_) + b_a_, prepared, v_a_);
}

Tensor source_padding_mask(const Tensor& ids) {
  const int64_t b = ids.dim(0), s = ids.dim(1);
  Tensor mask = Tensor::empty({b, 1, s});
  for (int64_t i = 0; i < b * s; ++i)
    mask.f32()[i] = ids.i32()[i] == text::kPadId ? -std::numeric_limits<float>::infinity() : 0.f;
  return mask;
}

Attended attend(const Var& scores, const Tensor& mask, const Var& values) {
  Var weights = softmax(scores, mask);
  return {batched_matmul(weights, values), weights};
}

}  // namespace nmt
