// The bfloat16 GEMM (nmt/tensor/gemm_bf16.h, through blas::gemm with Precision::bf16) against a
// double-precision loop over the same operands rounded to bfloat16: only the float32 sums may
// differ, so the tolerance is tight, and a wrong layout, a lost pair or a bad edge tile fails it.
// Shapes cover odd K, tiles and panels cut at the edges, several blocks of K and rows, and every
// transposition and beta; parameter copies are reused within a scope and dropped after it.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "nmt/tensor/blas.h"
#include "nmt/tensor/random.h"
#include "nmt/tensor/threading.h"

using namespace nmt;

namespace {

// Round to the nearest bfloat16, ties to even (what VCVTNEPS2BF16 does for normal numbers).
double to_bf16(float x) {
  uint32_t bits = std::bit_cast<uint32_t>(x);
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  return std::bit_cast<float>(bits);
}

// Checks C = alpha op(A) op(B) + beta C0 against the double loop (over bf16-rounded operands
// unless the product has under 16 columns: those stay float32). B is `b` when given (a
// parameter's values, passed as one), else random.
void check(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, float beta, Generator& gen,
           const std::vector<float>* weights = nullptr) {
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (float& x : a) x = gen.uniform(-1.f, 1.f);
  if (weights)
    b = *weights;
  else
    for (float& x : b) x = gen.uniform(-1.f, 1.f);
  for (float& x : c) x = beta == 0.0f ? NAN : gen.uniform(-1.f, 1.f);
  const std::vector<float> c0 = c;
  const float* b_data = weights ? weights->data() : b.data();
  blas::gemm(ta, tb, m, n, k, alpha, a.data(), b_data, beta, c.data(),
             weights ? blas::Operand::parameter : blas::Operand::transient);
  auto round = [&](float x) { return n >= 16 ? to_bf16(x) : static_cast<double>(x); };
  int64_t wrong = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double av = round(ta ? a[p * m + i] : a[i * k + p]);
        const double bv = round(tb ? b[j * k + p] : b[p * n + j]);
        sum += av * bv;
        magnitude += std::abs(av * bv);
      }
      double expected = alpha * sum;
      if (beta != 0.0f) expected += beta * static_cast<double>(c0[i * n + j]);
      // float32 sums of k products: a few ulps of the sum of magnitudes
      const double tolerance = 1e-6 * (std::abs(alpha) * magnitude + 1.0) * std::sqrt(static_cast<double>(k) + 1);
      if (!(std::abs(c[i * n + j] - expected) <= tolerance)) ++wrong;
    }
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("bf16 gemm: against a double loop over bf16-rounded operands, every shape class") {
  if (!blas::bf16_supported()) {
    MESSAGE("this CPU has no AVX512-BF16: skipped");
    CHECK_THROWS(blas::set_precision(blas::Precision::bf16));
    return;
  }
  const blas::PrecisionScope bf16(blas::Precision::bf16);
  Generator gen(5);
  // (M, N, K): single elements and narrow products (float32), K = 0 and odd K, edge tiles (M % 8,
  // N % 48 and N % 16 non-zero), several blocks of K (128 pairs) and of rows (96), and products
  // split over threads by rows and by panels.
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 1, 1},      {3, 5, 7},     {5, 20, 0},      {8, 48, 2},      {9, 49, 3},    {17, 100, 33},
      {7, 130, 513},  {100, 20, 300}, {131, 40, 300}, {130, 97, 600}, {64, 256, 256}};
  const int before = num_threads();
  for (int threads : {1, 3}) {
    set_num_threads(threads);
    for (auto [m, n, k] : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
          for (float beta : {0.0f, 1.0f, 0.5f}) {
            CAPTURE(threads);
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            CAPTURE(ta);
            CAPTURE(tb);
            CAPTURE(beta);
            check(ta, tb, m, n, k, 0.75f, beta, gen);
          }
  }
  set_num_threads(before);
}

