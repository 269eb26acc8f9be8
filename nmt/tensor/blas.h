// The GEMMs, through OpenBLAS's cblas_sgemm. Row-major throughout:
//   C[M, N] = alpha * op(A)[M, K] op(B)[K, N] + beta * C,  op(X) = X or X^T.
#pragma once

#include <cstdint>

namespace nmt::blas {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c);

// `batch` independent GEMMs whose operands lie `stride_*` floats apart. Products of a row vector
// (M = 1) or outer products (K = 1), as attention makes one per sentence, run as plain loops.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                  float alpha, const float* a, int64_t stride_a, const float* b, int64_t stride_b,
                  float beta, float* c, int64_t stride_c);

}  // namespace nmt::blas
