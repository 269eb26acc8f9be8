// The RNN family (vanilla rnn/gru/lstm, Bahdanau, Luong global/local with every score, input
// feeding on and off): whole-model gradients, incremental decoding against teacher forcing,
// padding invariance, source reversal, what local windows let through, configuration errors.
#include <doctest/doctest.h>

#include <cmath>

#include "nmt/models/rnn_seq2seq.h"
#include "nmt/tensor/memory_pool.h"
#include "tests/models/model_checks.h"

using namespace nmt;
using nmt::testing::ids;

namespace {

ModelConfig tiny(const std::string& type, const std::string& cell = "lstm") {
  ModelConfig c;
  c.type = type;
  c.vocab_size = 13;
  c.embedding_size = 6;
  c.hidden_size = 8;
  c.rnn_layers = 1;
  c.cell = cell;
  c.dropout = 0.f;
  c.window = 1;
  return c;
}

ModelConfig tiny_luong(const std::string& attention, const std::string& score, bool feeding, int layers = 1) {
  ModelConfig c = tiny("luong");
  c.attention = attention;
  c.score = score;
  c.input_feeding = feeding;
  c.rnn_layers = layers;
  return c;
}

// Every variant the brief names, each a tiny instance.
std::vector<std::pair<std::string, ModelConfig>> variants() {
  std::vector<std::pair<std::string, ModelConfig>> v;
  for (const char* cell : {"rnn", "gru", "lstm"}) {
    ModelConfig c = tiny("rnn", cell);
    c.rnn_layers = 2;
    v.emplace_back(std::string("rnn ") + cell, c);
  }
  ModelConfig reversed = tiny("rnn", "gru");
  reversed.reverse_source = true;
  v.emplace_back("rnn gru reversed", reversed);
  v.emplace_back("bahdanau lstm", tiny("bahdanau", "lstm"));
  v.emplace_back("bahdanau gru", tiny("bahdanau", "gru"));
  for (const char* score : {"dot", "general", "concat"}) {
    v.emplace_back(std::string("luong global ") + score + " feeding", tiny_luong("global", score, true));
    v.emplace_back(std::string("luong global ") + score + " no feeding", tiny_luong("global", score, false));
  }
  v.emplace_back("luong local-m feeding 2 layers", tiny_luong("local-m", "general", true, 2));
  v.emplace_back("luong local-m no feeding", tiny_luong("local-m", "dot", false));
  v.emplace_back("luong local-p feeding", tiny_luong("local-p", "general", true));
  v.emplace_back("luong local-p no feeding 2 layers", tiny_luong("local-p", "concat", false, 2));
  // Source reversal with attention (Luong et al. trained every model so, their Table 1).
  ModelConfig reversed_bahdanau = tiny("bahdanau", "gru");
  reversed_bahdanau.reverse_source = true;
  v.emplace_back("bahdanau gru reversed", reversed_bahdanau);
  ModelConfig reversed_luong = tiny_luong("local-p", "general", true);
  reversed_luong.reverse_source = true;
  v.emplace_back("luong local-p feeding reversed", reversed_luong);
  return v;
}

// Two sentences, the second padded: source = pieces + eos (3), target input = bos (2) + pieces.
const Tensor kSource = ids({2, 5}, {5, 6, 7, 8, 3, 9, 10, 3, 0, 0});
const Tensor kTargetIn = ids({2, 4}, {2, 11, 12, 4, 2, 4, 0, 0});

}  // namespace

TEST_CASE("rnn models: whole-model gradient check of every variant") {
  for (auto [name, config] : variants()) {
    CAPTURE(name);
    // local-p's window edges are a step function of p_t: one finite-difference step can move
    // them. A window wider than the sentences keeps them still (the Gaussian is still checked).
    if (config.attention == "local-p") config.window = 5;
    Generator init(5);
    auto model = build_model(config, init);
    nmt::testing::check_model_gradients(*model, kSource, kTargetIn);
  }
}

TEST_CASE("rnn models: incremental decoding equals teacher forcing; attention sums to one") {
  for (auto& [name, config] : variants()) {
    CAPTURE(name);
    Generator init(6);
    auto model = build_model(config, init);
    nmt::testing::check_incremental_decoding(*model, kSource, kTargetIn);
  }
}

TEST_CASE("rnn models: every part of the decoder state follows its row when the beam is reordered") {
  for (auto& [name, config] : variants()) {
    CAPTURE(name);
    Generator init(6);
    auto model = build_model(config, init);
    nmt::testing::check_state_follows_rows(*model, kSource);
  }
}