TEST_CASE("bf16 gemm: the same result on 1, 2 and 3 threads and for any number of rows") {
  if (!blas::bf16_supported()) return;
  const blas::PrecisionScope bf16(blas::Precision::bf16);
  Generator gen(7);
  const int before = num_threads();
  // split by panels (M < N) and by rows (M > N)
  for (auto [m, n] : std::vector<std::array<int64_t, 2>>{{150, 300}, {300, 100}}) {
    CAPTURE(m);
    const int64_t k = 700;
    std::vector<float> a(m * k), b(k * n);
    for (float& x : a) x = gen.uniform(-1.f, 1.f);
    for (float& x : b) x = gen.uniform(-1.f, 1.f);
    std::vector<float> one(m * n), row(n);
    set_num_threads(1);
    blas::gemm(false, false, m, n, k, 1.f, a.data(), b.data(), 0.f, one.data());
    blas::gemm(false, false, 1, n, k, 1.f, a.data() + 77 * k, b.data(), 0.f, row.data());  // row 77 alone
    CHECK(std::vector<float>(one.begin() + 77 * n, one.begin() + 78 * n) == row);
    for (int threads : {2, 3}) {
      CAPTURE(threads);
      std::vector<float> many(m * n);
      set_num_threads(threads);
      blas::gemm(false, false, m, n, k, 1.f, a.data(), b.data(), 0.f, many.data());
      CHECK(one == many);
    }
  }
  set_num_threads(before);
}

TEST_CASE("bf16 gemm: a parameter's copy is reused within a scope and redone after it") {
  if (!blas::bf16_supported()) return;
  const blas::PrecisionScope bf16(blas::Precision::bf16);
  const int64_t m = 4, n = 50, k = 6;
  std::vector<float> a(m * k, 1.0f), w(k * n, 1.0f), c(m * n);
  {
    blas::ParameterScope scope;
    blas::gemm(false, false, m, n, k, 1.f, a.data(), w.data(), 0.f, c.data(), blas::Operand::parameter);
    CHECK(c[0] == 6.0f);
    w[0] = 2.0f;  // not allowed inside a scope: shows the copy is reused
    blas::gemm(false, false, m, n, k, 1.f, a.data(), w.data(), 0.f, c.data(), blas::Operand::parameter);
    CHECK(c[0] == 6.0f);
    // the transposed use of the same parameter is a copy of its own
    std::vector<float> g(m * k);
    blas::gemm(false, true, m, k, n, 1.f, c.data(), w.data(), 0.f, g.data(), blas::Operand::parameter);
    CHECK(g[0] == doctest::Approx(6.0 * (2.0 + 49.0)));
  }
  blas::gemm(false, false, m, n, k, 1.f, a.data(), w.data(), 0.f, c.data(), blas::Operand::parameter);
  CHECK(c[0] == 7.0f);  // after the scope: converted afresh
}

TEST_CASE("bf16 gemm: parameters through their copies, against the double loop") {
  if (!blas::bf16_supported()) return;
  const blas::PrecisionScope bf16(blas::Precision::bf16);
  Generator gen(13);
  // Two parameters of the same shape (copies are told apart by address), used plain and
  // transposed with odd K, twice each within one scope.
  const int64_t k = 37, n = 70;
  std::vector<float> w1(k * n), w2(k * n);
  for (float& x : w1) x = gen.uniform(-1.f, 1.f);
  for (float& x : w2) x = gen.uniform(-1.f, 1.f);
  const blas::ParameterScope scope;
  for (int repeat = 0; repeat < 2; ++repeat)
    for (const std::vector<float>* w : {&w1, &w2}) {
      CAPTURE(repeat);
      check(false, false, 19, n, k, 1.f, 0.f, gen, w);  // x W, W [K, N]
      check(true, true, 23, k, n, 1.f, 1.f, gen, w);    // x^T W^T, W read as [N, K] = [37, 70]
    }
}
