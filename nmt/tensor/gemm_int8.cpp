#include "nmt/tensor/gemm_int8.h"

// GCC 12's avx512fintrin.h builds _mm512_set1_epi32 from an "undefined" vector and warns about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nmt/tensor/kernel_dispatch.h"

namespace nmt::blas::int8 {
namespace {

#define NMT_VNNI_TARGET [[gnu::target("avx512f,avx512bw,avx512vl,avx512vnni")]]
#define NMT_AVX2_TARGET [[gnu::target("avx2,fma")]]

constexpr int64_t kPanelBytes = kPanelColumns * 4;  // one k4 step of a panel

// Where a tile's sums go: exact integers, or alpha * r_i * s_j * sum + beta * C.
struct Output {
  float* c = nullptr;
  int32_t* exact = nullptr;
  int64_t ldc = 0;
  float alpha = 1.f, beta = 0.f;
  const float* row_scales = nullptr;
  const float* col_scales = nullptr;
  const float* bias = nullptr;  // added to every row as C is written (a layer's bias), or none
};

inline __mmask16 first_lanes(int64_t count) {
  if (count <= 0) return 0;
  if (count >= 16) return 0xFFFF;
  return static_cast<__mmask16>((1u << count) - 1);
}

inline int32_t word_at(const int8_t* p) {
  int32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Rows [i0, i0 + R) x panels [panel, panel + NP) with VPDPBUSD. a: row i0's bytes, rows lda apart.
template <int R, int NP>
NMT_VNNI_TARGET void tile_vnni(int64_t k4, const int8_t* a, int64_t lda, const PackedB& b, int64_t panel, int64_t i0,
                               const Output& out) {
  __m512i acc[R][NP];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_si512();
  const int8_t* bp = b.data.data() + panel * k4 * kPanelBytes;
  const int64_t panel_stride = k4 * kPanelBytes;
  const __m512i offset = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t q = 0; q < k4; ++q) {
    __m512i bv[NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) bv[p] = _mm512_loadu_si512(bp + p * panel_stride + q * kPanelBytes);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512i av = _mm512_xor_si512(_mm512_set1_epi32(word_at(a + r * lda + 4 * q)), offset);  // a + 128
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], av, bv[p]);
    }
  }
  for (int p = 0; p < NP; ++p) {
    const int64_t col = (panel + p) * kPanelColumns;
    const __mmask16 mask = first_lanes(b.n - col);
    const __m512i correction = _mm512_slli_epi32(_mm512_loadu_si512(b.sums.data() + col), 7);
    const __m512 col_scales = out.exact ? _mm512_setzero_ps() : _mm512_loadu_ps(out.col_scales + col);
    for (int r = 0; r < R; ++r) {
      const __m512i v = _mm512_sub_epi32(acc[r][p], correction);
      if (out.exact) {
        _mm512_mask_storeu_epi32(out.exact + (i0 + r) * out.ldc + col, mask, v);
        continue;
      }
      float* cp = out.c + (i0 + r) * out.ldc + col;
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v),
                               _mm512_mul_ps(_mm512_set1_ps(out.alpha * out.row_scales[i0 + r]), col_scales));
      if (out.beta != 0.f) f = _mm512_fmadd_ps(_mm512_set1_ps(out.beta), _mm512_maskz_loadu_ps(mask, cp), f);
      if (out.bias) f = _mm512_add_ps(f, _mm512_maskz_loadu_ps(mask, out.bias + col));
      _mm512_mask_storeu_ps(cp, mask, f);
    }
  }
}

