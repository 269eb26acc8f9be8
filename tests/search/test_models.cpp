// The search over every real model of the toolkit (randomly initialised, tiny): a sentence gets
// the same translation alone and in a padded batch (finished sentences dropped from the state or
// not), greedy equals beam 1, and the attention kept for each output step is a distribution over
// the sentence's own source positions (centred on p_t for local-p, which reports it).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nmt/models/ensemble.h"
#include "nmt/models/model_registry.h"
#include "nmt/search/search.h"
#include "nmt/tensor/blas.h"
#include "tiny_models.h"
#include "tokenizer/special_ids.h"

using namespace nmt;

namespace {

ModelConfig tiny(const std::string& type, const std::string& attention = "global") {
  return testing::tiny_config(type, attention);
}

std::vector<std::vector<int32_t>> sentences() { return testing::tiny_sentences(); }

}  // namespace

TEST_CASE("every model: batch-independent results, greedy == beam 1, attention over the own source") {
  std::vector<std::pair<std::string, std::string>> models;  // every registered type, and local-p
  for (const ModelType& type : model_types()) models.emplace_back(type.name, "global");
  models.emplace_back("luong", "local-p");
  for (const auto& [type, attention] : models) {
    CAPTURE(type);
    CAPTURE(attention);
    Generator init(3);
    ModelConfig config = tiny(type, attention);
    std::unique_ptr<EncoderDecoder> model;
    try {
      model = build_model(config, init);
    } catch (const std::exception& e) {
      FAIL_CHECK("cannot build: " << e.what());
      continue;
    }
    const auto sources = sentences();
    SearchOptions o;
    o.beam = 3;
    o.n_best = 2;
    o.attention = true;
    o.max_length_ratio = 1.0f;  // limits from 3 to 13: sentences end at different steps
    o.max_length_offset = 1;
    o.drop_finished = false;
    const auto without_dropping = search(*model, sources, o);
    o.drop_finished = true;
    const auto batched = search(*model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      const auto alone = search(*model, std::vector<std::vector<int32_t>>{sources[b]}, o);
      REQUIRE(alone[0].hypotheses.size() == batched[b].hypotheses.size());
      for (std::size_t i = 0; i < alone[0].hypotheses.size(); ++i) {
        const Hypothesis &x = alone[0].hypotheses[i], &y = batched[b].hypotheses[i];
        CHECK(x.tokens == y.tokens);
        CHECK(without_dropping[b].hypotheses[i].tokens == y.tokens);
        CHECK(x.score == doctest::Approx(y.score).epsilon(1e-5));
        // One distribution per output step over the sentence's own positions (padding gets none).
        REQUIRE(y.source_length == static_cast<int>(sources[b].size()) + 1);
        for (std::size_t t = 0; t <= y.tokens.size(); ++t) {
          double sum = 0;
          for (int s = 0; s < y.source_length; ++s) sum += y.attention_at(static_cast<int>(t), s);
          CHECK(sum == doctest::Approx(1.0).epsilon(1e-4));
        }
        // local-p reports the p_t of every step: in [0, S], the same alone and in the batch, and
        // the window [round(p_t) - D, round(p_t) + D] around it holds all of the step's weight.
        if (attention != "local-p") {
          CHECK(y.positions.empty());
          continue;
        }
        REQUIRE(y.positions.size() == y.tokens.size() + 1);
        REQUIRE(x.positions.size() == y.positions.size());
        for (std::size_t t = 0; t <= y.tokens.size(); ++t) {
          const float p = y.positions[t];
          CHECK(p == doctest::Approx(x.positions[t]).epsilon(1e-5));
          CHECK(p >= 0.f);
          CHECK(p <= static_cast<float>(y.source_length));
          const long centre = std::min<long>(std::lround(p), y.source_length - 1);
          for (int s = 0; s < y.source_length; ++s)
            if (std::abs(s - centre) > config.window) CHECK(y.attention_at(static_cast<int>(t), s) == 0.f);
        }
      }
    }
    o.beam = 1;
    o.n_best = 1;
    const auto greedy = greedy_search(*model, sources, o);
    const auto beam1 = beam_search(*model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      CHECK(greedy[b].best().tokens == beam1[b].best().tokens);
      CHECK(greedy[b].best().score == doctest::Approx(beam1[b].best().score).epsilon(1e-6));
    }
  }
}

