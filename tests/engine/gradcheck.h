// Finite-difference gradient checking for the engine's ops and whole models.
//
// For y = f(x_1, ..., x_n) and a fixed random weighting R of y, the scalar L = sum(R * y) has
// dL/dx_i = backward(R). Each analytic gradient element is compared with the central difference
// (L(x + eps e_j) - L(x - eps e_j)) / (2 eps), computed with L accumulated in double precision.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nmt/autograd/var.h"
#include "nmt/tensor/random.h"

namespace nmt::testing {

inline Tensor random_tensor(const Shape& shape, Generator& gen, float low = -1.f, float high = 1.f) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = gen.uniform(low, high);
  return t;
}

struct GradcheckOptions {
  float eps = 1e-3f;
  float atol = 2e-3f;
  float rtol = 2e-3f;
  int max_elements = 200;  // per input, checked elements (spread over the tensor)
};

// Checks d(sum R*f(inputs))/d inputs analytically vs numerically for every float input.
// Returns the largest error found; records a doctest failure for each input that is off.
inline double gradcheck(const std::function<Var(const std::vector<Var>&)>& f, const std::vector<Tensor>& inputs,
                        GradcheckOptions opt = {}, uint64_t seed = 7) {
  Generator gen(seed);
  std::vector<Var> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.clone(), t.dtype() == DType::f32);
  Var y = f(vars);
  Tensor weights = random_tensor(y.shape(), gen);
  y.backward(weights);

  auto loss = [&](const std::vector<Var>& in) {
    NoGradGuard no_grad;
    Var out = f(in);
    double sum = 0;
    for (int64_t i = 0; i < out.numel(); ++i) sum += double(out.value().f32()[i]) * weights.f32()[i];
    return sum;
  };

  double worst = 0;
  for (std::size_t v = 0; v < vars.size(); ++v) {
    if (inputs[v].dtype() != DType::f32) continue;
    REQUIRE_MESSAGE(vars[v].grad().defined(), "input " << v << " received no gradient");
    Tensor& x = vars[v].mutable_value();
    const int64_t n = x.numel();
    const int64_t step = n > opt.max_elements ? n / opt.max_elements : 1;
    for (int64_t j = 0; j < n; j += step) {
      const float original = x.f32()[j];
      x.f32()[j] = original + opt.eps;
      double plus = loss(vars);
      x.f32()[j] = original - opt.eps;
      double minus = loss(vars);
      x.f32()[j] = original;
      double numeric = (plus - minus) / (2.0 * opt.eps);
      double analytic = vars[v].grad().f32()[j];
      double error = std::abs(analytic - numeric);
      worst = std::max(worst, error / (opt.atol + opt.rtol * std::abs(numeric)));
      if (error > opt.atol + opt.rtol * std::abs(numeric)) {
        FAIL_CHECK("gradient of input " << v << " element " << j << ": analytic " << analytic << " numeric "
                                        << numeric);
        break;
      }
    }
  }
  return worst;
}

}  // namespace nmt::testing
