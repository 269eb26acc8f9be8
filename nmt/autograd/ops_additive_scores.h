// Additive (Bahdanau / concat) attention scores as one fused op.
//
//   e[b, t, s] = sum_a v[a] tanh(q[b, t, a] + k[b, s, a])
//
// q holds the projected queries (W_a s_{i-1} + b, or W_a1 h_t), k the projected keys (U_a h_j,
// or W_a2 h_s), both [B, T, A] and [B, S, A]; v is v_a, A numbers (shape [A] or [A, 1]).
// Written as separate ops this is a broadcast add, tanh, and a product with v, through a
// [B, T, S, A] tensor that the backward has to keep: with a 512-wide attention layer that is
// ~130 MB a batch for Bahdanau's decoder. Here no [B, T, S, A] tensor exists: the forward
// computes each tanh once and sums it into e; the backward computes it again, then
//   dpre = de[b, t, s] v (1 - tanh^2),  dq[b, t] += dpre,  dk[b, s] += dpre,  dv += de tanh.
// Rows of the batch are split over the threads (each owns its dq[b] and dk[b]); dv is summed
// per fixed block of rows and the blocks in order, so results do not depend on the thread count.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

// q [B, T, A], k [B, S, A], v [A] or [A, 1] -> e [B, T, S].
Var additive_scores(const Var& q, const Var& k, const Var& v);

}  // namespace nmt
