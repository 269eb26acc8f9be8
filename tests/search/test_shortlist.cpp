// Vocabulary shortlists (nmt/search/shortlist.h): the lexical table holds what co-occurs, a
// sentence's shortlist is the special ids, the frequent pieces, the table's best pieces of its
// source pieces and the source pieces; with every word selected the search gives exactly what it
// gives without a shortlist (every model, float32 and int8); a partial shortlist maps positions
// back to ids, produces only the sentence's own words, and a sentence gets the same translation
// alone and in a batch.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "nmt/models/ensemble.h"
#include "nmt/models/model_registry.h"
#include "nmt/search/search.h"
#include "nmt/search/shortlist.h"
#include "nmt/tensor/blas.h"
#include "tiny_models.h"
#include "tokenizer/special_ids.h"

using namespace nmt;

namespace {

using Pairs = std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>;

LexicalTable table_of(const Pairs& pairs, int vocab, int top_k = 100) {
  LexicalTable::BuildSettings settings;
  settings.top_k = top_k;
  return LexicalTable::build(
      pairs.size(), [&](std::size_t i) { return std::span<const int32_t>(pairs[i].first); },
      [&](std::size_t i) { return std::span<const int32_t>(pairs[i].second); }, vocab, settings);
}

// A corpus over the pieces 4..39 where source piece s "translates" as target piece 4 + (s * 7) % 36
// and every piece occurs on both sides.
Pairs synthetic_corpus() {
  Pairs pairs;
  for (int i = 0; i < 60; ++i) {
    std::vector<int32_t> s, t;
    for (int j = 0; j < 1 + i % 5; ++j) {
      const int32_t piece = 4 + (i * 5 + j * 11) % 36;
      s.push_back(piece);
      t.push_back(4 + (piece * 7) % 36);
    }
    pairs.emplace_back(s, t);
  }
  return pairs;
}

ModelConfig tiny(const std::string& type) { return testing::tiny_config(type); }

std::vector<std::vector<int32_t>> sentences() { return testing::tiny_sentences(); }

void check_same_results(const std::vector<SentenceResult>& a, const std::vector<SentenceResult>& b, bool exact) {
  REQUIRE(a.size() == b.size());
  for (std::size_t s = 0; s < a.size(); ++s) {
    REQUIRE(a[s].hypotheses.size() == b[s].hypotheses.size());
    for (std::size_t h = 0; h < a[s].hypotheses.size(); ++h) {
      CHECK(a[s].hypotheses[h].tokens == b[s].hypotheses[h].tokens);
      if (exact)
        CHECK(a[s].hypotheses[h].score == b[s].hypotheses[h].score);
      else
        CHECK(a[s].hypotheses[h].score == doctest::Approx(b[s].hypotheses[h].score).epsilon(1e-5));
    }
  }
}

}  // namespace

TEST_CASE("lexical table: what co-occurs, ranked by IBM Model 1, frequent pieces, bytes round trip") {
  // 10 always comes with 4, 11 with 5, 13 with 6; 12 occurs with everything (frequent, but not
  // specific: IBM Model 1 explains it by the others); 4 never meets 13.
  const Pairs pairs = {{{4, 5}, {10, 11, 12}}, {{4}, {10, 12}}, {{5, 6}, {11, 13, 12}}, {{6}, {13, 12}},
                       {{4}, {10, 12}}};
  const LexicalTable table = table_of(pairs, 20);
  REQUIRE(table.vocab_size() == 20);
  CHECK(table.pairs_counted() == 5);
  REQUIRE(table.translations(4).size() >= 1);
  CHECK(table.translations(4)[0] == 10);  // 10 comes exactly with 4
  CHECK(table.translations(5)[0] == 11);
  CHECK(table.translations(6)[0] == 13);
  // only what co-occurs: 4 never meets 13
  const auto of4 = table.translations(4);
  CHECK(of4.size() == 3);
  CHECK(std::find(of4.begin(), of4.end(), 13) == of4.end());
  CHECK(table.translations(7).empty());    // never seen
  CHECK(table.translations(99).empty());   // out of range
  REQUIRE(table.frequent().size() == 4);   // 10, 11, 12, 13 occur
  CHECK(table.frequent()[0] == 12);        // 5 times
  CHECK(table.source_pieces() == 3);
  // top-k cuts each list
  CHECK(table_of(pairs, 20, 1).translations(4).size() == 1);
  // bytes and back
  const LexicalTable back = LexicalTable::from_bytes(table.to_bytes());
  CHECK(back.to_bytes() == table.to_bytes());
  CHECK(back.translations(5)[0] == 11);
  CHECK_THROWS_AS(LexicalTable::from_bytes("not a table"), std::invalid_argument);
  std::string cut = table.to_bytes();
  cut.resize(cut.size() - 4);
  CHECK_THROWS_AS(LexicalTable::from_bytes(cut), std::invalid_argument);
}

