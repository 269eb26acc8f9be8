// fast_math.h accuracy, and the activations: values, gradients, thread-count independence.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "nmt/autograd/ops_activation.h"
#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;
namespace fm = nmt::fast_math;

namespace {

// Largest relative error of f against the double-precision reference over n points in [lo, hi].
template <class F, class G>
double worst_relative_error(F f, G reference, double lo, double hi, int n = 200001) {
  double worst = 0;
  for (int i = 0; i <= n; ++i) {
    const float x = static_cast<float>(lo + (hi - lo) * i / n);
    const double ref = reference(static_cast<double>(x));
    const double got = f(x);
    if (ref == 0 && got == 0) continue;
    worst = std::max(worst, std::abs(got - ref) / std::abs(ref));
  }
  return worst;
}

double phi_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

TEST_CASE("fast_math: relative error below 1e-6 against libm (double)") {
  CHECK(worst_relative_error(fm::exp, [](double x) { return std::exp(x); }, -87.0, 88.7) < 1e-6);
  CHECK(worst_relative_error(fm::exp, [](double x) { return std::exp(x); }, -1.0, 1.0) < 1e-6);
  CHECK(worst_relative_error(fm::exp_nonpositive, [](double x) { return std::exp(x); }, -87.3, 0.0) < 1e-6);
  CHECK(worst_relative_error(fm::log, [](double x) { return std::log(x); }, 1e-30, 1e-3) < 1e-6);
  CHECK(worst_relative_error(fm::log, [](double x) { return std::log(x); }, 0.5, 2.0) < 1e-6);
  CHECK(worst_relative_error(fm::log, [](double x) { return std::log(x); }, 2.0, 3e38) < 1e-6);
  CHECK(worst_relative_error(fm::tanh, [](double x) { return std::tanh(x); }, -12.0, 12.0) < 1e-6);
  CHECK(worst_relative_error(fm::tanh, [](double x) { return std::tanh(x); }, -1e-4, 1e-4) < 1e-6);
  CHECK(worst_relative_error(fm::sigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -87.0, 40.0) <
        1e-6);
  CHECK(worst_relative_error(fm::erf, [](double x) { return std::erf(x); }, -6.0, 6.0) < 1e-6);
  CHECK(worst_relative_error(fm::erf, [](double x) { return std::erf(x); }, -1e-4, 1e-4) < 1e-6);
  CHECK(worst_relative_error(fm::erfc, [](double x) { return std::erfc(x); }, -5.0, 9.0) < 1e-6);
  CHECK(worst_relative_error(fm::normal_cdf, phi_cdf, -13.0, 8.0) < 1e-6);  // deep left tail too
  CHECK(worst_relative_error(fm::normal_pdf, [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); },
                             -13.0, 13.0) < 1e-6);
}

TEST_CASE("fast_math: special values") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(fm::exp(-inf) == 0.0f);
  CHECK(fm::exp(-200.0f) == 0.0f);
  CHECK(fm::exp(inf) == inf);
  CHECK(fm::exp(89.0f) == inf);
  CHECK(fm::exp(0.0f) == 1.0f);
  CHECK(fm::exp_nonpositive(0.0f) == 1.0f);
  CHECK(fm::exp_nonpositive(-inf) == 0.0f);
  CHECK(fm::exp_nonpositive(-88.0f) == 0.0f);  // below FLT_MIN: flushed
  CHECK(std::isnan(fm::exp_nonpositive(nan)));
  CHECK(std::isnan(fm::exp(nan)));
  CHECK(fm::exp(-100.0f) == doctest::Approx(std::exp(-100.0f)).epsilon(1e-3));  // a denormal result
  CHECK(fm::log(1.0f) == 0.0f);
  CHECK(fm::log(0.0f) == -inf);
  CHECK(std::isnan(fm::log(-1.0f)));
  CHECK(std::isnan(fm::log(nan)));
  CHECK(fm::log(inf) == inf);
  CHECK(fm::log(1e-40f) == doctest::Approx(std::log(1e-40)).epsilon(1e-6));  // a denormal argument
  CHECK(fm::tanh(inf) == 1.0f);
  CHECK(fm::tanh(-inf) == -1.0f);
  CHECK(fm::tanh(0.0f) == 0.0f);
  CHECK(std::isnan(fm::tanh(nan)));
  CHECK(fm::sigmoid(-inf) == 0.0f);
  CHECK(fm::sigmoid(inf) == 1.0f);
  CHECK(fm::sigmoid(0.0f) == 0.5f);
  CHECK(fm::erf(inf) == 1.0f);
  CHECK(fm::erf(-inf) == -1.0f);
  CHECK(std::isnan(fm::erf(nan)));
  CHECK(fm::erfc(-inf) == 2.0f);
  CHECK(fm::normal_cdf(-inf) == 0.0f);
  CHECK(fm::normal_cdf(inf) == 1.0f);
  CHECK(fm::select(true, 1.0f, 2.0f) == 1.0f);
  CHECK(fm::select(false, 1.0f, 2.0f) == 2.0f);
  CHECK(fm::abs(-3.0f) == 3.0f);
}

