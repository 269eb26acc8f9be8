#include "nmt/tensor/random.h"

#include <cmath>

namespace nmt {

static uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Generator::seed_with(uint64_t seed) {
  for (auto& s : state_) s = splitmix64(seed);
}

uint64_t Generator::next() {
  uint64_t result = rotl(state_[1] * 5, 7) * 9;
  uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

float Generator::uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }

float Generator::normal(float mean, float stddev) {
  // Box-Muller; u1 in (0, 1] so that log(u1) is finite.
  float u1 = 1.0f - uniform();
  float u2 = uniform();
  float r = std::sqrt(-2.0f * std::log(u1));
  return mean + stddev * r * std::cos(6.28318530717958647692f * u2);
}

Generator& global_generator() {
  static Generator generator(1);
  return generator;
}

void manual_seed(uint64_t seed) { global_generator().seed_with(seed); }

}  // namespace nmt
