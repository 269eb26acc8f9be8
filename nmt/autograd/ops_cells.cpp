// Fused LSTM and GRU cells (equations in ops_cells.h).
//
// Forward of one step: the gate pre-activations come from GEMMs into one buffer (x W_x then
// += h W_h for the full cells; h W_h alone for the projected ones, whose x part is added by the
// kernel); then ONE kernel per row applies the gate nonlinearities and the state update, and
// keeps the gate activations for the backward. Backward: ONE kernel per row turns dh' (and dc')
// into the gradient of the pre-activations (and dc, and the direct part of dh), then GEMMs give
// the gradients of h, x and the weights; bias gradients are column sums in row order.
//
// The LSTM returns two Vars: the cell's node holds both states as one [2, B, H] tensor
// (h' = [0], c' = [1]) and h', c' are zero-copy views of it (rows of the first axis) whose
// backward routes their gradient into that tensor's gradient. So one node, one backward kernel.
#include "nmt/autograd/ops_cells.h"

#include <omp.h>

#include <stdexcept>
#include <string>

#include "nmt/tensor/blas.h"
#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt {
namespace {

// A weight stays the same for the whole update: the bf16 GEMMs keep its converted copy.
blas::Operand operand_kind(const Node* input) {
  return input->views_parameter ? blas::Operand::parameter : blas::Operand::transient;
}


// How a kernel writes a gradient it produces: not at all (no gradient needed), = or +=.
enum Store { kSkip = 0, kAssign = 1, kAdd = 2 };
Store store_mode(const Tensor* grad, bool accumulate) { return grad ? (accumulate ? kAdd : kAssign) : kSkip; }

template <int kMode>
inline void store(float* out, int64_t j, float v) {
  if constexpr (kMode == kAssign) out[j] = v;
  if constexpr (kMode == kAdd) out[j] += v;
}

// out (=|+=) the column sums of a [rows, cols], adding rows in order (deterministic).
NMT_KERNEL void column_sums(const float* a, int64_t rows, int64_t cols, float* out, bool accumulate) {
  if (!accumulate)
    for (int64_t j = 0; j < cols; ++j) out[j] = 0.0f;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) out[j] += a[r * cols + j];
}

// out (=|+=) a
NMT_KERNEL void copy_or_add(const float* a, int64_t n, float* out, bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) out[i] += a[i];
  else
    for (int64_t i = 0; i < n; ++i) out[i] = a[i];
}

// True when input 0 is no other input of the node too: its gradient buffer may then serve as
// the backward's scratch buffer for the pre-activation gradient.
bool input0_unshared(const Node& node) {
  for (int i = 1; i < node.input_count; ++i)
    if (node.input(i) == node.input(0)) return false;
  return true;
}

void check_defined(const char* op, std::initializer_list<const Var*> vars) {
  for (const Var* v : vars)
    if (!v->defined()) throw std::invalid_argument(std::string(op) + ": an input is undefined");
}

// Requires v to have exactly the shape `want`.
void expect_shape(const char* op, const char* name, const Var& v, const Shape& want) {
  if (v.shape() != want) shape_error(op, std::string(name) + " has the wrong shape: got, expected", v.shape(), want);
}

// ---- LSTM ----------------------------------------------------------------------------------

// One row: gates [4H] holds the GEMM part of the pre-activations; addend (xproj row) and bias
// are added when not null. Writes the activations (i, f, g, o) over gates, and c', h'.
NMT_KERNEL void lstm_forward_row(float* gates, const float* addend, const float* bias, const float* c, float* h_out,
                                 float* c_out, int64_t hidden) {
  const int64_t width = 4 * hidden;
  if (addend)
    for (int64_t k = 0; k < width; ++k) gates[k] += addend[k];
  if (bias)
    for (int64_t k = 0; k < width; ++k) gates[k] += bias[k];
  float* ai = gates;
  float* af = gates + hidden;
  float* ag = gates + 2 * hidden;
  float* ao = gates + 3 * hidden;
#pragma omp simd  // the gate blocks and outputs do not overlap
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = fast_math::sigmoid(ai[j]);
    const float f = fast_math::sigmoid(af[j]);
    const float g = fast_math::tanh(ag[j]);
    const float o = fast_math::sigmoid(ao[j]);
    const float c2 = f * c[j] + i * g;
    ai[j] = i;
    af[j] = f;
    ag[j] = g;
    ao[j] = o;
    c_out[j] = c2;
    h_out[j] = o * fast_math::tanh(c2);
  }
}

