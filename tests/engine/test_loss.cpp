// cross_entropy: label smoothing (Szegedy et al. 2016, PyTorch's definition), ignored positions,
// sum / mean, the NLL statistic, gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "nmt/autograd/ops_loss.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

namespace {
// Reference in double: returns (sum of smoothed losses, sum of NLLs, token count).
struct Reference {
  double loss = 0, nll = 0;
  int64_t tokens = 0;
};
Reference reference(const std::vector<float>& x, const std::vector<int32_t>& y, int64_t v, double eps, int32_t ignore) {
  Reference r;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (y[i] == ignore) continue;
    double m = -INFINITY;
    for (int64_t j = 0; j < v; ++j) m = std::max(m, double(x[i * v + j]));
    double s = 0;
    for (int64_t j = 0; j < v; ++j) s += std::exp(double(x[i * v + j]) - m);
    const double lse = m + std::log(s);
    double mean_neg_logp = 0;
    for (int64_t j = 0; j < v; ++j) mean_neg_logp += (lse - x[i * v + j]) / double(v);
    const double nll = lse - x[i * v + y[i]];
    r.loss += (1 - eps) * nll + eps * mean_neg_logp;
    r.nll += nll;
    r.tokens++;
  }
  return r;
}
}  // namespace

TEST_CASE("cross_entropy: known values with label smoothing and an ignored position") {
  const std::vector<float> x = {1, 2, 3, 0.5f, -1, 2, 3, 3, 3};
  const std::vector<int32_t> y = {2, 0, 1};  // the last one is padding (ignore_id 1)
  Var logits(Tensor::from_vector({3, 3}, x), true);
  Tensor targets = Tensor::from_ids({3}, y);

  // Row 0 by hand: lse = log(e + e^2 + e^3) = 3.40760596, -log p_2 = 0.40760596,
  // mean_v -log p_v = lse - mean(x) = 1.40760596; loss = 0.9 * 0.40760596 + 0.1 * 1.40760596.
  {
    Var one(Tensor::from_vector({1, 3}, std::vector<float>{1, 2, 3}));
    CHECK(cross_entropy(one, Tensor::from_ids({1}, std::vector<int32_t>{2}), 0.1f).item() ==
          doctest::Approx(0.50760596).epsilon(1e-6));
    CHECK(cross_entropy(one, Tensor::from_ids({1}, std::vector<int32_t>{2})).item() ==
          doctest::Approx(0.40760596).epsilon(1e-6));
  }

  const Reference ref = reference(x, y, 3, 0.1, 1);
  CrossEntropyResult sum = cross_entropy_with_stats(logits, targets, 0.1f, 1, Reduction::sum);
  CHECK(sum.tokens == 2);
  CHECK(sum.loss.shape() == Shape{});
  CHECK(sum.loss.item() == doctest::Approx(ref.loss).epsilon(1e-6));
  CHECK(sum.nll_sum == doctest::Approx(ref.nll).epsilon(1e-6));
  // Row 1 by hand: lse = log(e^0.5 + e^-1 + e^2) = 2.24131, nll = lse - 0.5.
  const double lse1 = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0));
  CHECK(sum.nll_sum == doctest::Approx(0.40760596 + lse1 - 0.5).epsilon(1e-6));

  // Gradient of the sum: p - q per row, q = 0.9 [v == y] + 0.1 / 3; the ignored row gets 0.
  sum.loss.backward();
  const std::vector<float> g = logits.grad().to_vector();
  const double p0[3] = {0.0900305732, 0.2447284711, 0.6652409558};
  for (int j = 0; j < 3; ++j) {
    const double q = (j == 2 ? 0.9 : 0.0) + 0.1 / 3;
    CHECK(g[j] == doctest::Approx(p0[j] - q).epsilon(1e-5));
    const double p1 = std::exp(x[3 + j] - lse1);
    CHECK(g[3 + j] == doctest::Approx(p1 - ((j == 0 ? 0.9 : 0.0) + 0.1 / 3)).epsilon(1e-5));
    CHECK(g[6 + j] == 0.0f);
  }

  // Mean: divided by the 2 counted positions, and so is the gradient.
  Var logits2(Tensor::from_vector({3, 3}, x), true);
  CrossEntropyResult mean = cross_entropy_with_stats(logits2, targets, 0.1f, 1, Reduction::mean);
  CHECK(mean.loss.item() == doctest::Approx(ref.loss / 2).epsilon(1e-6));
  CHECK(mean.nll_sum == doctest::Approx(ref.nll).epsilon(1e-6));
  mean.loss.backward();
  for (int j = 0; j < 9; ++j) CHECK(logits2.grad().f32()[j] == doctest::Approx(g[j] / 2).epsilon(1e-5));
}

