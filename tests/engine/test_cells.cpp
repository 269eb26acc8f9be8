// Fused LSTM / GRU cells: steps computed by hand, projected == full, gradients (single steps,
// unrolled sequences with shared weights, constant states), shape errors.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_cells.h"
#include "nmt/autograd/ops_matmul.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

namespace {
double sigmoid(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// a[b][k] = sum_i x[b][i] wx[i][k] + sum_j h[b][j] wh[j][k] + bias[k], in double.
std::vector<double> affine(const Tensor& x, const Tensor& h, const Tensor& wx, const Tensor& wh, const Tensor* bias) {
  const int64_t batch = x.dim(0), in = x.dim(1), hidden = h.dim(1), width = wh.dim(1);
  std::vector<double> a(batch * width);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < width; ++k) {
      double s = bias ? bias->f32()[k] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += double(x.f32()[b * in + i]) * wx.f32()[i * width + k];
      for (int64_t j = 0; j < hidden; ++j) s += double(h.f32()[b * hidden + j]) * wh.f32()[j * width + k];
      a[b * width + k] = s;
    }
  return a;
}
}  // namespace

TEST_CASE("lstm_cell: one step by hand") {
  // B = 1, I = 2, H = 1; gate columns i, f, g, o.
  Tensor x = Tensor::from_vector({1, 2}, std::vector<float>{0.5f, -1.0f});
  Tensor h = Tensor::from_vector({1, 1}, std::vector<float>{0.2f});
  Tensor c = Tensor::from_vector({1, 1}, std::vector<float>{0.3f});
  Tensor wx = Tensor::from_vector({2, 4}, std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, -0.6f, 0.7f, -0.8f});
  Tensor wh = Tensor::from_vector({1, 4}, std::vector<float>{0.9f, -0.1f, 0.2f, 0.3f});
  Tensor b = Tensor::from_vector({4}, std::vector<float>{0.1f, 0.2f, -0.1f, 0.05f});
  // a_i = 0.5*0.1 - 1*0.5 + 0.2*0.9 + 0.1 = -0.17      a_f = 0.1 + 0.6 - 0.02 + 0.2 = 0.88
  // a_g = 0.15 - 0.7 + 0.04 - 0.1 = -0.61              a_o = 0.2 + 0.8 + 0.06 + 0.05 = 1.11
  const double i = sigmoid(-0.17), f = sigmoid(0.88), g = std::tanh(-0.61), o = sigmoid(1.11);
  const double c1 = f * 0.3 + i * g, h1 = o * std::tanh(c1);
  // Rounded: i = 0.457602, f = 0.706822, g = -0.544127, o = 0.752129, c' = -0.036947, h' = -0.027776.
  LstmState s = lstm_cell(Var(x), Var(h), Var(c), Var(wx), Var(wh), Var(b));
  CHECK(s.h.shape() == Shape{1, 1});
  CHECK(s.c.shape() == Shape{1, 1});
  CHECK(s.c.item() == doctest::Approx(c1).epsilon(1e-6));
  CHECK(s.h.item() == doctest::Approx(h1).epsilon(1e-6));
  CHECK(s.c.item() == doctest::Approx(-0.036947).epsilon(1e-4));
  CHECK(s.h.item() == doctest::Approx(-0.027776).epsilon(1e-4));

  // The projected cell with xproj = x W_x + b gives the same step.
  Tensor xproj = Tensor::from_vector({1, 4}, std::vector<float>{0.1f * 0.5f - 0.5f + 0.1f, 0.1f + 0.6f + 0.2f,
                                                              0.15f - 0.7f - 0.1f, 0.2f + 0.8f + 0.05f});
  LstmState p = lstm_cell_projected(Var(xproj), Var(h), Var(c), Var(wh));
  CHECK(p.c.item() == doctest::Approx(c1).epsilon(1e-6));
  CHECK(p.h.item() == doctest::Approx(h1).epsilon(1e-6));
}

