// nmt-bench: how fast the engine is, as JSON lines (one per figure, each with a "name").
//
//   matmul / batched_matmul   GFLOP/s through the engine's Var ops (under NoGradGuard) vs raw
//                             cblas_sgemm on the same shapes in the same run ("ratio_vs_sgemm").
//   softmax, layer_norm, cross_entropy
//                             fused kernels' throughput in GB/s (bytes read + written, counted
//                             as the kernels' minimal traffic, given as "bytes") vs memcpy moving
//                             as many bytes ("ratio_vs_memcpy"); forward, and forward + backward.
//   train_lstm, train_transformer
//                             one training step (forward, backward, Adam) of a small model:
//                             "ms_per_step", "tokens_per_s", "allocations_per_step" (heap
//                             allocations, every thread, counted by the replacement allocation
//                             functions below, after warm-up) and "pool_system_allocations_per_step".
//
// Every time is the best of several repetitions (each long enough to time well), engine and
// reference measured alternately, to keep noise out of the ratios.
//
// Usage: nmt-bench [--threads N] [--quick] [--cpu-time] [--only SUBSTRING]
//   --threads N   threads for OpenBLAS and the engine's kernels (default: all cores)
//   --quick       fewer and shorter repetitions
//   --cpu-time    time by process CPU time instead of wall time (for --threads 1 on a busy machine)
//   --only S      only the figures whose name contains S
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/autograd/ops_cells.h"
#include "nmt/autograd/ops_embedding.h"
#include "nmt/autograd/ops_loss.h"
#include "nmt/optim/optim.h"
#include "nmt/tensor/blas.h"
#include "nmt/tensor/gemm_int8.h"
#include "nmt/tensor/init.h"
#include "nmt/tensor/memory_pool.h"
#include "nmt/tensor/threading.h"
#include "command_line.h"
#include "json_record.h"
#include "version_option.h"

// ---- heap allocation counting ----------------------------------------------------------------
// The C allocation functions, replaced for this program: they forward to glibc's own and count
// while g_counting is set. operator new, std::vector, OpenBLAS, OpenMP and the MemoryPool all
// allocate through them, so every heap allocation of every thread is seen.

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Called for each counted allocation: `gdb -ex 'break nmt_bench_counted_allocation'` shows where
// the allocations of a step come from.
extern "C" [[gnu::noinline]] void nmt_bench_counted_allocation() {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  asm volatile("");
}
static inline void note_allocation() {
  if (g_counting.load(std::memory_order_relaxed)) nmt_bench_counted_allocation();
}

