// Sinusoidal positional encodings (Vaswani et al. 2017, section 3.5):
//   PE(pos, 2i) = sin(pos / 10000^(2i / d)),  PE(pos, 2i + 1) = cos(pos / 10000^(2i / d)).
#pragma once

#include <cmath>

#include "nmt/tensor/tensor.h"

namespace nmt {

// The table [max_positions, d]; row p is added to the embedding of position p.
inline Tensor sinusoidal_positions(int64_t max_positions, int64_t d) {
  Tensor table = Tensor::empty({max_positions, d});
  float* pe = table.f32();
  for (int64_t pos = 0; pos < max_positions; ++pos)
    for (int64_t i = 0; i < d; i += 2) {
      const double angle = pos * std::exp(-std::log(10000.0) * double(i) / double(d));
      pe[pos * d + i] = static_cast<float>(std::sin(angle));
      if (i + 1 < d) pe[pos * d + i + 1] = static_cast<float>(std::cos(angle));
    }
  return table;
}

}  // namespace nmt
