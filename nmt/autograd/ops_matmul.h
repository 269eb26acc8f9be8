// Matrix products through cblas_sgemm.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// a [..., M, K] x b [K, N] -> [..., M, N]: the leading axes of a are flattened into M (a linear
// layer applied to every position). With transpose_b, b is [N, K] (e.g. tied output embeddings).
Var matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);

// x [..., K] w [K, N] + b [N] (b undefined: none), a linear layer. While no gradient is recorded
// and the product runs in int8, the GEMM adds b as it writes its output (no second pass over it);
// otherwise matmul then the addition.
Var affine(const Var& x, const Var& w, const Var& b);

// Batched product over the leading axes, which a and b must share:
// a [..., M, K] x b [..., K, N] -> [..., M, N] (e.g. [batch, heads, T, d] x [batch, heads, d, S]).
// transpose_a / transpose_b transpose the last two axes of a / b first.
Var batched_matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);

}  // namespace nmt
