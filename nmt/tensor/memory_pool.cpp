#include "nmt/tensor/memory_pool.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

namespace nmt {

MemoryPool& MemoryPool::global() {
  static MemoryPool* pool = new MemoryPool();  // never destroyed: tensors may outlive statics
  return *pool;
}

MemoryPool::MemoryPool() : cache_limit_(std::size_t{512} << 20) {
  if (const char* mb = std::getenv("NMT_POOL_CACHE_MB")) cache_limit_ = std::strtoull(mb, nullptr, 10) << 20;
}

MemoryPool::~MemoryPool() { trim(); }

void MemoryPool::set_cache_limit(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  cache_limit_ = bytes;
}

// Blocks up to 1 KiB are rounded up to 64 bytes (16 classes); larger ones to 1/8 of their
// power of two: a block of 5000 bytes lies in (4096, 8192] and is rounded up to 5120.
std::size_t MemoryPool::size_class(std::size_t bytes, std::size_t* capacity) {
  if (bytes == 0) bytes = 1;
  if (bytes <= 1024) {
    std::size_t k = (bytes + 63) / 64;  // 1..16
    *capacity = k * 64;
    return k - 1;
  }
  int e = std::bit_width(bytes - 1);              // 2^(e-1) < bytes <= 2^e, e >= 11
  std::size_t step = std::size_t{1} << (e - 4);   // 1/8 of 2^(e-1)
  std::size_t sub = (bytes - (std::size_t{1} << (e - 1)) + step - 1) / step;  // 1..8
  *capacity = (std::size_t{1} << (e - 1)) + sub * step;
  return 16 + static_cast<std::size_t>(e - 11) * 8 + (sub - 1);
}

// The block size of class `cls` (the inverse of size_class).
std::size_t MemoryPool::class_capacity(std::size_t cls) {
  if (cls < 16) return (cls + 1) * 64;
  const int e = static_cast<int>((cls - 16) / 8) + 11;
  const std::size_t sub = (cls - 16) % 8 + 1;
  return (std::size_t{1} << (e - 1)) + sub * (std::size_t{1} << (e - 4));
}

void* MemoryPool::allocate(std::size_t bytes, std::size_t* capacity) {
  std::size_t cls = size_class(bytes, capacity);
  {
    std::lock_guard lock(mutex_);
    // The smallest cached block of this class or of the next 8 (up to twice the size).
    const std::size_t last = std::min(free_lists_.size(), cls + 9);
    for (std::size_t c = cls; c < last; ++c) {
      if (free_lists_[c].empty()) continue;
      void* block = free_lists_[c].back();
      free_lists_[c].pop_back();
      if (c != cls) *capacity = class_capacity(c);
      stats_.reuses++;
      stats_.bytes_cached -= *capacity;
      stats_.bytes_in_use += *capacity;
      stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
      return block;
    }
    stats_.system_allocations++;
    stats_.bytes_in_use += *capacity;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  }
  void* block = std::aligned_alloc(kAlignment, *capacity);
  if (!block) throw std::bad_alloc();
  return block;
}

void MemoryPool::release(void* block, std::size_t capacity) {
  if (!block) return;
  std::size_t ignored;
  std::size_t cls = size_class(capacity, &ignored);
  std::lock_guard lock(mutex_);
  stats_.bytes_in_use -= capacity;
  if (stats_.bytes_cached + capacity > cache_limit_) {  // over the limit: back to the system
    std::free(block);
    return;
  }
  if (cls >= free_lists_.size()) free_lists_.resize(cls + 1);
  auto& list = free_lists_[cls];
  if (list.size() == list.capacity()) list.reserve(list.size() * 2 + 16);
  list.push_back(block);
  stats_.bytes_cached += capacity;
}

void MemoryPool::trim() {
  std::lock_guard lock(mutex_);
  for (auto& list : free_lists_) {
    for (void* block : list) std::free(block);
    list.clear();
  }
  stats_.bytes_cached = 0;
}

MemoryPool::Stats MemoryPool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace nmt
