// layer_norm (Ba et al. 2016): known values, gradients, determinism across thread counts.
#include <doctest/doctest.h>

#include <cmath>

#include "nmt/autograd/ops_layer_norm.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("layer_norm: known values") {
  // Row [1, 2, 3, 4]: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
  // Row [-3, 0, 0, 7]: mean 1, variance (16 + 1 + 1 + 36) / 4 = 13.5.
  Var x(Tensor::from_vector({2, 4}, std::vector<float>{1, 2, 3, 4, -3, 0, 0, 7}));
  Var gamma(Tensor::from_vector({4}, std::vector<float>{1, 2, 0.5f, -1}));
  Var beta(Tensor::from_vector({4}, std::vector<float>{0, 0.1f, 0.2f, 0.3f}));
  const std::vector<float> y = layer_norm(x, gamma, beta).value().to_vector();
  const double r1 = 1.0 / std::sqrt(1.25 + 1e-5), r2 = 1.0 / std::sqrt(13.5 + 1e-5);
  const double expect[8] = {-1.5 * r1 * 1 + 0,    -0.5 * r1 * 2 + 0.1, 0.5 * r1 * 0.5 + 0.2, 1.5 * r1 * -1 + 0.3,
                            -4.0 * r2 * 1 + 0,    -1.0 * r2 * 2 + 0.1, -1.0 * r2 * 0.5 + 0.2, 6.0 * r2 * -1 + 0.3};
  for (int i = 0; i < 8; ++i) CHECK(y[i] == doctest::Approx(expect[i]).epsilon(1e-6));
  // Rounded by hand: row 1 is approximately [-1.341635, -0.794423, 0.423606, -1.041635].
  CHECK(y[0] == doctest::Approx(-1.341635).epsilon(1e-5));
  CHECK(y[3] == doctest::Approx(-1.041635).epsilon(1e-5));

  // A constant row normalises to 0 (then y = beta), without dividing by zero.
  Var c(Tensor::full({1, 4}, 3.0f));
  const std::vector<float> yc = layer_norm(c, gamma, beta).value().to_vector();
  for (int i = 0; i < 4; ++i) CHECK(yc[i] == doctest::Approx(beta.value().f32()[i]));

  // A large mean does not hurt the variance (two-pass statistics).
  Var big(Tensor::from_vector({1, 4}, std::vector<float>{10001, 10002, 10003, 10004}));
  const std::vector<float> yb = layer_norm(big, gamma, beta).value().to_vector();
  for (int i = 0; i < 4; ++i) CHECK(yb[i] == doctest::Approx(expect[i]).epsilon(1e-4));
}

TEST_CASE("layer_norm: known gradients for gamma and beta") {
  // dgamma = sum over rows of g * xhat, dbeta = sum over rows of g; with g = 1 everywhere:
  // dbeta = number of rows, dgamma = sum of xhat over rows.
  Parameter gamma(Tensor::from_vector({2}, std::vector<float>{1, 1}), "gamma");
  Parameter beta(Tensor::zeros({2}), "beta");
  Var x(Tensor::from_vector({3, 2}, std::vector<float>{0, 2, 5, 1, 3, 3}), true);
  // xhat rows: [-1, 1] * 1/sqrt(1 + eps), [1, -1] * 1/sqrt(4 + eps) * 2, [0, 0]
  layer_norm(x, gamma, beta).backward(Tensor::full({3, 2}, 1.0f));
  const double a = 1.0 / std::sqrt(1 + 1e-5), b = 2.0 / std::sqrt(4 + 1e-5);
  CHECK(gamma.grad().f32()[0] == doctest::Approx(-a + b).epsilon(1e-6));
  CHECK(gamma.grad().f32()[1] == doctest::Approx(a - b).epsilon(1e-6));
  CHECK(beta.grad().to_vector() == std::vector<float>{3, 3});
  // With gamma = 1 and g constant along each row, dx = 0 (normalisation removes shifts).
  for (float v : x.grad().to_vector()) CHECK(std::abs(v) < 1e-6f);
}

TEST_CASE("layer_norm: gradient checks") {
  Generator gen(21);
  for (Shape s : {Shape{5}, Shape{3, 8}, Shape{2, 3, 16}, Shape{4, 1}, Shape{257, 6}, Shape{2, 130}}) {
    CAPTURE(s.str());
    const int64_t d = s[-1];
    Tensor x = random_tensor(s, gen, -2.f, 2.f);
    Tensor gamma = random_tensor({d}, gen, 0.5f, 1.5f), beta = random_tensor({d}, gen);
    gradcheck([](auto& v) { return layer_norm(v[0], v[1], v[2]); }, {x, gamma, beta});
    // A large eps (used by some models) changes the gradient: checked too.
    gradcheck([](auto& v) { return layer_norm(v[0], v[1], v[2], 0.5f); }, {x, gamma, beta});
  }
  // Constant gamma and beta (no partial sums needed), and x constant with gamma learnt.
  Tensor g5 = random_tensor({5}, gen), b5 = random_tensor({5}, gen), x5 = random_tensor({70, 5}, gen);
  gradcheck([=](auto& v) { return layer_norm(v[0], Var(g5), Var(b5)); }, {x5});
  gradcheck([=](auto& v) { return layer_norm(Var(x5), v[0], Var(b5)); }, {g5});
  gradcheck([=](auto& v) { return layer_norm(Var(x5), Var(g5), v[0]); }, {b5});
  // Gradients accumulate into an input used twice (one tensor as both gamma and beta).
  Tensor x = random_tensor({3, 4}, gen);
  gradcheck([](auto& v) { return layer_norm(v[0], v[1], v[1]); }, {x, random_tensor({4}, gen)});
}

TEST_CASE("layer_norm: gradients are bit-identical for 1 and 2 threads") {
  Generator gen(22);
  Tensor x = random_tensor({1000, 96}, gen), gamma = random_tensor({96}, gen), beta = random_tensor({96}, gen);
  Tensor g = random_tensor({1000, 96}, gen);
  std::vector<float> results[2][4];
  const int saved = num_threads();
  for (int t = 0; t < 2; ++t) {
    set_num_threads(t + 1);
    Var xv(x.clone(), true), gv(gamma.clone(), true), bv(beta.clone(), true);
    Var y = layer_norm(xv, gv, bv);
    results[t][0] = y.value().to_vector();
    y.backward(g);
    results[t][1] = xv.grad().to_vector();
    results[t][2] = gv.grad().to_vector();
    results[t][3] = bv.grad().to_vector();
  }
  set_num_threads(saved);
  for (int k = 0; k < 4; ++k) CHECK(results[0][k] == results[1][k]);
}

TEST_CASE("layer_norm: wrong shapes throw") {
  Var x(Tensor::zeros({2, 4}));
  CHECK_THROWS_WITH_AS(layer_norm(x, Var(Tensor::zeros({3})), Var(Tensor::zeros({4}))),
                       "layer_norm: gamma must be [D] for x [3] and [2, 4]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(layer_norm(x, Var(Tensor::zeros({4})), Var(Tensor::zeros({1, 4}))),
                       "layer_norm: beta must be [D] for x [1, 4] and [2, 4]", std::invalid_argument);
}