TEST_CASE("activations: known values") {
  Var x(Tensor::from_vector({5}, std::vector<float>{-2, -1, 0, 1, 2}));
  auto near = [](const Var& y, std::vector<double> expected) {
    std::vector<float> got = y.value().to_vector();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-6));
    }
  };
  near(tanh(x), {-0.9640275800758169, -0.7615941559557649, 0, 0.7615941559557649, 0.9640275800758169});
  near(sigmoid(x), {0.11920292202211755, 0.2689414213699951, 0.5, 0.7310585786300049, 0.8807970779778823});
  CHECK(relu(x).value().to_vector() == std::vector<float>{0, 0, 0, 1, 2});
  // x Phi(x): Phi(1) = 0.8413447460685429, Phi(2) = 0.9772498680518208.
  near(gelu(x), {-0.04550026389635842, -0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416});
  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  near(gelu(x, /*approximate=*/true),
       {-0.04540230591222987, -0.15880800939172324, 0, 0.8411919906082768, 1.9545976940877701});
  near(exp(x), {0.1353352832366127, 0.36787944117144233, 1, 2.718281828459045, 7.38905609893065});
  Var p(Tensor::from_vector({3}, std::vector<float>{1, 2.718281828459045f, 0.5f}));
  near(log(p), {0, 1, -0.6931471805599453});
  // GELU keeps its relative accuracy far in the left tail: gelu(-6) = -6 Phi(-6).
  Var far(Tensor::from_vector({1}, std::vector<float>{-6}));
  CHECK(gelu(far).item() == doctest::Approx(-6 * 9.865876450376946e-10).epsilon(1e-5));
  // relu passes NaN through (so that anomaly detection still sees it).
  Var bad(Tensor::from_vector({1}, std::vector<float>{std::numeric_limits<float>::quiet_NaN()}));
  CHECK(std::isnan(relu(bad).item()));
}

TEST_CASE("activations: gradients") {
  Generator gen(11);
  const std::vector<Shape> shapes = {{1}, {7}, {3, 5}, {2, 3, 4}, {40000}};  // the last one runs in parallel
  for (const Shape& s : shapes) {
    CAPTURE(s.str());
    testing::GradcheckOptions opt;
    if (s.numel() > 1000) opt.max_elements = 40;  // each check evaluates the op twice per element
    Tensor x = random_tensor(s, gen, -3.f, 3.f);
    gradcheck([](auto& v) { return tanh(v[0]); }, {x}, opt);
    gradcheck([](auto& v) { return sigmoid(v[0]); }, {x}, opt);
    gradcheck([](auto& v) { return gelu(v[0]); }, {x}, opt);
    gradcheck([](auto& v) { return gelu(v[0], true); }, {x}, opt);
    gradcheck([](auto& v) { return exp(v[0]); }, {random_tensor(s, gen, -2.f, 2.f)}, opt);
    gradcheck([](auto& v) { return log(v[0]); }, {random_tensor(s, gen, 0.2f, 3.f)}, opt);
    // relu: keep away from the kink at 0 (finite differences straddling it are meaningless).
    Tensor r = random_tensor(s, gen, -1.f, 1.f);
    for (int64_t i = 0; i < r.numel(); ++i) r.f32()[i] += r.f32()[i] < 0 ? -0.05f : 0.05f;
    gradcheck([](auto& v) { return relu(v[0]); }, {r}, opt);
  }
  // Far tails: tanh and sigmoid saturate, GELU tends to x and to 0.
  gradcheck([](auto& v) { return tanh(v[0]) + sigmoid(v[0]) + gelu(v[0]) + gelu(v[0], true); },
            {Tensor::from_vector({6}, std::vector<float>{-9, -6, -4.5f, 4.5f, 6, 9})});
  // The same input used twice: the second backward accumulates (+=) into the first's gradient.
  gradcheck([](auto& v) { return tanh(v[0]) * sigmoid(v[0]) + relu(v[0]) * exp(v[0]); },
            {Tensor::from_vector({4}, std::vector<float>{-1.5f, -0.3f, 0.4f, 2})});
}

TEST_CASE("activations: the gradient at relu's kink is 0, a non-recording input records nothing") {
  Var x(Tensor::from_vector({3}, std::vector<float>{-1, 0, 1}), true);
  relu(x).backward(Tensor::full({3}, 1.f));
  CHECK(x.grad().to_vector() == std::vector<float>{0, 0, 1});
  Var plain(Tensor::from_vector({3}, std::vector<float>{-1, 0, 1}));
  Var y = gelu(plain);
  CHECK_FALSE(y.requires_grad());
  CHECK(tape_size() == 0);
}

TEST_CASE("activations: large tensors give the same bits for 1 and 2 threads and match the scalar code") {
  Generator gen(3);
  Tensor x = random_tensor({3, 50000}, gen, -5.f, 5.f);
  const int threads = num_threads();
  auto run = [&](int t) {
    set_num_threads(t);
    Var v(x, true);
    Var y = gelu(tanh(v) * 3.f);
    y.backward(Tensor::full(y.shape(), 1.f));
    return std::make_pair(y.value().to_vector(), v.grad().to_vector());
  };
  auto one = run(1), two = run(2);
  set_num_threads(threads);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
  bool same = true;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float t = 3.f * fm::tanh(x.f32()[i]);
    same = same && std::abs(one.first[i] - t * fm::normal_cdf(t)) <= 1e-6f * (1 + std::abs(t));
  }
  CHECK(same);
}
