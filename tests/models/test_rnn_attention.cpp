// Known values of the RNN attention layers: the dot, general and concat/additive scores, the
// padding-masked softmax and context, local-m and local-p windows at the sentence's edges and
// at padding, local-p's Gaussian, and the recurrent layer's padding masks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/local_attention.h"
#include "nmt/layers/recurrent.h"
#include "tests/models/model_checks.h"

using namespace nmt;
using nmt::testing::ids;

namespace {

void set(ParameterStore& store, const std::string& name, std::vector<float> values) {
  for (Parameter& p : store.all())
    if (p.name() == name) {
      REQUIRE(p.numel() == static_cast<int64_t>(values.size()));
      for (std::size_t i = 0; i < values.size(); ++i) p.mutable_value().f32()[i] = values[i];
      return;
    }
  FAIL("no parameter " << name);
}

Var tensor(const Shape& shape, std::vector<float> values) { return Var(Tensor::from_vector(shape, values)); }

bool hidden(float x) { return std::isinf(x) && x < 0; }

}  // namespace

TEST_CASE("attention scores: dot h_t . h_s") {
  ParameterStore store;
  Generator init(1);
  AttentionScore dot(store, "a", ScoreType::dot, 2, 2, 2, init);
  CHECK(store.all().empty());
  Var keys = tensor({1, 3, 2}, {1, 0, 0, 1, 1, 1});
  Tensor s = dot(tensor({1, 1, 2}, {1, 2}), dot.prepare(keys)).value();
  REQUIRE(s.shape() == Shape{1, 1, 3});
  CHECK(s.to_vector() == std::vector<float>{1, 2, 3});
  CHECK_THROWS_WITH_AS(AttentionScore(store, "b", ScoreType::dot, 2, 3, 2, init), doctest::Contains("one size"),
                       std::invalid_argument);
}

TEST_CASE("attention scores: general h_t^T W_a h_s") {
  ParameterStore store;
  Generator init(1);
  AttentionScore general(store, "a", ScoreType::general, 2, 2, 2, init);
  set(store, "a.w_a", {1, 2, 3, 4});  // W_a = [[1, 2], [3, 4]]
  Var keys = tensor({1, 3, 2}, {1, 0, 0, 1, 1, -1});
  // q = (1, 1): q^T W_a = (4, 6)
  Tensor s = general(tensor({1, 1, 2}, {1, 1}), general.prepare(keys)).value();
  CHECK(s.to_vector() == std::vector<float>{4, 6, -2});
  // Two queries, q = (1, 0): q^T W_a = (1, 2)
  Tensor two = general(tensor({1, 2, 2}, {1, 1, 1, 0}), general.prepare(keys)).value();
  CHECK(two.to_vector() == std::vector<float>{4, 6, -2, 1, 2, -1});
}

TEST_CASE("attention scores: concat / additive v_a^T tanh(W_a q + b_a + U_a h)") {
  ParameterStore store;
  Generator init(1);
  AttentionScore additive(store, "a", ScoreType::additive, 1, 1, 2, init);
  set(store, "a.w_a", {1, -1});
  set(store, "a.b_a", {0.5f, 0});
  set(store, "a.u_a", {2, 1});
  set(store, "a.v_a", {1, 2});
  Var keys = tensor({1, 2, 1}, {1, -1});
  Tensor s = additive(tensor({1, 1, 1}, {0.5f}), additive.prepare(keys)).value();
  // W_a q + b = (1, -0.5); U_a h = (2, 1) and (-2, -1)
  CHECK(s.f32()[0] == doctest::Approx(std::tanh(3.f) + 2 * std::tanh(0.5f)));
  CHECK(s.f32()[1] == doctest::Approx(std::tanh(-1.f) + 2 * std::tanh(-1.5f)));
  CHECK(parse_score("concat") == ScoreType::additive);
  CHECK(parse_score("additive") == ScoreType::additive);
}

