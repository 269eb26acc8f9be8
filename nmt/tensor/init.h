// Initialisers: fill a tensor with values drawn from one seeded Generator.
//
// Every function draws from `gen` (default: the process-wide global_generator()), element by
// element in row-major order, so the same seed gives bit-identical tensors on every machine and
// thread count. The in-place forms end in an underscore; the others create a tensor.
//
// Fans: weights follow the engine's y = x W convention, so a 2-D weight is [fan_in, fan_out];
// for rank > 2 the last two axes are [fan_in, fan_out] and the leading axes count a stack of
// independent matrices; for rank 1 (a bias) fan_in = fan_out = its length.
//
// Glorot & Bengio 2010 ("Understanding the difficulty of training deep feedforward neural
// networks"): keeping the variance of activations and gradients constant across a layer gives
//   Var(w) = 2 / (fan_in + fan_out):
//   glorot (xavier) uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))
//   glorot (xavier) normal:  N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))
#pragma once

#include <cstdint>
#include <utility>

#include "nmt/tensor/random.h"
#include "nmt/tensor/tensor.h"

namespace nmt::init {

// {fan_in, fan_out} of a weight of this shape (see above).
std::pair<int64_t, int64_t> fans(const Shape& shape);

// In place.
void uniform_(Tensor& t, float a, Generator& gen = global_generator());                 // U(-a, a)
void uniform_(Tensor& t, float low, float high, Generator& gen);                           // U(low, high)
void normal_(Tensor& t, float mean, float stddev, Generator& gen = global_generator());  // N(mean, std^2)
void glorot_uniform_(Tensor& t, float gain = 1.f, Generator& gen = global_generator());
void glorot_normal_(Tensor& t, float gain = 1.f, Generator& gen = global_generator());
void zeros_(Tensor& t);
void ones_(Tensor& t);

// New tensors.
Tensor uniform(const Shape& shape, float a, Generator& gen = global_generator());
Tensor normal(const Shape& shape, float mean, float stddev, Generator& gen = global_generator());
Tensor glorot_uniform(const Shape& shape, float gain = 1.f, Generator& gen = global_generator());
Tensor glorot_normal(const Shape& shape, float gain = 1.f, Generator& gen = global_generator());
Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);

// The same under their other common name (Glorot's first author is Xavier Glorot).
inline void xavier_uniform_(Tensor& t, float gain = 1.f, Generator& gen = global_generator()) {
  glorot_uniform_(t, gain, gen);
}
inline void xavier_normal_(Tensor& t, float gain = 1.f, Generator& gen = global_generator()) {
  glorot_normal_(t, gain, gen);
}
inline Tensor xavier_uniform(const Shape& shape, float gain = 1.f, Generator& gen = global_generator()) {
  return glorot_uniform(shape, gain, gen);
}
inline Tensor xavier_normal(const Shape& shape, float gain = 1.f, Generator& gen = global_generator()) {
  return glorot_normal(shape, gain, gen);
}

}  // namespace nmt::init
