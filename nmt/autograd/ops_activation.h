// Elementwise activations and exp/log: y = f(x), dx = dy * f'(x).
// Vectorised through nmt/tensor/fast_math.h and split over OpenMP threads for large tensors;
// each element is computed independently, so results do not depend on the thread count.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// y = tanh x;  dx = dy (1 - y^2).
Var tanh(const Var& x);

// y = sigmoid x = 1 / (1 + exp(-x));  dx = dy y (1 - y).
Var sigmoid(const Var& x);

// y = max(x, 0) (NaN stays NaN);  dx = dy [x > 0] (the gradient at 0 is 0).
Var relu(const Var& x);

// GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units").
//   exact (default):  y = x Phi(x),  Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2;
//                     dx = dy (Phi(x) + x phi(x)),  phi(x) = exp(-x^2/2) / sqrt(2 pi).
//   approximate:      y = x/2 (1 + tanh u) = x sigmoid(2u),  u = sqrt(2/pi) (x + 0.044715 x^3);
//                     dx = dy (s + 2 x s (1 - s) u'),  s = sigmoid(2u),
//                     u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
Var gelu(const Var& x, bool approximate = false);

// y = exp x;  dx = dy y.
Var exp(const Var& x);

// y = log x (natural; log 0 = -inf, log of a negative = NaN);  dx = dy / x.
Var log(const Var& x);

}  // namespace nmt