// The same with VPMADDUBSW (|a| times b with a's sign) and VPMADDWD, one panel (two vectors).
template <int R>
NMT_AVX2_TARGET void tile_avx2(int64_t k4, const int8_t* a, int64_t lda, const PackedB& b, int64_t panel, int64_t i0,
                               const Output& out) {
  __m256i acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  const int8_t* bp = b.data.data() + panel * k4 * kPanelBytes;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t q = 0; q < k4; ++q) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * kPanelBytes));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * kPanelBytes + 32));
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256i av = _mm256_set1_epi32(word_at(a + r * lda + 4 * q));
      const __m256i magnitude = _mm256_abs_epi8(av);
      acc[r][0] = _mm256_add_epi32(
          acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(b0, av)), ones));
      acc[r][1] = _mm256_add_epi32(
          acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(b1, av)), ones));
    }
  }
  const int64_t col = panel * kPanelColumns;
  const int64_t cols = std::min<int64_t>(kPanelColumns, b.n - col);
  for (int r = 0; r < R; ++r) {
    alignas(32) int32_t sums[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(sums), acc[r][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8), acc[r][1]);
    if (out.exact) {
      std::memcpy(out.exact + (i0 + r) * out.ldc + col, sums, static_cast<std::size_t>(cols) * sizeof(int32_t));
      continue;
    }
    float* cp = out.c + (i0 + r) * out.ldc + col;
    const float scale = out.alpha * out.row_scales[i0 + r];
    if (cols == kPanelColumns) {
      for (int h = 0; h < 2; ++h) {
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][h]),
                                 _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_loadu_ps(out.col_scales + col + 8 * h)));
        if (out.beta != 0.f) f = _mm256_fmadd_ps(_mm256_set1_ps(out.beta), _mm256_loadu_ps(cp + 8 * h), f);
        if (out.bias) f = _mm256_add_ps(f, _mm256_loadu_ps(out.bias + col + 8 * h));
        _mm256_storeu_ps(cp + 8 * h, f);
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) {
        const float f = static_cast<float>(sums[j]) * (scale * out.col_scales[col + j]);
        const float y = out.beta != 0.f ? std::fma(out.beta, cp[j], f) : f;
        cp[j] = out.bias ? y + out.bias[col + j] : y;
      }
    }
  }
}

using Tile = void (*)(int64_t, const int8_t*, int64_t, const PackedB&, int64_t, int64_t, const Output&);

constexpr int kVnniRows = 6, kVnniPanels = 4, kAvx2Rows = 4;

template <int R, int... NP>
constexpr std::array<Tile, sizeof...(NP)> vnni_row(std::integer_sequence<int, NP...>) {
  return {&tile_vnni<R, NP + 1>...};
}
template <int... R>
constexpr std::array<std::array<Tile, kVnniPanels>, sizeof...(R)> vnni_table(std::integer_sequence<int, R...>) {
  return {vnni_row<R + 1>(std::make_integer_sequence<int, kVnniPanels>())...};
}
constexpr auto kVnniTiles = vnni_table(std::make_integer_sequence<int, kVnniRows>());
constexpr Tile kAvx2Tiles[kAvx2Rows] = {&tile_avx2<1>, &tile_avx2<2>, &tile_avx2<3>, &tile_avx2<4>};

// Rows [row_begin, row_end) and panels [panel_begin, panel_end) of the product.
void run(Kernel kernel, const QuantizedA& a, const PackedB& b, int64_t row_begin, int64_t row_end, int64_t panel_begin,
         int64_t panel_end, const Output& out) {
  const int64_t k4 = b.k4, lda = a.k4 * 4;
  if (kernel == Kernel::vnni) {
    // Few rows (one sentence): four panels per tile keep enough sums in flight; else 6 x 2.
    const int64_t rows_max = std::min<int64_t>(row_end - row_begin, kVnniRows) <= 2 ? 2 : kVnniRows;
    const int64_t panels_max = rows_max <= 2 ? 4 : 2;
    for (int64_t p = panel_begin; p < panel_end; p += panels_max) {
      const int64_t np = std::min(panels_max, panel_end - p);
      for (int64_t i = row_begin; i < row_end; i += rows_max) {
        const int64_t r = std::min(rows_max, row_end - i);
        kVnniTiles[r - 1][np - 1](k4, a.data.data() + i * lda, lda, b, p, i, out);
      }
    }
  } else {
    for (int64_t p = panel_begin; p < panel_end; ++p)
      for (int64_t i = row_begin; i < row_end; i += kAvx2Rows) {
        const int64_t r = std::min<int64_t>(kAvx2Rows, row_end - i);
        kAvx2Tiles[r - 1](k4, a.data.data() + i * lda, lda, b, p, i, out);
      }
  }
}

// The whole product, split over the threads (by panels of columns, or by rows when there are
// few columns): every element is computed the same way whatever the split.
void run_parallel(Kernel kernel, const QuantizedA& a, const PackedB& b, const Output& out) {
  if (a.k4 != b.k4 || a.k != b.k) throw std::invalid_argument("int8 gemm: A has " + std::to_string(a.k) +
                                                                " columns, B " + std::to_string(b.k) + " rows");
  const int64_t m = a.m, panels = (b.n + kPanelColumns - 1) / kPanelColumns;
  if (m == 0 || panels == 0) return;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const bool split_rows = panels < 2 * threads && m >= 8 * threads;
  const int64_t extent = split_rows ? (m + 5) / 6 : (panels + 1) / 2;  // units of 6 rows / 2 panels
  const int64_t parts = std::min<int64_t>(threads, extent);
  if (parts <= 1 || m * b.n * b.k < (int64_t(1) << 16)) {
    run(kernel, a, b, 0, m, 0, panels, out);
    return;
  }
  const int64_t step = (extent + parts - 1) / parts;
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t part = 0; part < parts; ++part) {
    const int64_t begin = part * step, end = std::min(extent, begin + step);
    if (begin >= end) continue;
    if (split_rows)
      run(kernel, a, b, begin * 6, std::min(m, end * 6), 0, panels, out);
    else
      run(kernel, a, b, 0, m, begin * 2, std::min(panels, end * 2), out);
  }
}