TEST_CASE("attend: softmax over real positions only, context = weighted annotations") {
  const Tensor mask = source_padding_mask(ids({2, 3}, {5, 6, 0, 7, 8, 9}));
  CHECK(mask.f32()[0] == 0.f);
  CHECK(hidden(mask.f32()[2]));
  Var scores = tensor({2, 1, 3}, {1, 2, 30, 0, 0, 0});  // the padded score is large: must not matter
  Var values = tensor({2, 3, 2}, {1, 0, 0, 1, 100, 100, 1, 2, 3, 4, 5, 6});
  Attended a = attend(scores, mask, values);
  const float e1 = std::exp(1.f), e2 = std::exp(2.f);
  CHECK(a.weights.value().f32()[0] == doctest::Approx(e1 / (e1 + e2)));
  CHECK(a.weights.value().f32()[1] == doctest::Approx(e2 / (e1 + e2)));
  CHECK(a.weights.value().f32()[2] == 0.f);
  for (int j = 3; j < 6; ++j) CHECK(a.weights.value().f32()[j] == doctest::Approx(1.f / 3));
  CHECK(a.context.value().f32()[0] == doctest::Approx(e1 / (e1 + e2)));
  CHECK(a.context.value().f32()[1] == doctest::Approx(e2 / (e1 + e2)));
  CHECK(a.context.value().f32()[2] == doctest::Approx(3.f));
  CHECK(a.context.value().f32()[3] == doctest::Approx(4.f));
}

TEST_CASE("local-m: window [t - D, t + D] clipped at the sentence's edges, never on padding") {
  CHECK(sentence_lengths(ids({2, 6}, {5, 6, 7, 8, 9, 3, 9, 10, 3, 0, 0, 0})) == std::vector<int32_t>{6, 3});
  const std::vector<int32_t> lengths{6, 3};
  Tensor m = local_m_mask(lengths, 0, 5, 6, 1);  // [2, 5, 6], D = 1
  auto visible = [&](int b, int t) {
    std::vector<int> out;
    for (int s = 0; s < 6; ++s) {
      const float x = m.f32()[(b * 5 + t) * 6 + s];
      if (x == 0.f) out.push_back(s);
      else CHECK(hidden(x));
    }
    return out;
  };
  CHECK(visible(0, 0) == std::vector<int>{0, 1});        // clipped at the start
  CHECK(visible(0, 2) == std::vector<int>{1, 2, 3});
  CHECK(visible(0, 4) == std::vector<int>{3, 4, 5});
  CHECK(visible(1, 1) == std::vector<int>{0, 1, 2});
  CHECK(visible(1, 2) == std::vector<int>{1, 2});        // clipped at the end, padding hidden
  CHECK(visible(1, 4) == std::vector<int>{1, 2});        // beyond the source: p_t = S - 1
  // Later steps (decoding): first_t shifts t.
  Tensor later = local_m_mask(lengths, 3, 1, 6, 2);
  for (int s = 0; s < 6; ++s) CHECK((later.f32()[s] == 0.f) == (s >= 1));
}

