// Position-wise feed-forward network (Vaswani et al. 2017, eq. 2):
//   FFN(x) = max(0, x W_1 + b_1) W_2 + b_2   (ReLU; GELU selectable, Hendrycks & Gimpel 2016)
#pragma once

#include <string>

#include "nmt/layers/linear.h"

namespace nmt {

class FeedForward {
 public:
  FeedForward() = default;
  FeedForward(ParameterStore& store, const std::string& name, int64_t d_model, int64_t d_ff, bool gelu_activation,
              Generator& init)
      : w1_(store, name + ".w1", d_model, d_ff, init), w2_(store, name + ".w2", d_ff, d_model, init), gelu_(gelu_activation) {}

  Var operator()(const Var& x) const {
    Var hidden = w1_(x);
    return w2_(gelu_ ? gelu(hidden) : relu(hidden));
  }

 private:
  Linear w1_, w2_;
  bool gelu_ = false;
};

}  // namespace nmt
