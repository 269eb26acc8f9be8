// SGD with optional momentum: one fused loop per tensor (see sgd.h for the formulas).
#include "nmt/optim/sgd.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nmt/tensor/kernel_dispatch.h"

namespace nmt::optim {
namespace {

NMT_KERNEL void sgd_plain(float* w, const float* g, int64_t n, float lr, float wd) {
  for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + wd * w[i]);
}

NMT_KERNEL void sgd_momentum(float* w, const float* g, float* b, int64_t n, float lr, float wd, float mu,
                             bool nesterov) {
  if (nesterov) {
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i] + wd * w[i];
      b[i] = mu * b[i] + gi;
      w[i] -= lr * (gi + mu * b[i]);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      b[i] = mu * b[i] + (g[i] + wd * w[i]);
      w[i] -= lr * b[i];
    }
  }
}

const SGDOptions& checked(const SGDOptions& o) {
  if (!(o.momentum >= 0.f && o.momentum < 1.f))
    throw std::invalid_argument("sgd: momentum must be in [0, 1), got " + std::to_string(o.momentum));
  if (!(o.weight_decay >= 0.f) || !std::isfinite(o.weight_decay))
    throw std::invalid_argument("sgd: weight_decay must be finite and >= 0, got " + std::to_string(o.weight_decay));
  if (o.nesterov && o.momentum == 0.f) throw std::invalid_argument("sgd: Nesterov momentum needs momentum > 0");
  return o;
}

}  // namespace

SGD::SGD(std::vector<Parameter> parameters, SGDOptions options)
    : Optimizer(std::move(parameters), options.lr, "sgd", checked(options).momentum > 0.f ? 1 : 0),
      options_(options) {}

void SGD::update_range(float* w, const float* g, float* s0, float*, int64_t n) const {
  const float lr = learning_rate();
  if (s0)
    sgd_momentum(w, g, s0, n, lr, options_.weight_decay, options_.momentum, options_.nesterov);
  else
    sgd_plain(w, g, n, lr, options_.weight_decay);
}

}  // namespace nmt::optim
