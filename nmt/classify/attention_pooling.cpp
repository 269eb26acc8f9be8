// Attention pooling, equations (1)-(3) of attention_pooling.h.
#include "nmt/classify/attention_pooling.h"

#include <limits>
#include <stdexcept>

#include "nmt/tensor/init.h"

namespace nmt::classify {

AttentionPooling::AttentionPooling(ParameterStore& store, const std::string& name, int64_t hidden, int64_t positions,
                                   bool per_position_bias, Generator& init)
    : positions_(per_position_bias ? positions : 0) {
  w_ = store.add(name + ".w", init::glorot_uniform({hidden, 1}, 1.f, init));
  b_ = store.add(name + ".b", init::zeros({per_position_bias ? positions : 1}));
}

AttentionPooling::Output AttentionPooling::operator()(const Var& h, const Tensor& mask) const {
  const int64_t batch = h.dim(0), steps = h.dim(1), hidden = h.dim(2);
  if (positions_ > 0 && steps != positions_)
    shape_error("attention_pooling", "a per-position bias needs exactly its number of positions; states and bias",
                h.shape(), b_.shape());
  Var e = tanh(reshape(matmul(h, w_), {batch, steps}) + b_);               // (1)
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
