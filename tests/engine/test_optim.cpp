// Initialisers and optimizers: determinism, hand-computed updates, state round trips, clipping.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <limits>
#include <vector>

#include "nmt/optim/optim.h"
#include "nmt/tensor/init.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using namespace nmt::optim;

namespace {

Parameter param(std::vector<float> values, const char* name = "w") {
  return Parameter(Tensor::from_vector({static_cast<int64_t>(values.size())}, values), name);
}

void set_grad(Parameter& p, std::vector<float> g) { p.mutable_grad().copy_from(Tensor::from_vector(p.shape(), g)); }

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  return std::memcmp(a.f32(), b.f32(), static_cast<std::size_t>(a.numel()) * 4) == 0;
}

// Mean and variance of a tensor's values, in double.
std::pair<double, double> moments(const Tensor& t) {
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < t.numel(); ++i) sum += t.f32()[i];
  const double mean = sum / t.numel();
  for (int64_t i = 0; i < t.numel(); ++i) sq += (t.f32()[i] - mean) * (t.f32()[i] - mean);
  return {mean, sq / t.numel()};
}

}  // namespace

// ---- initialisers --------------------------------------------------------------------------

TEST_CASE("initialisers: the same seed gives bit-identical tensors") {
  auto draw = [](uint64_t seed) {
    Generator gen(seed);
    std::vector<Tensor> out;
    out.push_back(init::glorot_uniform({64, 32}, 1.f, gen));
    out.push_back(init::glorot_normal({3, 16, 8}, 2.f, gen));
    out.push_back(init::uniform({100}, 0.1f, gen));
    out.push_back(init::normal({7, 5}, 1.f, 0.5f, gen));
    return out;
  };
  auto a = draw(42), b = draw(42), c = draw(43);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(same_bits(a[i], b[i]));
    CHECK_FALSE(same_bits(a[i], c[i]));
  }
  // The global generator: manual_seed restarts the same sequence.
  manual_seed(7);
  Tensor g1 = init::xavier_uniform({10, 10});
  manual_seed(7);
  Tensor g2 = init::glorot_uniform({10, 10});
  CHECK(same_bits(g1, g2));
  // In-place forms draw the same values as the creating ones.
  Generator x(5), y(5);
  Tensor t = Tensor::empty({20, 30});
  init::glorot_normal_(t, 1.f, x);
  CHECK(same_bits(t, init::glorot_normal({20, 30}, 1.f, y)));
}

TEST_CASE("initialisers: bounds, statistics, fans") {
  CHECK(init::fans({300, 100}) == std::pair<int64_t, int64_t>{300, 100});
  CHECK(init::fans({4, 300, 100}) == std::pair<int64_t, int64_t>{300, 100});
  CHECK(init::fans({50}) == std::pair<int64_t, int64_t>{50, 50});
  Generator gen(1);
  Tensor u = init::glorot_uniform({300, 100}, 1.f, gen);
  const double a = std::sqrt(6.0 / 400);
  for (int64_t i = 0; i < u.numel(); ++i) REQUIRE(std::abs(u.f32()[i]) <= a);
  auto [mu, var] = moments(u);
  CHECK(std::abs(mu) < 0.01 * a);
  CHECK(var == doctest::Approx(a * a / 3).epsilon(0.02));  // Var U(-a, a) = a^2 / 3 = 2 / (in + out)
  Tensor n = init::glorot_normal({300, 100}, 2.f, gen);
  auto [mu2, var2] = moments(n);
  CHECK(std::abs(mu2) < 0.01);
  CHECK(var2 == doctest::Approx(4 * 2.0 / 400).epsilon(0.02));  // gain^2 * 2 / (in + out)
  Tensor m = init::normal({200, 200}, 3.f, 0.5f, gen);
  auto [mu3, var3] = moments(m);
  CHECK(mu3 == doctest::Approx(3.0).epsilon(0.002));
  CHECK(var3 == doctest::Approx(0.25).epsilon(0.02));
  Tensor r = init::uniform({1000}, 0.25f, gen);
  for (int64_t i = 0; i < r.numel(); ++i) REQUIRE(std::abs(r.f32()[i]) <= 0.25f);
  CHECK(init::zeros({2, 3}).to_vector() == std::vector<float>(6, 0.f));
  CHECK(init::ones({2, 3}).to_vector() == std::vector<float>(6, 1.f));
  Tensor t = init::normal({4}, 0, 1, gen);
  init::ones_(t);
  CHECK(t.to_vector() == std::vector<float>(4, 1.f));
  init::zeros_(t);
  CHECK(t.to_vector() == std::vector<float>(4, 0.f));
  CHECK_THROWS_AS(init::uniform({3}, -1.f, gen), std::invalid_argument);
  CHECK_THROWS_AS(init::normal({3}, 0.f, -1.f, gen), std::invalid_argument);
  Tensor ids = Tensor::zeros({3}, DType::i32);
  CHECK_THROWS_AS(init::glorot_uniform_(ids, 1.f, gen), std::invalid_argument);
}