TEST_CASE("lstm_cell and gru_cell: batches against a double-precision reference; projected == full") {
  Generator gen(41);
  const int64_t batch = 3, in = 5, hidden = 4;
  Tensor x = random_tensor({batch, in}, gen), h = random_tensor({batch, hidden}, gen);
  Tensor c = random_tensor({batch, hidden}, gen);
  {
    Tensor wx = random_tensor({in, 4 * hidden}, gen), wh = random_tensor({hidden, 4 * hidden}, gen);
    Tensor b = random_tensor({4 * hidden}, gen);
    const std::vector<double> a = affine(x, h, wx, wh, &b);
    LstmState s = lstm_cell(Var(x), Var(h), Var(c), Var(wx), Var(wh), Var(b));
    Tensor xproj = Tensor::empty({batch, 4 * hidden});
    const std::vector<double> ax = affine(x, Tensor::zeros({batch, 0}), wx, Tensor::zeros({0, 4 * hidden}), &b);
    for (int64_t k = 0; k < batch * 4 * hidden; ++k) xproj.f32()[k] = static_cast<float>(ax[k]);
    LstmState p = lstm_cell_projected(Var(xproj), Var(h), Var(c), Var(wh));
    for (int64_t r = 0; r < batch; ++r)
      for (int64_t j = 0; j < hidden; ++j) {
        const double* ar = &a[r * 4 * hidden];
        const double i = sigmoid(ar[j]), f = sigmoid(ar[hidden + j]), g = std::tanh(ar[2 * hidden + j]),
                     o = sigmoid(ar[3 * hidden + j]);
        const double c1 = f * c.f32()[r * hidden + j] + i * g, h1 = o * std::tanh(c1);
        CHECK(s.c.value().f32()[r * hidden + j] == doctest::Approx(c1).epsilon(1e-5));
        CHECK(s.h.value().f32()[r * hidden + j] == doctest::Approx(h1).epsilon(1e-5));
        CHECK(p.c.value().f32()[r * hidden + j] == doctest::Approx(c1).epsilon(1e-5));
        CHECK(p.h.value().f32()[r * hidden + j] == doctest::Approx(h1).epsilon(1e-5));
      }
  }
  {
    Tensor wx = random_tensor({in, 3 * hidden}, gen), wh = random_tensor({hidden, 3 * hidden}, gen);
    Tensor bx = random_tensor({3 * hidden}, gen), bh = random_tensor({3 * hidden}, gen);
    const std::vector<double> gx = affine(x, Tensor::zeros({batch, 0}), wx, Tensor::zeros({0, 3 * hidden}), &bx);
    const std::vector<double> gh = affine(Tensor::zeros({batch, 0}), h, Tensor::zeros({0, 3 * hidden}), wh, &bh);
    Var y = gru_cell(Var(x), Var(h), Var(wx), Var(wh), Var(bx), Var(bh));
    Tensor xproj = Tensor::empty({batch, 3 * hidden});
    for (int64_t k = 0; k < batch * 3 * hidden; ++k) xproj.f32()[k] = static_cast<float>(gx[k]);
    Var yp = gru_cell_projected(Var(xproj), Var(h), Var(wh), Var(bh));
    for (int64_t r = 0; r < batch; ++r)
      for (int64_t j = 0; j < hidden; ++j) {
        const double* xr = &gx[r * 3 * hidden];
        const double* hr = &gh[r * 3 * hidden];
        const double rg = sigmoid(xr[j] + hr[j]), z = sigmoid(xr[hidden + j] + hr[hidden + j]);
        const double n = std::tanh(xr[2 * hidden + j] + rg * hr[2 * hidden + j]);
        const double h1 = (1 - z) * n + z * h.f32()[r * hidden + j];
        CHECK(y.value().f32()[r * hidden + j] == doctest::Approx(h1).epsilon(1e-5));
        CHECK(yp.value().f32()[r * hidden + j] == doctest::Approx(h1).epsilon(1e-5));
      }
  }
}

