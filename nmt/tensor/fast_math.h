// Vectorisable float approximations of exp, log, tanh, sigmoid, erf/erfc and the normal CDF.
//
// libm's expf/logf/tanhf are opaque calls, so a loop that uses them does not vectorise. These
// are branch-free inline functions (range reduction + polynomial, after Cephes, S. Moshier,
// "Methods and Programs for Mathematical Functions", 1989; special cases are selects, not
// branches), so a plain loop over them inside an NMT_KERNEL function vectorises for
// AVX-512 / AVX2 / SSE2 alike (check with -fopt-info-vec-optimized).
//
// Accuracy (tested in tests/engine/test_activation.cpp against double-precision libm):
//   exp, log, tanh, sigmoid, erf: a few ulp (relative error < 1e-6) over the whole float range;
//   erfc, normal_cdf: relative error < 1e-6 also deep in the tail (as long as the result is a
//   normal float), so that e.g. GELU of large negative inputs keeps its relative accuracy.
// Special values: exp(-inf) = 0, exp(inf) = inf (overflow past ln(FLT_MAX)), log(0) = -inf,
// log(x < 0) = NaN, NaN in -> NaN out. Denormal results/arguments are handled.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace nmt::fast_math {

// c ? a : b as bit operations. A float ?: whose arms compute something stays a branch under
// GCC's default -ftrapping-math (arithmetic must not be speculated), which stops the
// vectoriser for the baseline (SSE2) clone of a kernel; a bitwise select always vectorises.
// Use it in kernels for selects such as mask ? x : 0.
inline float select(bool c, float a, float b) {
  const int32_t m = -static_cast<int32_t>(c);
  return std::bit_cast<float>((std::bit_cast<int32_t>(a) & m) | (std::bit_cast<int32_t>(b) & ~m));
}
inline float abs(float x) { return std::bit_cast<float>(std::bit_cast<int32_t>(x) & 0x7fffffff); }

namespace detail {
inline float pow2i(int32_t n) { return std::bit_cast<float>((n + 127) << 23); }  // 2^n, n in [-126, 127]
// Clears the low 12 mantissa bits: the result has 12 significant bits, so its square is exact.
inline float high_half(float x) { return std::bit_cast<float>(std::bit_cast<int32_t>(x) & int32_t(0xfffff000)); }
// exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 split in two
// parts so that n * hi is exact); returns exp(r) = 1 + r + r^2 P(r), P of degree 5 (Cephes
// expf), and n. x must be finite and within the callers' clamps.
inline float exp_mantissa(float x, int32_t* n) {
  constexpr float kMagic = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer
  const float t = x * 1.44269504088896341f + kMagic;
  *n = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kMagic);
  const float fn = t - kMagic;
  float r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * (r * r) + r + 1.0f;
}
}  // namespace detail

// exp(x) for every float: 2^n exp(r) (detail::exp_mantissa), with denormal results and
// overflow to infinity.
inline float exp(float x) {
  constexpr float kLow = -103.972084f;  // below: the result rounds to 0 even as a denormal
  constexpr float kHigh = 88.7228394f;  // ln(FLT_MAX): above, the result overflows to inf
  float xc = select(x < kLow, kLow, x);
  xc = select(xc > kHigh, kHigh, xc);
  int32_t n;
  float y = detail::exp_mantissa(xc, &n);
  // 2^n in two factors, so that n in [-150, 128] (denormal results, FLT_MAX) needs no branch.
  const int32_t n1 = n >> 1;
  y = y * detail::pow2i(n1) * detail::pow2i(n - n1);
  y = select(x < kLow, 0.0f, y);
  y = select(x > kHigh, std::numeric_limits<float>::infinity(), y);
  return y;  // NaN propagates through the arithmetic
}

// exp(x) for x <= 0 (NaN and -inf allowed), as softmax and cross-entropy need it after
// subtracting the row maximum: the same polynomial as exp(), but no overflow to guard against,
// and results below FLT_MIN (x < -87.3) flushed to 0, so one 2^n factor suffices.
inline float exp_nonpositive(float x) {
  constexpr float kLow = -87.3365448f;  // ln(FLT_MIN)
  const float xc = select(x < kLow, kLow, x);
  int32_t n;
  const float y = detail::exp_mantissa(xc, &n) * detail::pow2i(n);
  return select(x < kLow, 0.0f, y);  // NaN propagates
}

