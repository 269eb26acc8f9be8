// One thread-count setting for OpenBLAS and for our own kernels (OpenMP).
// Default: all cores. Results are bit-identical for the same seed and thread count.
#pragma once

#include <cstdint>

namespace nmt {

void set_num_threads(int threads);  // 0 means all cores
int num_threads();

// Elementwise loops shorter than this run on one thread: below it, waking threads costs more
// than it saves.
inline constexpr int64_t kParallelThreshold = 1 << 15;

}  // namespace nmt
