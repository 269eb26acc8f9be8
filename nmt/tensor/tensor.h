// Tensor: a contiguous, row-major block of float32 values (or int32 token ids) with a shape.
//
// Copies are cheap and share memory (like a shared_ptr); clone() makes a deep copy. Memory
// comes from the MemoryPool and goes back to it when the last tensor using it is gone.
// Views that need no copy share storage: reshape() and rows() (a range along the first axis).
// Everything else (transposes, slices along inner axes) copies, which keeps every kernel simple:
// it always sees contiguous memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nmt/tensor/shape.h"

namespace nmt {

enum class DType : uint8_t { f32, i32 };

const char* dtype_name(DType dtype);

// The memory block behind one or more tensors; reference-counted, freed into the pool.
struct Storage {
  std::atomic<int> references{1};
  std::size_t capacity = 0;  // bytes of the block, including this header
  // The values follow the header at the next 64-byte boundary.
  static Storage* create(std::size_t bytes);
  void* data() { return reinterpret_cast<char*>(this) + kHeaderBytes; }
  static constexpr std::size_t kHeaderBytes = 64;
};

class Tensor {
 public:
  Tensor() = default;
  ~Tensor() { reset(); }
  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other);
  Tensor& operator=(Tensor&& other) noexcept;

  // Uninitialised values.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const Shape& shape, std::span<const float> values);
  static Tensor from_ids(const Shape& shape, std::span<const int32_t> ids);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int axis) const { return shape_[axis]; }
  int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return dtype_; }

  float* f32() { check_dtype(DType::f32); return static_cast<float*>(data_); }
  const float* f32() const { check_dtype(DType::f32); return static_cast<const float*>(data_); }
  int32_t* i32() { check_dtype(DType::i32); return static_cast<int32_t*>(data_); }
  const int32_t* i32() const { check_dtype(DType::i32); return static_cast<const int32_t*>(data_); }

  // Same values, another shape with as many elements. Shares memory.
  Tensor reshape(const Shape& shape) const;
  // Rows [begin, end) along the first axis. Shares memory.
  Tensor rows(int64_t begin, int64_t end) const;
  Tensor clone() const;
  void fill(float value);
  void copy_from(const Tensor& source);  // same shape and dtype required

  std::vector<float> to_vector() const;
  float item() const;  // the value of a one-element tensor
  std::string str() const;  // shape and (for small tensors) values, for messages and tests

  // Lets go of the values (the storage goes back to the pool when no other tensor shares it)
  // but keeps shape and dtype: defined() is then false and the data pointers are null.
  void free_values() { reset(); }

  // True when the two tensors share the same storage block.
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

 private:
  void reset();
  void check_dtype(DType expected) const;

  Storage* storage_ = nullptr;
  void* data_ = nullptr;
  Shape shape_;
  DType dtype_ = DType::f32;
};

}  // namespace nmt
