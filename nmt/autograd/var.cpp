#include "nmt/autograd/var.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <new>
#include <stdexcept>
#include <vector>

#include "nmt/tensor/memory_pool.h"

namespace nmt {

// ---- nodes and references ------------------------------------------------------------------

// Each node remembers its block's capacity: the pool may serve a request from a larger cached
// block, so nodes' blocks differ in size.
Node* Node::create() {
  std::size_t capacity;
  void* block = MemoryPool::global().allocate(sizeof(Node), &capacity);
  Node* node = new (block) Node();
  node->block_capacity = capacity;
  return node;
}

void Node::destroy(Node* node) {
  if (node->extra_inputs) {
    for (int i = Node::kInlineInputs; i < node->input_count; ++i)
      node->extra_inputs[i - Node::kInlineInputs].~NodeRef();
    MemoryPool::global().release(node->extra_inputs, node->extra_capacity);
  }
  const std::size_t capacity = node->block_capacity;
  node->~Node();
  MemoryPool::global().release(node, capacity);
}

NodeRef::NodeRef(Node* node) : node_(node) {
  if (node_) node_->references++;
}
NodeRef::NodeRef(const NodeRef& o) : node_(o.node_) {
  if (node_) node_->references++;
}
NodeRef& NodeRef::operator=(const NodeRef& o) {
  if (o.node_) o.node_->references++;
  reset();
  node_ = o.node_;
  return *this;
}
NodeRef& NodeRef::operator=(NodeRef&& o) noexcept {
  if (this != &o) {
    reset();
    node_ = std::exchange(o.node_, nullptr);
  }
  return *this;
}
void NodeRef::reset() {
  if (node_ && --node_->references == 0) Node::destroy(node_);
  node_ = nullptr;
}

Tensor* Node::input_grad(int i, bool* accumulate) {
  Node* in = input(i);
  if (!in->requires_grad) return nullptr;
  if (in->grad.defined()) {
    *accumulate = true;
  } else {
    in->grad = Tensor::empty(in->value.shape());
    *accumulate = false;
  }
  return &in->grad;
}

// ---- the tape ------------------------------------------------------------------------------

namespace {
struct Tape {
  std::vector<NodeRef> nodes;
  bool grad_enabled = true;
  Tape() { nodes.reserve(1 << 16); }
};
thread_local Tape tape;
thread_local BackwardObserver* observer = nullptr;
bool g_detect_anomaly = false;
}  // namespace

BackwardObserver* set_backward_observer(BackwardObserver* o) { return std::exchange(observer, o); }

bool grad_enabled() { return tape.grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(tape.grad_enabled) { tape.grad_enabled = false; }
NoGradGuard::~NoGradGuard() { tape.grad_enabled = previous_; }

void clear_tape() {
  // Reverse order: later nodes hold references to earlier ones.
  while (!tape.nodes.empty()) tape.nodes.pop_back();
}
std::size_t tape_size() { return tape.nodes.size(); }

void set_detect_anomaly(bool on) { g_detect_anomaly = on; }
bool detect_anomaly() { return g_detect_anomaly; }

// ---- Var -----------------------------------------------------------------------------------

Var::Var(Tensor value, bool requires_grad) : node_(Node::create()) {
  node_->handles = 1;
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

Var& Var::operator=(const Var& o) {
  if (o.node_) o.node_->handles++;
  drop_handle();
  node_ = o.node_;
  return *this;
}

Var& Var::operator=(Var&& o) noexcept {
  if (this != &o) {
    drop_handle();
    node_ = std::move(o.node_);
  }
  return *this;
}

// The last Var of a recorded result is gone: if no pending backward reads the value, it goes
// back to the pool now rather than after backward() (the node, its shape and links stay).
void Var::drop_handle() noexcept {
  Node* node = node_.get();
  if (!node) return;
  if (--node->handles == 0 && node->backward != nullptr && !node->value_read_by_backward && node->references > 1)
    node->value.free_values();
  node_.reset();
}

Var Var::make_result(const char* op, Tensor value, std::span<const Var> inputs, BackwardFn fn, uint32_t reads) {
  Var result;
  result.node_ = NodeRef(Node::create());
  Node& node = *result.node_;
  node.handles = 1;
  node.op = op;
  node.value = std::move(value);
  if (!tape.grad_enabled || fn == nullptr) return result;
  bool any = false;
  for (const Var& v : inputs) any = any || (v.defined() && v.requires_grad());
  if (!any) return result;

  node.requires_grad = true;
  node.backward = fn;
  node.input_count = static_cast<int>(inputs.size());
  if (inputs.size() > Node::kInlineInputs) {
    std::size_t extra = inputs.size() - Node::kInlineInputs;
    node.extra_inputs = static_cast<NodeRef*>(
        MemoryPool::global().allocate(extra * sizeof(NodeRef), &node.extra_capacity));
    for (std::size_t i = 0; i < extra; ++i) new (&node.extra_inputs[i]) NodeRef();
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    NodeRef& slot = i < Node::kInlineInputs ? node.inputs[i] : node.extra_inputs[i - Node::kInlineInputs];
    slot = inputs[i].node_;
    if (reads & ValueReads::input(static_cast<int>(i))) inputs[i].node_->value_read_by_backward = true;
  }
  node.value_read_by_backward = (reads & ValueReads::output) != 0;
  if (tape.nodes.size() == tape.nodes.capacity()) tape.nodes.reserve(tape.nodes.size() * 2);
  tape.nodes.push_back(result.node_);
  return result;
}

static void check_finite(const Node& node) {
  for (int i = 0; i < node.input_count; ++i) {
    const Node* in = node.input(i);
    if (!in->grad.defined()) continue;
    const float* g = in->grad.f32();
    for (int64_t j = 0, n = in->grad.numel(); j < n; ++j)
      if (!std::isfinite(g[j]))
        throw std::runtime_error(std::string("anomaly: backward of '") + node.op +
                                 "' produced a non-finite gradient for its input " + std::to_string(i) +
                                 " (" + in->op + ", shape " + in->grad.shape().str() + ")");
  }
}

static void release_inputs(Node& node) {
  for (int i = 0; i < node.input_count; ++i) {
    if (i < Node::kInlineInputs)
      node.inputs[i].reset();
    else
      node.extra_inputs[i - Node::kInlineInputs].reset();
  }
}

void Var::backward() const {
  if (!defined() || numel() != 1)
    throw std::invalid_argument("backward: needs a scalar, got shape " +
                                (defined() ? shape().str() : std::string("(undefined)")));
  if (g_detect_anomaly && !std::isfinite(value().f32()[0]))
    throw std::runtime_error(std::string("anomaly: the loss is not finite (") + node_->op + ")");
  backward(Tensor::full(shape(), 1.0f));
}

void Var::backward(const Tensor& grad_output) const {
  if (!defined() || !node_->requires_grad)
    throw std::invalid_argument("backward: the value does not depend on anything that requires a gradient");
  if (grad_output.shape() != shape()) shape_error("backward", "gradient shape differs from value:", grad_output.shape(), shape());
  if (node_->backward == nullptr) {  // a leaf: the gradient is added to what it holds
    if (!node_->grad.defined()) {
      node_->grad = grad_output.clone();
    } else {
      float* g = node_->grad.f32();
      const float* d = grad_output.f32();
      for (int64_t i = 0, n = grad_output.numel(); i < n; ++i) g[i] += d[i];
    }
    return;
  }
  node_->grad = grad_output;  // shared, not copied: backward functions only read a node's grad

  // With an observer: (tape index of the earliest reader, parameter), latest first, so that the
  // reverse walk below meets them in order.
  std::vector<std::pair<std::size_t, Node*>> ready_at;
  if (observer) {
    std::unordered_set<Node*> seen;
    for (std::size_t i = 0; i < tape.nodes.size(); ++i) {
      const Node& node = *tape.nodes[i];
      for (int j = 0; j < node.input_count; ++j) {
        Node* in = node.input(j);
        if (in && in->is_parameter && seen.insert(in).second) ready_at.emplace_back(i, in);
      }
    }
    std::reverse(ready_at.begin(), ready_at.end());
  }
  std::size_t next_ready = 0;

  for (std::size_t i = tape.nodes.size(); i-- > 0;) {
    Node& node = *tape.nodes[i];
    if (observer) {
      while (next_ready < ready_at.size() && ready_at[next_ready].first > i)
        observer->gradient_ready(ready_at[next_ready++].second);
      observer->poll();
    }
    if (!node.grad.defined() || node.backward == nullptr) continue;
    node.backward(node);
    if (g_detect_anomaly) check_finite(node);
    // This node's gradient, record and links to its inputs are no longer needed (the tape
    // still holds the inputs): memory goes back to the pool now, and freeing a long graph
    // later needs no deep recursion.
    node.grad = Tensor();
    node.clear_record();
    release_inputs(node);
  }
  if (observer)
    while (next_ready < ready_at.size()) observer->gradient_ready(ready_at[next_ready++].second);
  clear_tape();
}

// ---- parameters ----------------------------------------------------------------------------

Parameter::Parameter(Tensor value, std::string name) : Var(std::move(value), true), name_(std::move(name)) {
  node()->is_parameter = true;
  node()->views_parameter = true;
  node()->op = "parameter";
  node()->grad = Tensor::zeros(node()->value.shape());
}

void Parameter::zero_grad() { node()->grad.fill(0.0f); }

// ---- errors --------------------------------------------------------------------------------

void shape_error(const char* op, const std::string& what, const Shape& a, const Shape& b) {
  throw std::invalid_argument(std::string(op) + ": " + what + " " + a.str() + " and " + b.str());
}
void shape_error(const char* op, const std::string& what, const Shape& a) {
  throw std::invalid_argument(std::string(op) + ": " + what + " " + a.str());
}

}  // namespace nmt
