// Training sanity: small models drive their loss close to zero on tiny fixed data sets with each
// optimizer. If an op's backward or an optimizer's update is wrong, these stop converging.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/autograd/ops_cells.h"
#include "nmt/autograd/ops_embedding.h"
#include "nmt/autograd/ops_loss.h"
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

TEST_CASE("an MLP classifies XOR with tanh and cross-entropy: SGD with momentum, Adam, AdamW") {
  const Tensor x = xor_inputs();
  const Tensor classes = Tensor::from_ids({8}, std::vector<int32_t>{0, 1, 1, 0, 0, 1, 1, 0});
  for (std::string kind : {"sgd", "adam", "adamw"}) {
    CAPTURE(kind);
    Generator gen(4);
    Mlp net(3, 8, 2, gen);
    auto opt = make_optimizer(kind, net.parameters());
    float first = 0, last = 0;
    for (int step = 0; step < 500; ++step) {
      opt->zero_grad();
      Var loss = cross_entropy(net.forward(Var(x), [](const Var& h) { return nmt::tanh(h); }), classes, 0.f, -1,
                               Reduction::mean);
      loss.backward();
      opt->step();
      (step == 0 ? first : last) = loss.item();
    }
    MESSAGE(kind << ": cross-entropy " << first << " -> " << last);
    CHECK(last < 0.01f);
  }
}

namespace {

// An LSTM language model over time-major ids [T, B]: embedding, lstm_cell per step, output
// projection of every step's h, cross-entropy against the next tokens.
struct LstmLm {
  Parameter table, w_x, w_h, b, w_out, b_out;
  LstmLm(int64_t vocab, int64_t embed, int64_t hidden, Generator& gen)
      : table(init::uniform({vocab, embed}, 0.5f, gen), "embedding"),
        w_x(init::glorot_uniform({embed, 4 * hidden}, 1.f, gen), "w_x"),
        w_h(init::glorot_uniform({hidden, 4 * hidden}, 1.f, gen), "w_h"),
        b(init::zeros({4 * hidden}), "b"),
        w_out(init::glorot_uniform({hidden, vocab}, 1.f, gen), "w_out"),
        b_out(init::zeros({vocab}), "b_out") {}
  std::vector<Parameter> parameters() const { return {table, w_x, w_h, b, w_out, b_out}; }
  Var loss(const Tensor& inputs, const Tensor& targets) const {
    const int64_t steps = inputs.dim(0), batch = inputs.dim(1), hidden = w_h.dim(0);
    Var x = embedding(table, inputs);  // [T, B, E]
    Var zeros(Tensor::zeros({batch, hidden}));
    LstmState state{zeros, zeros};
    std::vector<Var> hs;
    for (int64_t t = 0; t < steps; ++t) {
      Var x_t = reshape(slice(x, 0, t, t + 1), {batch, x.dim(2)});
      state = lstm_cell(x_t, state.h, state.c, w_x, w_h, b);
      hs.push_back(state.h);
    }
    Var logits = matmul(stack(hs, 0), w_out) + b_out;  // [T, B, V]
    return cross_entropy(logits, targets, 0.f, -1, Reduction::mean);
  }
};

}  // namespace

TEST_CASE("an LSTM memorises a few short sequences: SGD with momentum, Adam, AdamW") {
  // Four sequences of 8 tokens (vocabulary 10), one per batch column; each starts with its own
  // token, so every next token is determined by the prefix. Time-major [T, B].
  const std::vector<std::vector<int32_t>> sequences = {
      {0, 5, 7, 2, 9, 4, 4, 1}, {1, 5, 2, 8, 8, 3, 6, 0}, {2, 9, 9, 1, 4, 7, 5, 3}, {3, 6, 0, 5, 2, 2, 8, 9}};
  const int64_t steps = 7, batch = 4;
  std::vector<int32_t> in, out;
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t b = 0; b < batch; ++b) {
      in.push_back(sequences[b][t]);
      out.push_back(sequences[b][t + 1]);
    }
  const Tensor inputs = Tensor::from_ids({steps, batch}, in), targets = Tensor::from_ids({steps, batch}, out);
  for (std::string kind : {"sgd", "adam", "adamw"}) {
    CAPTURE(kind);
    Generator gen(6);
    LstmLm lm(10, 16, 32, gen);
    std::unique_ptr<Optimizer> opt;
    if (kind == "sgd") opt = std::make_unique<SGD>(lm.parameters(), SGDOptions{.lr = 0.5f, .momentum = 0.9f});
    if (kind == "adam") opt = std::make_unique<Adam>(lm.parameters(), AdamOptions{.lr = 0.02f});
    if (kind == "adamw") opt = std::make_unique<AdamW>(lm.parameters(), AdamOptions{.lr = 0.02f, .weight_decay = 1e-4f});
    float first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
      opt->zero_grad();
      Var loss = lm.loss(inputs, targets);
      loss.backward();
      clip_grad_norm(opt->parameters(), 1.f);
      opt->step();
      (step == 0 ? first : last) = loss.item();
    }
    MESSAGE(kind << ": LSTM cross-entropy " << first << " -> " << last);
    CHECK(last < 0.02f);
  }
}
