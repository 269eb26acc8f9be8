// Linear (affine) layer: y = x W + b, applied to the last axis of x.
// W is [in, out] (the engine's row-major convention), Glorot-uniform initialised; b starts at 0.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/layers/selected_output.h"
#include "nmt/tensor/init.h"

namespace nmt {

class Linear {
 public:
  Linear() = default;
  Linear(ParameterStore& store, const std::string& name, int64_t in, int64_t out, Generator& init,
         bool bias = true)
      : weight_(store.add(name + ".weight", init::glorot_uniform({in, out}, 1.f, init))) {
    if (bias) bias_ = store.add(name + ".bias", init::zeros({out}));
  }

  // x [..., in] -> [..., out]
  Var operator()(const Var& x) const { return affine(x, weight_, bias_); }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }  // undefined without one
  // The layer restricted to the output units `ids` (a vocabulary shortlist).
  std::shared_ptr<const SelectedOutput> select(std::span<const int32_t> ids) const {
    return std::make_shared<const SelectedOutput>(weight_.value(), false, bias_.defined() ? &bias_.value() : nullptr, ids);
  }

 private:
  Parameter weight_;
  Parameter bias_;
};

}  // namespace nmt
