#include "nmt/tensor/gemm_bf16.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

namespace nmt::blas::bf16 {
namespace {

#define NMT_BF16_TARGET [[gnu::target("avx512f,avx512bw,avx512vl,avx512bf16")]]

// The kernel's tile: kRows x kPanelColumns floats of C in 24 of the 32 ZMM registers.
constexpr int kRows = 8;
constexpr int kVectors = kPanelColumns / 16;
// Blocking: kPairBlock pairs of K (256 values) keep a panel of B (kPairBlock x 48 words, 24 KiB)
// in the L1 cache while the kernel walks down a block of kRowBlock rows of A (48 KiB, in L2).
constexpr int64_t kPairBlock = 128;
constexpr int64_t kRowBlock = 96;

int64_t pairs(int64_t k) { return (k + 1) / 2; }

// Mask of the first `count` lanes (count clamped to [0, 16]).
inline __mmask16 first_lanes(int64_t count) {
  if (count <= 0) return 0;
  if (count >= 16) return 0xFFFF;
  return static_cast<__mmask16>((1u << count) - 1);
}

// 16 words from two rows of 16 floats: word j = (bf16(lo[j]) | bf16(hi[j]) << 16). Both rows are
// converted into one vector (lo's 16 values, then hi's) and interleaved.
NMT_BF16_TARGET inline __m512i pair_rows(__m512 lo, __m512 hi) {
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                              22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(interleave, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
}

// 16 words from 32 consecutive floats x[0..count): word q = (bf16(x[2q]) | bf16(x[2q+1]) << 16).
NMT_BF16_TARGET inline __m512i pair_adjacent(const float* x, int64_t count) {
  const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(count), x);
  const __m512 hi = _mm512_maskz_loadu_ps(first_lanes(count - 16), x + 16);
  return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo));  // the low 16 values come from lo
}

// Panels [panel_begin, panel_end) of B.
NMT_BF16_TARGET void pack_b_panels(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb,
                                   int64_t panel_begin, int64_t panel_end, uint32_t* out) {
  const int64_t kp = pairs(k);
  for (int64_t jp = panel_begin; jp < panel_end; ++jp) {
    uint32_t* panel = out + jp * kp * kPanelColumns;
    const int64_t j0 = jp * kPanelColumns;
    if (!trans_b) {  // b(k, j) = b[k * ldb + j]: the pair comes from two rows
      for (int64_t p = 0; p < kp; ++p) {
        const float* row0 = b + 2 * p * ldb;
        const bool has_second = 2 * p + 1 < k;
        for (int v = 0; v < kVectors; ++v) {
          const int64_t j = j0 + 16 * v;
          const __mmask16 mask = first_lanes(n - j);
          const __m512 lo = _mm512_maskz_loadu_ps(mask, row0 + j);
          const __m512 hi = has_second ? _mm512_maskz_loadu_ps(mask, row0 + ldb + j) : _mm512_setzero_ps();
          _mm512_storeu_si512(panel + p * kPanelColumns + 16 * v, pair_rows(lo, hi));
        }
      }
    } else {  // b(k, j) = b[j * ldb + k]: the pair is adjacent in column j's row
      alignas(64) uint32_t words[16];
      for (int64_t lane = 0; lane < kPanelColumns; ++lane) {
        const int64_t j = j0 + lane;
        if (j >= n) {
          for (int64_t p = 0; p < kp; ++p) panel[p * kPanelColumns + lane] = 0;
          continue;
        }
        const float* row = b + j * ldb;
        for (int64_t p0 = 0; p0 < kp; p0 += 16) {
          _mm512_store_si512(words, pair_adjacent(row + 2 * p0, k - 2 * p0));
          const int64_t count = std::min<int64_t>(16, kp - p0);
          for (int64_t q = 0; q < count; ++q) panel[(p0 + q) * kPanelColumns + lane] = words[q];
        }
      }
    }
  }
}

