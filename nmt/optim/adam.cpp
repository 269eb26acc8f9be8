// Adam and AdamW: one fused loop reads w, g, m, v once and writes w, m, v (see adam.h).
#include "nmt/optim/adam.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nmt/tensor/kernel_dispatch.h"

namespace nmt::optim {
namespace {

// l2: weight decay added to the gradient (Adam); decay: factor applied to w first (AdamW).
NMT_KERNEL void adam_update(float* w, const float* g, float* m, float* v, int64_t n, float beta1, float beta2,
                            float step_size, float inv_sqrt_c2, float eps, float l2, float decay) {
  const float one_minus_b1 = 1.f - beta1, one_minus_b2 = 1.f - beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float wi = w[i] * decay;
    const float gi = g[i] + l2 * wi;
    const float mi = beta1 * m[i] + one_minus_b1 * gi;
    const float vi = beta2 * v[i] + one_minus_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = wi - step_size * mi / (std::sqrt(vi) * inv_sqrt_c2 + eps);
  }
}

const AdamOptions& checked(const AdamOptions& o, const char* name) {
  auto fail = [name](const std::string& what) { throw std::invalid_argument(std::string(name) + ": " + what); };
  if (!(o.beta1 >= 0.f && o.beta1 < 1.f)) fail("beta1 must be in [0, 1), got " + std::to_string(o.beta1));
  if (!(o.beta2 >= 0.f && o.beta2 < 1.f)) fail("beta2 must be in [0, 1), got " + std::to_string(o.beta2));
  if (!(o.eps > 0.f)) fail("eps must be > 0, got " + std::to_string(o.eps));
  if (!(o.weight_decay >= 0.f) || !std::isfinite(o.weight_decay))
    fail("weight_decay must be finite and >= 0, got " + std::to_string(o.weight_decay));
  return o;
}

}  // namespace

Adam::Adam(std::vector<Parameter> parameters, AdamOptions options) : Adam(std::move(parameters), options, false) {}

Adam::Adam(std::vector<Parameter> parameters, AdamOptions options, bool decoupled)
    : Optimizer(std::move(parameters), checked(options, decoupled ? "adamw" : "adam").lr, decoupled ? "adamw" : "adam", 2),
      options_(options),
      decoupled_(decoupled) {}

void Adam::prepare_step() {
  const double t = static_cast<double>(steps());
  const double c1 = 1.0 - std::pow(static_cast<double>(options_.beta1), t);
  const double c2 = 1.0 - std::pow(static_cast<double>(options_.beta2), t);
  step_size_ = static_cast<float>(learning_rate() / c1);
  inv_sqrt_correction2_ = static_cast<float>(1.0 / std::sqrt(c2));
  decay_ = decoupled_ ? 1.f - learning_rate() * options_.weight_decay : 1.f;
}

void Adam::update_range(float* w, const float* g, float* m, float* v, int64_t n) const {
  adam_update(w, g, m, v, n, options_.beta1, options_.beta2, step_size_, inv_sqrt_correction2_, options_.eps,
              decoupled_ ? 0.f : options_.weight_decay, decay_);
}

AdamW::AdamW(std::vector<Parameter> parameters, AdamOptions options) : Adam(std::move(parameters), options, true) {}

}  // namespace nmt::optim
