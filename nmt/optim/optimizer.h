// Optimizers: update a list of Parameters from their accumulated gradients.
//
//   Optimizer      the common part: the parameter list, the learning rate (set by a schedule
//                  before each step), the step count, per-parameter state buffers and their
//                  export / import for checkpoints, zero_grad().
//   SGD, Adam, AdamW (nmt/optim/sgd.h, nmt/optim/adam.h) implement one fused update loop each.
//   clip_grad_norm, grads_finite: global gradient-norm clipping and a check for NaN / infinity.
//
// A training step is: zero_grad(); loss.backward(); [clip_grad_norm(...)]; set_learning_rate(...);
// step(). step() allocates nothing: every state buffer is created with the optimizer, and the
// update loops are plain vectorised kernels, parallel (OpenMP) over fixed chunks of big tensors,
// so the result is bit-identical whatever the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nmt/autograd/var.h"

namespace nmt::optim {

// Everything an optimizer carries from step to step, as plain values, so that a checkpoint can
// save it and load_state() can restore it exactly (bit for bit).
struct OptimizerState {
  std::string algorithm;           // "sgd", "adam" or "adamw": load_state() checks it matches
  int64_t steps = 0;               // updates done so far (Adam's bias correction uses it)
  float learning_rate = 0.f;       // the last one set
  std::vector<std::string> names;  // parameter names, in order (checked on load when not empty)
  int slots = 0;                   // state buffers per parameter (SGD with momentum 1, Adam 2)
  // buffers[i * slots + s]: buffer s of parameter i, as many values as the parameter
  // (SGD: s = 0 momentum; Adam/AdamW: s = 0 first moment m, s = 1 second moment v).
  std::vector<std::vector<float>> buffers;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter from its current gradient. Gradients are left unchanged.
  void step();
  // Sets every parameter's gradient to zero (they accumulate over backward() calls).
  void zero_grad();

  float learning_rate() const { return learning_rate_; }
  void set_learning_rate(float lr);
  int64_t steps() const { return steps_; }
  const std::vector<Parameter>& parameters() const { return parameters_; }
  const char* algorithm() const { return algorithm_; }

  OptimizerState state() const;
  // Restores a state exported by state() of an optimizer of the same kind over parameters of the
  // same shapes (and names, when the state has them). Throws std::invalid_argument otherwise.
  void load_state(const OptimizerState& state);

 protected:
  Optimizer(std::vector<Parameter> parameters, float learning_rate, const char* algorithm, int slots);

  // Called once per step() after the step count was incremented, before any update_range():
  // the place to compute per-step constants (e.g. bias corrections).
  virtual void prepare_step() {}
  // Updates n consecutive values: w (weights), g (their gradients), s0 / s1 the matching parts
  // of state buffers 0 / 1 (nullptr where the optimizer has fewer buffers).
  virtual void update_range(float* w, const float* g, float* s0, float* s1, int64_t n) const = 0;

 private:
  std::vector<Parameter> parameters_;
  std::vector<Tensor> buffers_;  // [i * slots_ + s], zero-initialised
  float learning_rate_;
  int64_t steps_ = 0;
  const char* algorithm_;
  int slots_;
};

// Global gradient-norm clipping (Pascanu et al. 2013): with N = sqrt(sum over all gradients of
// g^2), when N > max_norm every gradient is scaled by max_norm / (N + 1e-6). Returns N (before
// clipping). A non-finite N leaves the gradients unchanged (check grads_finite() / the result and
// skip the step). The sum is taken in double over fixed blocks: deterministic for any thread count.
float clip_grad_norm(const std::vector<Parameter>& parameters, float max_norm);

// The global gradient norm without clipping.
float grad_norm(const std::vector<Parameter>& parameters);

// True when no gradient holds a NaN or an infinity.
bool grads_finite(const std::vector<Parameter>& parameters);

}  // namespace nmt::optim
