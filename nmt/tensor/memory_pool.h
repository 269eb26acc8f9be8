// MemoryPool: a caching allocator for tensor storage and graph nodes.
//
// A training step creates and frees the same set of intermediate tensors again and again. The
// pool keeps freed blocks in free lists by size class (8 classes per power of two, so at most
// 12.5% is wasted) and hands them out again, so that after the first steps a step asks the
// system for no memory at all. The counters make that visible: `system_allocations` stops
// growing in steady state (the benchmark prints it).
//
// Batches of varying shapes ask for ever new sizes; so that the cache does not grow with every
// new size, a request is served from the smallest cached block of up to twice its size, and the
// cache holds at most `cache_limit` bytes (freed blocks beyond it go back to the system).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace nmt {

class MemoryPool {
 public:
  static constexpr std::size_t kAlignment = 64;  // one cache line; enough for AVX-512 loads

  struct Stats {
    uint64_t system_allocations = 0;  // blocks obtained from the system since start
    uint64_t reuses = 0;              // blocks handed out again from a free list
    std::size_t bytes_in_use = 0;
    std::size_t peak_bytes_in_use = 0;  // most bytes in use at once since start
    std::size_t bytes_cached = 0;     // freed blocks kept for reuse
  };

  // The process-wide pool.
  static MemoryPool& global();

  // Returns a block of at least `bytes` bytes, 64-byte aligned; *capacity receives its size,
  // which must be passed back to release().
  void* allocate(std::size_t bytes, std::size_t* capacity);
  void release(void* block, std::size_t capacity);

  // Most bytes kept in free lists (default 512 MiB, or NMT_POOL_CACHE_MB from the environment).
  void set_cache_limit(std::size_t bytes);

  // Returns every cached block to the system (e.g. after a large one-off computation).
  void trim();
  Stats stats() const;

  MemoryPool();
  ~MemoryPool();

 private:
  static std::size_t size_class(std::size_t bytes, std::size_t* capacity);
  static std::size_t class_capacity(std::size_t cls);

  mutable std::mutex mutex_;
  std::vector<std::vector<void*>> free_lists_;
  Stats stats_;
  std::size_t cache_limit_;
};

}  // namespace nmt
