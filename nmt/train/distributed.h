// Data-parallel training: the ranks of a job, what they exchange, and the gradient all-reduce that
// runs while the backward pass is still computing.
//
// A Communicator is the job's ranks: rank 0 of 1 in a plain process (SingleProcess, always built),
// rank r of N under mpirun / srun when nmt-train is built with MPI (nmt/train/mpi/, linked into the
// tool only, so the libraries never depend on MPI). The trainer asks communicator() and never
// knows which one it has.
//
// The contract of synchronous data-parallel training (nmt/train/trainer.cpp):
//   - every rank runs the same Batcher over the same data and draws all N x k batches of an
//     update (k = --accumulate); rank r trains on batches [r k, r k + k) of them (or k of them
//     dealt by cost, deal_batches): N ranks with --accumulate k see exactly what one process with
//     --accumulate N k sees, in the same updates;
//   - the loss is normalised by the target tokens of all N x k batches (every rank knows them);
//   - GradientReducer sums the gradients over ranks in buckets, each started (MPI_Iallreduce) as
//     soon as the backward pass has finished its parameters; every rank then takes the same step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nmt/autograd/var.h"

namespace nmt::train {

// bfloat16: float32's sign, exponent and top 7 mantissa bits (Kalamkar et al. 2019); rounded to
// nearest even, NaN kept a NaN. The half-size gradient of --allreduce-precision bf16.
inline uint16_t to_bfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}
inline float from_bfloat16(uint16_t value) {
  const uint32_t bits = static_cast<uint32_t>(value) << 16;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_size() const = 0;  // ranks on this machine
  virtual std::string describe() const = 0;  // "1 process" / "MPI, 4 ranks on 2 hosts (Open MPI ...)"

  // Blocking collectives, in place.
  virtual void allreduce_sum(std::span<double> values) = 0;
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_max(std::span<double> values) = 0;
  virtual void broadcast(std::span<float> values, int root) = 0;
  virtual void broadcast(std::string& bytes, int root) = 0;
  // Every rank's `mine`, in rank order.
  virtual std::vector<std::string> allgather(const std::string& mine) = 0;
  virtual void barrier() = 0;

  // Non-blocking sum all-reduce in place: returns a handle for test() / wait(). Every rank must
  // start the same all-reduces in the same order.
  virtual int start_allreduce_sum(std::span<float> values) = 0;
  // The same over bfloat16 values (to_bfloat16), summed as floats and rounded back at each step.
  virtual int start_allreduce_sum_bf16(std::span<uint16_t> values) = 0;
  virtual bool test(int handle) = 0;  // true once done (and progresses the others)
  virtual void wait(int handle) = 0;

  // Ends every rank of the job with `code` (after an error on this one).
  [[noreturn]] virtual void abort(int code) = 0;
};

// The process-wide communicator: a one-rank one unless set_communicator() installed another
// (nmt-train does, under mpirun).
Communicator& communicator();
void set_communicator(std::unique_ptr<Communicator> communicator);
std::unique_ptr<Communicator> make_single_process_communicator();

// Which of an update's batches each rank trains, given the batches' estimated costs (in stream
// order), the number of ranks and k = --accumulate: every batch exactly once, at most k per rank,
// each rank's list in stream order. Contiguous: rank r takes [r k, r k + k). Balanced: the costliest
// batch first, each to the least loaded rank that has room (longest processing time first, Graham
// 1969), so that the ranks finish their share at about the same time and none waits long at the
// all-reduce; the batches of the update, and so the update itself, stay the same.
std::vector<std::vector<std::size_t>> deal_batches(const std::vector<double>& costs, int ranks, int per_rank,
                                                  bool balanced);

// The estimated compute of a batch of `rows` x `source_length` and `target_length` positions: the
// positions, padding included. The batcher's budget counts target tokens, so batches of one budget
// differ mostly in their source side: 12 Multi30k Transformer batches of 957-4,095 target tokens
// took 17-100 s (a loaded machine); seconds per estimated position varied by 11 % (21 % counting
// the target side alone; a least-squares fit put a source position at 3x a target one, with
// noise this large: not used).
double estimated_batch_cost(std::size_t rows, std::size_t source_length, std::size_t target_length);

// Per-update timings of the gradient all-reduce (seconds).
struct ReduceTimings {
  double compute = 0;        // forward and backward passes of this rank's batches
  double slowest = 0;        // the same, of the slowest rank (which every rank waits for)
  double mean = 0;           // the same, averaged over the ranks
  double exposed = 0;        // waiting for the all-reduce after the backward pass ended
  double overlapped = 0;     // from the first bucket's start to the end of the backward pass
  int buckets = 0;
};

// Sums the parameters' gradients over the ranks. begin() before the update's last backward pass
// (earlier passes of --accumulate only add up locally); it installs a BackwardObserver that copies
// each bucket's gradients into a flat buffer and starts its all-reduce as soon as all of them are
// final, in bucket order (the same on every rank); finish() after the backward pass starts what is
// left, waits, and writes the sums back into the gradients. A rank with no batch in an update
// calls begin() and finish() only: its zero gradients count in the sum.
class GradientReducer : public BackwardObserver {
 public:
  // bf16: all-reduce the gradients rounded to bfloat16 (half the bytes; --allreduce-precision).
  GradientReducer(Communicator& communicator, const std::vector<Parameter>& parameters, std::size_t bucket_bytes,
                  bool bf16 = false);
  ~GradientReducer() override;

  void begin();
  void finish();
  // Time of one blocking all-reduce of all the gradients (the cost that overlap hides), measured
  // over `repeats` runs; collective: every rank calls it.
  double measure_blocking_allreduce(int repeats);
  std::size_t bucket_count() const { return buckets_.size(); }
  std::size_t values() const { return values_; }
  ReduceTimings& timings() { return timings_; }

  void gradient_ready(Node* parameter) override;
  void poll() override;

 private:
  struct Bucket {
    std::vector<std::size_t> members;  // indices into parameters_
    std::vector<float> buffer;
    std::vector<uint16_t> packed;  // bf16: what travels
    int pending = 0;   // members not ready yet
    int handle = -1;   // while its all-reduce runs
    bool done = false;
  };
  void launch_ready_buckets();

  int start(Bucket& bucket);

  Communicator& comm_;
  bool bf16_ = false;
  std::vector<Parameter> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<Node*, std::size_t>> bucket_of_;  // parameter node -> bucket, sorted by node
  std::size_t next_launch_ = 0;
  std::size_t values_ = 0;
  int poll_counter_ = 0;
  bool active_ = false;
  BackwardObserver* previous_ = nullptr;
  double first_launch_ = -1;
  ReduceTimings timings_;
};

}  // namespace nmt::train
