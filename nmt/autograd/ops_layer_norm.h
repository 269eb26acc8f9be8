// Layer normalisation over the last axis (Ba, Kiros & Hinton 2016, "Layer Normalization").
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// x [..., D], gamma [D], beta [D] -> y [..., D]; per row of D values:
//   mu = mean(x), var = mean((x - mu)^2) (biased), rstd = 1 / sqrt(var + eps)
//   xhat = (x - mu) * rstd,  y = gamma * xhat + beta
// Gradients (g = dL/dy, means over the row):
//   dx = rstd * (g*gamma - mean(g*gamma) - xhat * mean(g*gamma*xhat))
//   dgamma = sum over rows of g * xhat,  dbeta = sum over rows of g
Var layer_norm(const Var& x, const Var& gamma, const Var& beta, float eps = 1e-5f);

}  // namespace nmt
