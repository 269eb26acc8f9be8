// The core: tensors, the memory pool, the tape, broadcasting arithmetic and matmul.
#include <doctest/doctest.h>

#include "nmt/autograd/ops_activation.h"
#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_dropout.h"
#include "nmt/autograd/ops_matmul.h"
#include "nmt/autograd/ops_reduction.h"
#include "nmt/tensor/memory_pool.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("tensors share storage on copy and view, clone copies") {
  Tensor a = Tensor::from_vector({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor b = a.reshape({3, 2});
  CHECK(b.shares_storage(a));
  Tensor r = a.rows(1, 2);
  CHECK(r.shape() == Shape{1, 3});
  CHECK(r.f32()[0] == 4);
  Tensor c = a.clone();
  c.f32()[0] = 9;
  CHECK(a.f32()[0] == 1);
  CHECK_THROWS_WITH_AS(a.reshape({4, 2}), "reshape: cannot view [2, 3] as [4, 2]", std::invalid_argument);
  CHECK_THROWS_AS(a.i32(), std::logic_error);
}

TEST_CASE("the memory pool reuses freed blocks") {
  { Tensor warm = Tensor::empty({1000, 37}); }
  auto before = MemoryPool::global().stats();
  for (int i = 0; i < 10; ++i) Tensor t = Tensor::empty({1000, 37});
  auto after = MemoryPool::global().stats();
  CHECK(after.system_allocations == before.system_allocations);
  CHECK(after.reuses >= before.reuses + 10);
}

TEST_CASE("the memory pool serves a request from a cached block of up to twice its size") {
  MemoryPool& pool = MemoryPool::global();
  std::size_t big, small;
  void* block = pool.allocate(1'000'000, &big);
  CHECK(big >= 1'000'000);
  pool.release(block, big);
  auto before = pool.stats();
  void* again = pool.allocate(700'000, &small);  // a smaller class, served by the cached block
  CHECK(again == block);
  CHECK(small == big);                           // the caller gets the block's true size back
  CHECK(pool.stats().system_allocations == before.system_allocations);
  pool.release(again, small);
  void* other = pool.allocate(400'000, &small);  // less than half: not that block
  CHECK(other != block);
  pool.release(other, small);
}

TEST_CASE("broadcasting arithmetic: values") {
  Var a(Tensor::from_vector({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  Var b(Tensor::from_vector({3}, std::vector<float>{10, 20, 30}));
  Var c(Tensor::from_vector({2, 1}, std::vector<float>{2, 4}));
  CHECK((a + b).value().to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK((a * c).value().to_vector() == std::vector<float>{2, 4, 6, 16, 20, 24});
  CHECK((b - a).value().to_vector() == std::vector<float>{9, 18, 27, 6, 15, 24});
  CHECK((a / c).value().to_vector() == std::vector<float>{0.5, 1, 1.5, 1, 1.25, 1.5});
  CHECK((a * 2.f + 1.f).value().to_vector() == std::vector<float>{3, 5, 7, 9, 11, 13});
  Var bad(Tensor::zeros({4}));
  CHECK_THROWS_WITH_AS(a + bad, "add: shapes [2, 3] and [4] do not broadcast", std::invalid_argument);
}

TEST_CASE("gradients of broadcasting arithmetic") {
  Generator gen(3);
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{1, 4}, {3, 1}}, {{5}, {1}}, {{2, 1, 4}, {1, 3, 1}}};
  for (auto [sa, sb] : shapes) {
    CAPTURE(sa.str());
    CAPTURE(sb.str());
    Tensor a = random_tensor(sa, gen), b = random_tensor(sb, gen, 0.5f, 2.f);
    gradcheck([](auto& x) { return x[0] + x[1]; }, {a, b});
    gradcheck([](auto& x) { return x[0] - x[1]; }, {a, b});
    gradcheck([](auto& x) { return x[0] * x[1]; }, {a, b});
    gradcheck([](auto& x) { return x[0] / x[1]; }, {a, b});
    gradcheck([](auto& x) { return x[1] / x[0] * 0.1f; }, {random_tensor(sa, gen, 0.5f, 2.f), b});
  }
  gradcheck([](auto& x) { return -(x[0] * 3.f) + 2.f; }, {random_tensor({4, 2}, gen)});
  gradcheck([](auto& x) { return x[0] * x[0]; }, {random_tensor({4, 2}, gen)});  // same input twice
}

TEST_CASE("matmul values and gradients, with transposes") {
  Var a(Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3, 4}));
  Var b(Tensor::from_vector({2, 2}, std::vector<float>{5, 6, 7, 8}));
  CHECK(matmul(a, b).value().to_vector() == std::vector<float>{19, 22, 43, 50});
  CHECK(matmul(a, b, true).value().to_vector() == std::vector<float>{26, 30, 38, 44});
  CHECK(matmul(a, b, false, true).value().to_vector() == std::vector<float>{17, 23, 39, 53});
  Generator gen(5);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      Tensor x = random_tensor(ta ? Shape{4, 3} : Shape{3, 4}, gen);
      Tensor w = random_tensor(tb ? Shape{5, 4} : Shape{4, 5}, gen);
      gradcheck([=](auto& v) { return matmul(v[0], v[1], ta, tb); }, {x, w});
      Tensor xb = random_tensor(ta ? Shape{2, 3, 4, 3} : Shape{2, 3, 3, 4}, gen);
      Tensor wb = random_tensor(tb ? Shape{2, 3, 5, 4} : Shape{2, 3, 4, 5}, gen);
      gradcheck([=](auto& v) { return batched_matmul(v[0], v[1], ta, tb); }, {xb, wb});
    }
  gradcheck([](auto& v) { return matmul(v[0], v[1]); }, {random_tensor({2, 3, 4}, gen), random_tensor({4, 6}, gen)});
  Var x3(Tensor::zeros({2, 3}));
  CHECK_THROWS_WITH_AS(matmul(x3, x3), "matmul: inner dimensions differ: [2, 3] and [2, 3]", std::invalid_argument);
}

TEST_CASE("the tape: gradients accumulate on parameters, inference records nothing") {
  Parameter w(Tensor::from_vector({1, 2}, std::vector<float>{1, 2}), "w");
  Var x(Tensor::from_vector({2, 1}, std::vector<float>{3, 4}));
  for (int i = 0; i < 2; ++i) {
    Var loss = matmul(w, x);
    CHECK(loss.item() == 11);
    CHECK(tape_size() == 1);
    loss.backward();
    CHECK(tape_size() == 0);
  }
  CHECK(w.grad().to_vector() == std::vector<float>{6, 8});
  w.zero_grad();
  CHECK(w.grad().to_vector() == std::vector<float>{0, 0});
  {
    NoGradGuard no_grad;
    Var loss = matmul(w, x);
    CHECK(tape_size() == 0);
    CHECK_FALSE(loss.requires_grad());
    CHECK_THROWS_AS(loss.backward(), std::invalid_argument);
  }
  Var plain = matmul(Var(Tensor::zeros({1, 2})), x);  // no input requires a gradient
  CHECK(tape_size() == 0);
  CHECK_THROWS_WITH_AS(matmul(w, x * 1.f + Var(Tensor::zeros({2, 2}))).backward(),
                       "backward: needs a scalar, got shape [1, 2]", std::invalid_argument);
  clear_tape();
}

namespace {
// A record that counts its destructions.
struct CountedRecord {
  int* destroyed;
  Tensor kept;
  ~CountedRecord() { ++*destroyed; }
};
}  // namespace

TEST_CASE("an op's record lives in its node until backward has run or the node goes") {
  int destroyed = 0;
  Node* node = Node::create();
  CHECK_FALSE(node->has_record());
  node->emplace_record<CountedRecord>(&destroyed, Tensor::zeros({4}));
  CHECK(node->record<CountedRecord>().kept.numel() == 4);
  node->emplace_record<CountedRecord>(&destroyed, Tensor());  // replacing destroys the old one
  CHECK(destroyed == 1);
  Node::destroy(node);  // and so does recycling the node
  CHECK(destroyed == 2);

  // A recorded op's saved tensors (dropout's mask) go back to the pool with its node...
  Generator gen(5);
  Var x(Tensor::full({4096}, 1.f), true);
  const std::size_t before = MemoryPool::global().stats().bytes_in_use;
  {
    Var y = dropout(x, 0.5f, gen, true);
    CHECK(y.node()->has_record());
    CHECK(MemoryPool::global().stats().bytes_in_use > before);
    clear_tape();
  }
  CHECK(MemoryPool::global().stats().bytes_in_use == before);
  // ...or as soon as its backward has run, while the node itself is still held.
  Var y = dropout(x, 0.5f, gen, true);
  sum_all(y).backward();
  CHECK_FALSE(y.node()->has_record());
  CHECK(y.value().defined());
}

// backward() on a leaf itself (no op recorded): its gradient is d self / d self, added to
// what the leaf holds, as every backward adds.
TEST_CASE("backward on a leaf adds to its gradient") {
  Var x(Tensor::from_vector({3}, std::vector<float>{1, 2, 3}), true);
  const Tensor g = Tensor::from_vector({3}, std::vector<float>{0.5f, -1, 2});
  x.backward(g);
  CHECK(x.grad().to_vector() == std::vector<float>{0.5f, -1, 2});
  CHECK_FALSE(x.grad().shares_storage(g));  // a copy: adding into it leaves g alone
  x.backward(g);
  CHECK(x.grad().to_vector() == std::vector<float>{1, -2, 4});
  CHECK(g.to_vector() == std::vector<float>{0.5f, -1, 2});

  Var s(Tensor::full({1}, 7.f), true);  // a scalar leaf: d s / d s = 1, twice
  s.backward();
  s.backward();
  CHECK(s.grad().to_vector() == std::vector<float>{2});

  // A parameter's gradient accumulates until zeroed, whether it is reached through an op or
  // is the value backward starts from.
  Parameter w(Tensor::from_vector({2}, std::vector<float>{1, 2}), "w");
  w.backward(Tensor::from_vector({2}, std::vector<float>{3, 4}));
  w.backward(Tensor::from_vector({2}, std::vector<float>{3, 4}));
  CHECK(w.grad().to_vector() == std::vector<float>{6, 8});
  sum_all(mul_scalar(w, 2.f)).backward();
  CHECK(w.grad().to_vector() == std::vector<float>{8, 10});
  w.zero_grad();
  w.backward(Tensor::from_vector({2}, std::vector<float>{1, 1}));
  CHECK(w.grad().to_vector() == std::vector<float>{1, 1});
}

TEST_CASE("anomaly detection names the op") {
  set_detect_anomaly(true);
  Parameter w(Tensor::from_vector({1, 1}, std::vector<float>{0}), "w");
  Var zero(Tensor::zeros({1, 1}));
  Var loss = matmul(Var(Tensor::full({1, 1}, 1.f)) / (w * zero), Var(Tensor::full({1, 1}, 1.f)));
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("anomaly"), std::runtime_error);
  clear_tape();
  set_detect_anomaly(false);
}

// The engine frees a recorded value as soon as no Var refers to it and no pending backward reads
// it (nmt/autograd/var.h); one that some backward reads stays until backward has run.
TEST_CASE("values that no backward reads are freed early; the ones read stay, and gradients are right") {
  Generator gen(11);
  const Tensor x0 = random_tensor({8, 16}, gen), w0 = random_tensor({16, 32}, gen), v0 = random_tensor({32, 4}, gen);
  auto network = [](const std::vector<Var>& in) {
    // matmul reads its inputs, not its output: h is freed once relu (which reads only its own
    // output) has it and the local handle is gone; t = tanh(.) is read by tanh's backward.
    Var r = relu(matmul(in[0], in[1]));
    Var t = tanh(matmul(r, in[2]));
    return add(mul_scalar(t, 2.0f), t);
  };
  Var x(x0.clone(), true), w(w0.clone(), true), v(v0.clone(), true);
  Var y = network({x, w, v});
  Node* add_node = y.node();
  Node* scaled = add_node->input(0);             // mul_scalar(t): nothing reads it: freed
  Node* t = add_node->input(1);                  // tanh: its backward reads it: kept
  Node* pre_tanh = t->input(0);                  // matmul(r, v): freed
  Node* r = pre_tanh->input(0);                  // relu: read by its own backward and by matmul: kept
  Node* h = r->input(0);                         // matmul(x, w): freed
  CHECK_FALSE(scaled->value.defined());
  CHECK(t->value.defined());
  CHECK_FALSE(pre_tanh->value.defined());
  CHECK(r->value.defined());
  CHECK_FALSE(h->value.defined());
  CHECK(h->value.shape() == Shape{8, 32});       // the shape stays for the gradient
  CHECK(x.value().defined());                    // held by its Var
  CHECK(y.value().defined());

  // A value someone still holds is not freed.
  Var kept = matmul(x, w);
  Var after = relu(kept);
  CHECK(kept.value().defined());
  clear_tape();

  // And the gradients through the freed values are those of finite differences.
  CHECK(gradcheck(network, {x0, w0, v0}) <= 1.0);
}
