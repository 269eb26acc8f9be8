// Token-budget batching: sentences of similar length go together, so little of a batch is padding.
//
// One epoch's plan, made from (seed, epoch) alone:
//   1. shuffle all pair indices;
//   2. cut them into pools of pool_size pairs and sort each pool by (target length, source length);
//   3. pack each sorted pool greedily into batches of at most max_target_tokens target tokens
//      (pieces + EOS per sentence, i.e. the non-pad decoder outputs, the tokens the loss sums over);
//   4. shuffle the order of the batches.
// Because the plan depends on nothing but the seed and the epoch, the batcher's position is three
// numbers (BatcherState); restoring them gives exactly the batches that would have followed.
//
// Batch layout, row-major int32, padded with pad = 0 (tokenizer/special_ids.h):
//   source        [B, S]  pieces + [EOS]
//   target_input  [B, T]  [BOS] + pieces
//   target_output [B, T]  pieces + [EOS]
// with per-sentence lengths and 0/1 masks. No engine types: the trainer makes tensors of these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corpora/parallel_corpus.h"

namespace nmt::corpora {

struct Batch {
  std::size_t batch_size = 0;       // B
  std::size_t source_length = 0;    // S = longest source + 1 (EOS)
  std::size_t target_length = 0;    // T = longest target + 1 (BOS or EOS)
  std::vector<std::int32_t> source;         // [B, S]
  std::vector<std::int32_t> target_input;   // [B, T]
  std::vector<std::int32_t> target_output;  // [B, T]
  std::vector<std::int32_t> source_lengths;  // [B] non-pad tokens per source row (pieces + 1)
  std::vector<std::int32_t> target_lengths;  // [B] non-pad tokens per target row (pieces + 1)
  std::vector<std::uint8_t> source_mask;     // [B, S] 1 = token, 0 = pad
  std::vector<std::uint8_t> target_mask;     // [B, T] 1 = token, 0 = pad (same for input and output)
  std::size_t target_tokens = 0;             // sum of target_lengths: the loss's token count
  std::vector<std::uint32_t> pairs;          // [B] the corpus index of each row
};

struct BatcherOptions {
  std::size_t max_target_tokens = 4096;  // budget per batch; a longer sentence gets a batch of its own
  std::size_t max_sentences = 0;         // optional cap on B; 0 = none
  std::size_t pool_size = 1 << 17;       // pairs sorted together; larger = less padding, less randomness
  bool shuffle = true;                   // false: corpus order, pools sorted, batches in order (validation)
};

// Where the batcher stands: the seed and the position of the next batch. Saved with checkpoints.
struct BatcherState {
  std::uint64_t seed = 1;
  std::uint64_t epoch = 0;        // counts from 0
  std::uint64_t batch_index = 0;  // the next batch of this epoch

  std::string serialize() const;  // "seed=1 epoch=0 batch=17"
  static BatcherState deserialize(std::string_view text);  // throws std::invalid_argument
  bool operator==(const BatcherState&) const = default;
};

class Batcher {
 public:
  // The corpus must outlive the batcher.
  Batcher(const ParallelCorpus& corpus, BatcherOptions options, BatcherState state = {});

  // The next batch of the current epoch, or nullopt when the epoch is over; the call after a
  // nullopt starts the next epoch:   while (auto batch = batcher.next()) train(*batch);
  std::optional<Batch> next();

  const BatcherState& state() const { return state_; }
  // Continue from a saved state; throws std::invalid_argument if batch_index is past the epoch.
  void restore(const BatcherState& state);

  std::size_t batches_per_epoch() const { return batch_order_.size(); }

 private:
  void plan_epoch();
  Batch make_batch(std::size_t begin, std::size_t end) const;

  const ParallelCorpus& corpus_;
  BatcherOptions options_;
  BatcherState state_;
  std::uint64_t planned_epoch_ = ~std::uint64_t(0);
  std::vector<std::uint32_t> order_;        // pair indices, batch after batch
  std::vector<std::uint64_t> batch_start_;  // batch b is order_[batch_start_[b], batch_start_[b+1])
  std::vector<std::uint32_t> batch_order_;  // the epoch's batches in the order they are served
};

}  // namespace nmt::corpora
