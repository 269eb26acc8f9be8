// Replacement C allocation functions that count while counting is on (see allocation_counter.h).
#include "tests/engine/allocation_counter.h"

#include <atomic>
#include <cerrno>
#include <cstddef>

namespace {
std::atomic<int> g_counting{0};  // number of live ScopedAllocationCount objects
std::atomic<uint64_t> g_count{0};
std::atomic<uint64_t> g_bytes{0};
std::atomic<uint64_t> g_largest{0};

}  // namespace

// Called for each counted allocation; to find where one comes from:
//   gdb -ex 'break nmt_counted_allocation' -ex 'commands' -ex 'bt' -ex 'cont' -ex 'end' ...
extern "C" [[gnu::noinline]] void nmt_counted_allocation(std::size_t bytes) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(bytes, std::memory_order_relaxed);
  uint64_t largest = g_largest.load(std::memory_order_relaxed);
  while (bytes > largest && !g_largest.compare_exchange_weak(largest, bytes, std::memory_order_relaxed)) {
  }
  asm volatile("");
}

static inline void note(std::size_t bytes) {
  if (g_counting.load(std::memory_order_relaxed) > 0) nmt_counted_allocation(bytes);
}

#if !defined(__SANITIZE_ADDRESS__) && defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t size) {
  note(size);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  note(count * size);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  note(size);
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
void* valloc(std::size_t size) {
  note(size);
  return __libc_memalign(4096, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  note(size);
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}  // extern "C"
#define NMT_COUNTING_AVAILABLE 1
#else
#define NMT_COUNTING_AVAILABLE 0
#endif

namespace nmt::testing {

bool counting_available() { return NMT_COUNTING_AVAILABLE; }

ScopedAllocationCount::ScopedAllocationCount()
    : start_count_(g_count.load()), start_bytes_(g_bytes.load()) {
  g_largest.store(0);  // (the largest since the last counter started; counters are not nested)
  g_counting.fetch_add(1);
}
ScopedAllocationCount::~ScopedAllocationCount() { stop(); }

uint64_t ScopedAllocationCount::count() const { return active_ ? g_count.load() - start_count_ : final_count_; }
uint64_t ScopedAllocationCount::bytes() const { return g_bytes.load() - start_bytes_; }
uint64_t ScopedAllocationCount::largest() const { return g_largest.load(); }

uint64_t ScopedAllocationCount::stop() {
  if (active_) {
    final_count_ = g_count.load() - start_count_;
    active_ = false;
    g_counting.fetch_sub(1);
  }
  return final_count_;
}

}  // namespace nmt::testing
