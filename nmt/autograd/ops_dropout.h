// Inverted dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks
// from Overfitting"; "inverted": the kept values are scaled at training time, so inference is
// the identity).
#pragma once

#include "nmt/autograd/var.h"
#include "nmt/tensor/random.h"

namespace nmt {

// Training (and p > 0): y = x * m with m_i = 1/(1-p) with probability 1-p, else 0, drawn from
// `gen` (so the same seed gives the same mask); dx = dy * m (the mask is saved for backward,
// one bit per element).
// p == 1 drops everything (y = 0, dx = 0).
// Not training, or p == 0: the identity (x itself is returned; nothing is recorded).
// p outside [0, 1] throws std::invalid_argument.
// The mask takes 32 random bits per element (two elements per 64-bit draw, in order): element
// i is kept when its bits, as an unsigned integer u, satisfy u >= p * 2^32.
Var dropout(const Var& x, float p, Generator& gen, bool training);

}  // namespace nmt