#if !defined(__SANITIZE_ADDRESS__) && defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* malloc(std::size_t size) {
  note_allocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  note_allocation();
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  note_allocation();
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}
void* valloc(std::size_t size) {
  note_allocation();
  return __libc_memalign(4096, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  note_allocation();
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}  // extern "C"
constexpr bool kCounting = true;
#else
constexpr bool kCounting = false;
#endif

using namespace nmt;

namespace {

// ---- options, timing, output -----------------------------------------------------------------

struct Options {
  int threads = 0;  // 0: all cores
  bool quick = false;
  std::string only;  // run the figures whose name contains this
  bool cpu_time = false;  // time by the process's CPU time instead of the wall clock
  int repetitions() const { return quick ? 3 : 7; }
  double min_seconds() const { return quick ? 0.02 : 0.1; }  // per repetition
  bool wants(const std::string& name) const { return only.empty() || name.find(only) != std::string::npos; }
};

bool g_cpu_clock = false;

// Seconds on the clock chosen: the wall clock, or (--cpu-time) the CPU time of the whole process,
// which a busy machine does not inflate; it counts every thread's time, spinning included, so it
// is meant for --threads 1.
double now() {
  if (g_cpu_clock) {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds per call of each function, best over the repetitions; the functions are timed in turn
// within each repetition so that both see the same machine state.
std::vector<double> time_calls(const std::vector<std::function<void()>>& fs, const Options& o) {
  std::vector<int> calls(fs.size());
  for (std::size_t i = 0; i < fs.size(); ++i) {
    fs[i]();  // warm-up
    double t = now();
    fs[i]();
    double one = std::max(now() - t, 1e-7);
    calls[i] = std::max(1, static_cast<int>(o.min_seconds() / one));
  }
  std::vector<double> best(fs.size(), 1e30);
  for (int r = 0; r < o.repetitions(); ++r)
    for (std::size_t i = 0; i < fs.size(); ++i) {
      double t = now();
      for (int c = 0; c < calls[i]; ++c) fs[i]();
      best[i] = std::min(best[i], (now() - t) / calls[i]);
    }
  return best;
}

using nmt::tools::JsonRecord;

Tensor random(const Shape& shape, Generator& gen) { return init::uniform(shape, 1.f, gen); }

// ---- matmul ----------------------------------------------------------------------------------

// The engine runs OpenBLAS single-threaded on blocks it splits over its own threads
// (nmt/tensor/blas.cpp); raw cblas_sgemm is measured with OpenBLAS's own threading, as a user
// calling it directly would get it.
extern "C" void openblas_set_num_threads(int);
struct RawSgemmThreads {
  RawSgemmThreads() { openblas_set_num_threads(num_threads()); }
  // OpenBLAS's OpenMP build sets OpenMP's thread count too: set_num_threads restores ours.
  ~RawSgemmThreads() { set_num_threads(num_threads()); }
};

void bench_matmul(const Options& o) {
  Generator gen(1);
  struct Case { int64_t m, n, k; };
  for (Case c : {Case{256, 256, 256}, Case{1024, 1024, 1024}, Case{4096, 256, 1024}}) {
    const std::string shape = std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k);
    if (!o.wants("matmul " + shape)) continue;
    Var a(random({c.m, c.k}, gen)), b(random({c.k, c.n}, gen));
    Tensor out = Tensor::empty({c.m, c.n});
    NoGradGuard no_grad;
    auto t = time_calls(
        {[&] { Var y = matmul(a, b); },
         [&] {
           RawSgemmThreads raw;
           cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k, 1.f, a.value().f32(), c.k,
                       b.value().f32(), c.n, 0.f, out.f32(), c.n);
         }},
        o);
    const double flop = 2.0 * c.m * c.n * c.k;
    JsonRecord("name", "matmul")
        .add("shape_mxnxk", shape)
        .add("gflops", flop / t[0] / 1e9)
        .add("sgemm_gflops", flop / t[1] / 1e9)
        .add("ratio_vs_sgemm", t[1] / t[0])
        .add("threads", num_threads());
  }
  // Attention-like: 32 x 8 heads, each [32 x 32] x [32 x 64] (M x K times K x N).
  if (o.wants("batched_matmul")) {
    const int64_t batch = 32, heads = 8, m = 32, n = 64, k = 32, count = batch * heads;
    Var a(random({batch, heads, m, k}, gen)), b(random({batch, heads, k, n}, gen));
    Tensor out = Tensor::empty({batch, heads, m, n});
    NoGradGuard no_grad;
    auto t = time_calls({[&] { Var y = batched_matmul(a, b); },
                         [&] {
                           RawSgemmThreads raw;
                           const float* pa = a.value().f32();
                           const float* pb = b.value().f32();
                           float* pc = out.f32();
                           for (int64_t i = 0; i < count; ++i)
                             cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.f, pa + i * m * k, k,
                                         pb + i * k * n, n, 0.f, pc + i * m * n, n);
                         }},
                        o);
    const double flop = 2.0 * count * m * n * k;
    JsonRecord("name", "batched_matmul")
        .add("shape_bxmxnxk", "256x32x64x32")
        .add("gflops", flop / t[0] / 1e9)
        .add("sgemm_gflops", flop / t[1] / 1e9)
        .add("ratio_vs_sgemm", t[1] / t[0])
        .add("threads", num_threads());
  }
}

// ---- bf16 GEMMs (training's --gemm-precision bf16) --------------------------------------------

// The products of an RNN update (batch of ~145 sentences, 20 steps, hidden 512, vocabulary 8000),
// through blas::gemm in float32 (OpenBLAS) and in bfloat16 (our AVX512-BF16 kernel). A weight
// operand is converted once per update (blas::ParameterScope): timed over repeated calls in one
// scope, as the steps of an update do.
void bench_gemm_bf16(const Options& o) {
  if (!o.wants("gemm_bf16")) return;
  if (!blas::bf16_supported()) {
    JsonRecord("name", "gemm_bf16").add("skipped", "this CPU has no AVX512-BF16");
    return;
  }
  struct Case { const char* name; bool ta, tb; int64_t m, n, k; bool weight; };
  const Case cases[] = {
      {"h W_h (one step)", false, false, 145, 2048, 512, true},
      {"x W_x (all steps)", false, false, 2900, 2048, 256, true},
      {"output projection", false, false, 2900, 8000, 256, true},
      {"dh = da W_h^T", false, true, 145, 512, 2048, true},
      {"dW_h = h^T da", true, false, 512, 2048, 145, false},
      {"dW_out = x^T dlogits", true, false, 256, 8000, 2900, false},
      {"dx = dlogits W_out^T", false, true, 2900, 256, 8000, true},
  };
  Generator gen(3);
  for (const Case& c : cases) {
    Tensor a = random({c.m, c.k}, gen), b = random({c.k, c.n}, gen), out = Tensor::empty({c.m, c.n});
    const blas::Operand kind = c.weight ? blas::Operand::parameter : blas::Operand::transient;
    auto product = [&](blas::Precision p) {
      blas::set_precision(p);
      blas::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.f, a.f32(), b.f32(), 0.f, out.f32(), kind);
    };
    std::optional<blas::ParameterScope> scope(std::in_place);
    auto t = time_calls({[&] { product(blas::Precision::fp32); }, [&] { product(blas::Precision::bf16); }}, o);
    scope.reset();
    blas::set_precision(blas::Precision::fp32);
    const double flop = 2.0 * c.m * c.n * c.k;
    JsonRecord("name", "gemm_bf16")
        .add("product", c.name)
        .add("shape_mxnxk", std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k))
        .add("fp32_gflops", flop / t[0] / 1e9)
        .add("bf16_gflops", flop / t[1] / 1e9)
        .add("ratio_vs_fp32", t[0] / t[1])
        .add("threads", num_threads());
  }
}

