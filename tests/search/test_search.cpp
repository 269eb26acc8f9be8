// Greedy and beam search (nmt/search) against a mock model with known answers.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "mock_model.h"
#include "nmt/search/search.h"
#include "nmt/search/top_k.h"
#include "reference_beam.h"

using namespace nmt;
using namespace nmt::testing;

namespace {

Ids with_eos(Ids s) {
  s.push_back(kEos);
  return s;
}

std::vector<Ids> some_sources(int count, uint64_t seed, int vocab) {
  std::vector<Ids> sources;
  for (int i = 0; i < count; ++i) {
    Ids s;
    const int length = 1 + static_cast<int>((seed * 7 + i * 13) % 9);
    for (int j = 0; j < length; ++j) s.push_back(4 + static_cast<int32_t>((seed + i * 31 + j * 17) % (vocab - 4)));
    sources.push_back(s);
  }
  return sources;
}

void check_same(const SentenceResult& a, const SentenceResult& b) {
  REQUIRE(a.hypotheses.size() == b.hypotheses.size());
  CHECK(a.max_length == b.max_length);
  for (std::size_t i = 0; i < a.hypotheses.size(); ++i) {
    CHECK(a.hypotheses[i].tokens == b.hypotheses[i].tokens);
    CHECK(a.hypotheses[i].score == b.hypotheses[i].score);
    CHECK(a.hypotheses[i].normalized == b.hypotheses[i].normalized);
    CHECK(a.hypotheses[i].truncated == b.hypotheses[i].truncated);
    CHECK(a.hypotheses[i].attention == b.hypotheses[i].attention);
  }
}

// The normalisation case: A = [4] EOS has the higher raw score, B = [5 6 7] EOS the higher
// per-token score (see the comments for the numbers).
HandTable normalisation_table() {
  HandTable t;
  t.entries[{}] = {{4, 0.2}, {5, 0.18}};
  t.entries[{4}] = {{kEos, 0.3}};     // A: ln(0.2 * 0.3)  = -2.813, per token -1.407
  t.entries[{5}] = {{6, 0.6}};
  t.entries[{5, 6}] = {{7, 0.6}};
  t.entries[{5, 6, 7}] = {{kEos, 0.6}};  // B: ln(0.18 * 0.6^3) = -3.247, per token -0.812
  return t;
}

}  // namespace

TEST_CASE("length penalties: Wu et al. 2016, average, none") {
  LengthPenalty wu{Normalization::wu, 1.0f};
  CHECK(wu.divisor(1) == doctest::Approx(1.0));
  CHECK(wu.divisor(7) == doctest::Approx(2.0));
  wu.alpha = 0.6f;
  CHECK(wu.divisor(10) == doctest::Approx(std::pow(15.0 / 6.0, 0.6)));
  CHECK(wu.normalize(-3.0f, 10) == doctest::Approx(-3.0 / std::pow(2.5, 0.6)));
  wu.alpha = 0.f;
  CHECK(wu.divisor(30) == doctest::Approx(1.0));
  const LengthPenalty average{Normalization::average, 0.6f};
  CHECK(average.divisor(4) == 4.0);
  CHECK(average.normalize(-3.0f, 4) == doctest::Approx(-0.75));
  const LengthPenalty none{Normalization::none, 0.6f};
  CHECK(none.normalize(-3.0f, 4) == -3.0f);
  CHECK(parse_normalization("wu") == Normalization::wu);
  CHECK(parse_normalization("average") == Normalization::average);
  CHECK(parse_normalization("none") == Normalization::none);
  CHECK_THROWS_WITH_AS(parse_normalization("mean"), doctest::Contains("'mean'"), std::invalid_argument);
}

TEST_CASE("top-k keeps the k best, ties to the smaller index, best first") {
  TopK top(3);
  const float scores[] = {-1.f, -5.f, -0.5f, -1.f, -9.f, -0.5f, -2.f};
  for (int i = 0; i < 7; ++i)
    if (scores[i] >= top.threshold()) top.push(scores[i], i);
  const auto& best = top.sorted();
  REQUIRE(best.size() == 3);
  CHECK(best[0].index == 2);
  CHECK(best[1].index == 5);
  CHECK(best[2].index == 0);
}

