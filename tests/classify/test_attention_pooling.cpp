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

TEST_CASE("attention pooling: gradient check of the linear and additive scores through the layer, masked") {
  // The layer's own parameters are registered in a store; the check perturbs its inputs h and
  // reads the parameters' gradients against finite differences below.
  for (AttentionScore score : {AttentionScore::linear, AttentionScore::additive}) {
    CAPTURE(to_string(score));
    Generator init(5), gen(6);
    ParameterStore store;
    AttentionPooling layer(store, "attention", 4, 5, false, init, score, 3);
    const Tensor mask = padding_mask(ids_with_padding());
    gradcheck([&](auto& v) { return layer(v[0], mask).context; }, {random_tensor({3, 5, 4}, gen)});
    // Parameters: d(sum R*c)/dp by finite differences, R fixed.
    const Tensor h = random_tensor({3, 5, 4}, gen), r = random_tensor({3, 4}, gen);
    auto loss = [&] { return sum_all(layer(Var(h), mask).context * Var(r)); };
    store.zero_grad();
    loss().backward();
    for (Parameter& p : store.all()) {
      CAPTURE(p.name());
      REQUIRE(p.grad().defined());
      for (int64_t j = 0; j < p.numel(); ++j) {
        float& x = p.mutable_value().f32()[j];
        const float original = x;
        NoGradGuard no_grad;
        x = original + 1e-3f;
        const double plus = loss().item();
        x = original - 1e-3f;
        const double minus = loss().item();
        x = original;
        CHECK(p.grad().f32()[j] == doctest::Approx((plus - minus) / 2e-3).epsilon(0.01).scale(0.1));
      }
    }
  }
}

TEST_CASE("attention pooling: tanh bounds the weights' ratio by e^2; the linear score can select one word") {
  // h: position 0 holds a large state along w, the others small: the linear score gives position
  // 0 nearly all the weight, the article's tanh score at most e^2 = 7.4 times any other's.
  for (AttentionScore score : {AttentionScore::tanh, AttentionScore::linear}) {
    CAPTURE(to_string(score));
    Generator init(5);
    ParameterStore store;
    AttentionPooling layer(store, "attention", 2, 4, false, init, score);
    const float w0 = store.find("attention.w")->value().f32()[0];
    Tensor h = Tensor::zeros({1, 4, 2});
    h.f32()[0] = w0 > 0 ? 20.f : -20.f;  // score of position 0: 20 |w0|
    const Tensor a = layer(Var(h)).weights.value();
    const float ratio = a.f32()[0] / a.f32()[1];
    if (score == AttentionScore::tanh) CHECK(ratio <= std::exp(2.f) + 1e-3f);
    else CHECK(a.f32()[0] > 0.99f);
  }
}

TEST_CASE("attention pooling: a per-position bias needs exactly its number of positions") {
  Generator init(3);
  ParameterStore store;
  AttentionPooling layer(store, "attention", 4, 5, true, init);
  CHECK_THROWS_AS(layer(Var(Tensor::zeros({2, 6, 4}))), std::invalid_argument);
}