// Every parameter (biases and the pad embedding included) drawn from U(-0.5, 0.5): with the
// initial zero biases and zero pad embedding, a recurrence over padding would stay at its zero
// state and hide a missing mask.
static void randomize(EncoderDecoder& model, uint64_t seed) {
  Generator gen(seed);
  for (Parameter& p : model.parameters().all())
    for (int64_t i = 0; i < p.numel(); ++i) p.mutable_value().f32()[i] = gen.uniform(-0.5f, 0.5f);
}

TEST_CASE("rnn models: padding never changes a sentence's result") {
  for (auto& [name, config] : variants()) {
    CAPTURE(name);
    Generator init(7);
    auto model = build_model(config, init);
    randomize(*model, 17);
    NoGradGuard no_grad;
    // Alone, padded by two, and padded next to a longer sentence.
    Tensor alone = model->logits(ids({1, 3}, {9, 10, 3}), ids({1, 3}, {2, 4, 5}), false).value();
    Tensor padded = model->logits(ids({1, 5}, {9, 10, 3, 0, 0}), ids({1, 3}, {2, 4, 5}), false).value();
    Tensor batch = model->logits(ids({2, 5}, {5, 6, 7, 8, 3, 9, 10, 3, 0, 0}),
                                 ids({2, 3}, {2, 11, 12, 2, 4, 5}), false).value();
    REQUIRE(alone.numel() == padded.numel());
    const int64_t n = alone.numel();
    for (int64_t i = 0; i < n; ++i) {
      CHECK(padded.f32()[i] == doctest::Approx(alone.f32()[i]).epsilon(1e-5));
      CHECK(batch.f32()[n + i] == doctest::Approx(alone.f32()[i]).epsilon(1e-5));
    }
  }
}

TEST_CASE("rnn models: the encoder reads the real tokens only (padding ids would change the result)") {
  // A check that the padding test can fail: the same sentence with a real token where the
  // padding was gives other logits.
  Generator init(7);
  auto model = build_model(tiny("bahdanau"), init);
  randomize(*model, 17);
  NoGradGuard no_grad;
  Tensor a = model->logits(ids({1, 4}, {9, 10, 3, 0}), ids({1, 2}, {2, 4}), false).value();
  Tensor b = model->logits(ids({1, 4}, {9, 10, 3, 5}), ids({1, 2}, {2, 4}), false).value();
  double difference = 0;
  for (int64_t i = 0; i < a.numel(); ++i) difference += std::abs(a.f32()[i] - b.f32()[i]);
  CHECK(difference > 1e-4);
}

TEST_CASE("rnn: source reversal reverses the pieces before eos, row by row") {
  Tensor r = reverse_source(ids({3, 5}, {5, 6, 7, 8, 3, 9, 10, 3, 0, 0, 4, 5, 0, 0, 0}));
  CHECK(r.to_vector().size() == 15);
  const std::vector<int32_t> expected{8, 7, 6, 5, 3, 10, 9, 3, 0, 0, 5, 4, 0, 0, 0};
  for (int i = 0; i < 15; ++i) CHECK(r.i32()[i] == expected[i]);
}

TEST_CASE("rnn: what a reversed-source model reports maps back to the source's own order") {
  // Rows of 5 (4 pieces + eos) and 3 (2 pieces + eos) real tokens in a width of 5.
  const std::vector<int32_t> lengths = {5, 3};
  const std::vector<float> weights = {0.1f, 0.2f, 0.3f, 0.15f, 0.25f, 0.7f, 0.2f, 0.1f, 0.f, 0.f};
  const Tensor w = source_order_weights(Tensor::from_vector({2, 5}, weights), lengths);
  const std::vector<float> expected = {0.15f, 0.3f, 0.2f, 0.1f, 0.25f, 0.2f, 0.7f, 0.1f, 0.f, 0.f};
  CHECK(w.to_vector() == expected);
  const std::vector<float> positions = {0.f, 0.25f};
  CHECK(source_order_positions(Tensor::from_vector({2}, positions), lengths).to_vector() ==
        std::vector<float>{3.f, 0.75f});
  const std::vector<float> at_eos = {4.f, 2.6f};  // centred on the eos: it stays where it is
  CHECK(source_order_positions(Tensor::from_vector({2}, at_eos), lengths).to_vector() == at_eos);
}