// One row: from dh', dc' and the saved activations, da [4H] (written) and dc (by kMode).
template <int kMode>
NMT_KERNEL void lstm_backward_row(const float* acts, const float* c_prev, const float* c_new, const float* dh,
                                  const float* dc, float* da, float* dc_prev, int64_t hidden) {
  const float* ai = acts;
  const float* af = acts + hidden;
  const float* ag = acts + 2 * hidden;
  const float* ao = acts + 3 * hidden;
#pragma omp simd  // the gate blocks and outputs do not overlap
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = ai[j], f = af[j], g = ag[j], o = ao[j];
    const float tc = fast_math::tanh(c_new[j]);
    const float dct = dc[j] + dh[j] * o * (1.0f - tc * tc);
    da[j] = dct * g * i * (1.0f - i);
    da[hidden + j] = dct * c_prev[j] * f * (1.0f - f);
    da[2 * hidden + j] = dct * i * (1.0f - g * g);
    da[3 * hidden + j] = dh[j] * tc * o * (1.0f - o);
    store<kMode>(dc_prev, j, dct * f);
  }
}

// What a cell's backward reads besides its inputs and output: the gate activations, [B, 4H]
// for both cells (LSTM: i, f, g, o; GRU: r, z, n and h W_hn + b_hn), whether the cell is the
// projected one, and H.
struct CellRecord {
  Tensor acts;
  bool projected;
  int64_t hidden;
};

// Inputs: full {x, h, c, w_x, w_h, b}, projected {xproj, h, c, w_h}.
void lstm_backward(Node& node) {
  const CellRecord& record = node.record<CellRecord>();
  const bool projected = record.projected;
  const int64_t hidden = record.hidden;
  const Tensor& acts = record.acts;
  const int64_t batch = acts.dim(0), width = 4 * hidden;
  const int w_h_index = projected ? 3 : 4;
  const float* h_prev = node.input(1)->value.f32();
  const float* c_prev = node.input(2)->value.f32();
  const float* c_new = node.value.f32() + batch * hidden;
  const float* dh = node.grad.f32();
  const float* dc = dh + batch * hidden;

  // The pre-activation gradient; for the projected cell it is xproj's gradient itself.
  bool acc0 = false;
  Tensor* g0 = projected ? node.input_grad(0, &acc0) : nullptr;
  Tensor da = (g0 && !acc0 && input0_unshared(node)) ? *g0 : Tensor::empty({batch, width});
  bool acc_c = false;
  Tensor* gc = node.input_grad(2, &acc_c);
  const Store mode = store_mode(gc, acc_c);
  float* dap = da.f32();
  float* dcp = gc ? gc->f32() : nullptr;
  const float* ap = acts.f32();
  parallel_for(batch, batch * width, [&](int64_t r) {
    const int64_t o = r * hidden, o4 = r * width;
    if (mode == kAssign)
      lstm_backward_row<kAssign>(ap + o4, c_prev + o, c_new + o, dh + o, dc + o, dap + o4, dcp + o, hidden);
    else if (mode == kAdd)
      lstm_backward_row<kAdd>(ap + o4, c_prev + o, c_new + o, dh + o, dc + o, dap + o4, dcp + o, hidden);
    else
      lstm_backward_row<kSkip>(ap + o4, c_prev + o, c_new + o, dh + o, dc + o, dap + o4, nullptr, hidden);
  });
  if (g0 && !da.shares_storage(*g0)) copy_or_add(dap, batch * width, g0->f32(), acc0);

  bool acc;
  const Tensor& w_h = node.input(w_h_index)->value;
  if (Tensor* g = node.input_grad(w_h_index, &acc))  // dW_h = h^T da
    blas::gemm(true, false, hidden, width, batch, 1.f, h_prev, dap, acc ? 1.f : 0.f, g->f32());
  if (Tensor* g = node.input_grad(1, &acc))  // dh = da W_h^T
    blas::gemm(false, true, batch, hidden, width, 1.f, dap, w_h.f32(), acc ? 1.f : 0.f, g->f32(),
               operand_kind(node.input(w_h_index)));
  if (!projected) {
    const Tensor& x = node.input(0)->value;
    const Tensor& w_x = node.input(3)->value;
    const int64_t in = x.dim(1);
    if (Tensor* g = node.input_grad(0, &acc))  // dx = da W_x^T
      blas::gemm(false, true, batch, in, width, 1.f, dap, w_x.f32(), acc ? 1.f : 0.f, g->f32(),
                 operand_kind(node.input(3)));
    if (Tensor* g = node.input_grad(3, &acc))  // dW_x = x^T da
      blas::gemm(true, false, in, width, batch, 1.f, x.f32(), dap, acc ? 1.f : 0.f, g->f32());
    if (Tensor* g = node.input_grad(5, &acc))  // db = sum over the batch of da
      column_sums(dap, batch, width, g->f32(), acc);
  }
}

