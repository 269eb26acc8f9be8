// N-gram counting on integer symbols (token ids or code points): what sacreBLEU does with
// collections.Counter of n-grams (metrics/helpers.py), without strings.
//
// An n-gram is packed into a 128-bit key: up to 4 symbols of 32 bits (token ids) or up to 6
// symbols of 21 bits (Unicode code points); with its order it identifies the n-gram exactly.
// NgramTable is a small open-addressing hash table from (key, order) to a count, emptied in O(1)
// between segments. Clipped matching -- sum over n-grams of min(hypothesis count, reference
// count), Counter's `&` -- is done by streaming the hypothesis n-grams through the reference
// table: each occurrence that still finds a reference count left is a match and uses it up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nmt::metrics {

struct NgramKey {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const NgramKey&) const = default;
};

// Packs symbols[0..n) into a key, `bits` bits per symbol (32: n <= 4; 21: n <= 6).
inline NgramKey pack_ngram(const std::uint32_t* symbols, std::size_t n, unsigned bits) {
  const std::size_t per_word = 64 / bits;
  NgramKey key;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t& word = i < per_word ? key.hi : key.lo;
    word = (word << bits) | symbols[i];
  }
  return key;
}

// Number of n-grams of order n in a sequence of `length` symbols.
inline std::int64_t ngram_count(std::size_t length, std::size_t n) {
  return length >= n ? static_cast<std::int64_t>(length - n + 1) : 0;
}

class NgramTable {
 public:
  struct Entry {
    NgramKey key;
    std::int64_t count = 0;
    std::uint32_t order = 0;
    std::uint32_t stamp = 0;  // the entry exists only if stamp == the table's stamp
  };

  // Empties the table, making room for about `expected` distinct n-grams.
  void clear(std::size_t expected) {
    std::size_t size = 64;
    while (size < 2 * expected) size *= 2;
    if (size > slots_.size()) {
      slots_.assign(size, Entry{});
      stamp_ = 0;
    }
    if (++stamp_ == 0) {  // wrapped around: really clear
      for (Entry& e : slots_) e.stamp = 0;
      stamp_ = 1;
    }
    used_.clear();
  }

  // The entry of (key, order), created with count 0 when absent.
  Entry& at(const NgramKey& key, std::uint32_t order) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key, order) & mask;; i = (i + 1) & mask) {
      Entry& e = slots_[i];
      if (e.stamp != stamp_) {
        e = {key, 0, order, stamp_};
        used_.push_back(static_cast<std::uint32_t>(i));
        if (2 * used_.size() > slots_.size()) return grow_and_find(key, order);
        return e;
      }
      if (e.order == order && e.key == key) return e;
    }
  }

  // The entry of (key, order), or nullptr.
  Entry* find(const NgramKey& key, std::uint32_t order) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key, order) & mask;; i = (i + 1) & mask) {
      Entry& e = slots_[i];
      if (e.stamp != stamp_) return nullptr;
      if (e.order == order && e.key == key) return &e;
    }
  }

  // Calls f(entry) for every entry in the table.
  template <class F>
  void for_each(F&& f) const {
    for (const std::uint32_t i : used_) f(slots_[i]);
  }

 private:
  static std::size_t hash(const NgramKey& key, std::uint32_t order) {
    std::uint64_t h = key.hi * 0x9E3779B97F4A7C15ULL;
    h ^= (key.lo + order) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }

  Entry& grow_and_find(const NgramKey& key, std::uint32_t order) {
    std::vector<Entry> live;
    for (const std::uint32_t i : used_) live.push_back(slots_[i]);
    slots_.assign(slots_.size() * 2, Entry{});
    stamp_ = 1;
    used_.clear();
    const std::size_t mask = slots_.size() - 1;
    for (Entry e : live) {
      std::size_t i = hash(e.key, e.order) & mask;
      while (slots_[i].stamp == stamp_) i = (i + 1) & mask;
      e.stamp = stamp_;
      slots_[i] = e;
      used_.push_back(static_cast<std::uint32_t>(i));
    }
    return *find(key, order);
  }

  std::vector<Entry> slots_;
  std::vector<std::uint32_t> used_;
  std::uint32_t stamp_ = 0;
};

// Adds every n-gram of order n of symbols to the table (Counter update), tagged with `tag`.
inline void add_ngrams(NgramTable& table, const std::vector<std::uint32_t>& symbols, std::size_t n,
                       unsigned bits, std::uint32_t tag) {
  for (std::size_t i = 0; i + n <= symbols.size(); ++i)
    ++table.at(pack_ngram(symbols.data() + i, n, bits), tag).count;
}

// Clipped matches of the order-n n-grams of symbols against the reference counts in the table
// (tagged `tag`), using the counts up.
inline std::int64_t consume_matches(NgramTable& reference, const std::vector<std::uint32_t>& symbols,
                                    std::size_t n, unsigned bits, std::uint32_t tag) {
  std::int64_t matches = 0;
  for (std::size_t i = 0; i + n <= symbols.size(); ++i) {
    NgramTable::Entry* e = reference.find(pack_ngram(symbols.data() + i, n, bits), tag);
    if (e && e->count > 0) {
      --e->count;
      ++matches;
    }
  }
  return matches;
}

}  // namespace nmt::metrics
