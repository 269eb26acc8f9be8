// Training sanity: small models drive their loss close to zero on tiny fixed data sets with each
// optimizer. If an op's backward or an optimizer's update is wrong, these stop converging.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/optim/optim.h"
#include "nmt/tensor/init.h"

using namespace nmt;
using namespace nmt::optim;

namespace {

// mean over all elements of (pred - target)^2, from arithmetic and matmul only:
// the row sums are a product with a column of ones, their mean a product with 1/n.
Var mse_loss(const Var& pred, const Tensor& target) {
  const int64_t rows = pred.value().numel() / pred.dim(-1), cols = pred.dim(-1);
  Var d = pred - Var(target);
  Var row_sums = matmul(d * d, Var(Tensor::full({cols, 1}, 1.f)));                          // [rows, 1]
  return matmul(row_sums, Var(Tensor::full({rows, 1}, 1.f / static_cast<float>(rows * cols))), true);  // [1, 1]
}

struct Mlp {
  Parameter w1, b1, w2, b2;
  Mlp(int64_t in, int64_t hidden, int64_t out, Generator& gen)
      : w1(init::glorot_uniform({in, hidden}, 1.f, gen), "w1"),
        b1(init::uniform({hidden}, 0.1f, gen), "b1"),
        w2(init::glorot_uniform({hidden, out}, 1.f, gen), "w2"),
        b2(init::zeros({out}), "b2") {}
  Var forward(const Var& x, const std::function<Var(const Var&)>& activation) const {
    return matmul(activation(matmul(x, w1) + b1), w2) + b2;
  }
  std::vector<Parameter> parameters() const { return {w1, b1, w2, b2}; }
};

std::unique_ptr<Optimizer> make_optimizer(const std::string& kind, std::vector<Parameter> ps) {
  if (kind == "sgd") return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1f, .momentum = 0.9f});
  if (kind == "adam") return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.03f});
  return std::make_unique<AdamW>(ps, AdamOptions{.lr = 0.03f, .weight_decay = 1e-4f});
}

// XOR of the first two of three inputs (the third is noise), targets 0 / 1.
Tensor xor_inputs() {
  return Tensor::from_vector({8, 3}, std::vector<float>{0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0,  //
                                                        0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1});
}
Tensor xor_targets() { return Tensor::from_vector({8, 1}, std::vector<float>{0, 1, 1, 0, 0, 1, 1, 0}); }

}  // namespace

TEST_CASE("an MLP learns XOR with squared error: SGD with momentum, Adam, AdamW") {
  const Tensor x = xor_inputs(), t = xor_targets();
  // The square is enough of a nonlinearity for XOR: (x1 - x2)^2 is x1 XOR x2 on {0, 1}.
  auto square = [](const Var& h) { return h * h; };
  for (std::string kind : {"sgd", "adam", "adamw"}) {
    CAPTURE(kind);
    Generator gen(1);
    Mlp net(3, 8, 1, gen);
    auto opt = make_optimizer(kind, net.parameters());
    float first = 0, last = 0;
    for (int step = 0; step < 400; ++step) {
      opt->zero_grad();
      Var loss = mse_loss(net.forward(Var(x), square), t);
      loss.backward();
      clip_grad_norm(opt->parameters(), 5.f);
      opt->step();
      (step == 0 ? first : last) = loss.item();
    }
    MESSAGE(kind << ": loss " << first << " -> " << last);
    CHECK(last < 1e-3f * first);
  }
}