// Which of the cell's states a view is: 0 for h', 1 for c'.
struct StateViewRecord {
  int part;
};

// h' or c': a view of the cell's [2, B, H] states. Its gradient goes into that part of the
// states' gradient; the other part is zeroed when this comes first.
void lstm_state_view_backward(Node& node) {
  bool acc;
  Tensor* g = node.input_grad(0, &acc);
  if (!g) return;
  const int64_t n = node.value.numel();
  const int which = node.record<StateViewRecord>().part;
  float* part = g->f32() + which * n;
  if (!acc) {
    float* other = g->f32() + (1 - which) * n;
    for (int64_t i = 0; i < n; ++i) other[i] = 0.0f;
  }
  copy_or_add(node.grad.f32(), n, part, acc);
}

LstmState lstm_finish(const char* op, std::span<const Var> inputs, Tensor gates, const float* addend,
                      const float* bias, const Tensor& c, bool projected) {
  const int64_t batch = c.dim(0), hidden = c.dim(1), width = 4 * hidden;
  Tensor states = Tensor::empty({2, batch, hidden});
  float* gp = gates.f32();
  float* hp = states.f32();
  float* cp = hp + batch * hidden;
  const float* cin = c.f32();
  parallel_for(batch, batch * width, [&](int64_t r) {
    lstm_forward_row(gp + r * width, addend ? addend + r * width : nullptr, bias, cin + r * hidden, hp + r * hidden,
                     cp + r * hidden, hidden);
  });
  Var cell = Var::make_result(op, states, inputs, lstm_backward);
  if (Node* node = cell.recording()) node->emplace_record<CellRecord>(std::move(gates), projected, hidden);
  const Shape shape{batch, hidden};
  LstmState out;
  out.h = Var::make_result("lstm_h", states.rows(0, 1).reshape(shape), {cell}, lstm_state_view_backward);
  out.c = Var::make_result("lstm_c", states.rows(1, 2).reshape(shape), {cell}, lstm_state_view_backward);
  if (Node* node = out.h.recording()) node->emplace_record<StateViewRecord>(0);
  if (Node* node = out.c.recording()) node->emplace_record<StateViewRecord>(1);
  return out;
}

// ---- GRU -----------------------------------------------------------------------------------

