#include "nmt/train/distributed.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace nmt::train {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_size() const override { return 1; }
  std::string describe() const override { return "1 process"; }
  void allreduce_sum(std::span<double>) override {}
  void allreduce_sum(std::span<float>) override {}
  void allreduce_max(std::span<double>) override {}
  void broadcast(std::span<float>, int) override {}
  void broadcast(std::string&, int) override {}
  std::vector<std::string> allgather(const std::string& mine) override { return {mine}; }
  void barrier() override {}
  int start_allreduce_sum(std::span<float>) override { return 0; }
  int start_allreduce_sum_bf16(std::span<uint16_t>) override { return 0; }
  bool test(int) override { return true; }
  void wait(int) override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
};

std::unique_ptr<Communicator>& installed() {
  static std::unique_ptr<Communicator> c = std::make_unique<SingleProcess>();
  return c;
}

}  // namespace

Communicator& communicator() { return *installed(); }
void set_communicator(std::unique_ptr<Communicator> c) { installed() = c ? std::move(c) : std::make_unique<SingleProcess>(); }
std::unique_ptr<Communicator> make_single_process_communicator() { return std::make_unique<SingleProcess>(); }

std::vector<std::vector<std::size_t>> deal_batches(const std::vector<double>& costs, int ranks, int per_rank,
                                                  bool balanced) {
  const std::size_t n = costs.size(), r = static_cast<std::size_t>(std::max(ranks, 1));
  const std::size_t room = static_cast<std::size_t>(std::max(per_rank, 1));
  if (n > r * room) throw std::invalid_argument("deal_batches: more batches than ranks x per_rank");
  std::vector<std::vector<std::size_t>> dealt(r);
  if (!balanced) {
    for (std::size_t i = 0; i < n; ++i) dealt[i / room].push_back(i);
    return dealt;
  }
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  std::vector<double> load(r, 0.0);
  for (std::size_t i : order) {
    std::size_t best = r;
    for (std::size_t k = 0; k < r; ++k)
      if (dealt[k].size() < room && (best == r || load[k] < load[best])) best = k;
    dealt[best].push_back(i);
    load[best] += costs[i];
  }
  for (auto& mine : dealt) std::sort(mine.begin(), mine.end());
  return dealt;
}

double estimated_batch_cost(std::size_t rows, std::size_t source_length, std::size_t target_length) {
  return static_cast<double>(rows) * static_cast<double>(source_length + target_length);
}

// ---- GradientReducer -------------------------------------------------------------------------

GradientReducer::GradientReducer(Communicator& communicator, const std::vector<Parameter>& parameters,
                                 std::size_t bucket_bytes, bool bf16)
    : comm_(communicator), bf16_(bf16), parameters_(parameters) {
  // Buckets in reverse parameter order: the backward pass finishes the last layers first.
  const std::size_t bucket_values = std::max<std::size_t>(bucket_bytes / sizeof(float), 1);
  for (std::size_t i = parameters_.size(); i-- > 0;) {
    const std::size_t n = static_cast<std::size_t>(parameters_[i].numel());
    if (buckets_.empty() || (buckets_.back().buffer.size() > 0 && buckets_.back().buffer.size() + n > bucket_values))
      buckets_.emplace_back();
    Bucket& b = buckets_.back();
    b.members.push_back(i);
    b.buffer.resize(b.buffer.size() + n);
    bucket_of_.emplace_back(parameters_[i].node(), buckets_.size() - 1);
    values_ += n;
  }
  if (bf16_)
    for (Bucket& b : buckets_) b.packed.resize(b.buffer.size());
  std::sort(bucket_of_.begin(), bucket_of_.end());
}

GradientReducer::~GradientReducer() {
  if (active_) set_backward_observer(previous_);
}

void GradientReducer::begin() {
  for (Bucket& b : buckets_) {
    b.pending = static_cast<int>(b.members.size());
    b.handle = -1;
    b.done = false;
  }
  next_launch_ = 0;
  first_launch_ = -1;
  poll_counter_ = 0;
  timings_ = ReduceTimings{};
  timings_.buckets = static_cast<int>(buckets_.size());
  previous_ = set_backward_observer(this);
  active_ = true;
}

void GradientReducer::gradient_ready(Node* parameter) {
  auto it = std::lower_bound(bucket_of_.begin(), bucket_of_.end(), std::make_pair(parameter, std::size_t{0}));
  if (it == bucket_of_.end() || it->first != parameter) return;  // not one of ours
  --buckets_[it->second].pending;
  launch_ready_buckets();
}

void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending <= 0) {
    Bucket& b = buckets_[next_launch_++];
    float* out = b.buffer.data();
    for (std::size_t i : b.members) {
      const Tensor& g = parameters_[i].grad();
      std::memcpy(out, g.f32(), static_cast<std::size_t>(g.numel()) * sizeof(float));
      out += g.numel();
    }
    if (first_launch_ < 0) first_launch_ = now_seconds();
    b.handle = start(b);
  }
}

int GradientReducer::start(Bucket& b) {
  if (!bf16_) return comm_.start_allreduce_sum(b.buffer);
  for (std::size_t i = 0; i < b.buffer.size(); ++i) b.packed[i] = to_bfloat16(b.buffer[i]);
  return comm_.start_allreduce_sum_bf16(b.packed);
}

void GradientReducer::poll() {
  if (++poll_counter_ % 4 != 0) return;
  for (Bucket& b : buckets_) {
    if (b.handle < 0 || b.done) continue;
    if (comm_.test(b.handle)) b.done = true;
    break;  // testing the oldest one progresses them all
  }
}

void GradientReducer::finish() {
  if (active_) set_backward_observer(previous_);
  active_ = false;
  const double backward_end = now_seconds();
  if (first_launch_ >= 0) timings_.overlapped = backward_end - first_launch_;
  for (Bucket& b : buckets_) b.pending = 0;
  launch_ready_buckets();
  for (Bucket& b : buckets_) {
    if (!b.done) comm_.wait(b.handle);
    b.done = true;
    if (bf16_)
      for (std::size_t i = 0; i < b.buffer.size(); ++i) b.buffer[i] = from_bfloat16(b.packed[i]);
    const float* in = b.buffer.data();
    for (std::size_t i : b.members) {
      Tensor& g = parameters_[i].mutable_grad();
      std::memcpy(g.f32(), in, static_cast<std::size_t>(g.numel()) * sizeof(float));
      in += g.numel();
    }
  }
  timings_.exposed = now_seconds() - backward_end;
}

double GradientReducer::measure_blocking_allreduce(int repeats) {
  std::vector<float> all(values_, 1.0f);
  comm_.barrier();
  double start = 0;
  for (int r = -1; r < repeats; ++r) {  // the first one (connections, buffers) untimed
    if (r == 0) start = now_seconds();
    for (Bucket& b : buckets_) {
      if (bf16_) {
        comm_.wait(comm_.start_allreduce_sum_bf16(b.packed));
      } else {
        std::span<float> part(all.data(), b.buffer.size());
        comm_.wait(comm_.start_allreduce_sum(part));
      }
    }
  }
  return (now_seconds() - start) / std::max(repeats, 1);
}

}  // namespace nmt::train
