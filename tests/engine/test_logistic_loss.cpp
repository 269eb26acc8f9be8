// binary_cross_entropy_with_logits: known values, stability at large |z|, the gradient
// sigmoid(z) - y against finite differences, wrong use.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "nmt/autograd/ops.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("binary_cross_entropy_with_logits: known values, sum and mean") {
  const std::vector<float> z = {0.f, 2.f, -1.f}, y = {1.f, 0.f, 0.5f};
  double expected = 0;
  for (int i = 0; i < 3; ++i) {
    const double p = 1 / (1 + std::exp(-double(z[i])));
    expected += -(y[i] * std::log(p) + (1 - y[i]) * std::log(1 - p));
  }
  Var logits(Tensor::from_vector({3}, z), true);
  const Tensor targets = Tensor::from_vector({3}, y);
  CHECK(binary_cross_entropy_with_logits(logits, targets, Reduction::sum).item() == doctest::Approx(expected));
  Var mean = binary_cross_entropy_with_logits(logits, targets, Reduction::mean);
  CHECK(mean.item() == doctest::Approx(expected / 3));
  mean.backward();
  for (int i = 0; i < 3; ++i) {
    const double p = 1 / (1 + std::exp(-double(z[i])));
    CHECK(logits.grad().f32()[i] == doctest::Approx((p - y[i]) / 3));
  }
}

TEST_CASE("binary_cross_entropy_with_logits: finite for large logits") {
  Var logits(Tensor::from_vector({4}, std::vector<float>{100.f, -100.f, 100.f, -100.f}));
  const Tensor targets = Tensor::from_vector({4}, std::vector<float>{1.f, 0.f, 0.f, 1.f});
  const float loss = binary_cross_entropy_with_logits(logits, targets, Reduction::sum).item();
  CHECK(std::isfinite(loss));
  CHECK(loss == doctest::Approx(200.0));  // the two right ones cost ~0, the two wrong ones 100 each
}

TEST_CASE("binary_cross_entropy_with_logits: gradient check") {
  Generator gen(3);
  Tensor targets = random_tensor({2, 5}, gen, 0.f, 1.f);
  targets.f32()[0] = 0.f;
  targets.f32()[1] = 1.f;
  for (Reduction red : {Reduction::sum, Reduction::mean})
    gradcheck([=](auto& v) { return binary_cross_entropy_with_logits(v[0], targets, red); },
              {random_tensor({2, 5}, gen, -4.f, 4.f)});
}

TEST_CASE("binary_cross_entropy_with_logits: wrong use throws") {
  Var logits(Tensor::zeros({3}));
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(logits, Tensor::zeros({4})), std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(logits, Tensor::zeros({3}, DType::i32)), std::invalid_argument);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(logits, Tensor::full({3}, 2.f)),
                       doctest::Contains("position 0"), std::invalid_argument);
}
