// GEMM with int8 operands and int32 sums, for decoding (nmt-translate --precision int8).
//
// C[M, N] = alpha * A[M, K] op(B)[K, N] + beta * C with B a weight, quantised once per output
// column j (a row of the weight's output units): b_q(k, j) = round(B(k, j) / s_j), s_j =
// max_k |B(k, j)| / 127, and A quantised on the fly per row i: a_q(i, k) = round(A(i, k) / r_i),
// r_i = max_k |A(i, k)| / 127 (both in [-127, 127]). Then
//   C(i, j) = alpha * r_i * s_j * sum_k a_q(i, k) b_q(k, j) (+ beta * C(i, j)),
// the integer sum exact (int32), as Marian's and CTranslate2's int8 decoders compute it. The
// error of one product is at most sum_k |A(i,k)| s_j / 2 + |B(k,j)| r_i / 2 + r_i s_j / 4.
//
// Two kernels, chosen at run time like the bf16 one (kernel_dispatch.h): AVX512-VNNI (VPDPBUSD:
// four u8 x s8 products summed into each int32 lane; A is offset by 128 to make it unsigned and
// 128 * sum_k b_q(k, j) is subtracted again) and AVX2 (VPMADDUBSW on |a| and b with a's sign,
// then VPMADDWD: no pair of products can saturate since |a|, |b| <= 127). Both give the same
// integers. NMT_INT8_KERNEL=avx2 in the environment (or set_kernel) forces the AVX2 one.
//
// B is packed once into panels of kPanelColumns columns, [ceil(K/4)][16][4] bytes each (four
// consecutive k of one column in one int32 lane). Every element of C is summed over K in one
// order whatever M, N, the kernel and the thread count: results do not depend on the batch.
#pragma once

#include <cstdint>
#include <vector>

namespace nmt::blas::int8 {

enum class Kernel { vnni, avx2 };

// Whether the CPU can run each kernel (vnni: AVX-512 F/BW + AVX512-VNNI; avx2: AVX2).
bool supported(Kernel kernel);
// True when some int8 kernel runs on this CPU.
bool supported();
// The kernel in use: the best one the CPU has, unless NMT_INT8_KERNEL=avx2|vnni says otherwise
// or set_kernel chose one (throws std::runtime_error if the CPU lacks it).
Kernel kernel();
// What kernel() starts with: the environment's choice (NMT_INT8_KERNEL), else the best one.
Kernel default_kernel();
void set_kernel(Kernel kernel);
const char* kernel_name(Kernel kernel);

inline constexpr int64_t kPanelColumns = 16;

struct PackedB {
  std::vector<int8_t> data;       // panels of [k4][kPanelColumns][4]
  std::vector<float> scales;      // s_j, per column
  std::vector<int32_t> sums;      // sum_k b_q(k, j), per column (the VNNI kernel's correction)
  int64_t k = 0, n = 0, k4 = 0;   // k4 = ceil(k / 4)
};

// Quantises op(B)[K, N] (B stored [N, K] when trans_b; rows ldb floats apart) per column.
void quantize_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out);
// Packs integers b[K][N] (row-major, in [-127, 127]) as they are (scales 1): for tests.
void pack_b(int64_t k, int64_t n, const int8_t* b, PackedB& out);
// Packs stored weights (nmt-quantize): column j's integers columns[j * k + kk] and scale scales[j],
// what quantize_b computed for them.
void pack_columns(int64_t k, int64_t n, const int8_t* columns, const float* scales, PackedB& out);
// The inverse: column j's integers into columns[j * k + kk], its scale into scales[j].
void unpack_columns(const PackedB& b, int8_t* columns, float* scales);
// The columns `which` of b (in that order), as a packed B of which.size() columns: a vocabulary
// shortlist's rows of the output layer. The same integers and scales, so every product element
// is exactly the one the whole b gives.
void gather_columns(const PackedB& b, const int32_t* which, int64_t count, PackedB& out);

// A quantised per row: [m][k4 * 4] bytes (zero padded), scales r_i.
struct QuantizedA {
  std::vector<int8_t> data;
  std::vector<float> scales;
  int64_t m = 0, k = 0, k4 = 0;
};
void quantize_a(int64_t m, int64_t k, const float* a, int64_t lda, QuantizedA& out);
// Integers a[M][K] (in [-127, 127]) as they are (scales 1): for tests.
void pack_a(int64_t m, int64_t k, const int8_t* a, QuantizedA& out);

// C = alpha * A op(B) + beta C (+ bias[j] in every row i, when given: a layer's bias added as C is
// written; C [M, N] with rows ldc apart), split over the OpenMP threads unless called inside a
// parallel region.
void gemm(const QuantizedA& a, const PackedB& b, float alpha, float beta, float* c, int64_t ldc,
          const float* bias = nullptr);
// The exact integer products C[i][j] = sum_k a_q(i, k) b_q(k, j) with `kernel`: for tests.
void gemm_exact(Kernel kernel, const QuantizedA& a, const PackedB& b, int32_t* c, int64_t ldc);

}  // namespace nmt::blas::int8
