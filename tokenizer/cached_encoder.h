// Encoding word by word with a cache, for bulk encoding (reading a training corpus).
//
// Our models are trained with SentencePiece's split_by_whitespace (the default): no piece spans a
// space, every piece boundary falls at each "▁". So the best segmentation of a sentence is the
// best segmentation of each of its words, put together, and a word seen before (most words, by
// Zipf's law) costs one hash lookup instead of a Viterbi search. The result equals
// SubwordModel::encode (the tests check this on every line of Multi30k).
//
// Not thread-safe: one CachedEncoder per thread. Memory is bounded: the cache is emptied when it
// holds max_words words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/subword_model.h"

namespace nmt::text {

class CachedEncoder {
 public:
  explicit CachedEncoder(const SubwordModel& model, std::size_t max_words = 1 << 18);

  // Appends the ids of normalised text to out, exactly as model.encode(normalized, out) would.
  void encode(std::string_view normalized, std::vector<std::int32_t>& out);

  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view word) const { return std::hash<std::string_view>{}(word); }
  };
  // Words longer than this are encoded directly and not remembered.
  static constexpr std::size_t kMaxCachedWordBytes = 48;

  const SubwordModel& model_;
  std::size_t max_words_;
  std::unordered_map<std::string, std::vector<std::int32_t>, Hash, std::equal_to<>> cache_;
  std::size_t hits_ = 0, misses_ = 0;
};

}  // namespace nmt::text
