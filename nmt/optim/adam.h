// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") and AdamW (Loshchilov &
// Hutter 2019, "Decoupled Weight Decay Regularization"), with bias correction, in PyTorch's
// formulation. At step t (1, 2, ...), for each weight w with gradient g:
//   Adam:   g <- g + weight_decay * w                      (L2 regularisation, coupled)
//   AdamW:  w <- w - lr * weight_decay * w                 (decoupled decay, before the update)
//   m <- beta1 m + (1 - beta1) g                           first moment
//   v <- beta2 v + (1 - beta2) g^2                         second moment
//   w <- w - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
// computed as w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
#pragma once

#include "nmt/optim/optimizer.h"

namespace nmt::optim {

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.f;  // Adam: L2 added to the gradient; AdamW: decoupled decay
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Parameter> parameters, AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::vector<Parameter> parameters, AdamOptions options, bool decoupled);

 private:
  void prepare_step() override;
  void update_range(float* w, const float* g, float* s0, float* s1, int64_t n) const override;

  AdamOptions options_;
  bool decoupled_;
  // Per-step constants (prepare_step()).
  float step_size_ = 0.f;          // lr / (1 - beta1^t)
  float inv_sqrt_correction2_ = 1.f;  // 1 / sqrt(1 - beta2^t)
  float decay_ = 1.f;              // AdamW: 1 - lr * weight_decay
};

// Adam with decoupled weight decay (weight_decay defaults to 0.01, as in PyTorch).
class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Parameter> parameters, AdamOptions options = {.weight_decay = 0.01f});
};

}  // namespace nmt::optim
