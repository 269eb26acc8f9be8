// Tests of corpora/batcher: token budget, one appearance per epoch, repeatability, resuming, layout.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "corpora/batcher.h"
#include "test_data.h"
#include "tokenizer/special_ids.h"
#include "tokenizer/tokenizer.h"

using namespace nmt::corpora;
using namespace nmt::text;
using nmt::text::testing::joint_multi30k_model;
using nmt::text::testing::multi30k;

namespace {

// Multi30k train de-en, read once.
const ParallelCorpus& train_corpus() {
  static const ParallelCorpus corpus = [] {
    const Tokenizer tokenizer(std::make_shared<const SubwordModel>(SubwordModel::from_bytes(joint_multi30k_model().to_bytes())));
    return read_parallel_corpus(multi30k("train.de"), multi30k("train.en"), tokenizer, tokenizer);
  }();
  return corpus;
}

std::vector<Batch> whole_epoch(Batcher& batcher) {
  std::vector<Batch> batches;
  while (auto batch = batcher.next()) batches.push_back(std::move(*batch));
  return batches;
}

bool same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].pairs != b[i].pairs || a[i].source != b[i].source || a[i].target_output != b[i].target_output) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every pair appears exactly once per epoch, within the token budget") {
  const ParallelCorpus& corpus = train_corpus();
  BatcherOptions options;
  options.max_target_tokens = 1024;
  options.pool_size = 10000;
  Batcher batcher(corpus, options, {.seed = 5});
  for (int epoch = 0; epoch < 2; ++epoch) {
    CHECK(batcher.state().epoch == std::uint64_t(epoch));
    const std::vector<Batch> batches = whole_epoch(batcher);
    CHECK(batches.size() == batcher.batches_per_epoch());
    std::vector<int> seen(corpus.size(), 0);
    std::size_t tokens = 0, padded = 0;
    for (const Batch& batch : batches) {
      CHECK(batch.target_tokens <= options.max_target_tokens);
      for (std::uint32_t pair : batch.pairs) ++seen[pair];
      tokens += batch.target_tokens;
      padded += batch.batch_size * batch.target_length;
    }
    CHECK(std::ranges::all_of(seen, [](int count) { return count == 1; }));
    CHECK(tokens == corpus.target.total_tokens() + corpus.size());
    CHECK(double(tokens) / double(padded) > 0.95);  // sorting within pools keeps padding small
    // Batches are full: only the last batch of each pool may be much under budget.
    const auto small = std::ranges::count_if(batches, [](const Batch& b) { return b.target_tokens < 850; });
    CHECK(small <= 3);
  }
  CHECK(batcher.state().epoch == 2);
}

TEST_CASE("the same seed gives the same batches; another seed or epoch gives others") {
  const ParallelCorpus& corpus = train_corpus();
  const BatcherOptions options{.max_target_tokens = 2000, .pool_size = 5000};
  Batcher first(corpus, options, {.seed = 42});
  Batcher second(corpus, options, {.seed = 42});
  Batcher other(corpus, options, {.seed = 43});
  const auto a = whole_epoch(first), b = whole_epoch(second), c = whole_epoch(other);
  CHECK(same_batches(a, b));
  CHECK_FALSE(same_batches(a, c));
  CHECK_FALSE(same_batches(a, whole_epoch(first)));  // epoch 1 is shuffled differently
}

