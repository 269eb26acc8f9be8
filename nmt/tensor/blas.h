// The GEMMs, through OpenBLAS's cblas_sgemm, or our bfloat16 kernel (gemm_bf16.h) when the
// precision is bf16. Row-major throughout:
//   C[M, N] = alpha * op(A)[M, K] op(B)[K, N] + beta * C,  op(X) = X or X^T.
#pragma once

#include <cstdint>
#include <functional>

#include "nmt/tensor/gemm_int8.h"

namespace nmt::blas {

// What gemm multiplies in: float32 (OpenBLAS; the default) or bfloat16 with float32 sums
// (training's `gemm-precision = bf16`; needs AVX512-BF16; products with fewer than 16 columns,
// and gemm_batched's, stay float32), or int8 (decoding's `--precision int8`, gemm_int8.h: only
// products with a parameter as B and A not transposed - the layers' weights - go int8, each
// weight quantised once and kept until the precision changes; everything else stays float32).
// One setting for the process.
enum class Precision { fp32, bf16, int8 };
void set_precision(Precision precision);  // throws std::runtime_error if the CPU can't do bf16
Precision precision();
bool bf16_supported();
bool int8_supported();

// Sets the precision for its lifetime, then restores the one before.
class PrecisionScope {
 public:
  explicit PrecisionScope(Precision p) : previous_(precision()) { set_precision(p); }
  ~PrecisionScope() { set_precision(previous_); }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  Precision previous_;
};

// int8 copies of weights, for what goes around gemm: a vocabulary shortlist multiplies by some
// columns of a weight's copy (int8::gather_columns), nmt-quantize stores the copies, and a model
// file's stored copies are registered at load (then nothing is quantised at run time).
// The int8 copy of the weight op(B)[K, N] at b (trans_b: b is [N, K]), made now if not yet made.
const int8::PackedB& int8_weight(bool trans_b, int64_t k, int64_t n, const float* b);
// Registers `packed` as the int8 copy of the weight at b (stored copies stay when the precision
// changes, unlike the ones made at first use).
void register_int8_weight(bool trans_b, int64_t k, int64_t n, const float* b, int8::PackedB packed);
// Every int8 copy made or registered so far: the weight's address, layout and the copy.
void for_each_int8_weight(const std::function<void(const float* b, bool trans_b, const int8::PackedB&)>& visit);
// C[M, N] = A[M, K] B with B already an int8 copy (A quantised per row on the fly, as gemm does).
void gemm_int8_packed(int64_t m, const float* a, const int8::PackedB& b, float* c);

// Where gemm's B comes from. A parameter does not change while a ParameterScope is open, so the
// bf16 path converts it once per scope and reuses the copy (an LSTM's W_h, used at every step).
enum class Operand { transient, parameter };

// Open around one update's forward and backward passes (the optimiser changes the parameters
// only after it closes): bf16 copies of Operand::parameter values live until the outermost
// scope closes (scopes and copies belong to the calling thread). Outside a scope every operand
// is converted at every call.
class ParameterScope {
 public:
  ParameterScope();
  ~ParameterScope();
  ParameterScope(const ParameterScope&) = delete;
  ParameterScope& operator=(const ParameterScope&) = delete;
};

// Floating-point operations (2 m n k per product) of every gemm and gemm_batched since the start
// of the process, per precision the product ran in (fp32 includes what int8 leaves float32):
// nmt-translate --stats reports them.
struct FlopCount {
  double fp32 = 0, bf16 = 0, int8 = 0;
};
FlopCount flop_count();

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c, Operand b_kind = Operand::transient);

// C[M, N] = A[M, K] B[K, N] + bias[N] (on every row) in one pass when the product runs in int8
// (precision int8, B a parameter): the kernel adds the bias as it writes C, the same sums as a
// separate addition. Returns false, doing nothing, when the product would not run in int8.
bool gemm_plus_bias(int64_t m, int64_t n, int64_t k, const float* a, const float* b, const float* bias, float* c,
                    Operand b_kind);

// `batch` independent GEMMs whose operands lie `stride_*` floats apart. Products of a row vector
// (M = 1) or outer products (K = 1), as attention makes one per sentence, run as plain loops.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                  float alpha, const float* a, int64_t stride_a, const float* b, int64_t stride_b,
                  float beta, float* c, int64_t stride_c);

}  // namespace nmt::blas
