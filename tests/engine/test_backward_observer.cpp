// BackwardObserver (var.h): every parameter the tape reads is reported once, in the order its
// gradient becomes final, and when reported its gradient is already the final one.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "nmt/autograd/ops.h"

using namespace nmt;

namespace {

struct Recorder : BackwardObserver {
  std::vector<Node*> order;
  std::map<Node*, std::vector<float>> at_report;
  int polls = 0;
  void gradient_ready(Node* p) override {
    order.push_back(p);
    at_report[p].assign(p->grad.f32(), p->grad.f32() + p->grad.numel());
  }
  void poll() override { ++polls; }
};

Tensor filled(const Shape& shape, float start) {
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = start + 0.1f * static_cast<float>(i % 7) - 0.3f;
  return Tensor::from_vector(shape, v);
}

}  // namespace

TEST_CASE("the backward observer reports each parameter once, when its gradient is final") {
  Parameter w1(filled({4, 5}, 0.2f), "w1"), w2(filled({5, 3}, -0.1f), "w2"), shared(filled({3, 3}, 0.05f), "shared");
  Parameter unused(filled({2}, 0.f), "unused");
  Var x(filled({2, 4}, 0.5f));
  // `shared` is read twice, early and late: it is final only after its earliest reader.
  Var h = relu(matmul(x, w1));
  Var y = matmul(matmul(h, w2), shared);
  Var loss = sum_all(matmul(tanh(y), shared));
  Recorder recorder;
  BackwardObserver* previous = set_backward_observer(&recorder);
  loss.backward();
  set_backward_observer(previous);
  REQUIRE(recorder.order.size() == 3);
  CHECK(recorder.order[0] == shared.node());  // its earliest reader comes after w2's
  CHECK(recorder.order[1] == w2.node());
  CHECK(recorder.order[2] == w1.node());
  CHECK(recorder.polls > 0);
  for (const Parameter* p : {&w1, &w2, &shared}) {
    const auto& seen = recorder.at_report.at(p->node());
    for (int64_t i = 0; i < p->numel(); ++i) CHECK(seen[static_cast<std::size_t>(i)] == p->grad().f32()[i]);
  }
  CHECK(recorder.at_report.count(unused.node()) == 0);
}