// ---- hand-computed updates -----------------------------------------------------------------

TEST_CASE("SGD: plain, momentum, Nesterov, weight decay against hand-computed steps") {
  {
    Parameter w = param({1.f, -2.f});
    SGD opt({w}, {.lr = 0.1f});
    set_grad(w, {0.5f, 0.25f});
    opt.step();
    CHECK(w.value().to_vector() == std::vector<float>{1.f - 0.1f * 0.5f, -2.f - 0.1f * 0.25f});
    CHECK(opt.steps() == 1);
    CHECK(opt.state().buffers.empty());
  }
  {  // momentum 0.9, two steps: b1 = g1, w1 = w0 - lr b1; b2 = 0.9 b1 + g2, w2 = w1 - lr b2
    Parameter w = param({1.f});
    SGD opt({w}, {.lr = 0.5f, .momentum = 0.9f});
    set_grad(w, {2.f});
    opt.step();
    CHECK(w.value().item() == doctest::Approx(1.0 - 0.5 * 2.0).epsilon(1e-6));
    set_grad(w, {-1.f});
    opt.step();
    const double b2 = 0.9 * 2.0 - 1.0;
    CHECK(w.value().item() == doctest::Approx(0.0 - 0.5 * b2).epsilon(1e-6));
    CHECK(opt.state().buffers[0][0] == doctest::Approx(b2).epsilon(1e-6));
  }
  {  // Nesterov with L2 decay, one step: g' = g + wd w, b = g', w -= lr (g' + mu b)
    Parameter w = param({2.f});
    SGD opt({w}, {.lr = 0.1f, .momentum = 0.5f, .weight_decay = 0.25f, .nesterov = true});
    set_grad(w, {1.f});
    opt.step();
    const double gp = 1.0 + 0.25 * 2.0;
    CHECK(w.value().item() == doctest::Approx(2.0 - 0.1 * (gp + 0.5 * gp)).epsilon(1e-6));
  }
  CHECK_THROWS_AS(SGD({param({1.f})}, {.momentum = 1.f}), std::invalid_argument);
  CHECK_THROWS_AS(SGD({param({1.f})}, {.nesterov = true}), std::invalid_argument);
  CHECK_THROWS_AS(SGD({param({1.f})}, {.lr = -1.f}), std::invalid_argument);
}