TEST_CASE("the length penalty decides between a short and a long hypothesis") {
  const HandTable hand = normalisation_table();
  MockModel model(hand.vocab, hand);
  const std::vector<Ids> source{{9, 10}};
  auto best_with = [&](Normalization n, float alpha) {
    SearchOptions o;
    o.beam = 2;
    o.length_penalty = {n, alpha};
    return search(model, source, o)[0].best();
  };
  const Ids a{4}, b{5, 6, 7};
  const double score_a = std::log(0.2 * 0.3), score_b = std::log(0.18 * 0.6 * 0.6 * 0.6);

  Hypothesis h = best_with(Normalization::none, 0.f);
  CHECK(h.tokens == a);
  CHECK(h.score == doctest::Approx(score_a).epsilon(1e-5));
  CHECK(h.normalized == doctest::Approx(score_a).epsilon(1e-5));

  h = best_with(Normalization::average, 0.f);
  CHECK(h.tokens == b);
  CHECK(h.score == doctest::Approx(score_b).epsilon(1e-5));
  CHECK(h.normalized == doctest::Approx(score_b / 4).epsilon(1e-5));

  h = best_with(Normalization::wu, 1.0f);  // A: -2.813 / (7/6) = -2.411; B: -3.247 / 1.5 = -2.165
  CHECK(h.tokens == b);
  CHECK(h.normalized == doctest::Approx(score_b / 1.5).epsilon(1e-5));

  h = best_with(Normalization::wu, 0.1f);  // A: -2.770; B: -3.118
  CHECK(h.tokens == a);
  CHECK(h.normalized == doctest::Approx(score_a / std::pow(7.0 / 6.0, 0.1)).epsilon(1e-5));
  CHECK(model.violations == 0);
}

TEST_CASE("EOS ends a hypothesis: never extended, never repeated, never part of the output") {
  // After EOS the table would reward anything enormously: a search that extended finished
  // hypotheses (or kept EOS as a live token) would return [4 EOS 4 4 ...] or repeat EOS.
  HandTable hand;
  hand.entries[{}] = {{4, 0.9}, {5, 0.05}};
  hand.entries[{4}] = {{kEos, 0.7}, {6, 0.2}};
  hand.entries[{4, kEos}] = {{4, 0.999}};
  hand.entries[{4, kEos, 4}] = {{4, 0.999}};
  hand.entries[{4, kEos, kEos}] = {{4, 0.999}};
  hand.entries[{4, 6}] = {{kEos, 0.5}};
  MockModel model(hand.vocab, hand);
  for (Normalization n : {Normalization::none, Normalization::average, Normalization::wu}) {
    for (int beam : {1, 3, 6}) {
      SearchOptions o;
      o.beam = beam;
      o.n_best = beam;
      o.length_penalty = {n, 1.0f};
      const auto result = search(model, std::vector<Ids>{{7, 7, 7}}, o)[0];
      CHECK(result.best().tokens == Ids{4});
      CHECK(result.best().score == doctest::Approx(std::log(0.9 * 0.7)).epsilon(1e-5));
      for (const Hypothesis& h : result.hypotheses)
        for (int32_t t : h.tokens) {
          CHECK(t != kEos);
          CHECK(t != kPad);
          CHECK(t != kBos);
        }
    }
  }
  CHECK(model.violations == 0);
}