// One row: gx [3H] (x W_x + b_x; bias_x is added in place when not null), gh [3H] = h W_h,
// bias_h [3H]. Writes h' and the activations (r, z, n, gh_n + b_hn) into acts [4H].
NMT_KERNEL void gru_forward_row(float* gx, const float* bias_x, const float* gh, const float* bias_h, const float* h,
                                float* h_out, float* acts, int64_t hidden) {
  if (bias_x)
    for (int64_t k = 0; k < 3 * hidden; ++k) gx[k] += bias_x[k];
#pragma omp simd  // the gate blocks and outputs do not overlap
  for (int64_t j = 0; j < hidden; ++j) {
    const float r = fast_math::sigmoid(gx[j] + gh[j] + bias_h[j]);
    const float z = fast_math::sigmoid(gx[hidden + j] + gh[hidden + j] + bias_h[hidden + j]);
    const float hn = gh[2 * hidden + j] + bias_h[2 * hidden + j];
    const float n = fast_math::tanh(gx[2 * hidden + j] + r * hn);
    h_out[j] = n + z * (h[j] - n);  // (1 - z) n + z h
    acts[j] = r;
    acts[hidden + j] = z;
    acts[2 * hidden + j] = n;
    acts[3 * hidden + j] = hn;
  }
}

// One row: dgx, dgh [3H] (written) and the direct part of dh, dh' * z (by kMode).
template <int kMode>
NMT_KERNEL void gru_backward_row(const float* acts, const float* h, const float* dh_new, float* dgx, float* dgh,
                                 float* dh, int64_t hidden) {
#pragma omp simd  // the gate blocks and outputs do not overlap
  for (int64_t j = 0; j < hidden; ++j) {
    const float r = acts[j], z = acts[hidden + j], n = acts[2 * hidden + j], hn = acts[3 * hidden + j];
    const float g = dh_new[j];
    const float dan = g * (1.0f - z) * (1.0f - n * n);
    const float dar = dan * hn * r * (1.0f - r);
    const float daz = g * (h[j] - n) * z * (1.0f - z);
    dgx[j] = dar;
    dgx[hidden + j] = daz;
    dgx[2 * hidden + j] = dan;
    dgh[j] = dar;
    dgh[hidden + j] = daz;
    dgh[2 * hidden + j] = dan * r;
    store<kMode>(dh, j, g * z);
  }
}

// Inputs: full {x, h, w_x, w_h, b_x, b_h}, projected {xproj, h, w_h, b_h}.
void gru_backward(Node& node) {
  const CellRecord& record = node.record<CellRecord>();
  const bool projected = record.projected;
  const int64_t hidden = record.hidden;
  const Tensor& acts = record.acts;
  const int64_t batch = acts.dim(0), width = 3 * hidden;
  const int w_h_index = projected ? 2 : 3, b_h_index = projected ? 3 : 5;
  const float* h_prev = node.input(1)->value.f32();
  const float* dh_new = node.grad.f32();

  bool acc0 = false;
  Tensor* g0 = projected ? node.input_grad(0, &acc0) : nullptr;
  Tensor dgx = (g0 && !acc0 && input0_unshared(node)) ? *g0 : Tensor::empty({batch, width});
  Tensor dgh = Tensor::empty({batch, width});
  bool acc_h = false;
  Tensor* gh = node.input_grad(1, &acc_h);
  const Store mode = store_mode(gh, acc_h);
  float* dxp = dgx.f32();
  float* dhp = dgh.f32();
  float* ghp = gh ? gh->f32() : nullptr;
  const float* ap = acts.f32();
  parallel_for(batch, batch * 4 * hidden, [&](int64_t r) {
    const int64_t o = r * hidden, o3 = r * width, o4 = r * 4 * hidden;
    if (mode == kAssign)
      gru_backward_row<kAssign>(ap + o4, h_prev + o, dh_new + o, dxp + o3, dhp + o3, ghp + o, hidden);
    else if (mode == kAdd)
      gru_backward_row<kAdd>(ap + o4, h_prev + o, dh_new + o, dxp + o3, dhp + o3, ghp + o, hidden);
    else
      gru_backward_row<kSkip>(ap + o4, h_prev + o, dh_new + o, dxp + o3, dhp + o3, nullptr, hidden);
  });
  if (g0 && !dgx.shares_storage(*g0)) copy_or_add(dxp, batch * width, g0->f32(), acc0);

  const Tensor& w_h = node.input(w_h_index)->value;
  if (gh)  // dh += dgh W_h^T (the direct part dh' * z is already in)
    blas::gemm(false, true, batch, hidden, width, 1.f, dhp, w_h.f32(), 1.f, ghp, operand_kind(node.input(w_h_index)));
  bool acc;
  if (Tensor* g = node.input_grad(w_h_index, &acc))  // dW_h = h^T dgh
    blas::gemm(true, false, hidden, width, batch, 1.f, h_prev, dhp, acc ? 1.f : 0.f, g->f32());
  if (Tensor* g = node.input_grad(b_h_index, &acc)) column_sums(dhp, batch, width, g->f32(), acc);
  if (!projected) {
    const Tensor& x = node.input(0)->value;
    const Tensor& w_x = node.input(2)->value;
    const int64_t in = x.dim(1);
    if (Tensor* g = node.input_grad(0, &acc))  // dx = dgx W_x^T
      blas::gemm(false, true, batch, in, width, 1.f, dxp, w_x.f32(), acc ? 1.f : 0.f, g->f32(),
                 operand_kind(node.input(2)));
    if (Tensor* g = node.input_grad(2, &acc))  // dW_x = x^T dgx
      blas::gemm(true, false, in, width, batch, 1.f, x.f32(), dxp, acc ? 1.f : 0.f, g->f32());
    if (Tensor* g = node.input_grad(4, &acc)) column_sums(dxp, batch, width, g->f32(), acc);
  }
}

