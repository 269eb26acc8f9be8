// One recurrent layer: see recurrent.h.
#include "nmt/layers/recurrent.h"

#include <stdexcept>

#include "nmt/tensor/init.h"
#include "tokenizer/special_ids.h"

namespace nmt {

CellType parse_cell(const std::string& name, const std::string& setting) {
  if (name == "rnn") return CellType::rnn;
  if (name == "gru") return CellType::gru;
  if (name == "lstm") return CellType::lstm;
  throw std::invalid_argument(setting + ": unknown cell '" + name + "' (rnn, gru or lstm)");
}

static int64_t gate_count(CellType cell) { return cell == CellType::rnn ? 1 : cell == CellType::gru ? 3 : 4; }

RecurrentLayer::RecurrentLayer(ParameterStore& store, const std::string& name, CellType cell, int64_t input,
                               int64_t hidden, Generator& init)
    : cell_(cell), input_(input), hidden_(hidden) {
  const int64_t g = gate_count(cell) * hidden;
  w_x_ = store.add(name + ".w_x", init::glorot_uniform({input, g}, 1.f, init));
  w_h_ = store.add(name + ".w_h", init::glorot_uniform({hidden, g}, 1.f, init));
  b_ = store.add(name + ".b", init::zeros({g}));
  if (cell == CellType::gru) b_h_ = store.add(name + ".b_h", init::zeros({g}));
}

Var RecurrentLayer::project(const Var& x) const { return matmul(x, w_x_) + b_; }

Var RecurrentLayer::project_rows(const Var& x, int64_t begin, int64_t end, bool bias) const {
  Var y = matmul(x, slice(w_x_, 0, begin, end));  // a view of the rows: no copy
  return bias ? y + b_ : y;
}

RecurrentState RecurrentLayer::step(const Var& xproj, const RecurrentState& s) const {
  switch (cell_) {
    case CellType::rnn: return {tanh(xproj + matmul(s.h, w_h_)), Var()};
    case CellType::gru: return {gru_cell_projected(xproj, s.h, w_h_, b_h_), Var()};
    case CellType::lstm: {
      LstmState next = lstm_cell_projected(xproj, s.h, s.c, w_h_);
      return {next.h, next.c};
    }
  }
  return {};
}

RecurrentState RecurrentLayer::step(const Var& xproj, const RecurrentState& s, const Tensor& mask) const {
  RecurrentState next = step(xproj, s);
  if (!mask.defined()) return next;
  const Var m(mask);  // [B, 1]: h = h_old + m (h_new - h_old)
  next.h = s.h + m * (next.h - s.h);
  if (cell_ == CellType::lstm) next.c = s.c + m * (next.c - s.c);
  return next;
}

Var RecurrentLayer::run(const Var& xproj, RecurrentState& state, const std::vector<Tensor>& masks,
                        bool reverse) const {
  const int64_t steps = xproj.dim(0);
  std::vector<Var> outputs(static_cast<std::size_t>(steps));
  for (int64_t i = 0; i < steps; ++i) {
    const int64_t t = reverse ? steps - 1 - i : i;
    const Var x = reshape(slice(xproj, 0, t, t + 1), {xproj.dim(1), xproj.dim(2)});
    state = step(x, state, masks.empty() ? Tensor() : masks[t]);
    outputs[t] = state.h;
  }
  return stack(outputs, 0);
}

RecurrentState RecurrentLayer::zero_state(int64_t batch) const {
  RecurrentState s{Var(Tensor::zeros({batch, hidden_})), Var()};
  if (cell_ == CellType::lstm) s.c = Var(Tensor::zeros({batch, hidden_}));
  return s;
}

std::vector<Tensor> step_masks(const Tensor& ids) {
  constexpr int32_t pad = text::kPadId;
  const int64_t steps = ids.dim(0), batch = ids.dim(1);
  std::vector<Tensor> masks(static_cast<std::size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) {
    const int32_t* row = ids.i32() + t * batch;
    bool all_real = true;
    for (int64_t b = 0; b < batch; ++b) all_real = all_real && row[b] != pad;
    if (all_real) continue;
    masks[t] = Tensor::empty({batch, 1});
    for (int64_t b = 0; b < batch; ++b) masks[t].f32()[b] = row[b] != pad ? 1.f : 0.f;
  }
  return masks;
}

Tensor transpose_ids(const Tensor& ids) {
  const int64_t rows = ids.dim(0), cols = ids.dim(1);
  Tensor out = Tensor::empty({cols, rows}, DType::i32);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out.i32()[c * rows + r] = ids.i32()[r * cols + c];
  return out;
}

}  // namespace nmt