TEST_CASE("cross_entropy: matches the double-precision reference, large vocabularies, stability") {
  Generator gen(31);
  for (int64_t v : {1, 2, 17, 1000, 5000}) {
    for (float eps : {0.0f, 0.1f, 0.3f}) {
      CAPTURE(v);
      CAPTURE(eps);
      const int64_t n = 6;
      Tensor x = random_tensor({n, v}, gen, -10.f, 10.f);
      std::vector<int32_t> y(n);
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int32_t>(gen.next() % v);
      y[3] = -1;
      // The largest logit deep in the row (a late chunk raises the running max).
      x.f32()[2 * v + v - 1] = 30.f;
      const Reference ref = reference(x.to_vector(), y, v, eps, -1);
      CrossEntropyResult r = cross_entropy_with_stats(Var(x), Tensor::from_ids({n}, y), eps);
      CHECK(r.tokens == 5);
      CHECK(r.loss.item() == doctest::Approx(ref.loss).epsilon(2e-6));
      CHECK(r.nll_sum == doctest::Approx(ref.nll).epsilon(2e-6));
    }
  }
  // Huge logits: no overflow.
  Var big(Tensor::from_vector({1, 3}, std::vector<float>{1001, 1002, 1003}));
  CHECK(cross_entropy(big, Tensor::from_ids({1}, std::vector<int32_t>{2}), 0.1f).item() ==
        doctest::Approx(0.50760596).epsilon(1e-5));
}

TEST_CASE("cross_entropy: gradient checks") {
  Generator gen(32);
  struct Case {
    Shape logits;
    std::vector<int32_t> targets;
  };
  const std::vector<Case> cases = {{{1, 1}, {0}},
                                   {{4, 7}, {0, 6, 3, 3}},
                                   {{5, 6}, {2, -1, 5, -1, 0}},
                                   {{2, 3, 5}, {4, 0, -1, 1, 2, 3}},
                                   {{3, 1500}, {1499, 7, 800}}};
  for (const Case& c : cases) {
    for (float eps : {0.0f, 0.1f}) {
      for (Reduction red : {Reduction::sum, Reduction::mean}) {
        CAPTURE(c.logits.str());
        CAPTURE(eps);
        Shape ts;
        for (int i = 0; i < c.logits.rank() - 1; ++i) ts.push_back(c.logits[i]);
        Tensor t = Tensor::from_ids(ts, c.targets);
        gradcheck([=](auto& v) { return cross_entropy(v[0], t, eps, -1, red); },
                  {random_tensor(c.logits, gen, -3.f, 3.f)});
      }
    }
  }
}

TEST_CASE("cross_entropy: everything ignored gives 0 and zero gradients") {
  Var logits(Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3, 4}), true);
  Tensor pad = Tensor::from_ids({2}, std::vector<int32_t>{0, 0});
  CrossEntropyResult r = cross_entropy_with_stats(logits, pad, 0.1f, 0, Reduction::mean);
  CHECK(r.tokens == 0);
  CHECK(r.loss.item() == 0.0f);
  CHECK(r.nll_sum == 0.0);
  r.loss.backward();
  CHECK(logits.grad().to_vector() == std::vector<float>{0, 0, 0, 0});
}

TEST_CASE("cross_entropy: same result for 1 and 2 threads") {
  Generator gen(33);
  Tensor x = random_tensor({64, 2000}, gen, -5.f, 5.f);
  std::vector<int32_t> y(64);
  for (auto& t : y) t = static_cast<int32_t>(gen.next() % 2000);
  Tensor targets = Tensor::from_ids({64}, y);
  const int saved = num_threads();
  std::vector<float> loss(2), grads[2];
  for (int t = 0; t < 2; ++t) {
    set_num_threads(t + 1);
    Var v(x.clone(), true);
    Var l = cross_entropy(v, targets, 0.1f);
    loss[t] = l.item();
    l.backward();
    grads[t] = v.grad().to_vector();
  }
  set_num_threads(saved);
  CHECK(loss[0] == loss[1]);
  CHECK(grads[0] == grads[1]);
}

TEST_CASE("cross_entropy: wrong use throws") {
  Var logits(Tensor::zeros({2, 3}));
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_ids({3}, std::vector<int32_t>{0, 1, 2})),
                       "cross_entropy: targets must have the logits' shape without the last axis: [2, 3] and [3]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_ids({2}, std::vector<int32_t>{0, 3})),
                       "cross_entropy: target 3 at position 1 is outside [0, 3) and not the ignore_id -1",
                       std::invalid_argument);
  CHECK_THROWS_AS(cross_entropy(logits, Tensor::zeros({2})), std::invalid_argument);  // float targets
  CHECK_THROWS_AS(cross_entropy(logits, Tensor::from_ids({2}, std::vector<int32_t>{0, 1}), 1.5f),
                  std::invalid_argument);
}
