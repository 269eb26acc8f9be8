// Attention pooling (nmt/classify/attention_pooling.h): gradients against finite differences with
// and without the padding mask, with a per-position and a shared bias; what the mask does.
#include <doctest/doctest.h>

#include <cmath>

#include "nmt/classify/attention_pooling.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using namespace nmt::classify;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

namespace {

// Equations (1)-(3) written out with the engine's ops, with w and b as inputs so that their
// gradients are checked too.
Var pooled(const Var& h, const Var& w, const Var& b, const Tensor& mask) {
  const int64_t batch = h.dim(0), steps = h.dim(1), hidden = h.dim(2);
  Var e = tanh(reshape(matmul(h, w), {batch, steps}) + b);
  Var a = softmax(e, mask);
  return reshape(batched_matmul(reshape(a, {batch, 1, steps}), h), {batch, hidden});
}

Tensor ids_with_padding() {  // 3 sentences of 5 positions: lengths 5, 2, 0
  return Tensor::from_ids({3, 5}, std::vector<int32_t>{4, 7, 1, 9, 2, 5, 3, 0, 0, 0, 0, 0, 0, 0, 0});
}

}  // namespace

TEST_CASE("attention pooling: gradient check without the mask, one bias per position (the article)") {
  Generator gen(11);
  gradcheck([](auto& v) { return pooled(v[0], v[1], v[2], Tensor()); },
            {random_tensor({3, 5, 4}, gen), random_tensor({4, 1}, gen), random_tensor({5}, gen)});
}

TEST_CASE("attention pooling: gradient check with the padding mask, one shared bias") {
  Generator gen(12);
  const Tensor mask = padding_mask(ids_with_padding());
  gradcheck([&](auto& v) { return pooled(v[0], v[1], v[2], mask); },
            {random_tensor({3, 5, 4}, gen), random_tensor({4, 1}, gen), random_tensor({1}, gen)});
}

TEST_CASE("attention pooling: the layer's parameters get the checked gradients; the mask keeps padding out") {
  Generator init(3), gen(4);
  for (bool per_position : {true, false}) {
    ParameterStore store;
    AttentionPooling layer(store, "attention", 4, 5, per_position, init);
    CHECK(store.find("attention.b")->numel() == (per_position ? 5 : 1));
    Var h(random_tensor({3, 5, 4}, gen), true);
    const Tensor mask = padding_mask(ids_with_padding());
    AttentionPooling::Output out = layer(h, mask);
    CHECK(out.context.shape() == Shape{3, 4});
    // Row 1 has two real words: all the weight is on them. Row 2 is empty: no weight, c = 0.
    CHECK(out.weights.value().f32()[5] + out.weights.value().f32()[6] == doctest::Approx(1.f));
    for (int t = 2; t < 5; ++t) CHECK(out.weights.value().f32()[5 + t] == 0.f);
    for (int t = 0; t < 5; ++t) CHECK(out.weights.value().f32()[10 + t] == 0.f);
    for (int j = 0; j < 4; ++j) CHECK(out.context.value().f32()[8 + j] == 0.f);
    sum_all(out.context).backward();
    CHECK(store.find("attention.w")->grad().defined());
    CHECK(std::isfinite(store.find("attention.w")->grad().f32()[0]));
    // Without the mask every position gets weight, padding included (the article).
    const AttentionPooling::Output unmasked = layer(Var(h.value()));
    CHECK(unmasked.weights.value().f32()[10] > 0.f);
  }
}

TEST_CASE("attention pooling: a per-position bias needs exactly its number of positions") {
  Generator init(3);
  ParameterStore store;
  AttentionPooling layer(store, "attention", 4, 5, true, init);
  CHECK_THROWS_AS(layer(Var(Tensor::zeros({2, 6, 4}))), std::invalid_argument);
}