TEST_CASE("at the length limit EOS is forced and reported") {
  // A model that never wants to stop: token 4 forever (EOS has probability 1e-6).
  HandTable hand;
  hand.vocab = 16;
  MockModel model(hand.vocab, [&](const Ids& s, const Ids& prefix) {
    HandTable h = hand;
    h.entries[prefix] = {{4, 0.99}};
    return h(s, prefix);
  });
  const std::vector<Ids> sources{{5}, {5, 6, 7}};
  for (int beam : {1, 4}) {
    SearchOptions o;
    o.beam = beam;
    o.length_penalty = {Normalization::average, 0.6f};
    auto results = search(model, sources, o);
    for (int b = 0; b < 2; ++b) {
      const int source_length = static_cast<int>(sources[b].size()) + 1;
      CHECK(results[b].max_length == 2 * source_length + 10);  // the default, 2 * length + 10
      CHECK(results[b].hit_length_limit());
      CHECK(results[b].best().tokens == Ids(results[b].max_length - 1, 4));
      const double expected = (results[b].max_length - 1) * std::log(0.99) + std::log(1e-6);
      CHECK(results[b].best().score == doctest::Approx(expected).epsilon(1e-4));
    }
    // An absolute cap below the relative limit wins; so does the model's max_positions.
    o.max_length_cap = 5;
    results = search(model, sources, o);
    CHECK(results[1].max_length == 5);
    CHECK(results[1].best().tokens.size() == 4);
    CHECK(results[1].hit_length_limit());
    MockModel short_model(hand.vocab, [&](const Ids& s, const Ids& p) { return random_table(3, 16, -1.f)(s, p); }, 3);
    o.max_length_cap = 0;
    for (const auto& r : search(short_model, sources, o)) {
      CHECK(r.max_length == 3);
      CHECK(r.best().tokens.size() <= 2);
    }
  }
  // A model that ends by itself reports no limit.
  MockModel natural(20, random_table(5, 20, 2.0f));
  SearchOptions o;
  for (const auto& r : search(natural, some_sources(8, 1, 20), o)) {
    CHECK_FALSE(r.hit_length_limit());
    CHECK(static_cast<int>(r.best().tokens.size()) < r.max_length - 1);
  }
}

TEST_CASE("n-best lists are ordered, distinct and scored by the model's log-probabilities") {
  const int V = 20;
  const Table table = random_table(11, V);
  MockModel model(V, table);
  const auto sources = some_sources(6, 4, V);
  for (Normalization n : {Normalization::wu, Normalization::average, Normalization::none}) {
    SearchOptions o;
    o.beam = 5;
    o.n_best = 5;
    o.length_penalty = {n, 0.6f};
    const auto results = search(model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      const auto& hyps = results[b].hypotheses;
      CHECK(hyps.size() == 5);
      std::set<Ids> distinct;
      for (std::size_t i = 0; i < hyps.size(); ++i) {
        distinct.insert(hyps[i].tokens);
        if (i > 0) CHECK(hyps[i - 1].normalized >= hyps[i].normalized);
        const double score = sequence_score(table, with_eos(sources[b]), hyps[i].tokens);
        CHECK(hyps[i].score == doctest::Approx(score).epsilon(1e-4));
        const int length = static_cast<int>(hyps[i].tokens.size()) + 1;
        CHECK(hyps[i].normalized == doctest::Approx(score / o.length_penalty.divisor(length)).epsilon(1e-4));
      }
      CHECK(distinct.size() == hyps.size());
    }
  }
  CHECK(model.violations == 0);
}

TEST_CASE("attention rows follow each returned hypothesis through reordering") {
  const int V = 24;
  MockModel model(V, random_table(21, V));
  const auto sources = some_sources(7, 2, V);
  SearchOptions o;
  o.beam = 4;
  o.n_best = 3;
  o.attention = true;
  for (int beam : {1, 4}) {
    o.beam = beam;
    o.n_best = std::min(beam, 3);
    const auto results = search(model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      const Ids source = with_eos(sources[b]);
      for (const Hypothesis& h : results[b].hypotheses) {
        REQUIRE(h.source_length == static_cast<int>(source.size()));
        REQUIRE(h.attention.size() == (h.tokens.size() + 1) * source.size());
        Ids prefix;
        for (std::size_t step = 0; step <= h.tokens.size(); ++step) {
          const int expected = MockModel::attended(source, prefix);
          for (int s = 0; s < h.source_length; ++s) CHECK(h.attention_at(static_cast<int>(step), s) == (s == expected ? 1.f : 0.f));
          if (step < h.tokens.size()) prefix.push_back(h.tokens[step]);
        }
      }
    }
  }
}

