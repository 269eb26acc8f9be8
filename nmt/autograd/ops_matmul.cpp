#include "nmt/autograd/ops_matmul.h"

#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/tensor/blas.h"

namespace nmt {
namespace {

// What a product's backward reads besides A and B: whether each was transposed, and M and K
// (N follows from the output's size).
struct ProductRecord {
  bool transpose_a, transpose_b;
  int64_t m, k;
};

// matmul: Y[M,N] = op(A)[M,K] op(B)[K,N]
//   dA = dY op(B)^T  (or op(B) dY^T when A is transposed)
//   dB = op(A)^T dY  (or dY^T op(A) when B is transposed)
void matmul_backward(Node& node) {
  const ProductRecord& r = node.record<ProductRecord>();
  const bool ta = r.transpose_a, tb = r.transpose_b;
  const int64_t m = r.m, k = r.k, n = node.value.numel() / (m ? m : 1);
  const Tensor& a = node.input(0)->value;
  const Tensor& b = node.input(1)->value;
  const float* g = node.grad.f32();
  bool accumulate;
  if (Tensor* ga = node.input_grad(0, &accumulate)) {
    const float beta = accumulate ? 1.f : 0.f;
    const blas::Operand b_kind = node.input(1)->views_parameter ? blas::Operand::parameter : blas::Operand::transient;
    if (!ta) blas::gemm(false, !tb, m, k, n, 1.f, g, b.f32(), beta, ga->f32(), b_kind);  // [M,K]
    else     blas::gemm(tb, true, k, m, n, 1.f, b.f32(), g, beta, ga->f32());        // [K,M]
  }
  if (Tensor* gb = node.input_grad(1, &accumulate)) {
    const float beta = accumulate ? 1.f : 0.f;
    if (!tb) blas::gemm(!ta, false, k, n, m, 1.f, a.f32(), g, beta, gb->f32());      // [K,N]
    else     blas::gemm(true, ta, n, k, m, 1.f, g, a.f32(), beta, gb->f32());        // [N,K]
  }
}

void batched_matmul_backward(Node& node) {
  const ProductRecord& r = node.record<ProductRecord>();
  const bool ta = r.transpose_a, tb = r.transpose_b;
  const int64_t m = r.m, k = r.k;
  const Shape& ys = node.value.shape();
  const int64_t n = ys[-1], batch = node.value.numel() / ((m * n) != 0 ? m * n : 1);
  const Tensor& a = node.input(0)->value;
  const Tensor& b = node.input(1)->value;
  const float* g = node.grad.f32();
  bool accumulate;
  if (Tensor* ga = node.input_grad(0, &accumulate)) {
    const float beta = accumulate ? 1.f : 0.f;
    if (!ta) blas::gemm_batched(false, !tb, batch, m, k, n, 1.f, g, m * n, b.f32(), k * n, beta, ga->f32(), m * k);
    else     blas::gemm_batched(tb, true, batch, k, m, n, 1.f, b.f32(), k * n, g, m * n, beta, ga->f32(), m * k);
  }
  if (Tensor* gb = node.input_grad(1, &accumulate)) {
    const float beta = accumulate ? 1.f : 0.f;
    if (!tb) blas::gemm_batched(!ta, false, batch, k, n, m, 1.f, a.f32(), m * k, g, m * n, beta, gb->f32(), k * n);
    else     blas::gemm_batched(true, ta, batch, n, k, m, 1.f, g, m * n, a.f32(), m * k, beta, gb->f32(), k * n);
  }
}

// The result of a product, with its record.
Var record_product(const char* op, Tensor y, const Var& a, const Var& b, BackwardFn backward, bool transpose_a,
                   bool transpose_b, int64_t m, int64_t k) {
  Var out = Var::make_result(op, std::move(y), {a, b}, backward, ValueReads::input(0) | ValueReads::input(1));
  if (Node* node = out.recording()) node->emplace_record<ProductRecord>(transpose_a, transpose_b, m, k);
  return out;
}

}  // namespace

Var matmul(const Var& a, const Var& b, bool transpose_a, bool transpose_b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (as.rank() < 2 || bs.rank() != 2) shape_error("matmul", "needs a [..., M, K] and b [K, N], got", as, bs);
  if (transpose_a && as.rank() != 2) shape_error("matmul", "transpose_a needs a 2-D a, got", as, bs);
  const int64_t k = transpose_a ? as[0] : as[-1];
  const int64_t m = transpose_a ? as[1] : as.numel() / (k ? k : 1);
  const int64_t kb = transpose_b ? bs[1] : bs[0];
  const int64_t n = transpose_b ? bs[0] : bs[1];
  if (k != kb) shape_error("matmul", "inner dimensions differ:", as, bs);
  Shape out_shape = as;
  if (transpose_a) out_shape[0] = m;
  out_shape[-1] = n;
  Tensor y = Tensor::empty(out_shape);
  // A weight (b is a parameter or a view of one) stays the same for the whole update: bf16 GEMMs
  // keep its converted copy.
  blas::gemm(transpose_a, transpose_b, m, n, k, 1.f, a.value().f32(), b.value().f32(), 0.f, y.f32(),
             b.node()->views_parameter ? blas::Operand::parameter : blas::Operand::transient);
  return record_product("matmul", std::move(y), a, b, matmul_backward, transpose_a, transpose_b, m, k);
}

Var affine(const Var& x, const Var& w, const Var& b) {
  if (b.defined() && !grad_enabled() && x.shape().rank() >= 2 && w.shape().rank() == 2 && b.shape().rank() == 1 &&
      w.node()->views_parameter) {
    const int64_t k = x.shape()[-1], n = w.shape()[1];
    if (w.shape()[0] == k && b.shape()[0] == n) {
      Shape out_shape = x.shape();
      out_shape[-1] = n;
      Tensor y = Tensor::empty(out_shape);
      if (blas::gemm_plus_bias(x.numel() / (k ? k : 1), n, k, x.value().f32(), w.value().f32(), b.value().f32(),
                               y.f32(), blas::Operand::parameter))
        return Var(std::move(y));
    }
  }
  Var y = matmul(x, w);
  return b.defined() ? y + b : y;
}

Var batched_matmul(const Var& a, const Var& b, bool transpose_a, bool transpose_b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (as.rank() < 3 || as.rank() != bs.rank())
    shape_error("batched_matmul", "needs a and b of equal rank >= 3, got", as, bs);
  for (int i = 0; i < as.rank() - 2; ++i)
    if (as[i] != bs[i]) shape_error("batched_matmul", "batch axes differ:", as, bs);
  const int64_t m = transpose_a ? as[-1] : as[-2], k = transpose_a ? as[-2] : as[-1];
  const int64_t kb = transpose_b ? bs[-1] : bs[-2], n = transpose_b ? bs[-2] : bs[-1];
  if (k != kb) shape_error("batched_matmul", "inner dimensions differ:", as, bs);
  Shape out_shape = as;
  out_shape[-2] = m;
  out_shape[-1] = n;
  const int64_t batch = as.outer(as.rank() - 2);
  Tensor y = Tensor::empty(out_shape);
  blas::gemm_batched(transpose_a, transpose_b, batch, m, n, k, 1.f, a.value().f32(), m * k, b.value().f32(),
                     k * n, 0.f, y.f32(), m * n);
  return record_product("batched_matmul", std::move(y), a, b, batched_matmul_backward, transpose_a, transpose_b,
                        m, k);
}

}  // namespace nmt
