// Token interning: each distinct token string gets a small integer id (1, 2, 3, ...), so that the
// metrics compare and hash integers instead of strings. One open-addressing hash table; token
// bytes are kept in one arena. Ids are stable for the lifetime of the vocabulary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::metrics {

class Vocabulary {
 public:
  Vocabulary();

  // The id of token, adding it when new. Ids start at 1 (0 is never an id).
  std::uint32_t id(std::string_view token);

  // The token of an id.
  std::string_view token(std::uint32_t id) const;

  std::size_t size() const { return offsets_.size() - 1; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = 0;  // 0: empty
  };
  void grow();

  std::vector<Slot> slots_;             // size is a power of two, at most half full
  std::string arena_;                   // all token bytes, back to back
  std::vector<std::uint32_t> offsets_;  // token id i is arena_[offsets_[i-1], offsets_[i])
};

}  // namespace nmt::metrics
