#include "nmt/autograd/ops_arithmetic.h"

#include "nmt/tensor/broadcast.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

enum class BinaryOp { add, sub, mul, div };

template <BinaryOp op>
inline float apply(float x, float y) {
  if constexpr (op == BinaryOp::add) return x + y;
  if constexpr (op == BinaryOp::sub) return x - y;
  if constexpr (op == BinaryOp::mul) return x * y;
  return x / y;
}

// One run of the innermost axis; the three stride patterns get their own loops so that each
// vectorises.
template <BinaryOp op>
NMT_KERNEL void binary_run(float* out, const float* a, const float* b, int64_t n, int64_t step_a,
                           int64_t step_b) {
  if (step_a == 1 && step_b == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(a[i], b[i]);
  } else if (step_a == 1) {
    const float y = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(a[i], y);
  } else if (step_b == 1) {
    const float x = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(x, b[i]);
  } else {
    const float v = apply<op>(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

template <BinaryOp op>
Tensor binary_forward(const char* name, const Tensor& a, const Tensor& b) {
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(shape);
  BroadcastPlan plan(shape, a.shape(), b.shape());
  float* o = out.f32();
  const float* pa = a.f32();
  const float* pb = b.f32();
  for_each_run(plan, [&](int64_t oo, int64_t oa, int64_t ob, int64_t n, int64_t sa, int64_t sb) {
    binary_run<op>(o + oo, pa + oa, pb + ob, n, sa, sb);
  });
  return out;
}

// Adds `g` (output-shaped) into input i's gradient, summing over broadcast axes.
void reduce_into_input(Node& node, int i, const Tensor& g) {
  bool accumulate;
  if (Tensor* target = node.input_grad(i, &accumulate))
    sum_to_shape(g.f32(), g.shape(), target->f32(), target->shape(), accumulate);
}

void add_backward(Node& node) {
  reduce_into_input(node, 0, node.grad);
  reduce_into_input(node, 1, node.grad);
}

void sub_backward(Node& node) {
  reduce_into_input(node, 0, node.grad);
  if (node.input(1)->requires_grad)
    reduce_into_input(node, 1, binary_forward<BinaryOp::mul>("sub", node.grad, Tensor::full({1}, -1.f)));
}

void mul_backward(Node& node) {  // d(ab)/da = b, d(ab)/db = a
  const Tensor& a = node.input(0)->value;
  const Tensor& b = node.input(1)->value;
  if (node.input(0)->requires_grad) reduce_into_input(node, 0, binary_forward<BinaryOp::mul>("mul", node.grad, b));
  if (node.input(1)->requires_grad) reduce_into_input(node, 1, binary_forward<BinaryOp::mul>("mul", node.grad, a));
}

void div_backward(Node& node) {  // y = a/b: dy/da = 1/b, dy/db = -y/b
  const Tensor& b = node.input(1)->value;
  Tensor g_over_b = binary_forward<BinaryOp::div>("div", node.grad, b);
  if (node.input(0)->requires_grad) reduce_into_input(node, 0, g_over_b);
  if (node.input(1)->requires_grad) {
    Tensor t = binary_forward<BinaryOp::mul>("div", g_over_b, node.value);
    for (int64_t i = 0, n = t.numel(); i < n; ++i) t.f32()[i] = -t.f32()[i];
    reduce_into_input(node, 1, t);
  }
}

NMT_KERNEL void affine(float* out, const float* x, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) out[i] = scale * x[i] + shift;
}

// out (=|+=) scale * g
NMT_KERNEL void scaled_into(float* out, const float* g, int64_t n, float scale, bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) out[i] += scale * g[i];
  else
    for (int64_t i = 0; i < n; ++i) out[i] = scale * g[i];
}

// What the backward of y = s x + c reads: the scale s.
struct AffineRecord {
  float scale;
};

void affine_backward(Node& node) {
  bool accumulate;
  if (Tensor* gx = node.input_grad(0, &accumulate))
    scaled_into(gx->f32(), node.grad.f32(), gx->numel(), node.record<AffineRecord>().scale, accumulate);
}

Var affine_op(const char* name, const Var& a, float scale, float shift) {
  Tensor out = Tensor::empty(a.shape());
  affine(out.f32(), a.value().f32(), a.numel(), scale, shift);
  Var y = Var::make_result(name, std::move(out), {a}, affine_backward, ValueReads::none);
  if (Node* n = y.recording()) n->emplace_record<AffineRecord>(scale);
  return y;
}

}  // namespace

Var add(const Var& a, const Var& b) {
  return Var::make_result("add", binary_forward<BinaryOp::add>("add", a.value(), b.value()), {a, b}, add_backward, ValueReads::none);
}
Var sub(const Var& a, const Var& b) {
  return Var::make_result("sub", binary_forward<BinaryOp::sub>("sub", a.value(), b.value()), {a, b}, sub_backward, ValueReads::none);
}
Var mul(const Var& a, const Var& b) {
  return Var::make_result("mul", binary_forward<BinaryOp::mul>("mul", a.value(), b.value()), {a, b}, mul_backward);
}
Var div(const Var& a, const Var& b) {
  return Var::make_result("div", binary_forward<BinaryOp::div>("div", a.value(), b.value()), {a, b}, div_backward,
                           ValueReads::input(1) | ValueReads::output);
}
Var add_scalar(const Var& a, float s) { return affine_op("add_scalar", a, 1.0f, s); }
Var mul_scalar(const Var& a, float s) { return affine_op("mul_scalar", a, s, 0.0f); }
Var neg(const Var& a) { return affine_op("neg", a, -1.0f, 0.0f); }

}  // namespace nmt
