// Fused additive attention scores: values against a double-precision loop, gradients by finite
// differences (including a gradient that is zero at masked positions), shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "nmt/autograd/ops_additive_scores.h"
#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_softmax.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("additive_scores: e[b,t,s] = sum_a v[a] tanh(q[b,t,a] + k[b,s,a])") {
  Generator gen(5);
  const int64_t batch = 3, queries = 4, keys = 5, width = 37;  // 37: a vector tail on every ISA
  Tensor q = random_tensor({batch, queries, width}, gen, -2.f, 2.f);
  Tensor k = random_tensor({batch, keys, width}, gen, -2.f, 2.f);
  Tensor v = random_tensor({width, 1}, gen);
  Var e = additive_scores(Var(q), Var(k), Var(v));
  REQUIRE(e.shape() == Shape{batch, queries, keys});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < queries; ++t)
      for (int64_t s = 0; s < keys; ++s) {
        double want = 0;
        for (int64_t a = 0; a < width; ++a)
          want += double(v.f32()[a]) *
                  std::tanh(double(q.f32()[(b * queries + t) * width + a]) + k.f32()[(b * keys + s) * width + a]);
        CHECK(e.value().f32()[(b * queries + t) * keys + s] == doctest::Approx(want).epsilon(1e-5));
      }
}

TEST_CASE("additive_scores: gradient checks") {
  Generator gen(6);
  for (auto [batch, queries, keys, width] : std::vector<std::array<int64_t, 4>>{
           {1, 1, 1, 1}, {2, 3, 4, 5}, {9, 2, 3, 17}}) {  // 9 rows: more than one block of dv sums
    CAPTURE(batch);
    CAPTURE(width);
    std::vector<Tensor> in = {random_tensor({batch, queries, width}, gen), random_tensor({batch, keys, width}, gen),
                              random_tensor({width}, gen)};
    gradcheck([](auto& x) { return additive_scores(x[0], x[1], x[2]); }, in);
    // Through a masked softmax: the masked key gets a zero gradient, the others the right one.
    Tensor mask = Tensor::zeros({batch, 1, keys});
    mask.f32()[keys - 1] = -INFINITY;
    if (keys > 1) gradcheck([&](auto& x) { return softmax(additive_scores(x[0], x[1], x[2]), mask); }, in);
    // Gradients that accumulate: q used twice.
    gradcheck([](auto& x) { return additive_scores(x[0], x[1], x[2]) + additive_scores(x[0] * 0.5f, x[1], x[2]); },
              in);
  }
}

TEST_CASE("additive_scores: wrong shapes and aliased inputs throw, naming the op") {
  Var q(Tensor::zeros({2, 3, 4})), k(Tensor::zeros({2, 5, 4}));
  CHECK_THROWS_WITH_AS(additive_scores(q, Var(Tensor::zeros({2, 5, 3})), Var(Tensor::zeros({4}))),
                       doctest::Contains("additive_scores"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(additive_scores(q, k, Var(Tensor::zeros({3}))), doctest::Contains("additive_scores"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(additive_scores(q, q, Var(Tensor::zeros({4}))), doctest::Contains("different"),
                       std::invalid_argument);
}
