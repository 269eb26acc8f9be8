// softmax / log_softmax over the last axis, with additive masks (padding, causal, fully masked).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "nmt/autograd/ops_softmax.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();

// [T, S] with -inf above the diagonal (position t sees s <= t).
Tensor causal_mask(int64_t t, int64_t s) {
  Tensor m = Tensor::empty({t, s});
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < s; ++j) m.f32()[i * s + j] = j <= i ? 0.0f : -kInf;
  return m;
}

// [B, 1, 1, S] with -inf from lengths[b] on.
Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t s, float masked = -kInf) {
  const int64_t b = static_cast<int64_t>(lengths.size());
  Tensor m = Tensor::empty({b, 1, 1, s});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < s; ++j) m.f32()[i * s + j] = j < lengths[i] ? 0.0f : masked;
  return m;
}

bool all_finite(const Tensor& t) {
  for (float v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}
}  // namespace

TEST_CASE("softmax and log_softmax: known values") {
  Var x(Tensor::from_vector({3}, std::vector<float>{1, 2, 3}));
  // exp(k) / (e + e^2 + e^3) for k = 1, 2, 3
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const std::vector<float> y = softmax(x).value().to_vector();
  const std::vector<float> ly = log_softmax(x).value().to_vector();
  for (int k = 0; k < 3; ++k) {
    CHECK(y[k] == doctest::Approx(std::exp(k + 1.0) / sum).epsilon(1e-6));
    CHECK(ly[k] == doctest::Approx(k + 1.0 - std::log(sum)).epsilon(1e-6));
  }
  CHECK(y[0] == doctest::Approx(0.0900305732).epsilon(1e-6));
  CHECK(y[1] == doctest::Approx(0.2447284711).epsilon(1e-6));
  CHECK(y[2] == doctest::Approx(0.6652409558).epsilon(1e-6));
  CHECK(ly[2] == doctest::Approx(-0.4076059644).epsilon(1e-6));

  // Shift invariance and no overflow for large logits.
  Var big(Tensor::from_vector({2, 3}, std::vector<float>{1001, 1002, 1003, -1001, -1000, -999}));
  const std::vector<float> yb = softmax(big).value().to_vector();
  const std::vector<float> lyb = log_softmax(big).value().to_vector();
  for (int k = 0; k < 3; ++k) {
    CHECK(yb[k] == doctest::Approx(y[k]).epsilon(1e-6));
    CHECK(yb[3 + k] == doctest::Approx(y[k]).epsilon(1e-6));
    CHECK(lyb[k] == doctest::Approx(ly[k]).epsilon(1e-5));
    CHECK(lyb[3 + k] == doctest::Approx(ly[k]).epsilon(1e-5));
  }
}

