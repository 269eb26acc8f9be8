// Matrix products through cblas_sgemm.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// a [..., M, K] x b [K, N] -> [..., M, N]: the leading axes of a are flattened into M (a linear
// layer applied to every position). With transpose_b, b is [N, K] (e.g. tied output embeddings).
Var matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);

// Batched product over the leading axes, which a and b must share:
// a [..., M, K] x b [..., K, N] -> [..., M, N] (e.g. [batch, heads, T, d] x [batch, heads, d, S]).
// transpose_a / transpose_b transpose the last two axes of a / b first.
Var batched_matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);

}  // namespace nmt