// ---- int8 GEMMs (decoding's --precision int8) -----------------------------------------------

// The products of one Transformer decoding step (d 256, d_ff 1024, vocabulary 8000; 320 rows =
// beam 5 x batch 64, and 1 row = one sentence at beam 1), a weight as B: float32 (OpenBLAS) and
// int8 (gemm_int8.h, the weight quantised once, the activations at every call), both kernels.
// The largest of them measures the machine's GEMM peak for the README.
void bench_gemm_int8(const Options& o) {
  if (!o.wants("gemm_int8")) return;
  if (!blas::int8_supported()) {
    JsonRecord("name", "gemm_int8").add("skipped", "this CPU has no AVX2");
    return;
  }
  struct Case { const char* name; int64_t m, n, k; bool trans_b; };
  const Case cases[] = {
      {"self-attention qkv", 320, 768, 256, false}, {"feed-forward in", 320, 1024, 256, false},
      {"feed-forward out", 320, 256, 1024, false},  {"output (tied, 8000 words)", 320, 8000, 256, true},
      {"output, one sentence", 1, 8000, 256, true}, {"feed-forward in, one sentence", 1, 1024, 256, false},
      {"large square", 1024, 1024, 1024, false},
  };
  Generator gen(3);
  const blas::int8::Kernel chosen = blas::int8::kernel();
  for (const Case& c : cases) {
    Tensor a = random({c.m, c.k}, gen), b = random({c.k, c.n}, gen), out = Tensor::empty({c.m, c.n});
    auto product = [&] {
      blas::gemm(false, c.trans_b, c.m, c.n, c.k, 1.f, a.f32(), b.f32(), 0.f, out.f32(), blas::Operand::parameter);
    };
    std::vector<double> t;
    {
      blas::PrecisionScope fp32(blas::Precision::fp32);
      t.push_back(time_calls({product}, o)[0]);
    }
    std::vector<blas::int8::Kernel> kernels{blas::int8::Kernel::avx2};
    if (blas::int8::supported(blas::int8::Kernel::vnni)) kernels.insert(kernels.begin(), blas::int8::Kernel::vnni);
    for (blas::int8::Kernel kernel : kernels) {
      blas::int8::set_kernel(kernel);
      blas::PrecisionScope int8(blas::Precision::int8);
      t.push_back(time_calls({product}, o)[0]);
    }
    blas::int8::set_kernel(chosen);
    const double flop = 2.0 * c.m * c.n * c.k;
    JsonRecord r("name", "gemm_int8");
    r.add("product", c.name)
        .add("shape_mxnxk", std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k))
        .add("fp32_gflops", flop / t[0] / 1e9);
    for (std::size_t i = 0; i < kernels.size(); ++i)
      r.add(std::string(blas::int8::kernel_name(kernels[i])) + "_gops", flop / t[i + 1] / 1e9)
          .add(std::string("ratio_") + blas::int8::kernel_name(kernels[i]) + "_vs_fp32", t[0] / t[i + 1]);
    r.add("threads", num_threads());
  }
}