namespace {

// Adam by the paper's formulas in double; decoupled = AdamW.
struct AdamReference {
  double lr, b1, b2, eps, wd;
  bool decoupled;
  std::vector<double> w, m, v;
  int t = 0;
  void step(const std::vector<double>& grad) {
    ++t;
    for (std::size_t i = 0; i < w.size(); ++i) {
      double g = grad[i];
      if (decoupled) w[i] -= lr * wd * w[i];
      else g += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

}  // namespace

TEST_CASE("Adam: the first two steps by hand") {
  // Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2: w -= lr * g / (|g| + eps) ~ lr sign(g).
  Parameter w = param({0.5f, -1.f, 2.f});
  Adam opt({w}, {.lr = 0.01f});
  set_grad(w, {0.1f, -4.f, 0.f});
  opt.step();
  auto w1 = w.value().to_vector();
  CHECK(w1[0] == doctest::Approx(0.5 - 0.01 * 0.1 / (0.1 + 1e-8)).epsilon(1e-6));
  CHECK(w1[1] == doctest::Approx(-1.0 + 0.01 * 4.0 / (4.0 + 1e-8)).epsilon(1e-6));
  CHECK(w1[2] == 2.f);  // zero gradient: m = v = 0, no move
  // Step 2 with g2: m = 0.9 * 0.1 g1 + 0.1 g2, v = 0.999 * 0.001 g1^2 + 0.001 g2^2,
  // m_hat = m / (1 - 0.81) = m / 0.19, v_hat = v / (1 - 0.998001) = v / 0.001999.
  set_grad(w, {0.3f, 2.f, 1.f});
  opt.step();
  auto expect = [](double w1, double g1, double g2) {
    const double m = 0.9 * 0.1 * g1 + 0.1 * g2, v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
    return w1 - 0.01 * (m / 0.19) / (std::sqrt(v / 0.001999) + 1e-8);
  };
  auto w2 = w.value().to_vector();
  CHECK(w2[0] == doctest::Approx(expect(w1[0], 0.1, 0.3)).epsilon(1e-6));
  CHECK(w2[1] == doctest::Approx(expect(w1[1], -4.0, 2.0)).epsilon(1e-6));
  CHECK(w2[2] == doctest::Approx(expect(2.0, 0.0, 1.0)).epsilon(1e-6));
  // g1 = 0, g2 = 1: m_hat = 0.1 / 0.19, v_hat = 0.001 / 0.001999, a step of 0.744 lr, not lr.
  CHECK(w2[2] == doctest::Approx(2.0 - 0.01 * (0.1 / 0.19) / std::sqrt(0.001 / 0.001999)).epsilon(1e-6));
  auto st = opt.state();
  CHECK(st.steps == 2);
  CHECK(st.buffers[0][1] == doctest::Approx(0.9 * 0.1 * -4.0 + 0.1 * 2.0).epsilon(1e-6));  // m
  CHECK(st.buffers[1][1] == doctest::Approx(0.999 * 0.001 * 16.0 + 0.001 * 4.0).epsilon(1e-6));  // v
}

TEST_CASE("Adam, Adam + L2 and AdamW match the formulas in double over many steps") {
  Generator gen(11);
  for (bool decoupled : {false, true})
    for (float wd : {0.f, 0.1f}) {
      CAPTURE(decoupled);
      CAPTURE(wd);
      Tensor init = nmt::testing::random_tensor({37}, gen);
      Parameter w(init.clone(), "w");
      AdamOptions o{.lr = 0.05f, .beta1 = 0.8f, .beta2 = 0.99f, .eps = 1e-6f, .weight_decay = wd};
      std::unique_ptr<Optimizer> opt = decoupled ? std::unique_ptr<Optimizer>(new AdamW({w}, o))
                                                 : std::unique_ptr<Optimizer>(new Adam({w}, o));
      AdamReference ref{0.05, 0.8, 0.99, 1e-6, wd, decoupled, {}, std::vector<double>(37), std::vector<double>(37)};
      for (int i = 0; i < 37; ++i) ref.w.push_back(init.f32()[i]);
      for (int s = 0; s < 5; ++s) {
        if (s == 3) {  // a schedule changes the learning rate
          opt->set_learning_rate(0.02f);
          ref.lr = 0.02f;
        }
        Tensor g = nmt::testing::random_tensor({37}, gen);
        w.mutable_grad().copy_from(g);
        std::vector<double> gd(g.f32(), g.f32() + 37);
        opt->step();
        ref.step(gd);
      }
      for (int i = 0; i < 37; ++i) CHECK(w.value().f32()[i] == doctest::Approx(ref.w[i]).epsilon(2e-6));
    }
  CHECK(std::string(AdamW({param({1.f})}).algorithm()) == "adamw");
  CHECK(AdamW({param({1.f})}).options().weight_decay == 0.01f);
  CHECK_THROWS_AS(Adam({param({1.f})}, {.beta1 = 1.f}), std::invalid_argument);
  CHECK_THROWS_AS(Adam({param({1.f})}, {.eps = 0.f}), std::invalid_argument);
  Parameter p = param({1.f});
  CHECK_THROWS_WITH_AS(Adam({p, p}), doctest::Contains("listed twice"), std::invalid_argument);
}

TEST_CASE("zero_grad, parameters without a gradient") {
  Parameter w = param({1.f, 2.f});
  SGD opt({w}, {.lr = 1.f});
  set_grad(w, {3.f, 4.f});
  opt.zero_grad();
  CHECK(w.grad().to_vector() == std::vector<float>{0.f, 0.f});
  opt.step();  // zero gradient: no change
  CHECK(w.value().to_vector() == std::vector<float>{1.f, 2.f});
}

// ---- state export / import -----------------------------------------------------------------

TEST_CASE("optimizer state round trip: a restored optimizer continues bit-identically") {
  Generator gen(3);
  auto make = [](const char* kind, std::vector<Parameter> ps) -> std::unique_ptr<Optimizer> {
    std::string k = kind;
    if (k == "sgd") return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1f, .momentum = 0.9f});
    if (k == "adam") return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.01f});
    return std::make_unique<AdamW>(ps, AdamOptions{.lr = 0.01f, .weight_decay = 0.1f});
  };
  for (const char* kind : {"sgd", "adam", "adamw"}) {
    CAPTURE(kind);
    Parameter a(nmt::testing::random_tensor({4, 5}, gen), "a"), b(nmt::testing::random_tensor({7}, gen), "b");
    auto opt = make(kind, {a, b});
    for (int s = 0; s < 3; ++s) {
      a.mutable_grad().copy_from(nmt::testing::random_tensor({4, 5}, gen));
      b.mutable_grad().copy_from(nmt::testing::random_tensor({7}, gen));
      opt->step();
    }
    opt->set_learning_rate(0.005f);
    OptimizerState st = opt->state();
    CHECK(st.algorithm == kind);
    CHECK(st.steps == 3);
    CHECK(st.names == std::vector<std::string>{"a", "b"});
    // A fresh optimizer over copies of the weights, given the saved state.
    Parameter a2(a.value().clone(), "a"), b2(b.value().clone(), "b");
    auto restored = make(kind, {a2, b2});
    restored->load_state(st);
    CHECK(restored->steps() == 3);
    CHECK(restored->learning_rate() == 0.005f);
    for (int s = 0; s < 3; ++s) {
      Tensor ga = nmt::testing::random_tensor({4, 5}, gen), gb = nmt::testing::random_tensor({7}, gen);
      a.mutable_grad().copy_from(ga);
      a2.mutable_grad().copy_from(ga);
      b.mutable_grad().copy_from(gb);
      b2.mutable_grad().copy_from(gb);
      opt->step();
      restored->step();
    }
    CHECK(same_bits(a.value(), a2.value()));
    CHECK(same_bits(b.value(), b2.value()));
  }
  // Mismatches are errors.
  Parameter a(Tensor::zeros({3}), "a"), c(Tensor::zeros({4}), "a");
  Adam adam({a});
  adam.step();
  OptimizerState st = adam.state();
  CHECK_THROWS_WITH_AS(SGD({a}).load_state(st), doctest::Contains("the state is of adam"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adam({c}).load_state(st), doctest::Contains("[4]"), std::invalid_argument);
  Parameter renamed(Tensor::zeros({3}), "z");
  CHECK_THROWS_WITH_AS(Adam({renamed}).load_state(st), doctest::Contains("'z'"), std::invalid_argument);
  st.names.clear();  // names are optional
  Adam unnamed({renamed});
  unnamed.load_state(st);
  CHECK(unnamed.steps() == 1);
}