// The packed layout's byte of (k, j).
inline int64_t packed_index(int64_t k4, int64_t k, int64_t j) {
  return ((j / kPanelColumns * k4 + k / 4) * kPanelColumns + j % kPanelColumns) * 4 + k % 4;
}

void allocate(int64_t k, int64_t n, PackedB& out) {
  const int64_t panels = (n + kPanelColumns - 1) / kPanelColumns;
  out.k = k;
  out.n = n;
  out.k4 = (k + 3) / 4;
  out.data.assign(static_cast<std::size_t>(panels * out.k4 * kPanelBytes), 0);
  out.scales.assign(static_cast<std::size_t>(panels * kPanelColumns), 0.f);
  out.sums.assign(static_cast<std::size_t>(panels * kPanelColumns), 0);
}

inline int8_t quantize(float x, float inverse) {
  const float y = x * inverse;
  const float r = y + (y >= 0.f ? 0.5f : -0.5f);
  return static_cast<int8_t>(std::clamp(static_cast<int>(r), -127, 127));
}

NMT_KERNEL void quantize_row(const float* x, int64_t k, int64_t padded, int8_t* q, float* scale) {
  float m = 0.f;
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < k; ++j) {
    const float v = std::fabs(x[j]);
    m = v > m ? v : m;
  }
  if (!(m > 0.f) || !std::isfinite(m)) {  // all zero (or not finite: nothing sensible to do)
    std::memset(q, 0, static_cast<std::size_t>(padded));
    *scale = m > 0.f ? m / 127.f : 0.f;
    return;
  }
  const float inverse = 127.f / m;
  *scale = m / 127.f;
  for (int64_t j = 0; j < k; ++j) {
    const float y = x[j] * inverse;
    const float r = y + (y >= 0.f ? 0.5f : -0.5f);
    const int v = static_cast<int>(r);
    q[j] = static_cast<int8_t>(v > 127 ? 127 : (v < -127 ? -127 : v));
  }
  for (int64_t j = k; j < padded; ++j) q[j] = 0;
}

std::atomic<int> chosen_kernel{-1};

}  // namespace

bool supported(Kernel kernel) {
  static const bool vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return kernel == Kernel::vnni ? vnni : avx2;
}

bool supported() { return supported(Kernel::avx2) || supported(Kernel::vnni); }

const char* kernel_name(Kernel kernel) { return kernel == Kernel::vnni ? "avx512-vnni" : "avx2"; }

void set_kernel(Kernel kernel) {
  if (!supported(kernel))
    throw std::runtime_error(std::string("int8 GEMMs: this CPU lacks the ") + kernel_name(kernel) + " kernel's instructions");
  chosen_kernel.store(static_cast<int>(kernel));
}

Kernel default_kernel() {
  Kernel k = supported(Kernel::vnni) ? Kernel::vnni : Kernel::avx2;
  if (const char* env = std::getenv("NMT_INT8_KERNEL")) {
    const std::string name = env;
    if (name == "avx2") k = Kernel::avx2;
    else if (name == "vnni" || name == "avx512-vnni") k = Kernel::vnni;
    else if (!name.empty()) throw std::runtime_error("NMT_INT8_KERNEL='" + name + "': avx2 or vnni");
  }
  if (!supported(k))
    throw std::runtime_error(std::string("NMT_INT8_KERNEL: this CPU lacks the ") + kernel_name(k) + " kernel's instructions");
  return k;
}

Kernel kernel() {
  const int chosen = chosen_kernel.load(std::memory_order_relaxed);
  if (chosen >= 0) return static_cast<Kernel>(chosen);
  const Kernel k = default_kernel();
  chosen_kernel.store(static_cast<int>(k));
  return k;
}

