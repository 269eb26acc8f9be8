// blas::gemm_batched against a double-precision loop, for the vector shapes it computes itself
// (M = 1: a row times a matrix; K = 1: an outer product) and a general one through OpenBLAS;
// every transposition, beta 0 (C's old contents ignored, even NaN), 1 and 0.5.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "nmt/tensor/blas.h"
#include "nmt/tensor/random.h"

using namespace nmt;

TEST_CASE("gemm_batched: vector shapes and a general one against a double loop, every transposition and beta") {
  Generator gen(11);
  const int64_t batch = 3;
  for (auto [m, n, k] : std::vector<std::array<int64_t, 3>>{{1, 5, 7}, {1, 40, 33}, {6, 5, 1}, {1, 3, 1}, {4, 6, 5}})
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 1.0f, 0.5f}) {
          CAPTURE(m);
          CAPTURE(n);
          CAPTURE(k);
          CAPTURE(ta);
          CAPTURE(tb);
          CAPTURE(beta);
          std::vector<float> a(batch * m * k), b(batch * k * n), c(batch * m * n);
          for (float& x : a) x = gen.uniform(-1.f, 1.f);
          for (float& x : b) x = gen.uniform(-1.f, 1.f);
          for (float& x : c) x = beta == 0.0f ? NAN : gen.uniform(-1.f, 1.f);
          const std::vector<float> c0 = c;
          const float alpha = 0.75f;
          blas::gemm_batched(ta, tb, batch, m, n, k, alpha, a.data(), m * k, b.data(), k * n, beta, c.data(), m * n);
          for (int64_t q = 0; q < batch; ++q)
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < n; ++j) {
                double sum = 0;
                for (int64_t p = 0; p < k; ++p) {
                  const double av = ta ? a[q * m * k + p * m + i] : a[q * m * k + i * k + p];
                  const double bv = tb ? b[q * k * n + j * k + p] : b[q * k * n + p * n + j];
                  sum += av * bv;
                }
                const int64_t at = q * m * n + i * n + j;
                const double want = alpha * sum + (beta == 0.0f ? 0.0 : beta * double(c0[at]));
                CHECK(c[at] == doctest::Approx(want).epsilon(1e-5));
              }
        }
}
