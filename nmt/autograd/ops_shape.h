// Shape ops: reshape (a view), transpose / permute, concat / stack, slice / split.
// Their gradients move dy back to where each element came from (copies; no arithmetic except
// the += of accumulation). reshape and a slice along axis 0 share the input's memory; every
// other op copies into a new contiguous tensor (see tensor.h).
// (Row gathers by id - select_rows, embedding - are in ops_embedding.h.)
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include "nmt/autograd/var.h"

namespace nmt {

// `axis` counted from the end when negative; throws std::invalid_argument naming `op` when it
// is out of range. With allow_end, axis == rank is valid too (an insertion point, as in stack).
int normalize_axis(const char* op, const Shape& shape, int axis, bool allow_end = false);

// The same elements in another shape (a view: no copy). In the dims form one extent may be
// -1: it is inferred from the others. dx = dy viewed in x's shape.
Var reshape(const Var& x, const Shape& shape);
Var reshape(const Var& x, std::initializer_list<int64_t> dims);
Var reshape(const Var& x, std::span<const int64_t> dims);

// y = x with axes a and b swapped: y[..i_b..i_a..] = x[..i_a..i_b..]. dx = transpose(dy, a, b).
Var transpose(const Var& x, int a, int b);

// y's axis i is x's axis axes[i] (a permutation of 0..rank-1, negatives allowed):
// y[i_0, ..., i_{r-1}] = x[j] with j[axes[k]] = i_k. dx = permute(dy, inverse of axes).
// Kernels: axes that stay adjacent are merged first; when the last axis stays last (e.g. the
// multi-head attention case [B, T, H, D] -> [B, H, T, D]) whole rows are copied; a pure
// (batched) 2-D transpose is done in cache tiles.
Var permute(const Var& x, std::span<const int> axes);
Var permute(const Var& x, std::initializer_list<int> axes);

// Joins tensors along an existing axis; all other extents must agree.
// y = [x_0 | x_1 | ...] along `axis`; dx_k = the slice of dy that x_k filled.
Var concat(std::span<const Var> xs, int axis);
Var concat(std::initializer_list<Var> xs, int axis);

// Joins same-shaped tensors along a new axis (axis in [0, rank]; -1 = last): y[..., k, ...] =
// x_k. For RNN outputs over time: stack(steps, 1) turns T tensors [B, H] into [B, T, H].
// Any number of inputs. dx_k = dy[..., k, ...].
Var stack(std::span<const Var> xs, int axis);
Var stack(std::initializer_list<Var> xs, int axis);

// Elements begin <= i < end along `axis` (0 <= begin <= end <= extent, else
// std::invalid_argument). dx = dy placed at [begin, end), 0 elsewhere. Along axis 0 the
// result is a view.
Var slice(const Var& x, int axis, int64_t begin, int64_t end);

// Consecutive slices of the given sizes (which must add up to the extent of `axis`).
std::vector<Var> split(const Var& x, int axis, std::span<const int64_t> sizes);
std::vector<Var> split(const Var& x, int axis, std::initializer_list<int64_t> sizes);
// `parts` equal slices (the extent must be divisible by parts), e.g. the 4 gates of an LSTM.
std::vector<Var> chunk(const Var& x, int axis, int64_t parts);

}  // namespace nmt
