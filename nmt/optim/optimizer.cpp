// The common part of every optimizer, gradient-norm clipping and the non-finite check.
#include "nmt/optim/optimizer.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_set>

#include "nmt/tensor/kernel_dispatch.h"
#include "nmt/tensor/threading.h"

namespace nmt::optim {
namespace {

// Elementwise work on big tensors is split into fixed chunks run by OpenMP threads; each
// element's result depends on that element only, so any split gives the same bits.
constexpr int64_t kChunk = 1 << 14;

// Whether to open a parallel region. Decided here rather than with an OpenMP if() clause: libgomp
// mallocs (and frees) a team for every region that runs on one thread, including one whose if()
// is false; teams of several threads are cached. Skipping the region keeps steps allocation-free.
bool go_parallel(int64_t n) { return n > kParallelThreshold && omp_get_max_threads() > 1; }

template <class Body>
void parallel_chunks(int64_t n, const Body& body) {
  if (!go_parallel(n)) {
    body(0, n);
    return;
  }
  const int64_t count = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < count; ++c) body(c * kChunk, std::min(n, (c + 1) * kChunk));
}

// A sum over [0, n) as partial sums of fixed blocks (a function of n only), added in order: the
// same bits whatever the thread count. At most kMaxBlocks blocks, so the partials fit the stack.
constexpr int64_t kMaxBlocks = 256;

template <class BlockSum>
double blocked_sum(int64_t n, const BlockSum& block_sum) {
  if (n <= kParallelThreshold) return block_sum(0, n);
  const int64_t block = std::max<int64_t>(kParallelThreshold, (n + kMaxBlocks - 1) / kMaxBlocks);
  const int64_t count = (n + block - 1) / block;
  double partial[kMaxBlocks];
  if (go_parallel(n)) {
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < count; ++b) partial[b] = block_sum(b * block, std::min(n, (b + 1) * block));
  } else {
    for (int64_t b = 0; b < count; ++b) partial[b] = block_sum(b * block, std::min(n, (b + 1) * block));
  }
  double sum = 0;
  for (int64_t b = 0; b < count; ++b) sum += partial[b];
  return sum;
}

// sum x_i^2 in double. Eight independent accumulators: the compiler vectorises them (a plain
// running sum would not be, as float addition is not associative).
NMT_KERNEL double sum_of_squares(const float* x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(x[i + j]) * static_cast<double>(x[i + j]);
  double sum = 0;
  for (; i < n; ++i) sum += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  for (int j = 0; j < 8; ++j) sum += acc[j];
  return sum;
}

// Counts NaNs and infinities: all exponent bits set. Integer work, so it vectorises.
NMT_KERNEL int64_t count_non_finite(const float* x, int64_t n) {
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) bad += (std::bit_cast<uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u;
  return bad;
}

NMT_KERNEL void scale_in_place(float* x, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

double squared_norm(const std::vector<Parameter>& parameters) {
  double total = 0;
  for (const Parameter& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    const float* g = p.grad().f32();
    total += blocked_sum(p.grad().numel(), [g](int64_t b, int64_t e) { return sum_of_squares(g + b, e - b); });
  }
  return total;
}

}  // namespace

// ---- Optimizer -----------------------------------------------------------------------------

Optimizer::Optimizer(std::vector<Parameter> parameters, float learning_rate, const char* algorithm, int slots)
    : parameters_(std::move(parameters)), learning_rate_(0.f), algorithm_(algorithm), slots_(slots) {
  set_learning_rate(learning_rate);
  std::unordered_set<const Node*> seen;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    if (!p.defined() || p.value().dtype() != DType::f32)
      throw std::invalid_argument(std::string(algorithm) + ": parameter " + std::to_string(i) +
                                  " is undefined or not float32");
    if (!seen.insert(p.node()).second)
      throw std::invalid_argument(std::string(algorithm) + ": parameter '" + p.name() +
                                  "' is listed twice (it would be updated twice per step)");
  }
  buffers_.reserve(parameters_.size() * static_cast<std::size_t>(slots_));
  for (const Parameter& p : parameters_)
    for (int s = 0; s < slots_; ++s) buffers_.push_back(Tensor::zeros(p.shape()));
}

void Optimizer::set_learning_rate(float lr) {
  if (!(lr >= 0.f) || !std::isfinite(lr))
    throw std::invalid_argument(std::string(algorithm_) + ": learning rate must be finite and >= 0, got " +
                                std::to_string(lr));
  learning_rate_ = lr;
}

