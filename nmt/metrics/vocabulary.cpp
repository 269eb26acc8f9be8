// Token interning for the metrics (see vocabulary.h).
#include "nmt/metrics/vocabulary.h"

#include <functional>

namespace nmt::metrics {

Vocabulary::Vocabulary() : slots_(1024), offsets_{0} {}

std::string_view Vocabulary::token(std::uint32_t id) const {
  return std::string_view(arena_).substr(offsets_[id - 1], offsets_[id] - offsets_[id - 1]);
}

std::uint32_t Vocabulary::id(std::string_view token) {
  const std::uint64_t hash = std::hash<std::string_view>{}(token);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.id == 0) {
      arena_.append(token);
      offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
      slot = {hash, static_cast<std::uint32_t>(size())};
      const std::uint32_t new_id = slot.id;
      if (2 * size() > slots_.size()) grow();
      return new_id;
    }
    if (slot.hash == hash && this->token(slot.id) == token) return slot.id;
  }
}

void Vocabulary::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.id == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].id != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace nmt::metrics