TEST_CASE("attention models with a reversed source: the same network as on a reversed input, attention and "
          "positions reported in the source's own order") {
  std::vector<std::pair<std::string, ModelConfig>> models = {
      {"bahdanau", tiny("bahdanau")},
      {"luong global", tiny_luong("global", "dot", true)},
      {"luong local-p", tiny_luong("local-p", "general", false)}};
  for (auto& [name, plain] : models) {
    CAPTURE(name);
    ModelConfig reversed = plain;
    reversed.reverse_source = true;
    Generator a(5), b(5);
    auto model = build_model(reversed, a);
    auto reference = build_model(plain, b);  // the same parameters: reversal draws nothing
    NoGradGuard no_grad;
    const Tensor flipped = reverse_source(kSource);
    const std::vector<float> expected = reference->logits(flipped, kTargetIn, false).value().to_vector();
    const std::vector<float> got = model->logits(kSource, kTargetIn, false).value().to_vector();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-6));

    auto state = model->start(kSource, 1);
    auto reference_state = reference->start(flipped, 1);
    state->keep_attention = reference_state->keep_attention = true;
    const Tensor first = ids({2}, {2, 2});
    model->step(*state, first);
    reference->step(*reference_state, first);
    const Tensor w = model->last_attention(*state), rw = reference->last_attention(*reference_state);
    REQUIRE(w.shape() == Shape{2, 5});
    // Sentence 0: 5 6 7 8 eos, read as 8 7 6 5 eos; sentence 1: 9 10 eos pad pad, read as 10 9 eos.
    const std::vector<std::pair<int, int>> same = {{0, 3}, {1, 2}, {2, 1}, {3, 0}, {4, 4},  // (own, read)
                                                   {5, 6}, {6, 5}, {7, 7}, {8, 8}, {9, 9}};
    for (const auto& [own, read] : same) CHECK(w.f32()[own] == doctest::Approx(rw.f32()[read]));
    const Tensor p = model->last_positions(*state), rp = reference->last_positions(*reference_state);
    CHECK(p.defined() == rp.defined());
    if (p.defined()) {
      REQUIRE(p.numel() == 2);
      for (int r = 0; r < 2; ++r) {
        const float last = r == 0 ? 3.f : 1.f;  // the last position before the eos
        const float q = rp.f32()[r];
        CHECK(p.f32()[r] == doctest::Approx(q < last + 0.5f ? std::max(0.f, last - q) : q));
      }
    }
  }
}