// log(x) = e ln 2 + log(1 + f), x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2));
// log(1 + f) = f - f^2/2 + f^3 P(f), P of degree 8 (Cephes logf).
inline float log(float x) {
  constexpr float kMinNormal = 1.17549435e-38f;
  const bool denormal = x < kMinNormal;  // also true for 0 and negatives: patched below
  const float xs = select(denormal, x * 8388608.0f, x);  // * 2^23
  const int32_t bits = std::bit_cast<int32_t>(xs);
  int32_t e = ((bits >> 23) & 0xff) - 126 - (denormal ? 23 : 0);
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1 : e;
  m = select(low, m + m, m) - 1.0f;
  const float fe = static_cast<float>(e);
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float y = m * z * p;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y;
  r = r + fe * 0.693359375f;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  r = select(x == kInf, kInf, r);
  r = select(x == 0.0f, -kInf, r);
  r = select(x < 0.0f, std::numeric_limits<float>::quiet_NaN(), r);
  r = select(x != x, x, r);
  return r;
}

// tanh: for |x| < 0.625 an odd polynomial x + x^3 P(x^2) (Cephes tanhf); else
// sign(x) (1 - 2 / (exp(2|x|) + 1)), which saturates to +-1 without overflow trouble.
inline float tanh(float x) {
  const float a = abs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  float large = 1.0f - 2.0f / (exp(a + a) + 1.0f);
  large = select(x < 0.0f, -large, large);
  return select(a < 0.625f, small, large);
}

// sigmoid(x) = 1 / (1 + exp(-x)); -> 0 for x -> -inf, 1 for x -> inf.
inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

namespace detail {
// exp(-x^2 * s) for s = 1 or 0.5, without the error of rounding x^2 (which would cost
// ~x^2 ulp): x = h + l with h^2 exact, x^2 = h^2 + l (x + h).
inline float exp_neg_square(float x, float s) {
  const float h = high_half(x);
  const float l = x - h;
  return exp(-(h * h) * s) * exp(-(l * (x + h)) * s);
}
// erfc(a) for a >= 0, given e = exp(-a^2): with t = 1 / (1 + a/2),
// erfc(a) = t exp(-a^2 + P(t)), P of degree 9 (the Chebyshev fit of Press et al., "Numerical
// Recipes", 2nd ed., 6.2: relative error < 1.2e-7 for every a >= 0).
inline float erfc_tail(float a, float e) {
  const float t = 1.0f / (1.0f + 0.5f * a);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return e * t * exp(p);
}
// erf(x) for |x| < 1: x P(x^2) (Cephes erff).
inline float erf_small(float x) {
  const float z = x * x;
  float p = 7.853861353153693e-5f;
  p = p * z - 8.010193625184903e-4f;
  p = p * z + 5.188327685732524e-3f;
  p = p * z - 2.685381193529856e-2f;
  p = p * z + 1.128358514861418e-1f;
  p = p * z - 3.761262582423300e-1f;
  p = p * z + 1.128379165726710e0f;
  return x * p;
}
}  // namespace detail

// erf(x) = 2/sqrt(pi) \int_0^x exp(-t^2) dt.
inline float erf(float x) {
  const float a = abs(x);
  const float c = select(a > 10.0f, 10.0f, a);  // erfc(10) underflows: erf = 1
  const float tail = 1.0f - detail::erfc_tail(c, detail::exp_neg_square(c, 1.0f));
  const float r = select(x < 0.0f, -tail, tail);
  return select(a < 1.0f, detail::erf_small(x), r);  // NaN: a < 1 is false, tail is NaN
}

// erfc(x) = 1 - erf(x), accurate relative to its value also where it is tiny (x >> 1).
inline float erfc(float x) {
  const float a = abs(x);
  const float c = select(a > 10.0f, 10.0f, a);
  const float r = detail::erfc_tail(c, detail::exp_neg_square(c, 1.0f));
  return select(x < 0.0f, 2.0f - r, r);
}

// The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2, with
// exp(-x^2/2) computed from x itself (not from the rounded x / sqrt 2) so that Phi(x) keeps its
// relative accuracy for large negative x.
inline float normal_cdf(float x) {
  const float a = abs(x);
  const float ac = select(a > 14.1421356f, 14.1421356f, a);  // Phi(-14.14) underflows
  const float c = ac * 0.707106781186547524f;
  const float half_erfc = 0.5f * detail::erfc_tail(c, detail::exp_neg_square(ac, 0.5f));
  return select(x < 0.0f, half_erfc, 1.0f - half_erfc);
}

// The standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
inline float normal_pdf(float x) { return 0.398942280401432678f * detail::exp_neg_square(x, 0.5f); }

}  // namespace nmt::fast_math