TEST_CASE("gru_cell: one step by hand") {
  // B = 1, I = 1, H = 1; gate columns r, z, n.
  Tensor x = Tensor::from_vector({1, 1}, std::vector<float>{2.0f});
  Tensor h = Tensor::from_vector({1, 1}, std::vector<float>{-0.5f});
  Tensor wx = Tensor::from_vector({1, 3}, std::vector<float>{0.3f, -0.2f, 0.5f});
  Tensor wh = Tensor::from_vector({1, 3}, std::vector<float>{0.4f, 0.6f, -1.0f});
  Tensor bx = Tensor::from_vector({3}, std::vector<float>{0.1f, 0.0f, -0.2f});
  Tensor bh = Tensor::from_vector({3}, std::vector<float>{0.0f, 0.3f, 0.25f});
  // r = s(0.6 + 0.1 - 0.2) = s(0.5), z = s(-0.4 - 0.3 + 0.3) = s(-0.4),
  // n = tanh(1.0 - 0.2 + r * (0.5 + 0.25)), h' = (1 - z) n + z * (-0.5)
  // Rounded: r = 0.622459, z = 0.401312, n = 0.852940, h' = 0.309989.
  const double r = sigmoid(0.5), z = sigmoid(-0.4), n = std::tanh(0.8 + r * 0.75);
  const double h1 = (1 - z) * n + z * -0.5;
  Var y = gru_cell(Var(x), Var(h), Var(wx), Var(wh), Var(bx), Var(bh));
  CHECK(y.item() == doctest::Approx(h1).epsilon(1e-6));
  CHECK(y.item() == doctest::Approx(0.309989).epsilon(1e-4));
}

TEST_CASE("lstm_cell: gradient checks") {
  Generator gen(42);
  for (auto [batch, in, hidden] : std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {3, 4, 5}, {2, 7, 3}}) {
    CAPTURE(batch);
    CAPTURE(hidden);
    std::vector<Tensor> full = {random_tensor({batch, in}, gen),         random_tensor({batch, hidden}, gen),
                                random_tensor({batch, hidden}, gen),     random_tensor({in, 4 * hidden}, gen),
                                random_tensor({hidden, 4 * hidden}, gen), random_tensor({4 * hidden}, gen)};
    auto step = [](auto& v) { return lstm_cell(v[0], v[1], v[2], v[3], v[4], v[5]); };
    gradcheck([&](auto& v) { return step(v).h; }, full);
    gradcheck([&](auto& v) { return step(v).c; }, full);
    gradcheck([&](auto& v) { LstmState s = step(v); return s.h * 2.f + s.c * s.c; }, full);

    std::vector<Tensor> proj = {random_tensor({batch, 4 * hidden}, gen), full[1], full[2], full[4]};
    auto pstep = [](auto& v) { return lstm_cell_projected(v[0], v[1], v[2], v[3]); };
    gradcheck([&](auto& v) { return pstep(v).h; }, proj);
    gradcheck([&](auto& v) { LstmState s = pstep(v); return s.h + s.c * 0.5f; }, proj);

    // Constant initial state (no gradient into c or h): the skip paths.
    Tensor c0 = full[2], h0 = full[1];
    gradcheck([=](auto& v) { return lstm_cell(v[0], Var(h0), Var(c0), v[1], v[2], v[3]).h; },
              {full[0], full[3], full[4], full[5]});
  }
}

TEST_CASE("lstm_cell: gradients through an unrolled sequence with shared weights") {
  Generator gen(43);
  const int64_t batch = 2, in = 3, hidden = 4, steps = 3;
  std::vector<Tensor> inputs = {random_tensor({steps * batch, in}, gen), random_tensor({in, 4 * hidden}, gen),
                                random_tensor({hidden, 4 * hidden}, gen), random_tensor({4 * hidden}, gen)};
  Tensor zeros = Tensor::zeros({batch, hidden});
  auto run = [=](auto& v, bool projected) {
    LstmState s{Var(zeros), Var(zeros)};
    Var out;
    for (int64_t t = 0; t < steps; ++t) {
      // Step t's x: rows t*batch .. of v[0], selected by a 0/1 matrix so that it has a gradient.
      Tensor sel = Tensor::zeros({batch, steps * batch});
      for (int64_t b = 0; b < batch; ++b) sel.f32()[b * steps * batch + t * batch + b] = 1.0f;
      Var x = matmul(Var(sel), v[0]);  // [batch, in]
      if (projected)
        s = lstm_cell_projected(matmul(x, v[1]) + v[3], s.h, s.c, v[2]);
      else
        s = lstm_cell(x, s.h, s.c, v[1], v[2], v[3]);
      out = t == 0 ? s.h : out + s.h;
    }
    return out + s.c;
  };
  gradcheck([&](auto& v) { return run(v, false); }, inputs);
  gradcheck([&](auto& v) { return run(v, true); }, inputs);
  // The same xproj Var used by two steps: its gradient accumulates.
  gradcheck(
      [&](auto& v) {
        LstmState s = lstm_cell_projected(v[0], v[1], v[2], v[3]);
        LstmState t = lstm_cell_projected(v[0], s.h, s.c, v[3]);
        return t.h;
      },
      {random_tensor({batch, 4 * hidden}, gen), random_tensor({batch, hidden}, gen), random_tensor({batch, hidden}, gen),
       random_tensor({hidden, 4 * hidden}, gen)});
}