void Optimizer::step() {
  ++steps_;
  prepare_step();
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Parameter& p = parameters_[i];
    if (!p.grad().defined()) continue;
    if (p.grad().shape() != p.shape())
      shape_error(algorithm_, "gradient shape differs from the parameter's:", p.grad().shape(), p.shape());
    float* w = p.mutable_value().f32();
    const float* g = p.grad().f32();
    float* s0 = slots_ > 0 ? buffers_[i * slots_].f32() : nullptr;
    float* s1 = slots_ > 1 ? buffers_[i * slots_ + 1].f32() : nullptr;
    parallel_chunks(p.numel(), [&](int64_t b, int64_t e) {
      update_range(w + b, g + b, s0 ? s0 + b : nullptr, s1 ? s1 + b : nullptr, e - b);
    });
  }
}

void Optimizer::zero_grad() {
  for (Parameter& p : parameters_) {
    if (!p.grad().defined()) continue;
    float* g = p.mutable_grad().f32();
    parallel_chunks(p.grad().numel(), [g](int64_t b, int64_t e) {
      std::memset(g + b, 0, static_cast<std::size_t>(e - b) * sizeof(float));
    });
  }
}

OptimizerState Optimizer::state() const {
  OptimizerState st;
  st.algorithm = algorithm_;
  st.steps = steps_;
  st.learning_rate = learning_rate_;
  st.slots = slots_;
  for (const Parameter& p : parameters_) st.names.push_back(p.name());
  for (const Tensor& b : buffers_) st.buffers.push_back(b.to_vector());
  return st;
}

void Optimizer::load_state(const OptimizerState& st) {
  const std::string who = std::string(algorithm_) + "::load_state: ";
  if (st.algorithm != algorithm_) throw std::invalid_argument(who + "the state is of " + st.algorithm);
  if (st.slots != slots_ || st.buffers.size() != buffers_.size())
    throw std::invalid_argument(who + "expected " + std::to_string(buffers_.size()) + " buffers (" +
                                std::to_string(slots_) + " per parameter), the state has " +
                                std::to_string(st.buffers.size()) + " (" + std::to_string(st.slots) + " per parameter)");
  if (!st.names.empty()) {
    if (st.names.size() != parameters_.size())
      throw std::invalid_argument(who + "the state names " + std::to_string(st.names.size()) + " parameters, not " +
                                  std::to_string(parameters_.size()));
    for (std::size_t i = 0; i < parameters_.size(); ++i)
      if (st.names[i] != parameters_[i].name())
        throw std::invalid_argument(who + "parameter " + std::to_string(i) + " is '" + parameters_[i].name() +
                                    "', the state's is '" + st.names[i] + "'");
  }
  for (std::size_t b = 0; b < buffers_.size(); ++b)
    if (static_cast<int64_t>(st.buffers[b].size()) != buffers_[b].numel())
      shape_error(algorithm_, "load_state: a state buffer of " + std::to_string(st.buffers[b].size()) +
                                  " values for a parameter of shape", buffers_[b].shape());
  if (st.steps < 0) throw std::invalid_argument(who + "negative step count");
  set_learning_rate(st.learning_rate);
  for (std::size_t b = 0; b < buffers_.size(); ++b)
    std::memcpy(buffers_[b].f32(), st.buffers[b].data(), st.buffers[b].size() * sizeof(float));
  steps_ = st.steps;
}

// ---- clipping and checks -------------------------------------------------------------------

float grad_norm(const std::vector<Parameter>& parameters) {
  return static_cast<float>(std::sqrt(squared_norm(parameters)));
}

float clip_grad_norm(const std::vector<Parameter>& parameters, float max_norm) {
  if (!(max_norm > 0.f)) throw std::invalid_argument("clip_grad_norm: max_norm must be > 0, got " + std::to_string(max_norm));
  const double norm = std::sqrt(squared_norm(parameters));
  if (std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Parameter& p : parameters) {
      if (!p.defined() || !p.grad().defined()) continue;
      float* g = p.node()->grad.f32();  // the gradient is the node's, not the handle's
      parallel_chunks(p.grad().numel(), [g, scale](int64_t b, int64_t e) { scale_in_place(g + b, e - b, scale); });
    }
  }
  return static_cast<float>(norm);
}

bool grads_finite(const std::vector<Parameter>& parameters) {
  for (const Parameter& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    const float* g = p.grad().f32();
    double bad = blocked_sum(p.grad().numel(),
                             [g](int64_t b, int64_t e) { return static_cast<double>(count_non_finite(g + b, e - b)); });
    if (bad > 0) return false;
  }
  return true;
}

}  // namespace nmt::optim
