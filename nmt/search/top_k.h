// Bounded top-k selection: keeps the k best of a stream of scored candidates in a min-heap of
// fixed capacity (its root is the worst kept), so scanning n candidates costs O(n) compares plus
// O(log k) per candidate that enters; no memory is allocated after construction. Ties go to the
// smaller index, so the result does not depend on anything but the scores.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace nmt {

struct Candidate {
  float score;
  int64_t index;  // e.g. hypothesis * V + token

  // "a ranks before b".
  static bool better(const Candidate& a, const Candidate& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  }
};

class TopK {
 public:
  explicit TopK(int capacity) : capacity_(capacity) { heap_.reserve(capacity); }

  void clear() { heap_.clear(); }
  int size() const { return static_cast<int>(heap_.size()); }
  // A candidate must score at least this to have a chance of entering.
  float threshold() const {
    return static_cast<int>(heap_.size()) < capacity_ ? -std::numeric_limits<float>::infinity()
                                                      : heap_.front().score;
  }
  void push(float score, int64_t index) {
    const Candidate c{score, index};
    if (static_cast<int>(heap_.size()) < capacity_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), Candidate::better);
    } else if (Candidate::better(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Candidate::better);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), Candidate::better);
    }
  }
  // Sorts the kept candidates best first and returns them (valid until the next push/clear).
  const std::vector<Candidate>& sorted() {
    std::sort_heap(heap_.begin(), heap_.end(), Candidate::better);
    return heap_;
  }

 private:
  int capacity_;
  std::vector<Candidate> heap_;
};

}  // namespace nmt