TEST_CASE("restoring a saved state mid-epoch continues with exactly the same batches") {
  const ParallelCorpus& corpus = train_corpus();
  const BatcherOptions options{.max_target_tokens = 3000, .pool_size = 8000};
  Batcher original(corpus, options, {.seed = 9});
  whole_epoch(original);  // into epoch 1
  for (int i = 0; i < 17; ++i) original.next();
  const std::string saved = original.state().serialize();
  CHECK(saved == "seed=9 epoch=1 batch=17");

  std::vector<Batch> expected;
  for (int i = 0; i < 40; ++i) expected.push_back(*original.next());

  Batcher resumed(corpus, options);
  resumed.restore(BatcherState::deserialize(saved));
  std::vector<Batch> continued;
  for (int i = 0; i < 40; ++i) continued.push_back(*resumed.next());
  CHECK(same_batches(expected, continued));
  CHECK(resumed.state() == original.state());

  // Across the end of the epoch too.
  Batcher at_end(corpus, options, {.seed = 9, .epoch = 1, .batch_index = original.batches_per_epoch()});
  CHECK_FALSE(at_end.next().has_value());
  CHECK(at_end.state() == BatcherState{9, 2, 0});
  CHECK_THROWS_AS(Batcher(corpus, options, {.seed = 9, .epoch = 0, .batch_index = 1'000'000}), std::invalid_argument);
  const BatcherState before = resumed.state();
  CHECK_THROWS_WITH_AS(resumed.restore({.seed = 9, .epoch = 0, .batch_index = 1'000'000}),
                       doctest::Contains("past the end of its epoch"), std::invalid_argument);
  CHECK(resumed.state() == before);
  CHECK(same_batches({*original.next()}, {*resumed.next()}));
  CHECK_THROWS_AS(BatcherState::deserialize("seed=1 epoch=x batch=0"), std::invalid_argument);
  CHECK_THROWS_AS(BatcherState::deserialize("seed=1 batch=0"), std::invalid_argument);
}

TEST_CASE("batch layout: source + EOS, BOS + target, target + EOS, padded with 0, masks and lengths") {
  ParallelCorpus corpus;
  const std::vector<std::int32_t> s0{10, 11, 12}, t0{20, 21}, s1{13}, t1{22, 23, 24, 25};
  corpus.source.push_back(s0);
  corpus.target.push_back(t0);
  corpus.source.push_back(s1);
  corpus.target.push_back(t1);
  Batcher batcher(corpus, {.max_target_tokens = 100, .shuffle = false});
  const auto batch = batcher.next();
  REQUIRE(batch.has_value());
  REQUIRE(batch->batch_size == 2);
  CHECK(batch->pairs == std::vector<std::uint32_t>{0, 1});  // sorted by target length
  CHECK(batch->source_length == 4);
  CHECK(batch->target_length == 5);
  CHECK(batch->source == std::vector<std::int32_t>{10, 11, 12, kEosId,  //
                                                   13, kEosId, kPadId, kPadId});
  CHECK(batch->target_input == std::vector<std::int32_t>{kBosId, 20, 21, kPadId, kPadId,  //
                                                         kBosId, 22, 23, 24, 25});
  CHECK(batch->target_output == std::vector<std::int32_t>{20, 21, kEosId, kPadId, kPadId,  //
                                                          22, 23, 24, 25, kEosId});
  CHECK(batch->source_mask == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 0});
  CHECK(batch->target_mask == std::vector<std::uint8_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1});
  CHECK(batch->source_lengths == std::vector<std::int32_t>{4, 2});
  CHECK(batch->target_lengths == std::vector<std::int32_t>{3, 5});
  CHECK(batch->target_tokens == 8);
  CHECK_FALSE(batcher.next().has_value());

  // A budget of 5 target tokens: pair 0 (3 tokens) and pair 1 (5 tokens) cannot share a batch.
  Batcher tight(corpus, {.max_target_tokens = 5, .shuffle = false});
  CHECK(tight.batches_per_epoch() == 2);
  // A sentence over the budget still gets a batch of its own.
  Batcher tiny(corpus, {.max_target_tokens = 4, .shuffle = false});
  CHECK(tiny.batches_per_epoch() == 2);
  CHECK(tiny.next()->target_tokens == 3);
  CHECK(tiny.next()->target_tokens == 5);
  // The sentence cap.
  Batcher capped(corpus, {.max_target_tokens = 100, .max_sentences = 1, .shuffle = false});
  CHECK(capped.batches_per_epoch() == 2);
}
