#include "nmt/tensor/tensor.h"

#include <cstring>
#include <sstream>
#include <stdexcept>

#include "nmt/tensor/memory_pool.h"

namespace nmt {

const char* dtype_name(DType dtype) { return dtype == DType::f32 ? "float32" : "int32"; }

Storage* Storage::create(std::size_t bytes) {
  std::size_t capacity;
  void* block = MemoryPool::global().allocate(bytes + kHeaderBytes, &capacity);
  Storage* s = new (block) Storage();
  s->capacity = capacity;
  return s;
}

static void release_storage(Storage* s) {
  if (s && s->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::size_t capacity = s->capacity;
    s->~Storage();
    MemoryPool::global().release(s, capacity);
  }
}

Tensor::Tensor(const Tensor& o) : storage_(o.storage_), data_(o.data_), shape_(o.shape_), dtype_(o.dtype_) {
  if (storage_) storage_->references.fetch_add(1, std::memory_order_relaxed);
}

Tensor::Tensor(Tensor&& o) noexcept
    : storage_(o.storage_), data_(o.data_), shape_(o.shape_), dtype_(o.dtype_) {
  o.storage_ = nullptr;
  o.data_ = nullptr;
}

Tensor& Tensor::operator=(const Tensor& o) {
  if (this != &o) {
    if (o.storage_) o.storage_->references.fetch_add(1, std::memory_order_relaxed);
    reset();
    storage_ = o.storage_;
    data_ = o.data_;
    shape_ = o.shape_;
    dtype_ = o.dtype_;
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    reset();
    storage_ = o.storage_;
    data_ = o.data_;
    shape_ = o.shape_;
    dtype_ = o.dtype_;
    o.storage_ = nullptr;
    o.data_ = nullptr;
  }
  return *this;
}

void Tensor::reset() {
  release_storage(storage_);
  storage_ = nullptr;
  data_ = nullptr;
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  Tensor t;
  t.storage_ = Storage::create(static_cast<std::size_t>(shape.numel()) * 4);
  t.data_ = t.storage_->data();
  t.shape_ = shape;
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.data_, 0, static_cast<std::size_t>(shape.numel()) * 4);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, std::span<const float> values) {
  if (static_cast<int64_t>(values.size()) != shape.numel())
    throw std::invalid_argument("Tensor::from_vector: " + std::to_string(values.size()) +
                                " values for shape " + shape.str());
  Tensor t = empty(shape);
  if (!values.empty()) std::memcpy(t.data_, values.data(), values.size() * 4);
  return t;
}

Tensor Tensor::from_ids(const Shape& shape, std::span<const int32_t> ids) {
  if (static_cast<int64_t>(ids.size()) != shape.numel())
    throw std::invalid_argument("Tensor::from_ids: " + std::to_string(ids.size()) +
                                " ids for shape " + shape.str());
  Tensor t = empty(shape, DType::i32);
  if (!ids.empty()) std::memcpy(t.data_, ids.data(), ids.size() * 4);
  return t;
}

void Tensor::check_dtype(DType expected) const {
  if (dtype_ != expected)
    throw std::logic_error(std::string("tensor holds ") + dtype_name(dtype_) + ", not " +
                           dtype_name(expected));
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (shape.numel() != numel())
    throw std::invalid_argument("reshape: cannot view " + shape_.str() + " as " + shape.str());
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::rows(int64_t begin, int64_t end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > shape_[0])
    throw std::out_of_range("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                            ") out of range for shape " + shape_.str());
  Tensor t = *this;
  int64_t row = shape_.inner(0);
  t.data_ = static_cast<char*>(data_) + begin * row * 4;
  t.shape_[0] = end - begin;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  std::memcpy(t.data_, data_, static_cast<std::size_t>(numel()) * 4);
  return t;
}

void Tensor::fill(float value) {
  if (dtype_ == DType::i32) {
    int32_t* p = i32();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = static_cast<int32_t>(value);
  } else {
    float* p = f32();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = value;
  }
}

void Tensor::copy_from(const Tensor& source) {
  if (source.shape_ != shape_ || source.dtype_ != dtype_)
    throw std::invalid_argument("copy_from: " + source.shape_.str() + " into " + shape_.str());
  std::memmove(data_, source.data_, static_cast<std::size_t>(numel()) * 4);
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> v(static_cast<std::size_t>(numel()));
  if (dtype_ == DType::i32)
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i32()[i]);
  else
    std::memcpy(v.data(), data_, v.size() * 4);
  return v;
}

float Tensor::item() const {
  if (numel() != 1) throw std::invalid_argument("item: tensor of shape " + shape_.str());
  return dtype_ == DType::i32 ? static_cast<float>(i32()[0]) : f32()[0];
}

std::string Tensor::str() const {
  std::ostringstream out;
  out << "Tensor" << shape_.str();
  if (defined() && numel() <= 64) {
    out << " {";
    auto v = to_vector();
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
    out << "}";
  }
  return out.str();
}

}  // namespace nmt
