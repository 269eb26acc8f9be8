// Counting heap allocations, for the tests that check a training step allocates nothing.
//
// allocation_counter.cpp replaces the C allocation functions (malloc, calloc, realloc,
// aligned_alloc, posix_memalign, memalign, valloc) for the whole engine_tests binary, forwarding
// to glibc's own (__libc_malloc ...). Every heap allocation goes through them: operator new
// (libstdc++ calls malloc / aligned_alloc), std::vector and std::string growth, OpenBLAS and
// OpenMP internals, and the MemoryPool's system allocations. Counting is off unless a
// ScopedAllocationCount is alive; while it is, allocations by every thread are counted (OpenMP
// workers included). Not available under AddressSanitizer (which has its own allocator):
// counting_available() is false there and the counts stay 0.
#pragma once

#include <cstdint>

namespace nmt::testing {

bool counting_available();

class ScopedAllocationCount {
 public:
  ScopedAllocationCount();
  ~ScopedAllocationCount();
  ScopedAllocationCount(const ScopedAllocationCount&) = delete;
  ScopedAllocationCount& operator=(const ScopedAllocationCount&) = delete;
  // Allocations since construction (or since the last stop()); stop() ends counting.
  uint64_t count() const;
  uint64_t stop();
  // Bytes requested by them.
  uint64_t bytes() const;
  // The largest single request among them (failed ones included), while counting.
  uint64_t largest() const;

 private:
  uint64_t start_count_, start_bytes_;
  bool active_ = true;
  uint64_t final_count_ = 0;
};

}  // namespace nmt::testing
