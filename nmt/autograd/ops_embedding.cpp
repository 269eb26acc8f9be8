// Row gathers by id: embedding(table, ids) and select_rows(x, ids); formulas in the header.
// Forward copies one row per id (rows split over threads); backward is a deterministic
// scatter-add (a stable counting sort groups the ids by row, then one thread per row adds
// that row's gradients in position order: the same sums, in the same order, as the plain
// sequential loop, for any thread count).
#include "nmt/autograd/ops_embedding.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

// The first id outside [0, rows), or -1 when all are valid.
int64_t first_bad_id(const Tensor& ids, int64_t rows) {
  const int32_t* p = ids.i32();
  for (int64_t k = 0, m = ids.numel(); k < m; ++k)
    if (p[k] < 0 || p[k] >= rows) return k;
  return -1;
}

void check_int32(const char* op, const Tensor& ids) {
  if (ids.dtype() != DType::i32)
    throw std::invalid_argument(std::string(op) + ": ids must be int32, got " + dtype_name(ids.dtype()));
}

// y[k, :] = x[ids[k], :], rows of d floats.
void gather_rows(const float* x, const int32_t* ids, int64_t m, int64_t d, float* y) {
  parallel_for(m, m * d, [&](int64_t k) {
    std::memcpy(y + k * d, x + static_cast<int64_t>(ids[k]) * d, static_cast<std::size_t>(d) * sizeof(float));
  });
}

NMT_KERNEL void add_row(float* dst, const float* src, int64_t d) {
  for (int64_t i = 0; i < d; ++i) dst[i] += src[i];
}

// dst[ids[k], :] += g[k, :] for k = 0, 1, ..., m-1 in that order, skipping ids equal to `skip`;
// dst ([rows, d]) is zeroed first unless accumulating.
void scatter_add_rows(const float* g, const int32_t* ids, int64_t m, int64_t d, float* dst, int64_t rows,
                      int32_t skip, bool accumulate) {
  if (!accumulate)
    parallel_chunks(rows * d, [&](int64_t b, int64_t e) {
      std::memset(dst + b, 0, static_cast<std::size_t>(e - b) * sizeof(float));
    });
  if (!go_parallel(m * d)) {
    for (int64_t k = 0; k < m; ++k)
      if (ids[k] != skip) add_row(dst + static_cast<int64_t>(ids[k]) * d, g + k * d, d);
    return;
  }
  // Stable counting sort of the positions by id: after it, the positions of row r are
  // order[end[r - 1] .. end[r]) in increasing k (end[-1] = 0).
  Tensor end_t = Tensor::zeros({rows}, DType::i32);
  Tensor order_t = Tensor::empty({m}, DType::i32);
  int32_t* end = end_t.i32();
  int32_t* order = order_t.i32();
  for (int64_t k = 0; k < m; ++k)
    if (ids[k] != skip) ++end[ids[k]];
  int32_t total = 0;
  for (int64_t r = 0; r < rows; ++r) {  // end[r] = start of row r
    const int32_t count = end[r];
    end[r] = total;
    total += count;
  }
  for (int64_t k = 0; k < m; ++k)
    if (ids[k] != skip) order[end[ids[k]]++] = static_cast<int32_t>(k);  // now end[r] = end of row r
  parallel_for(rows, m * d, [&](int64_t r) {
    float* row = dst + r * d;
    for (int32_t i = r == 0 ? 0 : end[r - 1]; i < end[r]; ++i) add_row(row, g + static_cast<int64_t>(order[i]) * d, d);
  });
}

// What the backward reads: the ids (a copy) and the id that gets no gradient (-1: none).
struct GatherRecord {
  Tensor ids;
  int32_t skip;
};

void gather_backward(Node& node) {
  bool accumulate;
  Tensor* dx = node.input_grad(0, &accumulate);
  if (!dx) return;
  const GatherRecord& record = node.record<GatherRecord>();
  const Tensor& ids = record.ids;
  const int64_t rows = dx->dim(0), d = dx->shape().inner(0);
  scatter_add_rows(node.grad.f32(), ids.i32(), ids.numel(), d, dx->f32(), rows, record.skip, accumulate);
}

Var gather(const char* op, const Var& x, const Tensor& ids, Shape out_shape, int32_t skip) {
  const int64_t d = x.shape().inner(0);
  Tensor out = Tensor::empty(out_shape);
  gather_rows(x.value().f32(), ids.i32(), ids.numel(), d, out.f32());
  Var y = Var::make_result(op, std::move(out), {x}, gather_backward);
  if (Node* node = y.recording())  // a copy of the ids: the caller may reuse its buffer before backward
    node->emplace_record<GatherRecord>(ids.clone(), skip);
  return y;
}

}  // namespace

Var embedding(const Var& table, const Tensor& ids, int32_t padding_id) {
  if (table.rank() != 2) shape_error("embedding", "needs a table [V, D], got", table.shape());
  check_int32("embedding", ids);
  if (ids.rank() >= Shape::kMaxRank) shape_error("embedding", "ids have too many axes:", ids.shape());
  const int64_t vocabulary = table.dim(0);
  if (padding_id >= vocabulary)
    throw std::out_of_range("embedding: padding id " + std::to_string(padding_id) +
                            " out of range for a vocabulary of " + std::to_string(vocabulary));
  if (const int64_t k = first_bad_id(ids, vocabulary); k >= 0)
    throw std::out_of_range("embedding: id " + std::to_string(ids.i32()[k]) + " out of range for a vocabulary of " +
                            std::to_string(vocabulary));
  Shape out_shape = ids.shape();
  out_shape.push_back(table.dim(1));
  return gather("embedding", table, ids, out_shape, padding_id < 0 ? -1 : padding_id);
}

Var select_rows(const Var& x, const Tensor& ids) {
  if (x.rank() == 0) shape_error("select_rows", "needs x with at least one axis, got", x.shape());
  check_int32("select_rows", ids);
  if (ids.rank() != 1) shape_error("select_rows", "needs ids of shape [M], got", ids.shape());
  if (const int64_t k = first_bad_id(ids, x.dim(0)); k >= 0)
    throw std::out_of_range("select_rows: id " + std::to_string(ids.i32()[k]) + " out of range for " +
                            std::to_string(x.dim(0)) + " rows of shape " + x.shape().str());
  Shape out_shape = x.shape();
  out_shape[0] = ids.dim(0);
  return gather("select_rows", x, ids, out_shape, -1);
}

}  // namespace nmt