TEST_CASE("transformer in int8: batch-independent results, each step's log-probabilities close to float32") {
  if (!blas::int8_supported()) return;
  Generator init(3);
  ModelConfig config = tiny("transformer");
  config.d_model = 32;  // K a multiple of neither 16 nor 64 in the feed-forward
  config.d_ff = 72;
  std::unique_ptr<EncoderDecoder> model = build_model(config, init);
  const auto sources = sentences();
  SearchOptions o;
  o.beam = 3;
  o.max_length_ratio = 1.0f;
  o.max_length_offset = 1;
  // float32 log-probabilities of the first steps, for the comparison below
  const Tensor source = Tensor::from_ids({1, 4}, std::vector<int32_t>{5, 9, 13, text::kEosId});
  std::vector<Tensor> fp32_steps;
  {
    auto state = model->start(source, 1);
    for (int t = 0; t < 3; ++t)
      fp32_steps.push_back(model->step(*state, Tensor::from_ids({1}, std::vector<int32_t>{t == 0 ? text::kBosId : 4 + t})).clone());
  }
  blas::PrecisionScope int8(blas::Precision::int8);
  for (int beam : {1, 3}) {
    CAPTURE(beam);
    o.beam = beam;
    const auto batched = search(*model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      const auto alone = search(*model, std::vector<std::vector<int32_t>>{sources[b]}, o);
      CHECK(alone[0].best().tokens == batched[b].best().tokens);
      CHECK(alone[0].best().score == doctest::Approx(batched[b].best().score).epsilon(1e-5));  // as for float32
    }
  }
  auto state = model->start(source, 1);
  for (int t = 0; t < 3; ++t) {
    const Tensor got = model->step(*state, Tensor::from_ids({1}, std::vector<int32_t>{t == 0 ? text::kBosId : 4 + t}));
    for (int64_t v = 0; v < got.numel(); ++v) CHECK(got.f32()[v] == doctest::Approx(fp32_steps[t].f32()[v]).epsilon(0.05));
  }
}

TEST_CASE("ensemble: a model with itself translates as the model; one vocabulary required") {
  Generator init(3), other_init(4);
  const ModelConfig config = tiny("transformer");
  std::unique_ptr<EncoderDecoder> model = build_model(config, init);
  std::unique_ptr<EncoderDecoder> other = build_model(config, other_init);
  const auto sources = sentences();
  SearchOptions o;
  o.beam = 3;
  o.n_best = 2;
  o.max_length_ratio = 1.0f;
  o.max_length_offset = 1;
  const auto alone = search(*model, sources, o);
  Ensemble twice({model.get(), model.get()});
  const auto doubled = search(twice, sources, o);
  for (std::size_t b = 0; b < sources.size(); ++b)
    for (std::size_t i = 0; i < alone[b].hypotheses.size(); ++i) {
      CHECK(doubled[b].hypotheses[i].tokens == alone[b].hypotheses[i].tokens);
      CHECK(doubled[b].hypotheses[i].score == alone[b].hypotheses[i].score);  // (a + a) / 2 == a exactly
    }
  // two different models: each step is the mean of theirs
  Ensemble pair({model.get(), other.get()});
  const Tensor source = Tensor::from_ids({1, 3}, std::vector<int32_t>{5, 9, text::kEosId});
  auto s = pair.start(source, 1);
  auto sa = model->start(source, 1);
  auto sb = other->start(source, 1);
  const Tensor bos = Tensor::from_ids({1}, std::vector<int32_t>{text::kBosId});
  const Tensor mean = pair.step(*s, bos), a = model->step(*sa, bos), b = other->step(*sb, bos);
  for (int64_t v = 0; v < mean.numel(); ++v) CHECK(mean.f32()[v] == doctest::Approx((a.f32()[v] + b.f32()[v]) / 2));
  // an RNN and a Transformer with one vocabulary ensemble as well (beam search with reordering)
  std::unique_ptr<EncoderDecoder> rnn = build_model(tiny("luong"), other_init);
  Ensemble mixed({model.get(), rnn.get()});
  const auto mixed_result = search(mixed, sources, o);
  CHECK(mixed_result.size() == sources.size());
  ModelConfig bigger = config;
  bigger.vocab_size = 41;
  std::unique_ptr<EncoderDecoder> other_vocabulary = build_model(bigger, other_init);
  CHECK_THROWS_WITH_AS(Ensemble({model.get(), other_vocabulary.get()}), doctest::Contains("one vocabulary"),
                       std::invalid_argument);
}
