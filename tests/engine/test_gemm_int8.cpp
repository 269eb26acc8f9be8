// The int8 GEMM (nmt/tensor/gemm_int8.h): both kernels (AVX512-VNNI, AVX2) against a plain loop
// over the same integers - exact - on odd shapes (K not a multiple of 4, columns cutting panels,
// rows cutting tiles) with 1, 2 and 3 threads; the quantisation error of a layer within its
// bound; blas::gemm with Precision::int8 quantising parameters only; the kernel forced to AVX2.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "nmt/tensor/blas.h"
#include "nmt/tensor/gemm_int8.h"
#include "nmt/tensor/random.h"
#include "nmt/tensor/threading.h"

using namespace nmt;
namespace i8 = nmt::blas::int8;

namespace {

std::vector<i8::Kernel> kernels() {
  std::vector<i8::Kernel> out;
  for (i8::Kernel k : {i8::Kernel::vnni, i8::Kernel::avx2})
    if (i8::supported(k)) out.push_back(k);
  return out;
}

// Restores the thread count and the kernel choice.
struct Restore {
  int threads = num_threads();
  i8::Kernel kernel = i8::kernel();
  ~Restore() {
    set_num_threads(threads);
    i8::set_kernel(kernel);
  }
};

}  // namespace

TEST_CASE("int8 kernels equal the integer loop exactly, on odd shapes and 1-3 threads") {
  if (!i8::supported()) return;
  Restore restore;
  Generator gen(11);
  struct Case {
    int64_t m, n, k;
  };
  const Case cases[] = {{1, 1, 1},    {1, 17, 3},   {2, 16, 4},    {3, 33, 5},   {5, 47, 7},   {6, 64, 64},
                        {7, 65, 129}, {13, 100, 255}, {1, 257, 256}, {20, 31, 1024}, {64, 200, 33}};
  for (const Case& cs : cases) {
    CAPTURE(cs.m);
    CAPTURE(cs.n);
    CAPTURE(cs.k);
    std::vector<int8_t> a(cs.m * cs.k), b(cs.k * cs.n);
    // the extremes +-127 included, to catch saturating sums
    for (auto& x : a) x = static_cast<int8_t>(gen.uniform(0.f, 1.f) < 0.2f ? (gen.uniform(0.f, 1.f) < .5f ? 127 : -127)
                                                                              : static_cast<int>(gen.uniform(-127.f, 127.f)));
    for (auto& x : b) x = static_cast<int8_t>(gen.uniform(0.f, 1.f) < 0.2f ? (gen.uniform(0.f, 1.f) < .5f ? 127 : -127)
                                                                              : static_cast<int>(gen.uniform(-127.f, 127.f)));
    std::vector<int32_t> expected(cs.m * cs.n);
    for (int64_t i = 0; i < cs.m; ++i)
      for (int64_t j = 0; j < cs.n; ++j) {
        int32_t s = 0;
        for (int64_t p = 0; p < cs.k; ++p) s += int32_t(a[i * cs.k + p]) * int32_t(b[p * cs.n + j]);
        expected[i * cs.n + j] = s;
      }
    i8::QuantizedA qa;
    i8::PackedB pb;
    i8::pack_a(cs.m, cs.k, a.data(), qa);
    i8::pack_b(cs.k, cs.n, b.data(), pb);
    for (i8::Kernel kernel : kernels())
      for (int threads : {1, 2, 3}) {
        CAPTURE(i8::kernel_name(kernel));
        CAPTURE(threads);
        set_num_threads(threads);
        std::vector<int32_t> c(cs.m * cs.n, -1);
        i8::gemm_exact(kernel, qa, pb, c.data(), cs.n);
        CHECK(c == expected);
      }
  }
}

TEST_CASE("int8 layer: the error of quantised weights and activations within its bound") {
  if (!i8::supported()) return;
  Restore restore;
  Generator gen(5);
  const int64_t m = 9, k = 77, n = 50;
  std::vector<float> x(m * k), w(k * n), y(m * n);
  for (float& v : x) v = gen.uniform(-2.f, 2.f);
  for (float& v : w) v = gen.uniform(-0.3f, 0.3f);
  i8::QuantizedA qa;
  i8::PackedB pb;
  i8::quantize_a(m, k, x.data(), k, qa);
  i8::quantize_b(false, k, n, w.data(), n, pb);
  for (i8::Kernel kernel : kernels()) {
    CAPTURE(i8::kernel_name(kernel));
    i8::set_kernel(kernel);
    i8::gemm(qa, pb, 1.f, 0.f, y.data(), n);
    double worst_relative = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        // |x w - x_q w_q| <= sum_k |x_k| s_j / 2 + |w_k| r_i / 2 + r_i s_j / 4 (rounding to nearest)
        double exact = 0, bound = 0, magnitude = 0;
        const double r = qa.scales[i], s = pb.scales[j];
        for (int64_t p = 0; p < k; ++p) {
          exact += double(x[i * k + p]) * w[p * n + j];
          magnitude += std::abs(double(x[i * k + p]) * w[p * n + j]);
          bound += std::abs(x[i * k + p]) * s / 2 + std::abs(w[p * n + j]) * r / 2 + r * s / 4;
        }
        const double error = std::abs(y[i * n + j] - exact);
        CHECK(error <= bound * 1.0001 + 1e-6);
        worst_relative = std::max(worst_relative, error / magnitude);
      }
    // the stated figure: within 2% of the sum of the products' magnitudes
    CHECK(worst_relative < 0.02);
  }
}

