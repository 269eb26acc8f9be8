// Attention pooling, equations (1)-(3) of attention_pooling.h.
#include "nmt/classify/attention_pooling.h"

#include <limits>
#include <stdexcept>

#include "nmt/tensor/init.h"

namespace nmt::classify {

AttentionScore parse_attention_score(const std::string& name) {
  if (name == "tanh") return AttentionScore::tanh;
  if (name == "linear") return AttentionScore::linear;
  if (name == "additive") return AttentionScore::additive;
  throw std::invalid_argument("attention-score: unknown '" + name + "' (tanh, linear or additive)");
}

const char* to_string(AttentionScore score) {
  switch (score) {
    case AttentionScore::tanh: return "tanh";
    case AttentionScore::linear: return "linear";
    case AttentionScore::additive: return "additive";
  }
  return "tanh";
}

AttentionPooling::AttentionPooling(ParameterStore& store, const std::string& name, int64_t hidden, int64_t positions,
                                   bool per_position_bias, Generator& init, AttentionScore score, int64_t units)
    : positions_(per_position_bias ? positions : 0), score_(score) {
  if (score == AttentionScore::additive) {
    if (units < 1) throw std::invalid_argument("attention-size must be at least 1 for the additive score");
    w_units_ = store.add(name + ".w_units", init::glorot_uniform({hidden, units}, 1.f, init));
    b_units_ = store.add(name + ".b_units", init::zeros({units}));
  }
  w_ = store.add(name + ".w", init::glorot_uniform({score == AttentionScore::additive ? units : hidden, 1}, 1.f, init));
  b_ = store.add(name + ".b", init::zeros({per_position_bias ? positions : 1}));
}

AttentionPooling::Output AttentionPooling::operator()(const Var& h, const Tensor& mask) const {
  const int64_t batch = h.dim(0), steps = h.dim(1), hidden = h.dim(2);
  if (positions_ > 0 && steps != positions_)
    shape_error("attention_pooling", "a per-position bias needs exactly its number of positions; states and bias",
                h.shape(), b_.shape());
  Var e;
  if (score_ == AttentionScore::additive)
    e = reshape(matmul(tanh(matmul(h, w_units_) + b_units_), w_), {batch, steps}) + b_;  // (1'')
  else
    e = reshape(matmul(h, w_), {batch, steps}) + b_;                        // (1')
  if (score_ == AttentionScore::tanh) e = tanh(e);                          // (1)
  Var a = softmax(e, mask);                                                 // (2)
  Var c = batched_matmul(reshape(a, {batch, 1, steps}), h);                 // (3) [B, 1, H]
  return {reshape(c, {batch, hidden}), a};
}

Tensor padding_mask(const Tensor& ids) {
  Tensor mask = Tensor::empty(ids.shape());
  for (int64_t i = 0; i < ids.numel(); ++i)
    mask.f32()[i] = ids.i32()[i] == 0 ? -std::numeric_limits<float>::infinity() : 0.f;
  return mask;
}

}  // namespace nmt::classify