Var gru_finish(const char* op, std::span<const Var> inputs, Tensor gx, const float* bias_x, const Var& h,
               const Var& w_h, const Var& b_h, bool projected) {
  const int64_t batch = h.dim(0), hidden = h.dim(1), width = 3 * hidden;
  Tensor gh = Tensor::empty({batch, width});
  blas::gemm(false, false, batch, width, hidden, 1.f, h.value().f32(), w_h.value().f32(), 0.f, gh.f32(),
             operand_kind(w_h.node()));
  Tensor out = Tensor::empty({batch, hidden});
  Tensor acts = Tensor::empty({batch, 4 * hidden});
  float* gxp = gx.f32();
  const float* ghp = gh.f32();
  const float* bh = b_h.value().f32();
  const float* hp = h.value().f32();
  float* op_ = out.f32();
  float* ap = acts.f32();
  parallel_for(batch, batch * 4 * hidden, [&](int64_t r) {
    gru_forward_row(gxp + r * width, bias_x, ghp + r * width, bh, hp + r * hidden, op_ + r * hidden,
                    ap + r * 4 * hidden, hidden);
  });
  Var y = Var::make_result(op, std::move(out), inputs, gru_backward);
  if (Node* node = y.recording()) node->emplace_record<CellRecord>(std::move(acts), projected, hidden);
  return y;
}

// Checks the shapes shared by every cell, h [B, H] with the input's B and w_h [H, gates * H];
// returns H.
int64_t check_state(const char* op, const Var& input, const Var& h, const Var& w_h, int gates) {
  if (h.rank() != 2 || h.dim(0) != input.dim(0)) shape_error(op, "h must be [B, H] for the input: got", h.shape(), input.shape());
  const int64_t hidden = h.dim(1);
  expect_shape(op, "w_h", w_h, Shape{hidden, gates * hidden});
  return hidden;
}

}  // namespace

