// Loops split over the OpenMP threads, for the ops' kernels.
//
// No `#pragma omp parallel if(...)`: libgomp mallocs (and frees) a team for every parallel
// region that runs on one thread, including one whose if() is false (teams of several threads
// are cached), and a warm training step must not allocate. So small loops, and any loop when
// only one thread is allowed, skip the region and run inline.
// Work is split statically into pieces that depend only on the sizes, never on the thread
// count, and each output element is written by one piece: results are bit-identical for any
// number of threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "nmt/tensor/threading.h"

namespace nmt {

// Whether a loop touching `work` elements should open a parallel region.
inline bool go_parallel(int64_t work) { return work > kParallelThreshold && omp_get_max_threads() > 1; }

// body(i) for i in [0, count); `work` is the number of elements the whole loop touches.
template <class Body>
void parallel_for(int64_t count, int64_t work, const Body& body) {
  if (go_parallel(work) && count > 1) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) body(i);
  } else {
    for (int64_t i = 0; i < count; ++i) body(i);
  }
}

// body(begin, end) over [0, n) in consecutive chunks of `chunk` elements (elementwise loops).
template <class Body>
void parallel_chunks(int64_t n, const Body& body, int64_t chunk = int64_t(1) << 14) {
  if (!go_parallel(n)) {
    if (n > 0) body(int64_t(0), n);
    return;
  }
  const int64_t count = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < count; ++c) body(c * chunk, std::min(n, (c + 1) * chunk));
}

}  // namespace nmt
