// Reverse-mode automatic differentiation, define-by-run.
//
// A Var is a handle to a Node: a value, its gradient, and (for the result of an op) the op's
// inputs and backward function. While gradients are being recorded, every op whose inputs need
// a gradient appends its node to the tape; Var::backward() walks the tape in reverse, calling
// each node's backward function, which adds into its inputs' gradients. RNN loops over
// variable lengths, beam search and Transformers all just run ops: the tape follows.
//
// Memory: nodes come from a free list and tensors from the MemoryPool, so a training step
// allocates nothing once warm. Each op says which values its backward function reads (its
// inputs', its own output's: `ValueReads`). A recorded value that no pending backward reads is
// freed as soon as the last Var referring to it is gone, as PyTorch frees what no op saved: an
// attention block keeps its softmax output but not the scores before it, a feed-forward block
// its ReLU output but not the pre-activation. Only the value goes; its shape stays for the
// gradient. After backward() the tape is cleared and every intermediate value no one holds is
// returned to the pool. Under NoGradGuard (inference) nothing is recorded: a value is freed as
// soon as its last Var is gone.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <utility>

#include "nmt/tensor/tensor.h"

namespace nmt {

struct Node;
using BackwardFn = void (*)(Node& node);

// Which values a backward function reads: bit i for input i (inputs past the 31st share bit
// 30), and `output` for the op's own result. The default, `all`, is always safe; an op that
// reads less says so, and the values nothing reads are freed early (see above).
struct ValueReads {
  static constexpr uint32_t none = 0;
  static constexpr uint32_t output = 1u << 31;
  static constexpr uint32_t all = 0xffffffffu;
  static constexpr uint32_t input(int i) { return 1u << (i < 30 ? i : 30); }
};

// Intrusive reference to a Node (nodes are not thread-shared; the count is a plain int).
class NodeRef {
 public:
  NodeRef() = default;
  explicit NodeRef(Node* node);
  NodeRef(const NodeRef& o);
  NodeRef(NodeRef&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
  NodeRef& operator=(const NodeRef& o);
  NodeRef& operator=(NodeRef&& o) noexcept;
  ~NodeRef() { reset(); }
  void reset();
  Node* get() const { return node_; }
  Node* operator->() const { return node_; }
  Node& operator*() const { return *node_; }
  explicit operator bool() const { return node_ != nullptr; }

 private:
  Node* node_ = nullptr;
};

struct Node {
  static constexpr int kInlineInputs = 4;
  // Room for an op's record: two tensors and a few numbers (the largest, cross-entropy's).
  static constexpr std::size_t kRecordBytes = 2 * sizeof(Tensor) + 16;

  int references = 0;  // NodeRefs: Vars, consumers' inputs, the tape
  int handles = 0;     // of those, Vars (user code); at 0 nothing can read the value any more...
  bool value_read_by_backward = false;  // ...except a pending backward that said it reads it
  bool requires_grad = false;
  bool is_parameter = false;
  // The value lies in a parameter's memory (the parameter, or a view of it made by reshape or an
  // axis-0 slice): it changes only when the optimiser steps (blas::Operand::parameter).
  bool views_parameter = false;
  const char* op = "leaf";
  BackwardFn backward = nullptr;

  Tensor value;
  Tensor grad;  // allocated when first needed

  // Inputs: up to 4 inline, more (concat of many) in `extra_inputs` from the pool.
  int input_count = 0;
  NodeRef inputs[kInlineInputs];
  NodeRef* extra_inputs = nullptr;
  std::size_t extra_capacity = 0;
  std::size_t block_capacity = 0;  // the pool block this node lives in (blocks may exceed sizeof(Node))

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() { clear_record(); }

  Node* input(int i) const { return i < kInlineInputs ? inputs[i].get() : extra_inputs[i - kInlineInputs].get(); }

  // The gradient buffer of input i, for a backward function to add into. Returns nullptr when
  // that input needs no gradient. On first use the buffer is allocated uninitialised and
  // *accumulate is set to false: the caller must then write (=) instead of add (+=).
  Tensor* input_grad(int i, bool* accumulate);

  static Node* create();
  static void destroy(Node* node);