TEST_CASE("luong local-m: the attention at step t stays inside [t - D, t + D] and the sentence") {
  ModelConfig c = tiny_luong("local-m", "general", true);
  c.window = 1;
  Generator init(8);
  auto model = build_model(c, init);
  NoGradGuard no_grad;
  const Tensor source = ids({2, 6}, {5, 6, 7, 8, 9, 3, 9, 10, 3, 0, 0, 0});
  const int32_t lengths[] = {6, 3};
  auto state = model->start(source, 1);
  state->keep_attention = true;
  for (int t = 0; t < 6; ++t) {
    model->step(*state, ids({2}, {2, 2}));
    Tensor a = model->last_attention(*state);
    for (int b = 0; b < 2; ++b) {
      const int center = std::min(t, lengths[b] - 1);
      double sum = 0;
      for (int s = 0; s < 6; ++s) {
        const float w = a.f32()[b * 6 + s];
        sum += w;
        CAPTURE(t);
        CAPTURE(b);
        CAPTURE(s);
        if (s < center - 1 || s > center + 1 || s >= lengths[b]) CHECK(w == 0.f);
        else CHECK(w > 0.f);
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("luong local-p: the attention never reaches padding, sums to one, and spans at most 2D + 1") {
  ModelConfig c = tiny_luong("local-p", "dot", false);
  c.window = 2;
  Generator init(9);
  auto model = build_model(c, init);
  NoGradGuard no_grad;
  const Tensor source = ids({2, 8}, {5, 6, 7, 8, 9, 10, 11, 3, 9, 10, 3, 0, 0, 0, 0, 0});
  auto state = model->start(source, 1);
  state->keep_attention = true;
  for (int t = 0; t < 4; ++t) {
    model->step(*state, ids({2}, {2, 7}));
    Tensor a = model->last_attention(*state);
    for (int b = 0; b < 2; ++b) {
      double sum = 0;
      int nonzero = 0, first = -1, last = -1;
      for (int s = 0; s < 8; ++s) {
        const float w = a.f32()[b * 8 + s];
        sum += w;
        if (w > 0) {
          ++nonzero;
          if (first < 0) first = s;
          last = s;
        }
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
      CHECK(nonzero >= 1);
      CHECK(last - first <= 4);
      if (b == 1) CHECK(last <= 2);
    }
  }
}

TEST_CASE("rnn models: parameter names are stable; same seed, same parameters") {
  Generator a(7), b(7);
  auto m1 = build_model(tiny("bahdanau"), a);
  auto m2 = build_model(tiny("bahdanau"), b);
  REQUIRE(m1->parameters().all().size() == m2->parameters().all().size());
  for (std::size_t i = 0; i < m1->parameters().all().size(); ++i)
    CHECK(m1->parameters().all()[i].value().to_vector() == m2->parameters().all()[i].value().to_vector());
  for (const char* name : {"source_embedding", "encoder.0.forward.w_x", "encoder.0.backward.w_h", "bridge_h.weight",
                           "bridge_c.weight", "attention.u_a", "attention.v_a", "decoder.w_x", "readout.weight",
                           "output.weight"})
    CHECK_MESSAGE(m1->parameters().find(name) != nullptr, name);
  // The readout and sizes for hidden 8 (bahdanau.h): encoder 4 per direction, decoder 8, readout 4.
  CHECK(m1->parameters().find("encoder.0.forward.w_h")->shape() == Shape{4, 16});
  CHECK(m1->parameters().find("decoder.w_x")->shape() == Shape{6 + 8, 32});
  CHECK(m1->parameters().find("readout.weight")->shape() == Shape{8 + 8 + 6, 4});
  auto luong = build_model(tiny_luong("local-p", "concat", true, 2), a);
  for (const char* name : {"encoder.1.forward.w_x", "decoder.1.w_h", "attention.w_a", "attention.u_a",
                           "attention.position.w_p", "attention.position.v_p", "attentional.weight"})
    CHECK_MESSAGE(luong->parameters().find(name) != nullptr, name);
  CHECK(luong->parameters().find("decoder.0.w_x")->shape() == Shape{6 + 8, 32});  // input feeding
}

TEST_CASE("rnn models: configuration errors name the setting") {
  Generator init(1);
  ModelConfig c = tiny("rnn", "lstmm");
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("rnn model setting 'cell' = lstmm: must be one of rnn, gru, lstm"), std::invalid_argument);
  c = tiny_luong("local", "dot", true);
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("'attention' = local: must be one of global, local-m, local-p"), std::invalid_argument);
  c = tiny_luong("global", "bilinear", true);
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("'score' = bilinear: must be one of dot, general, concat"),
                       std::invalid_argument);
  c = tiny_luong("local-p", "dot", true);
  c.window = 0;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("window"), std::invalid_argument);
  c = tiny("bahdanau");
  c.hidden_size = 7;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("bahdanau model setting 'hidden_size' = 7: must be even"), std::invalid_argument);
  c = tiny("rnn");
  c.rnn_layers = 0;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("rnn_layers"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_model(tiny("rnn"), init)->logits(ids({1, 2}, {0, 0}), ids({1, 1}, {2}), false),
                       doctest::Contains("empty"), std::invalid_argument);
}

TEST_CASE("rnn models: a warm training step and a warm decoding step take no new memory from the system") {
  for (const auto& config : {tiny("bahdanau"), tiny_luong("local-p", "concat", true, 2), tiny("rnn", "gru")}) {
    CAPTURE(config.type);
    Generator init(4);
    auto model = build_model(config, init);
    auto train_step = [&] {
      model->parameters().zero_grad();
      Var logits = model->logits(kSource, kTargetIn, true);
      cross_entropy(logits, ids({8}, {11, 12, 4, 3, 4, 3, 0, 0}), 0.f, 0, Reduction::sum).backward();
    };
    auto decode = [&] {
      auto state = model->start(kSource, 2);
      for (int t = 0; t < 3; ++t) {
        model->step(*state, ids({4}, {2, 2, 5, 6}));
        state->reorder(std::vector<int32_t>{1, 0, 3, 2});
      }
    };
    // The pool may serve a request from a cached block up to twice its size, so the first
    // rounds can still move blocks between sizes: warm up over a few rounds, then count.
    for (int round = 0; round < 4; ++round) {
      train_step();
      decode();
    }
    const uint64_t before = MemoryPool::global().stats().system_allocations;
    for (int round = 0; round < 2; ++round) {
      train_step();
      decode();
    }
    CHECK(MemoryPool::global().stats().system_allocations == before);
  }
}
