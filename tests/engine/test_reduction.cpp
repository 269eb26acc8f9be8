// Reductions: values, shapes (keepdim, the [1] scalar convention), gradients, determinism.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_reduction.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("reductions: known values and shapes") {
  Var x(Tensor::from_vector({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  CHECK(sum(x, 0).value().to_vector() == std::vector<float>{5, 7, 9});
  CHECK(sum(x, 0).shape() == Shape{3});
  CHECK(sum(x, 1).value().to_vector() == std::vector<float>{6, 15});
  CHECK(sum(x, -1, true).shape() == Shape{2, 1});
  CHECK(sum(x, 0, true).shape() == Shape{1, 3});
  CHECK(mean(x, 0).value().to_vector() == std::vector<float>{2.5, 3.5, 4.5});
  CHECK(mean(x, 1).value().to_vector() == std::vector<float>{2, 5});
  CHECK(sum_all(x).shape() == Shape{1});
  CHECK(sum_all(x).item() == 21);
  CHECK(mean_all(x).shape() == Shape{1});
  CHECK(mean_all(x).item() == 3.5);
  Var v(Tensor::from_vector({4}, std::vector<float>{1, 2, 3, 4}));
  CHECK(sum(v, 0).shape() == Shape{1});  // never 0-rank
  CHECK(sum(v, 0).item() == 10);
  CHECK(mean(v, 0, true).shape() == Shape{1});

  // [2, 3, 4]: reducing the middle axis against a plain loop.
  Tensor t = Tensor::empty({2, 3, 4});
  for (int i = 0; i < 24; ++i) t.f32()[i] = static_cast<float>(i * i % 7) - 2.5f;
  Var y = sum(Var(t), 1);
  REQUIRE(y.shape() == Shape{2, 4});
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 4; ++i) {
      float s = 0;
      for (int j = 0; j < 3; ++j) s += t.f32()[o * 12 + j * 4 + i];
      CHECK(y.value().f32()[o * 4 + i] == s);
    }

  // An empty axis: the sum is 0, the mean NaN (as in numpy).
  Var empty(Tensor::zeros({2, 0, 3}));
  CHECK(sum(empty, 1).value().to_vector() == std::vector<float>(6, 0.f));
  CHECK(std::isnan(mean(empty, 1).value().f32()[0]));
  CHECK(sum_all(empty).item() == 0);
}

TEST_CASE("reductions: errors name the op") {
  Var x(Tensor::zeros({2, 3}));
  CHECK_THROWS_WITH_AS(sum(x, 2), "sum: axis 2 out of range for shape [2, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(mean(x, -3), "mean: axis -3 out of range for shape [2, 3]", std::invalid_argument);
}

TEST_CASE("reductions: gradients") {
  Generator gen(17);
  const std::vector<Shape> shapes = {{5}, {3, 4}, {2, 3, 4}, {2, 1, 3}, {4, 1}, {2, 3, 2, 2}};
  for (const Shape& s : shapes) {
    Tensor x = random_tensor(s, gen);
    for (int axis = -1; axis < s.rank(); ++axis)
      for (bool keep : {false, true}) {
        CAPTURE(s.str());
        CAPTURE(axis);
        CAPTURE(keep);
        gradcheck([=](auto& v) { return sum(v[0], axis, keep); }, {x});
        gradcheck([=](auto& v) { return mean(v[0], axis, keep); }, {x});
      }
    gradcheck([](auto& v) { return sum_all(v[0]); }, {x});
    gradcheck([](auto& v) { return mean_all(v[0]); }, {x});
  }
  // Large inputs (the parallel paths).
  Tensor big = random_tensor({3, 20000}, gen);
  gradcheck([](auto& v) { return sum(v[0], 0); }, {big}, {.max_elements = 60});
  gradcheck([](auto& v) { return mean(v[0], 1); }, {big}, {.eps = 1e-3f, .atol = 1e-6f, .rtol = 2e-3f, .max_elements = 60});
  gradcheck([](auto& v) { return mean_all(v[0]); }, {big}, {.eps = 1e-2f, .atol = 1e-6f, .rtol = 1e-3f, .max_elements = 60});
  // Accumulation: the same input reduced two ways.
  gradcheck([](auto& v) { return sum(v[0], 1) * mean(v[0], 1) + sum_all(v[0]); }, {random_tensor({3, 4}, gen)});
}

TEST_CASE("reductions: a loss from mean_all back-propagates with backward()") {
  Var x(Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3, 4}), true);
  Var loss = mean_all(x * x);
  loss.backward();
  CHECK(loss.item() == 7.5);
  CHECK(x.grad().to_vector() == std::vector<float>{0.5, 1, 1.5, 2});  // 2x / 4
}

TEST_CASE("reductions: the same bits for 1 and 2 threads") {
  Generator gen(5);
  Tensor x = random_tensor({64, 3000}, gen);
  const int threads = num_threads();
  auto run = [&](int t) {
    set_num_threads(t);
    Var v(x);
    std::vector<float> out = sum_all(v).value().to_vector();
    for (int axis : {0, 1})
      for (float f : mean(v, axis).value().to_vector()) out.push_back(f);
    return out;
  };
  auto one = run(1), two = run(2);
  set_num_threads(threads);
  CHECK(one == two);
  double exact = 0;
  for (int64_t i = 0; i < x.numel(); ++i) exact += x.f32()[i];
  CHECK(one[0] == doctest::Approx(exact).epsilon(1e-5));
}