// ---- clipping and checks -------------------------------------------------------------------

TEST_CASE("clip_grad_norm: global norm over all parameters") {
  Parameter a = param({0.f, 0.f}, "a"), b = param({0.f}, "b");
  set_grad(a, {3.f, 4.f});
  set_grad(b, {12.f});
  CHECK(grad_norm({a, b}) == 13.f);
  CHECK(clip_grad_norm({a, b}, 20.f) == 13.f);  // below the limit: unchanged
  CHECK(a.grad().to_vector() == std::vector<float>{3.f, 4.f});
  CHECK(clip_grad_norm({a, b}, 6.5f) == 13.f);  // returns the norm before clipping
  const double s = 6.5 / (13 + 1e-6);
  CHECK(a.grad().f32()[0] == doctest::Approx(3 * s).epsilon(1e-6));
  CHECK(a.grad().f32()[1] == doctest::Approx(4 * s).epsilon(1e-6));
  CHECK(b.grad().f32()[0] == doctest::Approx(12 * s).epsilon(1e-6));
  CHECK(grad_norm({a, b}) == doctest::Approx(6.5).epsilon(1e-5));
  CHECK_THROWS_AS(clip_grad_norm({a}, 0.f), std::invalid_argument);
  // A non-finite norm is returned and nothing is scaled.
  set_grad(b, {std::numeric_limits<float>::infinity()});
  CHECK(std::isinf(clip_grad_norm({a, b}, 1.f)));
  CHECK(a.grad().f32()[0] == doctest::Approx(3 * s).epsilon(1e-6));
}