TEST_CASE("softmax: rows sum to one, over many shapes and thread-parallel sizes") {
  Generator gen(11);
  for (Shape s : {Shape{1}, Shape{7}, Shape{4, 33}, Shape{2, 3, 5, 17}, Shape{64, 1000}}) {
    CAPTURE(s.str());
    Tensor x = random_tensor(s, gen, -8.f, 8.f);
    Tensor y = softmax(Var(x)).value();
    Tensor ly = log_softmax(Var(x)).value();
    const int64_t n = s[-1];
    for (int64_t r = 0; r < x.numel() / n; ++r) {
      double total = 0;
      for (int64_t j = 0; j < n; ++j) {
        total += y.f32()[r * n + j];
        CHECK(std::exp(double(ly.f32()[r * n + j])) == doctest::Approx(y.f32()[r * n + j]).epsilon(1e-5));
      }
      CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("softmax: masks broadcast; masked positions get 0; fully masked rows give 0, not NaN") {
  // x [2, 1, 3, 4], causal mask [3, 4], padding mask [2, 1, 1, 4].
  Generator gen(12);
  Tensor x = random_tensor({2, 1, 3, 4}, gen, -2.f, 2.f);
  Tensor causal = causal_mask(3, 4);
  Tensor y = softmax(Var(x), causal).value();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 3; ++t) {
      const float* row = x.f32() + (b * 3 + t) * 4;
      double z = 0;
      for (int64_t s = 0; s <= t; ++s) z += std::exp(double(row[s]));
      for (int64_t s = 0; s < 4; ++s) {
        const double expect = s <= t ? std::exp(double(row[s])) / z : 0.0;
        CHECK(y.f32()[(b * 3 + t) * 4 + s] == doctest::Approx(expect).epsilon(1e-6));
      }
    }
  // Padding: batch 0 sees 2 positions, batch 1 none at all (fully masked rows).
  Tensor pad = padding_mask({2, 0}, 4);
  Parameter p(x.clone(), "x");
  Var sm = softmax(p, pad);
  Var lsm = log_softmax(p, pad);
  const std::vector<float> v = sm.value().to_vector();
  const std::vector<float> lv = lsm.value().to_vector();
  for (int64_t i = 12; i < 24; ++i) {  // batch 1: fully masked
    CHECK(v[i] == 0.0f);
    CHECK(lv[i] == 0.0f);
  }
  for (int64_t t = 0; t < 3; ++t) {
    CHECK(v[t * 4 + 2] == 0.0f);
    CHECK(v[t * 4 + 3] == 0.0f);
    CHECK(lv[t * 4 + 2] == -kInf);
    CHECK(v[t * 4 + 0] + v[t * 4 + 1] == doctest::Approx(1.0f));
  }
  // Gradients are finite, and 0 for fully masked rows.
  Generator wgen(3);
  Tensor w = random_tensor(sm.shape(), wgen);
  sm.backward(w);
  CHECK(all_finite(p.grad()));
  for (int64_t i = 12; i < 24; ++i) CHECK(p.grad().f32()[i] == 0.0f);
  p.zero_grad();
  Tensor w_visible = w.clone();  // log_softmax is -inf where masked: weight those by 0
  for (int64_t i = 0; i < 24; ++i)
    if (lv[i] == -kInf) w_visible.f32()[i] = 0.0f;
  lsm.backward(w_visible);
  CHECK(all_finite(p.grad()));
  for (int64_t i = 12; i < 24; ++i) CHECK(p.grad().f32()[i] == 0.0f);
}

TEST_CASE("softmax / log_softmax: -inf masks give the gradient of the unmasked sub-problem") {
  // Masking the last 2 of 5 positions = softmax over the first 3 columns alone.
  Generator gen(13);
  Tensor x = random_tensor({4, 5}, gen, -2.f, 2.f);
  Tensor mask = Tensor::from_vector({5}, std::vector<float>{0, 0, 0, -kInf, -kInf});
  Tensor x3 = Tensor::empty({4, 3});
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 3; ++j) x3.f32()[r * 3 + j] = x.f32()[r * 5 + j];
  Tensor w = random_tensor({4, 5}, gen), w3 = Tensor::empty({4, 3});
  for (int r = 0; r < 4; ++r) {
    for (int j = 0; j < 3; ++j) w3.f32()[r * 3 + j] = w.f32()[r * 5 + j];
    w.f32()[r * 5 + 3] = w.f32()[r * 5 + 4] = 0.0f;  // the weights of the -inf outputs
  }
  for (bool log : {false, true}) {
    CAPTURE(log);
    Parameter a(x.clone(), "a"), b(x3.clone(), "b");
    Var ya = log ? log_softmax(a, mask) : softmax(a, mask);
    ya.backward(w);  // (backward clears the tape: one graph at a time)
    Var yb = log ? log_softmax(b) : softmax(b);
    yb.backward(w3);
    for (int r = 0; r < 4; ++r)
      for (int j = 0; j < 3; ++j) {
        CHECK(ya.value().f32()[r * 5 + j] == doctest::Approx(yb.value().f32()[r * 3 + j]).epsilon(1e-6));
        CHECK(a.grad().f32()[r * 5 + j] == doctest::Approx(b.grad().f32()[r * 3 + j]).epsilon(1e-5));
      }
    for (int r = 0; r < 4; ++r) CHECK(a.grad().f32()[r * 5 + 4] == 0.0f);
  }
}

TEST_CASE("softmax / log_softmax: gradient checks") {
  Generator gen(14);
  for (Shape s : {Shape{1}, Shape{6}, Shape{3, 7}, Shape{2, 3, 4, 5}, Shape{2, 300}}) {
    CAPTURE(s.str());
    Tensor x = random_tensor(s, gen, -3.f, 3.f);
    // Long rows: the float rounding of the n outputs makes the finite difference noisy, a
    // larger step keeps that noise well below the tolerance.
    nmt::testing::GradcheckOptions opt;
    if (s[-1] > 100) opt.eps = 1e-2f;
    gradcheck([](auto& v) { return softmax(v[0]); }, {x}, opt);
    gradcheck([](auto& v) { return log_softmax(v[0]); }, {x}, opt);
  }
  // Finite additive masks (any values), broadcast in several ways.
  Tensor x = random_tensor({2, 3, 4, 5}, gen, -2.f, 2.f);
  for (Shape ms : {Shape{5}, Shape{4, 5}, Shape{2, 1, 1, 5}, Shape{3, 1, 5}, Shape{2, 3, 4, 5}}) {
    CAPTURE(ms.str());
    Tensor mask = random_tensor(ms, gen, -6.f, 0.f);
    gradcheck([=](auto& v) { return softmax(v[0], mask); }, {x});
    gradcheck([=](auto& v) { return log_softmax(v[0], mask); }, {x});
  }
  // -inf masks (softmax output is finite everywhere): causal, padding with a fully masked row.
  gradcheck([](auto& v) { return softmax(v[0], causal_mask(4, 5)); }, {x});
  gradcheck([](auto& v) { return softmax(v[0], padding_mask({3, 0}, 5)); }, {x});
  // A large negative finite mask behaves like -inf.
  gradcheck([](auto& v) { return softmax(v[0], padding_mask({3, 1}, 5, -1e9f)); }, {x});
}

TEST_CASE("softmax: wrong masks throw, naming the op and the shapes") {
  Var x(Tensor::zeros({2, 3, 4}));
  CHECK_THROWS_WITH_AS(softmax(x, Tensor::zeros({3, 5})),
                       "softmax: the mask must match the last axis and broadcast over the leading axes: "
                       "[2, 3, 4] and [3, 5]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(log_softmax(x, Tensor::zeros({2, 4})),
                       "log_softmax: the mask must match the last axis and broadcast over the leading axes: "
                       "[2, 3, 4] and [2, 4]",
                       std::invalid_argument);
  CHECK_THROWS_AS(softmax(x, Tensor::zeros({1, 2, 3, 4})), std::invalid_argument);
  CHECK_THROWS_AS(softmax(x, Tensor::zeros({4}, DType::i32)), std::invalid_argument);
}