// ---- fused kernels vs memcpy -----------------------------------------------------------------

// Times `op` (moving `bytes` bytes) against a memcpy of as many bytes (bytes / 2 read, bytes / 2
// written) and prints GB/s.
void report_bandwidth(const std::string& name, const std::string& pass, const std::string& shape, double bytes,
                      const std::function<void()>& op, const Options& o) {
  const std::size_t half = static_cast<std::size_t>(bytes / 2);
  std::vector<char> src(half, 1), dst(half, 0);
  auto t = time_calls({op, [&] { std::memcpy(dst.data(), src.data(), half); }}, o);
  JsonRecord("name", name)
      .add("pass", pass)
      .add("shape", shape)
      .add("bytes", bytes)
      .add("gbs", bytes / t[0] / 1e9)
      .add("memcpy_gbs", bytes / t[1] / 1e9)
      .add("ratio_vs_memcpy", t[1] / t[0])
      .add("threads", num_threads());
}

void bench_fused(const Options& o) {
  Generator gen(2);
  const int64_t rows = 16384, n = 2048;  // 32 Mi values, 128 MiB per tensor: well beyond the caches
  const std::string shape = std::to_string(rows) + "x" + std::to_string(n);
  const double values = static_cast<double>(rows * n), f = sizeof(float);
  Tensor x = random({rows, n}, gen), g = random({rows, n}, gen);

  if (o.wants("softmax")) {
    {
      NoGradGuard no_grad;
      Var xv(x);
      // Forward reads x and writes y.
      report_bandwidth("softmax", "forward", shape, 2 * values * f, [&] { Var y = softmax(xv); }, o);
    }
    // Backward reads y and dy and writes dx: 5 tensors in all. (backward() also clones dy.)
    Var xg(x, true);
    report_bandwidth("softmax", "forward_backward", shape, 5 * values * f, [&] {
      Var y = softmax(xg);
      y.backward(g);
    }, o);
  }
  if (o.wants("layer_norm")) {
    Var gamma(init::ones({n}), true), beta(init::zeros({n}), true);
    {
      NoGradGuard no_grad;
      Var xv(x);
      report_bandwidth("layer_norm", "forward", shape, 2 * values * f, [&] { Var y = layer_norm(xv, gamma, beta); }, o);
    }
    Var xg(x, true);
    report_bandwidth("layer_norm", "forward_backward", shape, 5 * values * f, [&] {
      Var y = layer_norm(xg, gamma, beta);
      y.backward(g);
    }, o);
  }
  if (o.wants("cross_entropy")) {
    std::vector<int32_t> ids(rows);
    for (auto& id : ids) id = static_cast<int32_t>(gen.next() % n);
    Tensor targets = Tensor::from_ids({rows}, ids);
    {
      NoGradGuard no_grad;
      Var xv(x);
      // Forward reads the logits (and the targets); the loss is one number.
      report_bandwidth("cross_entropy", "forward", shape, values * f + rows * 4.0,
                       [&] { Var loss = cross_entropy(xv, targets, 0.1f); }, o);
    }
    // Backward reads the logits again and writes their gradient.
    Var xg(x, true);
    report_bandwidth("cross_entropy", "forward_backward", shape, 3 * values * f + rows * 8.0, [&] {
      Var loss = cross_entropy(xg, targets, 0.1f);
      loss.backward();
    }, o);
  }
}

// ---- training steps --------------------------------------------------------------------------