TEST_CASE("blas::gemm with Precision::int8: parameters go int8 (as the layer above), the rest float32") {
  if (!blas::int8_supported()) return;
  Generator gen(7);
  const int64_t m = 5, k = 40, n = 70;
  std::vector<float> a(m * k), w(n * k), c(m * n), c_fp32(m * n), c_int8(m * n);
  for (float& v : a) v = gen.uniform(-1.f, 1.f);
  for (float& v : w) v = gen.uniform(-1.f, 1.f);
  blas::gemm(false, true, m, n, k, 1.f, a.data(), w.data(), 0.f, c_fp32.data());
  {
    blas::PrecisionScope int8(blas::Precision::int8);
    blas::gemm(false, true, m, n, k, 1.f, a.data(), w.data(), 0.f, c.data());  // transient: float32
    CHECK(c == c_fp32);
    blas::gemm(false, true, m, n, k, 1.f, a.data(), w.data(), 0.f, c_int8.data(), blas::Operand::parameter);
    // the same weight changed in place is quantised anew
    std::vector<float> c2(m * n);
    for (float& v : w) v = -v;
    blas::gemm(false, true, m, n, k, 1.f, a.data(), w.data(), 0.f, c2.data(), blas::Operand::parameter);
    for (int64_t i = 0; i < m * n; ++i) CHECK(c2[i] == doctest::Approx(-c_int8[i]).epsilon(1e-6));
    for (float& v : w) v = -v;
  }
  i8::QuantizedA qa;
  i8::PackedB pb;
  i8::quantize_a(m, k, a.data(), k, qa);
  i8::quantize_b(true, k, n, w.data(), k, pb);
  i8::gemm(qa, pb, 1.f, 0.f, c.data(), n);
  CHECK(c == c_int8);
  double worst = 0;
  for (int64_t i = 0; i < m * n; ++i) worst = std::max(worst, double(std::abs(c_int8[i] - c_fp32[i])));
  CHECK(worst < 0.1);  // |c| ~ sqrt(40) / 3 ~ 2: a few per cent at most
}

TEST_CASE("int8 kernel choice: AVX2 forced gives the same floats as VNNI; NMT_INT8_KERNEL names one") {
  if (!i8::supported(i8::Kernel::avx2)) return;
  Restore restore;
  Generator gen(9);
  const int64_t m = 11, k = 61, n = 45;
  std::vector<float> a(m * k), w(k * n);
  for (float& v : a) v = gen.uniform(-1.f, 1.f);
  for (float& v : w) v = gen.uniform(-1.f, 1.f);
  i8::QuantizedA qa;
  i8::PackedB pb;
  i8::quantize_a(m, k, a.data(), k, qa);
  i8::quantize_b(false, k, n, w.data(), n, pb);
  std::vector<std::vector<float>> results;
  for (i8::Kernel kernel : kernels()) {
    i8::set_kernel(kernel);
    CHECK(i8::kernel() == kernel);
    std::vector<float> c(m * n, 1.f);
    i8::gemm(qa, pb, 0.5f, 2.f, c.data(), n);  // alpha and beta too
    results.push_back(c);
  }
  for (const auto& r : results) CHECK(r == results.front());
  // a machine without VNNI, or NMT_INT8_KERNEL=avx2, gets the AVX2 kernel
  ::setenv("NMT_INT8_KERNEL", "avx2", 1);
  CHECK(i8::default_kernel() == i8::Kernel::avx2);
  ::unsetenv("NMT_INT8_KERNEL");
  CHECK(i8::default_kernel() == (i8::supported(i8::Kernel::vnni) ? i8::Kernel::vnni : i8::Kernel::avx2));
}

TEST_CASE("int8 with a bias: the kernels add it as they write C, the same floats as a separate addition") {
  if (!blas::int8_supported()) return;
  Restore restore;
  Generator gen(9);
  for (const auto& [m, k, n] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{7, 37, 45}, {13, 64, 16}, {1, 9, 3}}) {
    CAPTURE(m);
    CAPTURE(k);
    CAPTURE(n);
    std::vector<float> a(m * k), w(k * n), bias(n), plain(m * n), fused(m * n, -7.f);
    for (float& v : a) v = gen.uniform(-1.f, 1.f);
    for (float& v : w) v = gen.uniform(-1.f, 1.f);
    for (float& v : bias) v = gen.uniform(-3.f, 3.f);
    i8::QuantizedA qa;
    i8::PackedB pb;
    i8::quantize_a(m, k, a.data(), k, qa);
    i8::quantize_b(false, k, n, w.data(), n, pb);
    for (i8::Kernel kernel : kernels()) {
      CAPTURE(i8::kernel_name(kernel));
      i8::set_kernel(kernel);
      i8::gemm(qa, pb, 1.f, 0.f, plain.data(), n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) plain[i * n + j] += bias[j];
      i8::gemm(qa, pb, 1.f, 0.f, fused.data(), n, bias.data());
      CHECK(fused == plain);
      // Through blas: only in int8, and only for a parameter.
      std::vector<float> through(m * n);
      CHECK_FALSE(blas::gemm_plus_bias(m, n, k, a.data(), w.data(), bias.data(), through.data(), blas::Operand::parameter));
      blas::PrecisionScope int8(blas::Precision::int8);
      CHECK_FALSE(blas::gemm_plus_bias(m, n, k, a.data(), w.data(), bias.data(), through.data(), blas::Operand::transient));
      REQUIRE(blas::gemm_plus_bias(m, n, k, a.data(), w.data(), bias.data(), through.data(), blas::Operand::parameter));
      CHECK(through == plain);
    }
  }
}
