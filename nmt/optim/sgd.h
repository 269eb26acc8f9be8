// Stochastic gradient descent, optionally with momentum (Polyak 1964; Sutskever et al. 2013 for
// the Nesterov form) and L2 weight decay, in PyTorch's formulation:
//   g' = g + weight_decay * w
//   momentum = 0:  w <- w - lr * g'
//   otherwise:     b <- momentum * b + g'          (b starts at 0)
//                  w <- w - lr * b                 or, Nesterov, w <- w - lr * (g' + momentum * b)
#pragma once

#include "nmt/optim/optimizer.h"

namespace nmt::optim {

struct SGDOptions {
  float lr = 0.1f;
  float momentum = 0.f;
  float weight_decay = 0.f;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Parameter> parameters, SGDOptions options = {});
  const SGDOptions& options() const { return options_; }

 private:
  void update_range(float* w, const float* g, float* s0, float* s1, int64_t n) const override;
  SGDOptions options_;
};

}  // namespace nmt::optim