// Times `step` (after warm-up) and counts its allocations; prints one line.
void report_training(const std::string& name, const std::string& model, int64_t tokens,
                     const std::function<float()>& step, const Options& o) {
  for (int i = 0; i < 3; ++i) step();  // warm-up: fills the pool, the tape, OpenBLAS buffers
  const int counted = o.quick ? 3 : 5;
  const uint64_t pool_before = MemoryPool::global().stats().system_allocations;
  const uint64_t heap_before = g_allocations.load();
  g_counting = true;
  for (int i = 0; i < counted; ++i) step();
  g_counting = false;
  const double heap = static_cast<double>(g_allocations.load() - heap_before) / counted;
  const double pool = static_cast<double>(MemoryPool::global().stats().system_allocations - pool_before) / counted;
  float loss = 0;
  auto t = time_calls({[&] { loss = step(); }}, o);
  JsonRecord("name", name)
      .add("model", model)
      .add("ms_per_step", t[0] * 1e3)
      .add("tokens_per_s", tokens / t[0])
      .add("allocations_per_step", kCounting ? heap : -1.0)
      .add("pool_system_allocations_per_step", pool)
      .add("loss", loss)
      .add("threads", num_threads());
}

std::vector<int32_t> random_ids(int64_t count, int64_t vocab, Generator& gen) {
  std::vector<int32_t> ids(static_cast<std::size_t>(count));
  for (auto& id : ids) id = static_cast<int32_t>(gen.next() % static_cast<uint64_t>(vocab));
  return ids;
}

// A one-layer LSTM language model: embedding, LSTM over T steps (input projections of all steps
// in one GEMM, then lstm_cell_projected per step), output projection, cross-entropy.
void bench_lstm(const Options& o) {
  const int64_t batch = 64, steps = 30, hidden = 256, vocab = 1000;
  Generator gen(3);
  Parameter table(init::uniform({vocab, hidden}, 0.1f, gen), "embedding");
  Parameter w_x(init::glorot_uniform({hidden, 4 * hidden}, 1.f, gen), "w_x");
  Parameter w_h(init::glorot_uniform({hidden, 4 * hidden}, 1.f, gen), "w_h");
  Parameter b(init::zeros({4 * hidden}), "b");
  Parameter w_out(init::glorot_uniform({hidden, vocab}, 1.f, gen), "w_out");
  Parameter b_out(init::zeros({vocab}), "b_out");
  std::vector<Parameter> params{table, w_x, w_h, b, w_out, b_out};
  optim::Adam adam(params, {.lr = 1e-3f});
  Tensor ids = Tensor::from_ids({steps, batch}, random_ids(steps * batch, vocab, gen));  // time-major
  Tensor targets = Tensor::from_ids({steps, batch}, random_ids(steps * batch, vocab, gen));
  Var zeros(Tensor::zeros({batch, hidden}));
  std::vector<Var> outputs;
  outputs.reserve(steps);  // reused: a warm step allocates nothing
  auto step = [&] {
    adam.zero_grad();
    Var xproj = matmul(embedding(table, ids), w_x) + b;  // [T, B, 4H]
    LstmState state{zeros, zeros};
    outputs.clear();
    for (int64_t t = 0; t < steps; ++t) {
      state = lstm_cell_projected(reshape(slice(xproj, 0, t, t + 1), {batch, 4 * hidden}), state.h, state.c, w_h);
      outputs.push_back(state.h);
    }
    Var logits = matmul(stack(outputs, 0), w_out) + b_out;  // [T, B, V]
    Var loss = cross_entropy(logits, targets, 0.1f, -1, Reduction::mean);
    loss.backward();
    optim::clip_grad_norm(params, 5.f);
    adam.step();
    outputs.clear();
    return loss.item();
  };
  report_training("train_lstm", "lstm b64 t30 h256 v1000", batch * steps, step, o);
}

