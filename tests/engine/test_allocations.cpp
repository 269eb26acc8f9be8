// A warm training step allocates nothing: no heap allocation (counted by the replacement
// allocation functions of allocation_counter.cpp, every thread) and no new block from the system
// in the MemoryPool. The first steps fill the pool and the tape; after them, each step reuses.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/autograd/ops_cells.h"
#include "nmt/autograd/ops_embedding.h"
#include "nmt/optim/optim.h"
#include "nmt/tensor/init.h"
#include "nmt/tensor/memory_pool.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/allocation_counter.h"

using namespace nmt;
using namespace nmt::optim;
using nmt::testing::ScopedAllocationCount;

TEST_CASE("the allocation counter sees heap allocations") {
  if (!nmt::testing::counting_available()) return;
  ScopedAllocationCount counter;
  auto* p = new int(3);
  std::vector<float> v(1000);
  std::string s(100, 'x');
  const uint64_t n = counter.stop();
  delete p;
  CHECK(n >= 3);
  ScopedAllocationCount quiet;
  int local = 0;
  local += 1;
  CHECK(quiet.stop() == 0);
}

namespace {

// Counts over `steps` calls of step() after `warmup` calls.
struct StepCounts {
  uint64_t heap = 0, pool_system = 0;
};
template <class Step>
StepCounts count_steps(const Step& step, int warmup, int steps) {
  for (int i = 0; i < warmup; ++i) step();
  const uint64_t pool_before = MemoryPool::global().stats().system_allocations;
  StepCounts c;
  {
    ScopedAllocationCount counter;
    for (int i = 0; i < steps; ++i) step();
    c.heap = counter.stop();
  }
  c.pool_system = MemoryPool::global().stats().system_allocations - pool_before;
  return c;
}

}  // namespace

TEST_CASE("a warm MLP training step allocates nothing, with every optimizer") {
  if (!nmt::testing::counting_available()) MESSAGE("heap counting unavailable (sanitizer build): pool only");
  Generator gen(2);
  // W1 is 128 x 512 = 65536 values: above kParallelThreshold, so the OpenMP paths run too.
  Parameter w1(init::glorot_uniform({128, 512}, 1.f, gen), "w1"), b1(init::zeros({512}), "b1");
  Parameter w2(init::glorot_uniform({512, 16}, 1.f, gen), "w2"), b2(init::zeros({16}), "b2");
  std::vector<Parameter> params{w1, b1, w2, b2};
  const int threads = num_threads();

  for (std::string kind : {"sgd", "adam", "adamw"}) {
    CAPTURE(kind);
    std::unique_ptr<Optimizer> opt;
    if (kind == "sgd") opt = std::make_unique<SGD>(params, SGDOptions{.lr = 0.01f, .momentum = 0.9f});
    if (kind == "adam") opt = std::make_unique<Adam>(params, AdamOptions{.lr = 1e-3f});
    if (kind == "adamw") opt = std::make_unique<AdamW>(params, AdamOptions{.lr = 1e-3f});
    for (int64_t batch : {32, 2}) {
      CAPTURE(batch);
      Tensor x = init::normal({batch, 128}, 0.f, 1.f, gen), target = init::normal({batch, 16}, 0.f, 1.f, gen);
      Tensor ones = Tensor::full({16, 1}, 1.f), mean = Tensor::full({batch, 1}, 1.f / (batch * 16));
      float loss_value = 0;
      bool finite = true;
      auto step = [&] {
        opt->zero_grad();
        Var h = matmul(Var(x), w1) + b1;
        Var y = matmul(h * h * 0.1f, w2) + b2;
        Var d = y - Var(target);
        Var loss = matmul(matmul(d * d, Var(ones)), Var(mean), true);
        loss.backward();
        clip_grad_norm(params, 1.f);
        finite = finite && grads_finite(params);
        opt->set_learning_rate(opt->learning_rate() * 0.999f);  // as a schedule would
        opt->step();
        loss_value = loss.item();
      };
      // One thread: every kernel and OpenBLAS run serially. Nothing may allocate.
      set_num_threads(1);
      StepCounts c = count_steps(step, 3, 5);
      CHECK(finite);
      CHECK(c.heap == 0);
      CHECK(c.pool_system == 0);
      MESSAGE(kind << ", batch " << batch << ", 1 thread: loss " << loss_value << ", heap allocations " << c.heap
                   << ", pool system allocations " << c.pool_system << " over 5 steps");
      // All threads. With batch 2 every GEMM is below OpenBLAS's threading threshold (m n k <
      // 262144) while the optimizer's loops over W1 run in parallel: nothing may allocate. With
      // batch 32 OpenBLAS threads its GEMMs, and its threaded driver (driver/level3/level3_thread.c,
      // gemm_driver, built with USE_ALLOC_HEAP as Debian's 0.3.21 is) mallocs and frees a job array
      // on every call: outside the engine, so that count is reported, not required to be 0.
      set_num_threads(threads);
      StepCounts t = count_steps(step, 3, 5);
      CHECK(t.pool_system == 0);
      if (batch == 2 || threads == 1)
        CHECK(t.heap == 0);
      else
        WARN_MESSAGE(t.heap == 0, kind << ", " << threads << " threads: " << t.heap
                                       << " heap allocations over 5 steps (OpenBLAS threaded GEMM job arrays)");
    }
  }
}

