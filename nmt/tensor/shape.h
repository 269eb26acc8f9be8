// Shape: the extent of each axis of a tensor, row-major, at most kMaxRank axes.
// A fixed-capacity value type (no heap memory), so that creating tensors during a training
// step allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace nmt {

class Shape {
 public:
  static constexpr int kMaxRank = 6;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) {
    if (dims.size() > kMaxRank) throw std::invalid_argument("Shape: more than 6 axes");
    for (int64_t d : dims) push_back(d);
  }

  int rank() const { return rank_; }
  int64_t operator[](int axis) const { return dims_[normalize(axis)]; }
  int64_t& operator[](int axis) { return dims_[normalize(axis)]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }
  void push_back(int64_t d) {
    if (rank_ == kMaxRank) throw std::invalid_argument("Shape: more than 6 axes");
    if (d < 0) throw std::invalid_argument("Shape: negative extent");
    dims_[rank_++] = d;
  }
  // Product of the extents before `axis` / from `axis + 1` on (row-major outer / inner size).
  int64_t outer(int axis) const {
    int64_t n = 1;
    for (int i = 0; i < normalize(axis); ++i) n *= dims_[i];
    return n;
  }
  int64_t inner(int axis) const {
    int64_t n = 1;
    for (int i = normalize(axis) + 1; i < rank_; ++i) n *= dims_[i];
    return n;
  }
  // Accepts negative axes counted from the end, as numpy does.
  int normalize(int axis) const {
    int a = axis < 0 ? axis + rank_ : axis;
    if (a < 0 || a >= rank_)
      throw std::out_of_range("axis " + std::to_string(axis) + " out of range for shape " + str());
    return a;
  }
  bool operator==(const Shape& o) const {
    if (rank_ != o.rank_) return false;
    for (int i = 0; i < rank_; ++i)
      if (dims_[i] != o.dims_[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string(dims_[i]);
    return s + "]";
  }

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace nmt