TEST_CASE("a sentence gives the same result alone and in a batch, with or without dropping finished ones") {
  const int V = 30;
  MockModel model(V, random_table(7, V, 0.4f));
  const auto sources = some_sources(13, 9, V);
  for (int beam : {1, 4}) {
    SearchOptions o;
    o.beam = beam;
    o.n_best = beam == 1 ? 1 : 3;
    o.attention = true;
    o.max_length_cap = 14;  // some sentences hit it, some end early: dead rows next to live ones
    o.drop_finished = false;
    const int compactions_before = model.compactions;
    const auto kept = search(model, sources, o);
    CHECK(model.compactions == compactions_before);
    o.drop_finished = true;
    const auto batched = search(model, sources, o);
    CHECK(model.compactions > compactions_before);  // finished sentences left the model's state
    REQUIRE(batched.size() == sources.size());
    for (std::size_t b = 0; b < sources.size(); ++b) {
      const auto alone = search(model, std::vector<Ids>{sources[b]}, o);
      check_same(alone[0], batched[b]);
      check_same(kept[b], batched[b]);
    }
  }
  CHECK(model.violations == 0);
}

TEST_CASE("greedy search is beam search with beam 1") {
  for (uint64_t seed : {1, 2, 3}) {
    const int V = 17;
    MockModel model(V, random_table(seed, V, 0.3f));
    const auto sources = some_sources(20, seed, V);
    SearchOptions o;
    o.beam = 1;
    o.attention = true;
    o.max_length_cap = 12;
    const auto greedy = greedy_search(model, sources, o);
    const auto beam = beam_search(model, sources, o);
    const auto dispatched = search(model, sources, o);
    for (std::size_t b = 0; b < sources.size(); ++b) {
      check_same(greedy[b], beam[b]);
      check_same(greedy[b], dispatched[b]);
    }
    CHECK(model.violations == 0);
  }
}

// The reference (fairseq's rule) stops a sentence as soon as it has k finished hypotheses; we go
// on while a live hypothesis already beats them (see beam_search.cpp), so we find the
// reference's hypothesis or a better one, never a worse one.
TEST_CASE("beam search finds what the reference beam search finds, or better") {
  for (uint64_t seed : {1, 2, 3, 4}) {
    const int V = 12;
    const Table table = random_table(seed, V, 0.5f);
    MockModel model(V, table);
    const auto sources = some_sources(10, seed, V);
    for (int beam : {2, 3, 5}) {
      SearchOptions o;
      o.beam = beam;
      o.length_penalty = {Normalization::average, 1.0f};  // the reference's score / length^1
      const auto results = search(model, sources, o);
      for (std::size_t b = 0; b < sources.size(); ++b) {
        const Ids source = with_eos(sources[b]);
        const int limit = 2 * static_cast<int>(source.size()) + 10;
        const auto [tokens, normalized] = reference_beam(table, source, beam, 1.0, limit, V);
        if (results[b].best().tokens == tokens)
          CHECK(results[b].best().normalized == doctest::Approx(normalized).epsilon(1e-5));
        else
          CHECK(results[b].best().normalized > normalized);
      }
    }
  }
}

TEST_CASE("the search stops as soon as no live hypothesis can beat the best finished one") {
  // EOS at once has probability 0.9; every other first token 0.1 / 56 and then junk forever. The
  // reference would run to the limit waiting for k finished hypotheses.
  HandTable hand;
  hand.entries[{}] = {{kEos, 0.9}};
  MockModel model(hand.vocab, hand);
  SearchOptions o;
  o.beam = 4;
  const auto result = search(model, std::vector<Ids>{{5, 6}}, o)[0];
  CHECK(result.best().tokens.empty());
  CHECK(result.best().score == doctest::Approx(std::log(0.9)).epsilon(1e-5));
  CHECK(model.steps == 1);
  CHECK_FALSE(result.hit_length_limit());
}

TEST_CASE("bad settings are errors naming the setting") {
  MockModel model(10, random_table(1, 10));
  SearchOptions o;
  o.beam = 2;
  o.n_best = 3;
  CHECK_THROWS_WITH_AS(search(model, std::vector<Ids>{{4}}, o), doctest::Contains("n-best"), std::invalid_argument);
  o.n_best = 1;
  o.beam = 0;
  CHECK_THROWS_WITH_AS(search(model, std::vector<Ids>{{4}}, o), doctest::Contains("beam"), std::invalid_argument);
  o.beam = 2;
  CHECK_THROWS_WITH_AS(search(model, std::vector<Ids>{}, o), doctest::Contains("empty batch"), std::invalid_argument);
  // An empty sentence is fine: its source is just EOS.
  CHECK(search(model, std::vector<Ids>{{}}, o).size() == 1);
}