TEST_CASE("cells: one Var as two inputs (xproj doubling as W_h, B == H) still gets the right gradient") {
  Generator gen(46);
  const int64_t n = 3;  // B == H
  gradcheck([](auto& v) { return lstm_cell_projected(v[0], v[1], v[2], v[0]).h; },
            {random_tensor({n, 4 * n}, gen), random_tensor({n, n}, gen), random_tensor({n, n}, gen)});
  gradcheck([](auto& v) { return gru_cell_projected(v[0], v[1], v[0], v[2]); },
            {random_tensor({n, 3 * n}, gen), random_tensor({n, n}, gen), random_tensor({3 * n}, gen)});
}

TEST_CASE("gru_cell: gradient checks, single steps and unrolled") {
  Generator gen(44);
  for (auto [batch, in, hidden] : std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {3, 4, 5}, {2, 7, 3}}) {
    CAPTURE(batch);
    CAPTURE(hidden);
    std::vector<Tensor> full = {random_tensor({batch, in}, gen),         random_tensor({batch, hidden}, gen),
                                random_tensor({in, 3 * hidden}, gen),     random_tensor({hidden, 3 * hidden}, gen),
                                random_tensor({3 * hidden}, gen),         random_tensor({3 * hidden}, gen)};
    gradcheck([](auto& v) { return gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]); }, full);
    gradcheck([](auto& v) { return gru_cell_projected(v[0], v[1], v[2], v[3]); },
              {random_tensor({batch, 3 * hidden}, gen), full[1], full[3], full[5]});
    Tensor h0 = full[1];
    gradcheck([=](auto& v) { return gru_cell(v[0], Var(h0), v[1], v[2], v[3], v[4]); },
              {full[0], full[2], full[3], full[4], full[5]});
    // Two steps sharing the weights (and the same xproj twice).
    gradcheck(
        [](auto& v) {
          Var h1 = gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]);
          return gru_cell(v[0], h1, v[2], v[3], v[4], v[5]);
        },
        full);
    gradcheck(
        [](auto& v) {
          Var h1 = gru_cell_projected(v[0], v[1], v[2], v[3]);
          return gru_cell_projected(v[0], h1, v[2], v[3]) * h1;
        },
        {random_tensor({batch, 3 * hidden}, gen), full[1], full[3], full[5]});
  }
}

TEST_CASE("cells: wrong shapes throw, naming the op") {
  Var x(Tensor::zeros({2, 3})), h(Tensor::zeros({2, 4})), c(Tensor::zeros({2, 4}));
  Var wx(Tensor::zeros({3, 16})), wh(Tensor::zeros({4, 16})), b(Tensor::zeros({16}));
  CHECK_NOTHROW(lstm_cell(x, h, c, wx, wh, b));
  CHECK_THROWS_WITH_AS(lstm_cell(x, h, c, wx, wh, Var(Tensor::zeros({12}))),
                       "lstm_cell: b has the wrong shape: got, expected [12] and [16]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(lstm_cell(x, Var(Tensor::zeros({3, 4})), c, wx, wh, b),
                       "lstm_cell: h must be [B, H] for the input: got [3, 4] and [2, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(lstm_cell_projected(Var(Tensor::zeros({2, 12})), h, c, wh),
                       "lstm_cell_projected: xproj has the wrong shape: got, expected [2, 12] and [2, 16]",
                       std::invalid_argument);
  CHECK_THROWS_AS(lstm_cell(x, h, Var(), wx, wh, b), std::invalid_argument);
  Var gwx(Tensor::zeros({3, 12})), gwh(Tensor::zeros({4, 12})), gb(Tensor::zeros({12}));
  CHECK_NOTHROW(gru_cell(x, h, gwx, gwh, gb, gb));
  CHECK_THROWS_WITH_AS(gru_cell(x, h, gwx, wh, gb, gb),
                       "gru_cell: w_h has the wrong shape: got, expected [4, 16] and [4, 12]", std::invalid_argument);
  CHECK_THROWS_AS(gru_cell_projected(Var(Tensor::zeros({2, 16})), h, gwh, gb), std::invalid_argument);
}