  // The op's record: what its backward function needs besides the inputs and the output (saved
  // tensors, sizes, flags), as a small struct of the op's own, e.g.
  //   struct DropoutRecord { Tensor mask; float scale; };
  // The forward constructs it in the node's inline buffer (nothing is allocated) once the
  // result is recorded; the backward reads it back by type. One record per node.
  template <class Record, class... Args>
  Record& emplace_record(Args&&... args) {
    static_assert(sizeof(Record) <= kRecordBytes, "the op's record does not fit in Node::kRecordBytes");
    static_assert(alignof(Record) <= alignof(std::max_align_t), "the op's record is over-aligned");
    clear_record();
    Record* record = ::new (static_cast<void*>(record_bytes_)) Record{std::forward<Args>(args)...};
    record_destructor_ = &destroy_record<Record>;
    return *record;
  }
  template <class Record>
  Record& record() {
    assert(record_destructor_ == &destroy_record<Record> && "the node holds no record of this type");
    return *std::launder(reinterpret_cast<Record*>(record_bytes_));
  }
  bool has_record() const { return record_destructor_ != nullptr; }
  // Destroys the record (its tensors go back to the pool); a no-op without one.
  void clear_record() {
    if (record_destructor_) std::exchange(record_destructor_, nullptr)(record_bytes_);
  }

 private:
  template <class Record>
  static void destroy_record(void* p) { static_cast<Record*>(p)->~Record(); }

  alignas(std::max_align_t) unsigned char record_bytes_[kRecordBytes];
  void (*record_destructor_)(void*) = nullptr;
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);
  Var(const Var& o) : node_(o.node_) { if (node_) node_->handles++; }
  Var(Var&& o) noexcept : node_(std::move(o.node_)) {}
  Var& operator=(const Var& o);
  Var& operator=(Var&& o) noexcept;
  ~Var() { drop_handle(); }

  bool defined() const { return static_cast<bool>(node_); }
  const Tensor& value() const { return node_->value; }
  Tensor& mutable_value() { return node_->value; }
  const Tensor& grad() const { return node_->grad; }
  Tensor& mutable_grad() { return node_->grad; }
  const Shape& shape() const { return node_->value.shape(); }
  int64_t dim(int axis) const { return node_->value.dim(axis); }
  int rank() const { return node_->value.rank(); }
  int64_t numel() const { return node_->value.numel(); }
  bool requires_grad() const { return node_->requires_grad; }
  float item() const { return node_->value.item(); }
  Node* node() const { return node_.get(); }

  // Back-propagates from this scalar (d self / d self = 1), adding into the gradients of every
  // leaf that requires one, then clears the tape.
  void backward() const;
  // Back-propagates from a non-scalar value, given d loss / d self (same shape as the value).
  void backward(const Tensor& grad_output) const;

  // A Var for the result of an op: records it on the tape when gradients are on and some input
  // requires one; otherwise the result is a plain value and the inputs are not kept.
  // `reads` says which values `fn` reads (ValueReads).
  static Var make_result(const char* op, Tensor value, std::span<const Var> inputs, BackwardFn fn,
                         uint32_t reads = ValueReads::all);
  static Var make_result(const char* op, Tensor value, std::initializer_list<Var> inputs, BackwardFn fn,
                         uint32_t reads = ValueReads::all) {
    return make_result(op, std::move(value), std::span<const Var>(inputs.begin(), inputs.size()), fn, reads);
  }
  // The node being recorded (to save what backward needs), or nullptr when not recording.
  Node* recording() const { return node_ && node_->backward ? node_.get() : nullptr; }

 private:
  void drop_handle() noexcept;
  NodeRef node_;
};

// Persistent leaf with a gradient (weights). The gradient is allocated with the parameter and
// accumulates over backward() calls until zeroed (optimisers do that).
class Parameter : public Var {
 public:
  Parameter() = default;
  Parameter(Tensor value, std::string name);
  const std::string& name() const { return name_; }
  void zero_grad();

 private:
  std::string name_;
};

// Gradient recording on/off for this thread.
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Drops every recorded node without back-propagating (e.g. after an aborted step).
void clear_tape();
std::size_t tape_size();

// Anomaly detection: when on, backward() checks each gradient it produces and throws naming
// the op whose backward produced a NaN or infinity.
void set_detect_anomaly(bool on);
bool detect_anomaly();

// Watches backward() on this thread (data-parallel training: nmt/train/distributed.h). Before
// walking the tape, backward() finds for every parameter the earliest node that reads it; once
// the walk has passed that node nothing adds to the parameter's gradient any more, and
// gradient_ready() says so (once per parameter the tape uses, in the order their gradients
// become final). poll() is called between nodes, so that communication started for ready
// gradients progresses while the rest of the backward pass computes. Costs nothing when unset.
class BackwardObserver {
 public:
  virtual ~BackwardObserver() = default;
  virtual void gradient_ready(Node* parameter) = 0;
  virtual void poll() {}
};
// Sets the observer of this thread's backward passes (nullptr: none); returns the previous one.
BackwardObserver* set_backward_observer(BackwardObserver* observer);

// Throws std::invalid_argument("<op>: <message> <shape a> and <shape b>").
[[noreturn]] void shape_error(const char* op, const std::string& what, const Shape& a, const Shape& b);
[[noreturn]] void shape_error(const char* op, const std::string& what, const Shape& a);

}  // namespace nmt