// Model-sized checks over every op family. Output widths are multiples of 16: for small GEMMs
// OpenBLAS 0.3.21 uses its AVX-512 small-matrix kernels (kernel/x86_64/sgemm_small_kernel_*_skylakex.c),
// which malloc and free a buffer on every call whose column-major M (our row-major N, the output
// width) leaves a remainder of 1..8 modulo 16 with K >= 32. That is outside the engine.
// Each runs on one thread (every kernel serial) and on all threads; the GEMMs are kept below
// OpenBLAS's threading threshold, whose threaded driver allocates (see above).

// Steps `step` with 1 and with all threads and checks that nothing allocates.
template <class Step>
void check_no_allocations(const Step& step) {
  const int threads = num_threads();
  for (int t : {1, threads}) {
    CAPTURE(t);
    set_num_threads(t);
    StepCounts c = count_steps(step, 3, 4);
    CHECK(c.pool_system == 0);
    CHECK(c.heap == 0);
  }
  set_num_threads(threads);
}

TEST_CASE("a warm LSTM training step allocates nothing (embedding, lstm_cell, slice, stack, cross-entropy)") {
  const int64_t batch = 16, steps = 6, vocab = 64, embed = 32, hidden = 32;
  Generator gen(5);
  Parameter table(init::uniform({vocab, embed}, 0.1f, gen), "embedding");
  Parameter w_x(init::glorot_uniform({embed, 4 * hidden}, 1.f, gen), "w_x");
  Parameter w_h(init::glorot_uniform({hidden, 4 * hidden}, 1.f, gen), "w_h"), b(init::zeros({4 * hidden}), "b");
  Parameter w_out(init::glorot_uniform({hidden, vocab}, 1.f, gen), "w_out"), b_out(init::zeros({vocab}), "b_out");
  std::vector<Parameter> params{table, w_x, w_h, b, w_out, b_out};
  AdamW opt(params, {.lr = 1e-3f});
  std::vector<int32_t> in(batch * steps), out(batch * steps);
  for (auto& id : in) id = static_cast<int32_t>(gen.next() % vocab);
  for (auto& id : out) id = static_cast<int32_t>(gen.next() % vocab);
  out[3] = -1;  // an ignored (padding) position
  Tensor inputs = Tensor::from_ids({steps, batch}, in), targets = Tensor::from_ids({steps, batch}, out);
  Var zeros(Tensor::zeros({batch, hidden}));
  std::vector<Var> hs;
  hs.reserve(steps);  // kept across steps, as a model would
  auto step = [&] {
    opt.zero_grad();
    Var x = embedding(table, inputs, 0);
    LstmState state{zeros, zeros};
    hs.clear();
    for (int64_t t = 0; t < steps; ++t) {
      state = lstm_cell(reshape(slice(x, 0, t, t + 1), {batch, embed}), state.h, state.c, w_x, w_h, b);
      hs.push_back(state.h);
    }
    Var logits = matmul(nmt::tanh(stack(hs, 0)), w_out) + b_out;
    Var loss = cross_entropy(logits, targets, 0.1f, -1, Reduction::mean);
    hs.clear();
    loss.backward();
    clip_grad_norm(params, 1.f);
    opt.step();
  };
  check_no_allocations(step);
}

TEST_CASE("a warm Transformer-like step allocates nothing (attention, permute, softmax, layer norm, GELU)") {
  const int64_t batch = 4, len = 8, d = 32, heads = 4, dh = d / heads;
  Generator gen(6);
  Parameter w_qkv(init::glorot_uniform({d, 3 * d}, 1.f, gen), "w_qkv"), w_o(init::glorot_uniform({d, d}, 1.f, gen), "w_o");
  Parameter gamma(init::ones({d}), "gamma"), beta(init::zeros({d}), "beta");
  Parameter w1(init::glorot_uniform({d, 4 * d}, 1.f, gen), "w1"), w2(init::glorot_uniform({4 * d, d}, 1.f, gen), "w2");
  std::vector<Parameter> params{w_qkv, w_o, gamma, beta, w1, w2};
  Adam opt(params, {.lr = 1e-3f});
  Tensor x = init::normal({batch, len, d}, 0.f, 1.f, gen);
  Tensor padding = Tensor::zeros({batch, 1, 1, len});
  padding.f32()[len - 1] = -INFINITY;  // the first sentence's last position is padding
  auto step = [&] {
    opt.zero_grad();
    Var qkv = permute(reshape(matmul(Var(x), w_qkv), {batch, len, 3, heads, dh}), {2, 0, 3, 1, 4});
    Var q = reshape(slice(qkv, 0, 0, 1), {batch, heads, len, dh});
    Var k = reshape(slice(qkv, 0, 1, 2), {batch, heads, len, dh});
    Var v = reshape(slice(qkv, 0, 2, 3), {batch, heads, len, dh});
    Var p = softmax(batched_matmul(q, k, false, true) * 0.35f, padding);
    Var ctx = reshape(transpose(batched_matmul(p, v), 1, 2), {batch, len, d});
    Var h = layer_norm(Var(x) + matmul(ctx, w_o), gamma, beta);
    Var y = h + matmul(nmt::gelu(matmul(h, w1)), w2);
    Var loss = mean_all(y * y);
    loss.backward();
    opt.step();
  };
  check_no_allocations(step);
}
