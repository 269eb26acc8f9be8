// Layer normalisation (Ba et al. 2016): y = gamma * (x - mean) / sqrt(var + eps) + beta over the
// last axis; gamma starts at 1, beta at 0.
#pragma once

#include <string>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/tensor/init.h"

namespace nmt {

class LayerNorm {
 public:
  LayerNorm() = default;
  LayerNorm(ParameterStore& store, const std::string& name, int64_t size, float eps = 1e-5f)
      : gamma_(store.add(name + ".gamma", init::ones({size}))),
        beta_(store.add(name + ".beta", init::zeros({size}))),
        eps_(eps) {}

  Var operator()(const Var& x) const { return layer_norm(x, gamma_, beta_, eps_); }

 private:
  Parameter gamma_, beta_;
  float eps_ = 1e-5f;
};

}  // namespace nmt
