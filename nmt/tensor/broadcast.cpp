#include "nmt/tensor/broadcast.h"

#include <cstring>
#include <stdexcept>

namespace nmt {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  int rank = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  for (int i = 0; i < rank; ++i) {
    int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + a.str() + " and " + b.str() +
                                  " do not broadcast");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

BroadcastPlan::BroadcastPlan(const Shape& out, const Shape& a, const Shape& b) {
  const int r = out.rank();
  // Per-axis strides of a and b in the output's axes (0 where broadcast or missing).
  int64_t sa[Shape::kMaxRank], sb[Shape::kMaxRank], ext[Shape::kMaxRank];
  int64_t acc_a = 1, acc_b = 1;
  for (int i = r - 1; i >= 0; --i) {
    int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    ext[i] = out[i];
    sa[i] = (da == 1 && out[i] != 1) ? 0 : acc_a;
    sb[i] = (db == 1 && out[i] != 1) ? 0 : acc_b;
    acc_a *= da;
    acc_b *= db;
  }
  // Merge adjacent axes (dropping extents of 1) where both operands stay contiguous-compatible:
  // axis i-1 and i merge when stride[i-1] == stride[i] * extent[i] for a and b alike.
  rank = 0;
  for (int i = 0; i < r; ++i) {
    if (ext[i] == 1) continue;
    if (rank > 0) {
      int j = rank - 1;
      bool merge_a = stride_a[j] == sa[i] * ext[i];
      bool merge_b = stride_b[j] == sb[i] * ext[i];
      if (merge_a && merge_b) {
        extent[j] *= ext[i];
        stride_a[j] = sa[i];
        stride_b[j] = sb[i];
        continue;
      }
    }
    extent[rank] = ext[i];
    stride_a[rank] = sa[i];
    stride_b[rank] = sb[i];
    ++rank;
  }
  if (rank == 0) {  // a scalar result
    rank = 1;
    extent[0] = 1;
    stride_a[0] = stride_b[0] = 0;
  }
}

void sum_to_shape(const float* source, const Shape& from, float* target, const Shape& to, bool accumulate) {
  if (!accumulate) std::memset(target, 0, static_cast<std::size_t>(to.numel()) * sizeof(float));
  if (from == to) {
    for (int64_t i = 0, n = from.numel(); i < n; ++i) target[i] += source[i];
    return;
  }
  // Operand a is the target (strides 0 where summed); operand b is unused.
  BroadcastPlan plan(from, to, from);
  for_each_run(plan, [&](int64_t o, int64_t t, int64_t, int64_t n, int64_t step_t, int64_t) {
    const float* s = source + o;
    float* d = target + t;
    if (step_t == 0) {
      float sum = 0.f;
      for (int64_t i = 0; i < n; ++i) sum += s[i];
      d[0] += sum;
    } else {
      for (int64_t i = 0; i < n; ++i) d[i] += s[i];
    }
  });
}

}  // namespace nmt
