// GEMM with bfloat16 operands and float32 accumulation, on CPUs with AVX512-BF16.
//
// C[M, N] = alpha * op(A)[M, K] op(B)[K, N] + beta * C, every value of A and B rounded to
// bfloat16 (8 bits of mantissa, float32's range; round to nearest even) and every product summed
// in float32. VDPBF16PS multiplies two pairs of bfloat16 and adds both products to a float32 lane,
// twice the multiply-adds per instruction of a float32 FMA: on this project's CPUs (AMD Zen 4) it
// runs at twice the float32 rate. That is the "mixed precision" of Micikevicius et al. 2018 ("Mixed
// Precision Training") with bfloat16 as Kalamkar et al. 2019 used it: weights stay float32 (the
// optimiser updates them there) and only the GEMMs' inputs are rounded.
//
// The algorithm is Goto and van de Geijn's (2008): B is converted once into panels of NR columns,
// A into panels of MR rows per block of K, and a register-blocked kernel computes each MR x NR tile
// of C. Each element of C is summed over K in the same order whatever M, N and the thread count,
// so results do not depend on the batch size or the number of threads.
#pragma once

#include <cstdint>
#include <vector>

namespace nmt::blas::bf16 {

// True when the CPU has AVX512-BF16 (and AVX-512 F/BW/VL, which the kernels also use).
bool supported();

// B converted for the kernel: panels of kPanelColumns columns, each [ceil(K/2)][kPanelColumns]
// words holding the bfloat16 pair (b[2p][j], b[2p+1][j]).
struct PackedB {
  std::vector<uint32_t> words;
  int64_t k = 0, n = 0;
};
inline constexpr int64_t kPanelColumns = 48;

// op(B)[K, N] (B stored [N, K] when trans_b) with rows ldb floats apart. `out` keeps its capacity.
void pack_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out);

// C = alpha op(A) B + beta C for the columns [panel_begin * kPanelColumns, ...) of panels
// [panel_begin, panel_end) of B and the rows [row_begin, row_end) of C; A's rows lda floats apart,
// C's ldc. One thread's share of a product; requires supported().
void gemm_packed(bool trans_a, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end,
                 float alpha, const float* a, int64_t lda, const PackedB& b, float beta, float* c, int64_t ldc);

}  // namespace nmt::blas::bf16
