// One recurrent layer (one direction): the Elman tanh RNN, the GRU (Cho et al. 2014) or the LSTM
// (Hochreiter & Schmidhuber 1997), batch-major states [B, H], time-major sequences [T, B, .].
//
//   rnn:   h_t = tanh(x_t W_x + b + h_{t-1} W_h)
//   gru:   h_t = GRU(x_t W_x + b_x, h_{t-1}; W_h, b_h)        (nmt/autograd/ops_cells.h)
//   lstm:  (h_t, c_t) = LSTM(x_t W_x + b, h_{t-1}, c_{t-1}; W_h)
//
// The input projection x_t W_x + b of every time step is one GEMM outside the time loop
// (project()); only h_{t-1} W_h is left inside. A decoder whose input has a part known only
// inside the loop (a context vector) projects that part with project_rows() of the rows of W_x
// that belong to it. Padding: a per-row mask m_t ([B, 1], 1 = real token) keeps the previous
// state where m_t = 0, so a sentence's result does not depend on how it was padded, and a
// backward recurrence starts at each sentence's own last token.
#pragma once

#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/tensor/random.h"

namespace nmt {

enum class CellType { rnn, gru, lstm };

// "rnn" | "gru" | "lstm"; anything else throws std::invalid_argument naming `setting`.
CellType parse_cell(const std::string& name, const std::string& setting = "cell");

struct RecurrentState {
  Var h;  // [B, H]
  Var c;  // [B, H], LSTM only
};

class RecurrentLayer {
 public:
  RecurrentLayer() = default;
  // Parameters <name>.w_x [input, G], <name>.w_h [hidden, G], <name>.b [G] (+ <name>.b_h [G] for
  // the GRU), G = hidden (rnn), 3 hidden (gru), 4 hidden (lstm). Glorot-uniform weights and
  // zero biases (Glorot & Bengio 2010 for the weights).
  RecurrentLayer(ParameterStore& store, const std::string& name, CellType cell, int64_t input, int64_t hidden,
                 Generator& init);

  // x [..., input] -> x W_x + b [..., G] (one GEMM for all time steps).
  Var project(const Var& x) const;
  // x [..., end - begin] -> x W_x[begin:end] (+ b with `bias`): the part of the input that
  // rows [begin, end) of W_x take.
  Var project_rows(const Var& x, int64_t begin, int64_t end, bool bias = false) const;

  // One step from a projected input xproj [B, G].
  RecurrentState step(const Var& xproj, const RecurrentState& state) const;
  // The same, keeping `state` in the rows where mask [B, 1] is 0 (mask undefined: all rows real).
  RecurrentState step(const Var& xproj, const RecurrentState& state, const Tensor& mask) const;

  // Runs over xproj [T, B, G] (time-major) from `state`, which ends as the final state; returns
  // the outputs h_t [T, B, H]. masks: one [B, 1] per step (undefined = all real) or empty.
  // `reverse` runs from t = T-1 down to 0 (outputs stay in time order).
  Var run(const Var& xproj, RecurrentState& state, const std::vector<Tensor>& masks, bool reverse) const;

  RecurrentState zero_state(int64_t batch) const;
  CellType cell() const { return cell_; }
  int64_t hidden() const { return hidden_; }
  int64_t input() const { return input_; }

 private:
  CellType cell_ = CellType::lstm;
  int64_t input_ = 0, hidden_ = 0;
  Parameter w_x_, w_h_, b_, b_h_;
};

// Per-step row masks of time-major ids [T, B]: masks[t] is [B, 1] with 1 where ids[t, b] is not
// padding (text::kPadId), left undefined when every row is real at step t (no masking work).
std::vector<Tensor> step_masks(const Tensor& time_major_ids);

// [B, T] ids -> [T, B] (a copy).
Tensor transpose_ids(const Tensor& ids);

}  // namespace nmt
