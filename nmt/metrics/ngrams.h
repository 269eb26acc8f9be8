// N-gram counting on integer symbols (token ids or code points), the counting behind
// sacreBLEU's collections.Counter of n-grams (metrics/helpers.py).
//
// An n-gram is packed into a 128-bit key: up to 4 symbols of 32 bits (token ids) or up to 6
// symbols of 21 bits (Unicode code points). The n-grams of a segment are collected as keys,
// sorted, and run-length encoded into a sorted list of (key, count); matching two such lists is
// a merge. Segments are short, so sorting a few dozen keys beats any hash table here.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace nmt::metrics {

struct NgramKey {
  std::uint64_t hi = 0, lo = 0;
  auto operator<=>(const NgramKey&) const = default;
};

// Packs symbols[0..n) into a key, with `bits` bits per symbol (32 for ids with n <= 4, 21 for
// code points with n <= 6). The first half of the symbols goes to hi, the rest to lo.
inline NgramKey pack_ngram(const std::uint32_t* symbols, std::size_t n, unsigned bits) {
  const std::size_t per_word = 64 / bits;
  NgramKey key;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t& word = i < per_word ? key.hi : key.lo;
    word = (word << bits) | symbols[i];
  }
  return key;
}

struct NgramCount {
  NgramKey key;
  std::int64_t count;
};
using NgramCounts = std::vector<NgramCount>;  // sorted by key, keys unique

// Sorts keys and run-length encodes them into counts (overwritten).
inline void count_ngrams(std::vector<NgramKey>& keys, NgramCounts& counts) {
  std::sort(keys.begin(), keys.end());
  counts.clear();
  for (const NgramKey& k : keys) {
    if (!counts.empty() && counts.back().key == k)
      ++counts.back().count;
    else
      counts.push_back({k, 1});
  }
}

// The n-grams of order n of symbols, as keys appended to keys.
inline void append_ngram_keys(const std::vector<std::uint32_t>& symbols, std::size_t n,
                              unsigned bits, std::vector<NgramKey>& keys) {
  if (symbols.size() < n) return;
  for (std::size_t i = 0; i + n <= symbols.size(); ++i)
    keys.push_back(pack_ngram(symbols.data() + i, n, bits));
}

// acc := for every key, the maximum of its count in acc and in other (Counter |).
inline void merge_max(NgramCounts& acc, const NgramCounts& other) {
  NgramCounts merged;
  merged.reserve(acc.size() + other.size());
  std::size_t i = 0, j = 0;
  while (i < acc.size() || j < other.size()) {
    if (j == other.size() || (i < acc.size() && acc[i].key < other[j].key)) {
      merged.push_back(acc[i++]);
    } else if (i == acc.size() || other[j].key < acc[i].key) {
      merged.push_back(other[j++]);
    } else {
      merged.push_back({acc[i].key, std::max(acc[i].count, other[j].count)});
      ++i, ++j;
    }
  }
  acc.swap(merged);
}

// Calls f(hyp_count, ref_count_or_0) for every hypothesis n-gram (a merge of two sorted lists).
template <class F>
void for_each_hyp_ngram(const NgramCounts& hyp, const NgramCounts& ref, F&& f) {
  std::size_t j = 0;
  for (const NgramCount& h : hyp) {
    while (j < ref.size() && ref[j].key < h.key) ++j;
    f(h, (j < ref.size() && ref[j].key == h.key) ? ref[j].count : 0);
  }
}

// Sum over n-grams of min(hyp count, ref count): the clipped matches (Counter &).
inline std::int64_t count_matches(const NgramCounts& hyp, const NgramCounts& ref) {
  std::int64_t matches = 0;
  for_each_hyp_ngram(hyp, ref, [&](const NgramCount& h, std::int64_t r) {
    matches += std::min(h.count, r);
  });
  return matches;
}

inline std::int64_t total_count(const NgramCounts& counts) {
  std::int64_t total = 0;
  for (const NgramCount& c : counts) total += c.count;
  return total;
}

}  // namespace nmt::metrics
