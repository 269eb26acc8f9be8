// The search over every real model of the toolkit (randomly initialised, tiny): a sentence gets
// the same translation alone and in a padded batch (finished sentences dropped from the state or
// not), greedy equals beam 1, and the attention kept for each output step is a distribution over
// the sentence's own source positions (centred on p_t for local-p, which reports it).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nmt/models/model_registry.h"
#include "nmt/search/search.h"
#include "tokenizer/special_ids.h"

using namespace nmt;

namespace {

ModelConfig tiny(const std::string& type, const std::string& attention = "global") {
  ModelConfig c;
  c.type = type;
  c.vocab_size = 40;
  c.max_positions = 64;
  c.d_model = 16;
  c.heads = 2;
  c.d_ff = 32;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.embedding_size = 16;
  c.hidden_size = 16;
  c.attention = attention;
  c.window = 2;
  c.score = "general";
  return c;
}

std::vector<std::vector<int32_t>> sentences() {
  std::vector<std::vector<int32_t>> out;
  for (int i = 0; i < 9; ++i) {
    std::vector<int32_t> s;
    for (int j = 0; j < 1 + (i * 5) % 11; ++j) s.push_back(4 + (i * 7 + j * 3) % 36);
    out.push_back(s);
  }
  return out;
}

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