TEST_CASE("a sentence's shortlist: special ids, frequent pieces, its pieces' translations and itself") {
  const Pairs pairs = {{{4, 5}, {10, 11, 12}}, {{4}, {10, 12}}, {{5, 6}, {11, 13, 12}}, {{6}, {13, 12}},
                       {{4}, {10, 12}}};
  Shortlist shortlist(table_of(pairs, 20), ShortlistSettings{1, 1});
  // 0-3, the most frequent (12), 4's best (10), and 4 itself
  CHECK(shortlist.for_sentence(std::vector<int32_t>{4}) == std::vector<int32_t>{0, 1, 2, 3, 4, 10, 12});
  const Shortlist::Batch batch = shortlist.for_batch(std::vector<std::vector<int32_t>>{{4}, {6}});
  CHECK(batch.words == std::vector<int32_t>{0, 1, 2, 3, 4, 6, 10, 12, 13});
  CHECK_FALSE(batch.same_for_all);
  const Tensor mask = batch.mask(2);  // rows: sentence 0 twice, sentence 1 twice
  REQUIRE(mask.shape() == Shape{4, 9});
  CHECK(mask.f32()[0 * 9 + 6] == 0.f);                                  // 10 for the first
  CHECK(mask.f32()[1 * 9 + 5] == -std::numeric_limits<float>::infinity());  // 6 is not the first's
  CHECK(mask.f32()[2 * 9 + 8] == 0.f);                                  // 13 for the second
  CHECK(mask.f32()[3 * 9 + 3] == 0.f);                                  // EOS for everyone
  CHECK(shortlist.batches() == 1);
  CHECK(shortlist.total_size() == 9);
  CHECK_THROWS_AS(Shortlist(LexicalTable(), ShortlistSettings{-1, 0}), std::invalid_argument);
}

TEST_CASE("every model: an all-words shortlist translates exactly as no shortlist, float32 and int8") {
  const auto sources = sentences();
  const auto all_words = std::make_shared<const Shortlist>(table_of(synthetic_corpus(), 40), ShortlistSettings{100, 100});
  const Shortlist::Batch batch = all_words->for_batch(sources);
  REQUIRE(batch.words.size() == 40);  // every piece occurs on the target side
  for (const ModelType& type : model_types()) {
    CAPTURE(type.name);
    Generator init(3);
    std::unique_ptr<EncoderDecoder> model = build_model(tiny(type.name), init);
    for (bool int8 : {false, true}) {
      if (int8 && !blas::int8_supported()) continue;
      CAPTURE(int8);
      blas::PrecisionScope precision(int8 ? blas::Precision::int8 : blas::Precision::fp32);
      for (int beam : {1, 3}) {
        CAPTURE(beam);
        SearchOptions o;
        o.beam = beam;
        o.n_best = beam > 1 ? 2 : 1;
        o.max_length_ratio = 1.0f;
        o.max_length_offset = 1;
        const auto plain = search(*model, sources, o);
        o.shortlist = all_words;
        check_same_results(search(*model, sources, o), plain, /*exact=*/true);
      }
    }
  }
}

TEST_CASE("a partial shortlist: only the sentence's own words, positions mapped back to ids, batch 1 = batch 9") {
  const auto sources = sentences();
  const auto shortlist = std::make_shared<const Shortlist>(table_of(synthetic_corpus(), 40), ShortlistSettings{1, 2});
  Generator init(5);
  std::unique_ptr<EncoderDecoder> model = build_model(tiny("transformer"), init);
  Ensemble ensemble({model.get(), model.get()});
  for (bool int8 : {false, true}) {
    if (int8 && !blas::int8_supported()) continue;
    CAPTURE(int8);
    blas::PrecisionScope precision(int8 ? blas::Precision::int8 : blas::Precision::fp32);
    for (int beam : {1, 4}) {
      CAPTURE(beam);
      SearchOptions o;
      o.beam = beam;
      o.max_length_ratio = 1.0f;
      o.max_length_offset = 2;
      o.shortlist = shortlist;
      const auto batched = search(*model, sources, o);
      const auto plain = [&] {
        SearchOptions without = o;
        without.shortlist = nullptr;
        return search(*model, sources, without);
      }();
      bool some_differ = false;
      for (std::size_t b = 0; b < sources.size(); ++b) {
        const std::vector<int32_t> own = shortlist->for_sentence(sources[b]);
        CHECK(own.size() < 40);
        for (int32_t token : batched[b].best().tokens)
          CHECK(std::binary_search(own.begin(), own.end(), token));
        some_differ |= batched[b].best().tokens != plain[b].best().tokens;
        const auto alone = search(*model, std::vector<std::vector<int32_t>>{sources[b]}, o);
        CHECK(alone[0].best().tokens == batched[b].best().tokens);
        CHECK(alone[0].best().score == doctest::Approx(batched[b].best().score).epsilon(1e-5));
      }
      CHECK(some_differ);  // the shortlist changed something: it is really applied
      // an ensemble restricts every member: a model with itself = the model
      check_same_results(search(ensemble, sources, o), batched, /*exact=*/false);
    }
  }
}
