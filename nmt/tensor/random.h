// Generator: the one seeded source of randomness (initialisers, dropout, shuffling).
// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64. Its whole state is four
// integers, so a checkpoint can save and restore it exactly.
#pragma once

#include <array>
#include <cstdint>

namespace nmt {

class Generator {
 public:
  explicit Generator(uint64_t seed = 1) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next();
  float uniform();  // in [0, 1), 24 random bits
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  float normal(float mean = 0.f, float stddev = 1.f);  // Box-Muller

  using State = std::array<uint64_t, 4>;
  State state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

 private:
  State state_{};
};

// The process-wide generator used when none is passed explicitly.
Generator& global_generator();
void manual_seed(uint64_t seed);

}  // namespace nmt