// Rows [row, row + rows) and pairs [p_begin, p_begin + kc) of op(A) as panels of kRows rows,
// each row's kc words in a run of its own (the kernel reads the kRows runs side by side); rows
// past the end are zero. The large A operands (a gradient times a weight's transpose) are not
// transposed, so their rows are copied as they are, 16 words per store.
NMT_BF16_TARGET void pack_a(bool trans_a, int64_t k, const float* a, int64_t lda, int64_t row, int64_t rows,
                            int64_t p_begin, int64_t kc, uint32_t* out) {
  const int64_t panels = (rows + kRows - 1) / kRows;
  if (!trans_a) {  // a(i, k) = a[i * lda + k]: pairs are adjacent in row i
    for (int64_t r = 0; r < panels * kRows; ++r) {
      uint32_t* run = out + r * kc;
      if (r >= rows) {
        std::memset(run, 0, static_cast<size_t>(kc) * sizeof(uint32_t));
        continue;
      }
      const float* src = a + (row + r) * lda;
      for (int64_t q0 = 0; q0 < kc; q0 += 16) {
        const int64_t k0 = 2 * (p_begin + q0);
        _mm512_mask_storeu_epi32(run + q0, first_lanes(kc - q0), pair_adjacent(src + k0, k - k0));
      }
    }
    return;
  }
  // a(i, k) = a[k * lda + i]: the pair comes from two rows of the stored A, kRows rows at a time
  alignas(32) uint32_t words[kRows];
  for (int64_t ip = 0; ip < panels; ++ip) {
    const int64_t i0 = row + ip * kRows;
    const __mmask8 mask = static_cast<__mmask8>(first_lanes(std::min<int64_t>(kRows, rows - ip * kRows)));
    uint32_t* panel = out + ip * kRows * kc;
    for (int64_t q = 0; q < kc; ++q) {
      const int64_t k0 = 2 * (p_begin + q);
      const __m256 lo = _mm256_maskz_loadu_ps(mask, a + k0 * lda + i0);
      const __m256 hi = k0 + 1 < k ? _mm256_maskz_loadu_ps(mask, a + (k0 + 1) * lda + i0) : _mm256_setzero_ps();
      const __m256i l = _mm256_cvtepu16_epi32(reinterpret_cast<__m128i>(_mm256_cvtneps_pbh(lo)));
      const __m256i h = _mm256_cvtepu16_epi32(reinterpret_cast<__m128i>(_mm256_cvtneps_pbh(hi)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(words), _mm256_or_si256(l, _mm256_slli_epi32(h, 16)));
      for (int r = 0; r < kRows; ++r) panel[r * kc + q] = words[r];
    }
  }
}

// One tile: C[rows, cols] (= or +=) alpha * A-panel B-panel, over kc pairs (the A panel: kRows
// runs of kc words; the B panel: kc rows of kPanelColumns words). The first block of K
// applies beta (beta = 0 never reads C); later blocks add.
NMT_BF16_TARGET void kernel(int64_t kc, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int rows,
                            int64_t cols, float alpha, float beta, bool first_block) {
  __m512 acc[kRows][kVectors];
#pragma GCC unroll 8
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 3
    for (int v = 0; v < kVectors; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b));
    const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + 16));
    const __m512bh b2 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + 32));
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) {  // row i's pair p, in every lane
      const __m512bh ai = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(a[i * kc + p])));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
      acc[i][2] = _mm512_dpbf16_ps(acc[i][2], ai, b2);
    }
    b += kPanelColumns;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 masks[kVectors] = {first_lanes(cols), first_lanes(cols - 16), first_lanes(cols - 32)};
#pragma GCC unroll 8
  for (int i = 0; i < kRows; ++i) {
    if (i >= rows) break;
#pragma GCC unroll 3
    for (int v = 0; v < kVectors; ++v) {
      if (masks[v] == 0) break;
      float* cp = c + i * ldc + 16 * v;
      __m512 r = _mm512_mul_ps(acc[i][v], va);
      if (!first_block)
        r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(masks[v], cp));
      else if (beta != 0.0f)
        r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(masks[v], cp), r);
      _mm512_mask_storeu_ps(cp, masks[v], r);
    }
  }
}

}  // namespace

bool supported() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
  return yes;
}

void pack_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out) {
  const int64_t panels = (n + kPanelColumns - 1) / kPanelColumns;
  out.k = k;
  out.n = n;
  out.words.resize(static_cast<size_t>(panels * pairs(k) * kPanelColumns));
  uint32_t* words = out.words.data();
  const bool parallel = !omp_in_parallel() && omp_get_max_threads() > 1 && panels > 1 && k * n >= (1 << 16);
  if (!parallel) {
    pack_b_panels(trans_b, k, n, b, ldb, 0, panels, words);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t jp = 0; jp < panels; ++jp) pack_b_panels(trans_b, k, n, b, ldb, jp, jp + 1, words);
}

void gemm_packed(bool trans_a, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end,
                 float alpha, const float* a, int64_t lda, const PackedB& b, float beta, float* c, int64_t ldc) {
  const int64_t k = b.k, n = b.n, kp = pairs(k);
  if (row_begin >= row_end || panel_begin >= panel_end) return;
  if (kp == 0) {  // an empty sum: C = beta C
    for (int64_t i = row_begin; i < row_end; ++i)
      for (int64_t j = panel_begin * kPanelColumns; j < std::min(n, panel_end * kPanelColumns); ++j)
        c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  thread_local std::vector<uint32_t> a_panels;
  a_panels.resize(static_cast<size_t>(kRowBlock * kPairBlock));
  for (int64_t pc = 0; pc < kp; pc += kPairBlock) {
    const int64_t kc = std::min(kPairBlock, kp - pc);
    for (int64_t ic = row_begin; ic < row_end; ic += kRowBlock) {
      const int64_t mc = std::min(kRowBlock, row_end - ic);
      pack_a(trans_a, k, a, lda, ic, mc, pc, kc, a_panels.data());
      for (int64_t jp = panel_begin; jp < panel_end; ++jp) {
        const uint32_t* b_panel = b.words.data() + (jp * kp + pc) * kPanelColumns;
        const int64_t j0 = jp * kPanelColumns;
        for (int64_t i0 = 0; i0 < mc; i0 += kRows)
          kernel(kc, a_panels.data() + i0 * kc, b_panel, c + (ic + i0) * ldc + j0, ldc,
                 static_cast<int>(std::min<int64_t>(kRows, mc - i0)), n - j0, alpha, beta, pc == 0);
      }
    }
  }
}

}  // namespace nmt::blas::bf16