// A Transformer-like block (Vaswani et al. 2017, post-LN): causal self-attention with 4 heads,
// residual + layer norm, ReLU feed-forward (d -> 4d -> d), residual + layer norm, then an
// output projection to the vocabulary and cross-entropy.
void bench_transformer(const Options& o) {
  const int64_t batch = 32, len = 32, d = 256, heads = 4, dh = d / heads, ff = 4 * d, vocab = 1000;
  Generator gen(4);
  Parameter table(init::normal({vocab, d}, 0.f, 0.05f, gen), "embedding");
  Parameter w_qkv(init::glorot_uniform({d, 3 * d}, 1.f, gen), "w_qkv"), b_qkv(init::zeros({3 * d}), "b_qkv");
  Parameter w_o(init::glorot_uniform({d, d}, 1.f, gen), "w_o"), b_o(init::zeros({d}), "b_o");
  Parameter g1(init::ones({d}), "ln1.gamma"), be1(init::zeros({d}), "ln1.beta");
  Parameter w1(init::glorot_uniform({d, ff}, 1.f, gen), "w1"), b1(init::zeros({ff}), "b1");
  Parameter w2(init::glorot_uniform({ff, d}, 1.f, gen), "w2"), b2(init::zeros({d}), "b2");
  Parameter g2(init::ones({d}), "ln2.gamma"), be2(init::zeros({d}), "ln2.beta");
  Parameter w_out(init::glorot_uniform({d, vocab}, 1.f, gen), "w_out");
  std::vector<Parameter> params{table, w_qkv, b_qkv, w_o, b_o, g1, be1, w1, b1, w2, b2, g2, be2, w_out};
  optim::Adam adam(params, {.lr = 1e-3f});
  Tensor ids = Tensor::from_ids({batch, len}, random_ids(batch * len, vocab, gen));
  Tensor targets = Tensor::from_ids({batch, len}, random_ids(batch * len, vocab, gen));
  Tensor causal = Tensor::zeros({len, len});
  for (int64_t i = 0; i < len; ++i)
    for (int64_t j = i + 1; j < len; ++j) causal.f32()[i * len + j] = -INFINITY;
  const float scale = 1.f / std::sqrt(static_cast<float>(dh));
  auto step = [&] {
    adam.zero_grad();
    Var x = embedding(table, ids);                                           // [B, T, d]
    Var qkv = permute(reshape(matmul(x, w_qkv) + b_qkv, {batch, len, 3, heads, dh}), {2, 0, 3, 1, 4});
    Var q = reshape(slice(qkv, 0, 0, 1), {batch, heads, len, dh});           // [B, H, T, dh]
    Var k = reshape(slice(qkv, 0, 1, 2), {batch, heads, len, dh});
    Var v = reshape(slice(qkv, 0, 2, 3), {batch, heads, len, dh});
    Var p = softmax(batched_matmul(q, k, false, true) * scale, causal);      // [B, H, T, T]
    Var ctx = reshape(permute(batched_matmul(p, v), {0, 2, 1, 3}), {batch, len, d});
    Var x1 = layer_norm(x + (matmul(ctx, w_o) + b_o), g1, be1);
    Var x2 = layer_norm(x1 + (matmul(relu(matmul(x1, w1) + b1), w2) + b2), g2, be2);
    Var loss = cross_entropy(matmul(x2, w_out), targets, 0.1f, -1, Reduction::mean);
    loss.backward();
    optim::clip_grad_norm(params, 1.f);
    adam.step();
    return loss.item();
  };
  report_training("train_transformer", "block d256 h4 ff1024 b32 t32 v1000", batch * len, step, o);
}

void bench_training(const Options& o) {
  if (o.wants("train_lstm")) bench_lstm(o);
  if (o.wants("train_transformer")) bench_transformer(o);
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-bench")) return 0;
  Options o;
  constexpr const char* kUsage = "usage: nmt-bench [--threads N] [--quick] [--cpu-time] [--only SUBSTRING] [--version]\n";
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (arg == "--threads") {
        o.threads = args.positive_integer(arg);
      } else if (arg == "--quick") {
        o.quick = true;
      } else if (arg == "--cpu-time") {
        o.cpu_time = true;
      } else if (arg == "--only") {
        o.only = args.value(arg);
      } else {
        throw nmt::tools::CommandLine::unknown(arg);
      }
    }
  } catch (const nmt::tools::UsageError& e) {
    std::fprintf(stderr, "nmt-bench: %s\n%s", e.what(), kUsage);
    return 2;
  }
  set_num_threads(o.threads);
  g_cpu_clock = o.cpu_time;
  // The setting the figures depend on. OMP_WAIT_POLICY matters: OpenBLAS (pthreads build) and
  // OpenMP keep separate thread pools, and OpenMP workers spinning after a region slow down the
  // GEMMs that follow when there are few cores.
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  JsonRecord("name", "config")
      .add("threads", num_threads())
      .add("quick", o.quick ? "yes" : "no")
      .add("clock", o.cpu_time ? "process_cpu" : "wall")
      .add("openblas", openblas_get_config())
      .add("omp_wait_policy", wait_policy ? wait_policy : "default")
      .add("heap_counting", kCounting ? "yes" : "no");
  try {
    bench_matmul(o);
    bench_gemm_bf16(o);
    bench_gemm_int8(o);
    bench_fused(o);
    bench_training(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nmt-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
