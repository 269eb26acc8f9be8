// ParameterStore: a model's parameters by name, in the order the layers created them.
//
// Layers register their weights here when they are built (`Linear(store, "encoder.0.ffn.w1", ...)`)
// and keep handles to them; optimisers, gradient clipping and model files see the whole set
// through the store. Names are unique and stable: they are the keys in model files.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "nmt/autograd/var.h"

namespace nmt {

class ParameterStore {
 public:
  // Registers a new parameter with the given initial value; throws if the name is taken.
  Parameter add(const std::string& name, Tensor value) {
    if (index_.count(name)) throw std::logic_error("parameter '" + name + "' registered twice");
    index_[name] = parameters_.size();
    parameters_.emplace_back(std::move(value), name);
    return parameters_.back();
  }
  const std::vector<Parameter>& all() const { return parameters_; }
  std::vector<Parameter>& all() { return parameters_; }
  const Parameter* find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &parameters_[it->second];
  }
  // Number of trainable scalars.
  int64_t count() const {
    int64_t n = 0;
    for (const Parameter& p : parameters_) n += p.numel();
    return n;
  }
  void zero_grad() {
    for (Parameter& p : parameters_) p.zero_grad();
  }

 private:
  std::vector<Parameter> parameters_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace nmt
