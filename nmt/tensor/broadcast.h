// Numpy-style broadcasting for elementwise ops on contiguous tensors.
//
// Two shapes broadcast when, aligned at their last axes, each pair of extents is equal or one of
// them is 1. A BroadcastPlan describes the output as an odometer over at most kMaxRank axes,
// with each operand's stride per axis (0 where it is broadcast); adjacent axes that behave the
// same are merged, so that the common cases (same shape; a bias row added to every row) run as
// one or two flat loops.
#pragma once

#include <cstdint>

#include "nmt/tensor/shape.h"

namespace nmt {

// The broadcast shape of a and b; throws naming `op` and both shapes when they don't broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

struct BroadcastPlan {
  int rank = 0;                        // merged axes, >= 1
  int64_t extent[Shape::kMaxRank]{};
  int64_t stride_a[Shape::kMaxRank]{}; // in elements; 0 = broadcast along that axis
  int64_t stride_b[Shape::kMaxRank]{};
  BroadcastPlan(const Shape& out, const Shape& a, const Shape& b);
};

// Calls body(offset_out, offset_a, offset_b, n, step_a, step_b) for each run of the innermost
// merged axis: out[offset_out + i], a[offset_a + i * step_a], b[offset_b + i * step_b], i < n.
template <class Body>
void for_each_run(const BroadcastPlan& plan, Body&& body) {
  const int last = plan.rank - 1;
  const int64_t n = plan.extent[last];
  int64_t outer = 1;
  for (int i = 0; i < last; ++i) outer *= plan.extent[i];
  int64_t index[Shape::kMaxRank] = {};
  int64_t off_a = 0, off_b = 0;
  for (int64_t run = 0; run < outer; ++run) {
    body(run * n, off_a, off_b, n, plan.stride_a[last], plan.stride_b[last]);
    for (int axis = last - 1; axis >= 0; --axis) {  // odometer step
      off_a += plan.stride_a[axis];
      off_b += plan.stride_b[axis];
      if (++index[axis] < plan.extent[axis]) break;
      off_a -= plan.stride_a[axis] * plan.extent[axis];
      off_b -= plan.stride_b[axis] * plan.extent[axis];
      index[axis] = 0;
    }
  }
}

// Sums `source` (of shape `from`) into `target` (of shape `to`, which broadcasts to `from`):
// the gradient of a broadcast. With accumulate=false the target is overwritten.
void sum_to_shape(const float* source, const Shape& from, float* target, const Shape& to, bool accumulate);

}  // namespace nmt
