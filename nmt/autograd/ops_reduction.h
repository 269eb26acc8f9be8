// Reductions: sums and means over one axis or over all elements.
//
// Scalar convention: reductions never make 0-rank tensors. sum_all / mean_all (and a sum or
// mean over the only axis of a 1-D tensor without keepdim) give shape [1]: one element, so a
// loss built from them works with Var::backward() (which needs numel() == 1) and broadcasts
// against anything.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// y = sum_j x[..., j, ...] over `axis` (negative counts from the end). With x viewed as
// [outer, n, inner]: y[o, i] = sum_j x[o, j, i]; dx[o, j, i] = dy[o, i].
// keepdim keeps the axis with extent 1; otherwise it is removed.
Var sum(const Var& x, int axis, bool keepdim = false);

// y = sum / n over `axis` (n = its extent; an empty axis gives NaN, as in numpy);
// dx[o, j, i] = dy[o, i] / n.
Var mean(const Var& x, int axis, bool keepdim = false);

// The sum / mean of every element, shape [1]; dx = dy (/ numel) everywhere.
// Summed in fixed chunks of float partial sums combined in double, in an order that does
// not depend on the thread count.
Var sum_all(const Var& x);
Var mean_all(const Var& x);

}  // namespace nmt