TEST_CASE("local-p: window around the nearest real position; Gaussian exp(-(s - p)^2 / (2 (D/2)^2))") {
  const std::vector<int32_t> lengths{5, 3};
  // p = 0.2 -> centre 0; p = 2.5 -> centre 3 (rounds half away); p = 4.6 (S = 5) -> centre 4;
  // second sentence p = 3 (= S) -> centre 2.
  Tensor p = Tensor::from_vector({2, 3, 1}, std::vector<float>{0.2f, 2.5f, 4.6f, 3.f, 0.f, 1.4f});
  Tensor m = local_p_mask(p, lengths, 6, 1);
  auto visible = [&](int b, int t) {
    std::vector<int> out;
    for (int s = 0; s < 6; ++s)
      if (m.f32()[(b * 3 + t) * 6 + s] == 0.f) out.push_back(s);
      else CHECK(hidden(m.f32()[(b * 3 + t) * 6 + s]));
    return out;
  };
  CHECK(visible(0, 0) == std::vector<int>{0, 1});
  CHECK(visible(0, 1) == std::vector<int>{2, 3, 4});
  CHECK(visible(0, 2) == std::vector<int>{3, 4});
  CHECK(visible(1, 0) == std::vector<int>{1, 2});
  CHECK(visible(1, 1) == std::vector<int>{0, 1});
  CHECK(visible(1, 2) == std::vector<int>{0, 1, 2});

  Var positions = tensor({1, 2, 1}, {2.f, 0.5f});
  Tensor g = gaussian_window(positions, 4, 2).value();  // sigma = 1
  REQUIRE(g.shape() == Shape{1, 2, 4});
  for (int s = 0; s < 4; ++s) {
    CHECK(g.f32()[s] == doctest::Approx(std::exp(-(s - 2.f) * (s - 2.f) / 2.f)));
    CHECK(g.f32()[4 + s] == doctest::Approx(std::exp(-(s - 0.5f) * (s - 0.5f) / 2.f)));
  }
  CHECK(g.f32()[2] == doctest::Approx(1.f));  // at p_t itself
}

TEST_CASE("local-p: the predicted position lies in [0, S] of each sentence") {
  ParameterStore store;
  Generator init(3);
  PredictivePosition position(store, "p", 4, init);
  Tensor h = Tensor::empty({2, 3, 4});
  for (int64_t i = 0; i < h.numel(); ++i) h.f32()[i] = init.uniform(-3.f, 3.f);
  Tensor p = position(Var(h), tensor({2, 1, 1}, {5, 2})).value();
  REQUIRE(p.shape() == Shape{2, 3, 1});
  for (int i = 0; i < 6; ++i) {
    CHECK(p.f32()[i] >= 0.f);
    CHECK(p.f32()[i] <= (i < 3 ? 5.f : 2.f));
  }
  set(store, "p.v_p", {0, 0, 0, 0});  // sigmoid(0) = 1/2: the middle of each sentence
  Tensor middle = position(Var(h), tensor({2, 1, 1}, {5, 2})).value();
  CHECK(middle.f32()[0] == doctest::Approx(2.5f));
  CHECK(middle.f32()[5] == doctest::Approx(1.f));
}

TEST_CASE("recurrent layer: a masked step keeps the row's state; the tanh RNN step by hand") {
  ParameterStore store;
  Generator init(4);
  RecurrentLayer rnn(store, "r", CellType::rnn, 1, 1, init);
  set(store, "r.w_x", {0.5f});
  set(store, "r.w_h", {2.f});
  set(store, "r.b", {0.1f});
  RecurrentState s{tensor({2, 1}, {0.3f, -0.2f}), Var()};
  Var xproj = rnn.project(tensor({2, 1}, {1.f, 1.f}));
  Tensor mask = Tensor::from_vector({2, 1}, std::vector<float>{1.f, 0.f});
  RecurrentState next = rnn.step(xproj, s, mask);
  CHECK(next.h.value().f32()[0] == doctest::Approx(std::tanh(0.5f + 0.1f + 2 * 0.3f)));
  CHECK(next.h.value().f32()[1] == doctest::Approx(-0.2f));  // padding: kept
  // step_masks: undefined where every row is real.
  auto masks = step_masks(transpose_ids(ids({2, 3}, {5, 6, 7, 8, 0, 0})));
  REQUIRE(masks.size() == 3);
  CHECK_FALSE(masks[0].defined());
  CHECK(masks[1].to_vector() == std::vector<float>{1, 0});
  CHECK(masks[2].to_vector() == std::vector<float>{1, 0});
  CHECK_THROWS_WITH_AS(parse_cell("tree"), doctest::Contains("unknown cell 'tree'"), std::invalid_argument);
}
