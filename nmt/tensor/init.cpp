// Initialisers (see init.h for the formulas). Sequential on purpose: the values depend only on
// the generator's state, never on the thread count.
#include "nmt/tensor/init.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nmt::init {
namespace {

float* floats(Tensor& t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string("init::") + op + ": undefined tensor");
  if (t.dtype() != DType::f32) throw std::invalid_argument(std::string("init::") + op + ": needs a float32 tensor");
  return t.f32();
}

}  // namespace

std::pair<int64_t, int64_t> fans(const Shape& shape) {
  if (shape.rank() == 0) return {1, 1};
  if (shape.rank() == 1) return {shape[0], shape[0]};
  return {shape[-2], shape[-1]};
}

void uniform_(Tensor& t, float low, float high, Generator& gen) {
  if (!(low <= high))
    throw std::invalid_argument("init::uniform_: low " + std::to_string(low) + " > high " + std::to_string(high));
  float* p = floats(t, "uniform_");
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = gen.uniform(low, high);
}

void uniform_(Tensor& t, float a, Generator& gen) {
  if (!(a >= 0)) throw std::invalid_argument("init::uniform_: bound must be >= 0, got " + std::to_string(a));
  uniform_(t, -a, a, gen);
}

void normal_(Tensor& t, float mean, float stddev, Generator& gen) {
  if (!(stddev >= 0)) throw std::invalid_argument("init::normal_: stddev must be >= 0, got " + std::to_string(stddev));
  float* p = floats(t, "normal_");
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = gen.normal(mean, stddev);
}

void glorot_uniform_(Tensor& t, float gain, Generator& gen) {
  auto [fan_in, fan_out] = fans(t.shape());
  const int64_t fan_sum = fan_in + fan_out;
  uniform_(t, fan_sum > 0 ? gain * std::sqrt(6.0f / static_cast<float>(fan_sum)) : 0.f, gen);
}

void glorot_normal_(Tensor& t, float gain, Generator& gen) {
  auto [fan_in, fan_out] = fans(t.shape());
  const int64_t fan_sum = fan_in + fan_out;
  normal_(t, 0.f, fan_sum > 0 ? gain * std::sqrt(2.0f / static_cast<float>(fan_sum)) : 0.f, gen);
}

void zeros_(Tensor& t) {
  floats(t, "zeros_");
  t.fill(0.f);
}

void ones_(Tensor& t) {
  floats(t, "ones_");
  t.fill(1.f);
}

Tensor uniform(const Shape& shape, float a, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  uniform_(t, a, gen);
  return t;
}
Tensor normal(const Shape& shape, float mean, float stddev, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  normal_(t, mean, stddev, gen);
  return t;
}
Tensor glorot_uniform(const Shape& shape, float gain, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  glorot_uniform_(t, gain, gen);
  return t;
}
Tensor glorot_normal(const Shape& shape, float gain, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  glorot_normal_(t, gain, gen);
  return t;
}
Tensor zeros(const Shape& shape) { return Tensor::zeros(shape); }
Tensor ones(const Shape& shape) { return Tensor::full(shape, 1.f); }

}  // namespace nmt::init
