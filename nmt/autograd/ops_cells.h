// Fused recurrent cells: LSTM and GRU steps whose gates all come from one buffer of GEMM
// results, with the gate nonlinearities and the state update in one kernel (and one kernel for
// their backward). Batch-major: x [B, I], states [B, H].
//
// LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), gate order
// i, f, g, o as in PyTorch (column blocks of width H of the [.., 4H] weights and bias):
//   a = x W_x + h W_h + b                                   [B, 4H] = [a_i | a_f | a_g | a_o]
//   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
//   c' = f * c + i * g
//   h' = o * tanh(c')
// Backward (dh', dc' given):  dc~ = dc' + dh' * o * (1 - tanh(c')^2)
//   da_i = dc~ * g * i (1 - i)      da_f = dc~ * c * f (1 - f)
//   da_g = dc~ * i * (1 - g^2)      da_o = dh' * tanh(c') * o (1 - o)
//   dc = dc~ * f,  dh = da W_h^T,  dW_h = h^T da,  dx = da W_x^T,  dW_x = x^T da,  db = sum_B da
// (PyTorch has two biases b_ih + b_hh; one b is the same function.)
//
// GRU (Cho et al. 2014) in PyTorch's formulation, gate order r, z, n:
//   gx = x W_x + b_x,  gh = h W_h + b_h                     [B, 3H] each = [. _r | . _z | . _n]
//   r = sigmoid(gx_r + gh_r)   z = sigmoid(gx_z + gh_z)
//   n = tanh(gx_n + r * gh_n)
//   h' = (1 - z) * n + z * h
// Backward (dh' given):  dn = dh' (1 - z),  dz = dh' (h - n)
//   dgx_n = dn (1 - n^2),   dgh_n = dgx_n * r,   dr = dgx_n * gh_n
//   dgx_r = dgh_r = dr * r (1 - r),   dgx_z = dgh_z = dz * z (1 - z)
//   dh = dh' * z + dgh W_h^T,  dW_h = h^T dgh,  db_h = sum_B dgh,  and likewise for x, W_x, b_x.
//
// The *_projected variants take xproj = x W_x + b (LSTM) or x W_x + b_x (GRU) computed outside
// the time loop by one big GEMM over all time steps (e.g. matmul of [T, B, I] by W_x): the
// main speed trick for RNN training, since then only h W_h is left inside the loop.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

struct LstmState {
  Var h;  // [B, H]
  Var c;  // [B, H]
};

// x [B, I], h [B, H], c [B, H], w_x [I, 4H], w_h [H, 4H], b [4H] -> (h', c').
LstmState lstm_cell(const Var& x, const Var& h, const Var& c, const Var& w_x, const Var& w_h, const Var& b);
// xproj [B, 4H] = x W_x + b, h [B, H], c [B, H], w_h [H, 4H] -> (h', c').
LstmState lstm_cell_projected(const Var& xproj, const Var& h, const Var& c, const Var& w_h);

// x [B, I], h [B, H], w_x [I, 3H], w_h [H, 3H], b_x [3H], b_h [3H] -> h'.
Var gru_cell(const Var& x, const Var& h, const Var& w_x, const Var& w_h, const Var& b_x, const Var& b_h);
// xproj [B, 3H] = x W_x + b_x, h [B, H], w_h [H, 3H], b_h [3H] -> h'.
Var gru_cell_projected(const Var& xproj, const Var& h, const Var& w_h, const Var& b_h);

}  // namespace nmt