TEST_CASE("grads_finite finds NaN and infinity anywhere") {
  Parameter a(Tensor::zeros({100000}), "a"), b = param({1.f, 2.f}, "b");
  CHECK(grads_finite({a, b}));
  a.mutable_grad().f32()[77777] = std::numeric_limits<float>::quiet_NaN();
  CHECK_FALSE(grads_finite({a, b}));
  a.mutable_grad().f32()[77777] = std::numeric_limits<float>::max();  // large but finite
  CHECK(grads_finite({a, b}));
  set_grad(b, {0.f, -std::numeric_limits<float>::infinity()});
  CHECK_FALSE(grads_finite({a, b}));
}

TEST_CASE("big tensors: parallel updates and norms are bit-identical for any thread count") {
  const int threads = num_threads();
  Generator gen(9);
  Tensor w0 = nmt::testing::random_tensor({300, 1001}, gen), g0 = nmt::testing::random_tensor({300, 1001}, gen);
  auto run = [&](int t) {
    set_num_threads(t);
    Parameter w(w0.clone(), "w");
    AdamW opt({w}, {.lr = 0.01f});
    w.mutable_grad().copy_from(g0);
    float norm = clip_grad_norm({w}, 1.f);
    opt.step();
    opt.step();
    return std::pair<Tensor, float>{w.value(), norm};
  };
  auto [one, n1] = run(1);
  auto [two, n2] = run(4);
  set_num_threads(threads);
  CHECK(same_bits(one, two));
  CHECK(n1 == n2);
  double ref = 0;
  for (int64_t i = 0; i < g0.numel(); ++i) ref += double(g0.f32()[i]) * g0.f32()[i];
  CHECK(n1 == doctest::Approx(std::sqrt(ref)).epsilon(1e-6));
  // The parallel path computes what the small path does, element by element.
  Parameter small(w0.rows(0, 1).clone(), "s");
  AdamW opt({small}, {.lr = 0.01f});
  small.mutable_grad().copy_from(g0.rows(0, 1));
  clip_grad_norm({small}, 1e30f);  // no clipping
  Parameter big(w0.clone(), "b");
  AdamW big_opt({big}, {.lr = 0.01f});
  big.mutable_grad().copy_from(g0);
  opt.step();
  big_opt.step();
  CHECK(std::memcmp(small.value().f32(), big.value().f32(), 1001 * 4) == 0);
}
