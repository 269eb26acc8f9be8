// Elementwise activations: tanh, sigmoid, relu, gelu (exact / tanh approximation), exp, log.
//
// Each op is a small struct with the forward value f(x) and the gradient g * f'(x) (given x,
// y = f(x) and g = dL/dy); one kernel template runs either over the tensor. The formulas are
// in ops_activation.h. The transcendental functions come from fast_math.h, so the loops
// vectorise; large tensors are split over OpenMP threads (elementwise: bit-identical results
// for any thread count).
#include "nmt/autograd/ops_activation.h"

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/fast_math.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {
namespace {

namespace fm = fast_math;

// ---- the ops: value and gradient ------------------------------------------------------------

struct Tanh {  // y = tanh x, dx = g (1 - y^2)
  static constexpr const char* kName = "tanh";
  static constexpr uint32_t kReads = ValueReads::output;
  static float f(float x) { return fm::tanh(x); }
  static float grad(float, float y, float g) { return g * (1.0f - y * y); }
};

struct Sigmoid {  // y = 1 / (1 + e^-x), dx = g y (1 - y)
  static constexpr const char* kName = "sigmoid";
  static constexpr uint32_t kReads = ValueReads::output;
  static float f(float x) { return fm::sigmoid(x); }
  static float grad(float, float y, float g) { return g * y * (1.0f - y); }
};

struct Relu {  // y = max(x, 0), dx = g [x > 0] = g [y > 0]
  static constexpr const char* kName = "relu";
  static constexpr uint32_t kReads = ValueReads::output;
  static float f(float x) { return fm::select(x <= 0.0f, 0.0f, x); }  // NaN passes through
  static float grad(float, float y, float g) { return fm::select(y > 0.0f, g, 0.0f); }
};

struct GeluErf {  // y = x Phi(x), dx = g (Phi(x) + x phi(x))   (Hendrycks & Gimpel 2016)
  static constexpr const char* kName = "gelu";
  static constexpr uint32_t kReads = ValueReads::input(0);
  static float f(float x) { return x * fm::normal_cdf(x); }
  static float grad(float x, float, float g) { return g * (fm::normal_cdf(x) + x * fm::normal_pdf(x)); }
};

struct GeluTanh {  // y = x/2 (1 + tanh u) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)
  static constexpr const char* kName = "gelu_tanh";
  static constexpr uint32_t kReads = ValueReads::input(0);
  static constexpr float kA = 0.7978845608028654f;  // sqrt(2/pi)
  static constexpr float kB = 0.044715f;
  static float f(float x) { return x * fm::sigmoid(2.0f * kA * (x + kB * x * x * x)); }
  // dy/dx = s + x s (1 - s) 2u',  s = sigmoid(2u),  u' = sqrt(2/pi) (1 + 3 kB x^2)
  static float grad(float x, float, float g) {
    const float s = fm::sigmoid(2.0f * kA * (x + kB * x * x * x));
    const float du = kA * (1.0f + 3.0f * kB * x * x);
    return g * (s + 2.0f * x * s * (1.0f - s) * du);
  }
};

struct Exp {  // y = e^x, dx = g y
  static constexpr const char* kName = "exp";
  static constexpr uint32_t kReads = ValueReads::output;
  static float f(float x) { return fm::exp(x); }
  static float grad(float, float y, float g) { return g * y; }
};

struct Log {  // y = ln x, dx = g / x
  static constexpr const char* kName = "log";
  static constexpr uint32_t kReads = ValueReads::input(0);
  static float f(float x) { return fm::log(x); }
  static float grad(float x, float, float g) { return g / x; }
};

// ---- kernels --------------------------------------------------------------------------------

template <class Op>
NMT_KERNEL void forward_kernel(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = Op::f(x[i]);
}

// dx (=|+=) Op::grad(x, y, g)
template <class Op>
NMT_KERNEL void backward_kernel(const float* x, const float* y, const float* g, float* dx, int64_t n,
                                bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) dx[i] += Op::grad(x[i], y[i], g[i]);
  else
    for (int64_t i = 0; i < n; ++i) dx[i] = Op::grad(x[i], y[i], g[i]);
}

template <class Op>
void unary_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate)) {
    // The one of x and y that Op::grad ignores may have been freed (null): point it at the other.
    const float* x = node.input(0)->value.f32();
    const float* y = node.value.f32();
    if (!x) x = y;
    if (!y) y = x;
    const float* g = node.grad.f32();
    float* d = dx->f32();
    parallel_chunks(dx->numel(), [&](int64_t b, int64_t e) {
      backward_kernel<Op>(x + b, y + b, g + b, d + b, e - b, accumulate);
    });
  }
}

template <class Op>
Var unary(const Var& x) {
  const Tensor& in = x.value();
  Tensor out = Tensor::empty(in.shape());
  const float* src = in.f32();
  float* dst = out.f32();
  parallel_chunks(in.numel(), [&](int64_t b, int64_t e) { forward_kernel<Op>(src + b, dst + b, e - b); });
  // Backward reads x or y (Op::kReads); the other may be freed before it runs.
  return Var::make_result(Op::kName, std::move(out), {x}, unary_backward<Op>, Op::kReads);
}

}  // namespace

Var tanh(const Var& x) { return unary<Tanh>(x); }
Var sigmoid(const Var& x) { return unary<Sigmoid>(x); }
Var relu(const Var& x) { return unary<Relu>(x); }
Var gelu(const Var& x, bool approximate) { return approximate ? unary<GeluTanh>(x) : unary<GeluErf>(x); }
Var exp(const Var& x) { return unary<Exp>(x); }
Var log(const Var& x) { return unary<Log>(x); }

}  // namespace nmt