#include "nmt/autograd/ops_layer_norm.h"
#include "nmt/autograd/ops_loss.h"
#include "nmt/autograd/ops_softmax.h"
#include "nmt/tensor/memory_pool.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/allocation_counter.h"

TEST_CASE("a warm step through the fused ops of ops2 (cells, softmax, layer norm, loss) allocates nothing") {
  Generator gen(45);
  const int64_t batch = 32, in = 16, hidden = 64, vocab = 300;
  Parameter wx(random_tensor({in, 4 * hidden}, gen, -0.1f, 0.1f), "wx"), wh(random_tensor({hidden, 4 * hidden}, gen), "wh");
  Parameter b(Tensor::zeros({4 * hidden}), "b"), gwh(random_tensor({hidden, 3 * hidden}, gen), "gwh");
  Parameter gbh(Tensor::zeros({3 * hidden}), "gbh"), gamma(Tensor::full({hidden}, 1.f), "gamma");
  Parameter beta(Tensor::zeros({hidden}), "beta"), out(random_tensor({hidden, vocab}, gen), "out");
  Tensor x = random_tensor({batch, in}, gen), xg = random_tensor({batch, 3 * hidden}, gen);
  Tensor mask = Tensor::zeros({1, hidden});
  std::vector<int32_t> ids(batch);
  for (auto& id : ids) id = static_cast<int32_t>(gen.next() % vocab);
  ids[3] = -1;
  Tensor targets = Tensor::from_ids({batch}, ids);
  auto step = [&] {
    Var h0(Tensor::zeros({batch, hidden})), c0(Tensor::zeros({batch, hidden}));
    LstmState s = lstm_cell(Var(x), h0, c0, wx, wh, b);
    s = lstm_cell_projected(matmul(Var(x), wx) + b, s.h, s.c, wh);
    Var g = gru_cell_projected(Var(xg), s.h, gwh, gbh);
    Var y = layer_norm(softmax(g, mask) + log_softmax(s.c), gamma, beta);
    cross_entropy_with_stats(matmul(y, out), targets, 0.1f, -1, Reduction::mean).loss.backward();
  };
  // The same without GEMMs: only this file's kernels.
  Tensor logits = random_tensor({batch, vocab}, gen);
  auto kernels_step = [&] {
    Var z(logits, true);
    Var y = layer_norm(softmax(z) + log_softmax(z, Tensor::zeros({1, vocab})), Var(Tensor::full({vocab}, 1.f)),
                       Var(Tensor::zeros({vocab})));
    cross_entropy(y, targets, 0.1f).backward();
  };
  auto count = [](const auto& f) {
    for (int i = 0; i < 3; ++i) f();
    const uint64_t pool_before = MemoryPool::global().stats().system_allocations;
    nmt::testing::ScopedAllocationCount counter;
    for (int i = 0; i < 3; ++i) f();
    const uint64_t heap = counter.stop();
    CHECK(MemoryPool::global().stats().system_allocations == pool_before);
    return heap;
  };
  const int threads = num_threads();
  for (int t : {1, threads}) {
    CAPTURE(t);
    set_num_threads(t);
    CHECK(count(kernels_step) == 0);
    const uint64_t heap = count(step);
    if (t == 1)
      CHECK(heap == 0);
    else  // OpenBLAS's threaded GEMM mallocs job arrays for some shapes: outside the engine
      WARN_MESSAGE(heap == 0, t << " threads: " << heap << " heap allocations over 3 steps (OpenBLAS threaded GEMM)");
  }
  set_num_threads(threads);
}