LstmState lstm_cell(const Var& x, const Var& h, const Var& c, const Var& w_x, const Var& w_h, const Var& b) {
  const char* op = "lstm_cell";
  check_defined(op, {&x, &h, &c, &w_x, &w_h, &b});
  if (x.rank() != 2) shape_error(op, "x must be [B, I], got", x.shape());
  const int64_t batch = x.dim(0), in = x.dim(1);
  const int64_t hidden = check_state(op, x, h, w_h, 4);
  expect_shape(op, "c", c, Shape{batch, hidden});
  expect_shape(op, "w_x", w_x, Shape{in, 4 * hidden});
  expect_shape(op, "b", b, Shape{4 * hidden});
  // a = x W_x + h W_h: two GEMMs into one buffer (b is added by the kernel).
  Tensor gates = Tensor::empty({batch, 4 * hidden});
  blas::gemm(false, false, batch, 4 * hidden, in, 1.f, x.value().f32(), w_x.value().f32(), 0.f, gates.f32(),
             operand_kind(w_x.node()));
  blas::gemm(false, false, batch, 4 * hidden, hidden, 1.f, h.value().f32(), w_h.value().f32(), 1.f, gates.f32(),
             operand_kind(w_h.node()));
  const Var inputs[] = {x, h, c, w_x, w_h, b};
  return lstm_finish(op, inputs, std::move(gates), nullptr, b.value().f32(), c.value(), false);
}

LstmState lstm_cell_projected(const Var& xproj, const Var& h, const Var& c, const Var& w_h) {
  const char* op = "lstm_cell_projected";
  check_defined(op, {&xproj, &h, &c, &w_h});
  if (xproj.rank() != 2) shape_error(op, "xproj must be [B, 4H], got", xproj.shape());
  const int64_t batch = xproj.dim(0);
  const int64_t hidden = check_state(op, xproj, h, w_h, 4);
  expect_shape(op, "xproj", xproj, Shape{batch, 4 * hidden});
  expect_shape(op, "c", c, Shape{batch, hidden});
  Tensor gates = Tensor::empty({batch, 4 * hidden});  // h W_h (xproj is added by the kernel)
  blas::gemm(false, false, batch, 4 * hidden, hidden, 1.f, h.value().f32(), w_h.value().f32(), 0.f, gates.f32(),
             operand_kind(w_h.node()));
  const Var inputs[] = {xproj, h, c, w_h};
  return lstm_finish(op, inputs, std::move(gates), xproj.value().f32(), nullptr, c.value(), true);
}

Var gru_cell(const Var& x, const Var& h, const Var& w_x, const Var& w_h, const Var& b_x, const Var& b_h) {
  const char* op = "gru_cell";
  check_defined(op, {&x, &h, &w_x, &w_h, &b_x, &b_h});
  if (x.rank() != 2) shape_error(op, "x must be [B, I], got", x.shape());
  const int64_t batch = x.dim(0), in = x.dim(1);
  const int64_t hidden = check_state(op, x, h, w_h, 3);
  expect_shape(op, "w_x", w_x, Shape{in, 3 * hidden});
  expect_shape(op, "b_x", b_x, Shape{3 * hidden});
  expect_shape(op, "b_h", b_h, Shape{3 * hidden});
  Tensor gx = Tensor::empty({batch, 3 * hidden});  // x W_x (b_x is added by the kernel)
  blas::gemm(false, false, batch, 3 * hidden, in, 1.f, x.value().f32(), w_x.value().f32(), 0.f, gx.f32(),
             operand_kind(w_x.node()));
  const Var inputs[] = {x, h, w_x, w_h, b_x, b_h};
  return gru_finish(op, inputs, std::move(gx), b_x.value().f32(), h, w_h, b_h, false);
}

Var gru_cell_projected(const Var& xproj, const Var& h, const Var& w_h, const Var& b_h) {
  const char* op = "gru_cell_projected";
  check_defined(op, {&xproj, &h, &w_h, &b_h});
  if (xproj.rank() != 2) shape_error(op, "xproj must be [B, 3H], got", xproj.shape());
  const int64_t batch = xproj.dim(0);
  const int64_t hidden = check_state(op, xproj, h, w_h, 3);
  expect_shape(op, "xproj", xproj, Shape{batch, 3 * hidden});
  expect_shape(op, "b_h", b_h, Shape{3 * hidden});
  // gx is xproj itself: without b_x the kernel only reads it.
  const Var inputs[] = {xproj, h, w_h, b_h};
  return gru_finish(op, inputs, xproj.value(), nullptr, h, w_h, b_h, true);
}

}  // namespace nmt