void quantize_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out) {
  allocate(k, n, out);
  auto at = [&](int64_t kk, int64_t j) { return trans_b ? b[j * ldb + kk] : b[kk * ldb + j]; };
  std::vector<float> max_abs(static_cast<std::size_t>(n), 0.f);
  if (trans_b) {
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk) max_abs[j] = std::max(max_abs[j], std::fabs(b[j * ldb + kk]));
  } else {
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < n; ++j) max_abs[j] = std::max(max_abs[j], std::fabs(b[kk * ldb + j]));
  }
  for (int64_t j = 0; j < n; ++j) {
    const float m = max_abs[j];
    out.scales[j] = m > 0.f ? m / 127.f : 0.f;
    const float inverse = m > 0.f ? 127.f / m : 0.f;
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      const int8_t q = quantize(at(kk, j), inverse);
      out.data[packed_index(out.k4, kk, j)] = q;
      sum += q;
    }
    out.sums[j] = sum;
  }
}

void pack_b(int64_t k, int64_t n, const int8_t* b, PackedB& out) {
  allocate(k, n, out);
  for (int64_t j = 0; j < n; ++j) {
    out.scales[j] = 1.f;
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      out.data[packed_index(out.k4, kk, j)] = b[kk * n + j];
      sum += b[kk * n + j];
    }
    out.sums[j] = sum;
  }
}

void pack_columns(int64_t k, int64_t n, const int8_t* columns, const float* scales, PackedB& out) {
  allocate(k, n, out);
  for (int64_t j = 0; j < n; ++j) {
    out.scales[j] = scales[j];
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      out.data[packed_index(out.k4, kk, j)] = columns[j * k + kk];
      sum += columns[j * k + kk];
    }
    out.sums[j] = sum;
  }
}

void unpack_columns(const PackedB& b, int8_t* columns, float* scales) {
  for (int64_t j = 0; j < b.n; ++j) {
    scales[j] = b.scales[j];
    for (int64_t kk = 0; kk < b.k; ++kk) columns[j * b.k + kk] = b.data[packed_index(b.k4, kk, j)];
  }
}

void gather_columns(const PackedB& b, const int32_t* which, int64_t count, PackedB& out) {
  allocate(b.k, count, out);
  for (int64_t j = 0; j < count; ++j) {
    const int64_t from = which[j];
    if (from < 0 || from >= b.n)
      throw std::out_of_range("int8 gather_columns: column " + std::to_string(from) + " of " + std::to_string(b.n));
    out.scales[j] = b.scales[from];
    out.sums[j] = b.sums[from];
    // Four consecutive k of a column are one int32 lane: copy lane by lane.
    for (int64_t q = 0; q < b.k4; ++q)
      std::memcpy(&out.data[packed_index(out.k4, 4 * q, j)], &b.data[packed_index(b.k4, 4 * q, from)], 4);
  }
}

void quantize_a(int64_t m, int64_t k, const float* a, int64_t lda, QuantizedA& out) {
  out.m = m;
  out.k = k;
  out.k4 = (k + 3) / 4;
  const int64_t padded = out.k4 * 4;
  out.data.resize(static_cast<std::size_t>(m * padded));
  out.scales.resize(static_cast<std::size_t>(m));
  // Rows are independent: split over the threads when there is enough work (a decoding step's
  // 320 rows of 256), as the product that follows is.
  const int threads = omp_in_parallel() || m * k < (1 << 15) ? 1 : omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t i = 0; i < m; ++i) quantize_row(a + i * lda, k, padded, out.data.data() + i * padded, &out.scales[i]);
}

void pack_a(int64_t m, int64_t k, const int8_t* a, QuantizedA& out) {
  out.m = m;
  out.k = k;
  out.k4 = (k + 3) / 4;
  const int64_t padded = out.k4 * 4;
  out.data.assign(static_cast<std::size_t>(m * padded), 0);
  out.scales.assign(static_cast<std::size_t>(m), 1.f);
  for (int64_t i = 0; i < m; ++i) std::memcpy(out.data.data() + i * padded, a + i * k, static_cast<std::size_t>(k));
}

void gemm(const QuantizedA& a, const PackedB& b, float alpha, float beta, float* c, int64_t ldc, const float* bias) {
  Output out;
  out.c = c;
  out.ldc = ldc;
  out.alpha = alpha;
  out.beta = beta;
  out.bias = bias;
  out.row_scales = a.scales.data();
  out.col_scales = b.scales.data();
  run_parallel(kernel(), a, b, out);
}

void gemm_exact(Kernel kernel, const QuantizedA& a, const PackedB& b, int32_t* c, int64_t ldc) {
  if (!supported(kernel)) throw std::runtime_error(std::string("int8 gemm: no ") + kernel_name(kernel) + " on this CPU");
  Output out;
  out.exact = c;
  out.ldc = ldc;
  run_parallel(kernel, a, b, out);
}

}  // namespace nmt::blas::int8
