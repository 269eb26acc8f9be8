// Compact storage for many id sequences: one flat int32 array plus offsets, instead of a vector per
// sentence. A corpus of 5 million pairs of ~30 pieces costs 4 bytes a piece plus 8 bytes a
// sentence (about 1.3 GB for both sides), with no per-sentence allocation.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nmt::corpora {

class TokenSequences {
 public:
  std::size_t size() const { return offsets_.size() - 1; }
  bool empty() const { return size() == 0; }

  std::span<const std::int32_t> operator[](std::size_t i) const {
    return {ids_.data() + offsets_[i], ids_.data() + offsets_[i + 1]};
  }
  std::size_t length(std::size_t i) const { return offsets_[i + 1] - offsets_[i]; }
  std::size_t total_tokens() const { return ids_.size(); }

  void push_back(std::span<const std::int32_t> ids) {
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    offsets_.push_back(ids_.size());
  }
  void reserve(std::size_t sequences, std::size_t tokens) {
    offsets_.reserve(sequences + 1);
    ids_.reserve(tokens);
  }
  void shrink_to_fit() {
    offsets_.shrink_to_fit();
    ids_.shrink_to_fit();
  }
  std::size_t memory_bytes() const {
    return ids_.capacity() * sizeof(std::int32_t) + offsets_.capacity() * sizeof(std::uint64_t);
  }

 private:
  std::vector<std::int32_t> ids_;
  std::vector<std::uint64_t> offsets_{0};  // sequence i is ids_[offsets_[i], offsets_[i+1])
};

}  // namespace nmt::corpora
