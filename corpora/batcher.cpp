// Token-budget batching with a repeatable, resumable plan per epoch (see batcher.h).
#include "corpora/batcher.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "tokenizer/special_ids.h"

namespace nmt::corpora {
namespace {

// SplitMix64 (Steele, Lea & Flood 2014): tiny, fully specified, so plans are the same everywhere
// (std::shuffle and the std distributions differ between standard libraries).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // A number in [0, n), by multiply-and-shift (Lemire 2019).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>((*this)()) * n) >> 64);
  }

 private:
  std::uint64_t state_;
};

template <typename T>
void shuffle(std::vector<T>& items, SplitMix64& random) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[random.below(i)]);
}

}  // namespace

std::string BatcherState::serialize() const {
  return "seed=" + std::to_string(seed) + " epoch=" + std::to_string(epoch) + " batch=" + std::to_string(batch_index);
}

BatcherState BatcherState::deserialize(std::string_view text) {
  BatcherState state;
  bool seen_seed = false, seen_epoch = false, seen_batch = false;
  std::istringstream in{std::string(text)};
  for (std::string field; in >> field;) {
    const std::size_t equals = field.find('=');
    const std::string key = field.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : field.substr(equals + 1);
    std::uint64_t number = 0;
    try {
      std::size_t used = 0;
      number = std::stoull(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      throw std::invalid_argument("batcher state: '" + field + "' is not key=number");
    }
    if (key == "seed") state.seed = number, seen_seed = true;
    else if (key == "epoch") state.epoch = number, seen_epoch = true;
    else if (key == "batch") state.batch_index = number, seen_batch = true;
    else throw std::invalid_argument("batcher state: unknown key '" + key + "'");
  }
  if (!seen_seed || !seen_epoch || !seen_batch) {
    throw std::invalid_argument("batcher state '" + std::string(text) + "' needs seed=, epoch= and batch=");
  }
  return state;
}

Batcher::Batcher(const ParallelCorpus& corpus, BatcherOptions options, BatcherState state)
    : corpus_(corpus), options_(options) {
  if (options_.max_target_tokens == 0) throw std::invalid_argument("batcher: max_target_tokens must be positive");
  if (options_.pool_size == 0) throw std::invalid_argument("batcher: pool_size must be positive");
  if (corpus.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("batcher: more than 2^32 - 1 sentence pairs");
  }
  restore(state);
}

void Batcher::restore(const BatcherState& state) {
  const BatcherState previous = state_;
  state_ = state;
  planned_epoch_ = ~std::uint64_t(0);
  plan_epoch();
  if (state_.batch_index > batches_per_epoch()) {
    const std::string message = "batcher state " + state.serialize() + " is past the end of its epoch (" +
                                std::to_string(batches_per_epoch()) + " batches): a different corpus or budget?";
    state_ = previous;  // leave the batcher as it was
    planned_epoch_ = ~std::uint64_t(0);
    plan_epoch();
    throw std::invalid_argument(message);
  }
}

void Batcher::plan_epoch() {
  if (planned_epoch_ == state_.epoch) return;
  planned_epoch_ = state_.epoch;
  SplitMix64 random(state_.seed ^ (0xD1B54A32D192ED03ULL * (state_.epoch + 1)));

  const std::size_t n = corpus_.size();
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0u);
  if (options_.shuffle) shuffle(order_, random);

  batch_start_.assign(1, 0);
  struct Entry {
    std::uint32_t target_length, source_length, position, pair;
    bool operator<(const Entry& other) const {  // by length, ties in shuffled order: deterministic
      return std::tie(target_length, source_length, position) <
             std::tie(other.target_length, other.source_length, other.position);
    }
  };
  std::vector<Entry> pool_entries;
  for (std::size_t pool = 0; pool < n; pool += options_.pool_size) {
    const std::size_t pool_end = std::min(n, pool + options_.pool_size);
    pool_entries.clear();
    for (std::size_t k = pool; k < pool_end; ++k) {
      const std::uint32_t pair = order_[k];
      pool_entries.push_back({static_cast<std::uint32_t>(corpus_.target.length(pair)),
                              static_cast<std::uint32_t>(corpus_.source.length(pair)),
                              static_cast<std::uint32_t>(k - pool), pair});
    }
    std::sort(pool_entries.begin(), pool_entries.end());
    std::size_t tokens = 0, sentences = 0;
    for (std::size_t k = pool; k < pool_end; ++k) {
      const Entry& entry = pool_entries[k - pool];
      order_[k] = entry.pair;
      const std::size_t cost = entry.target_length + 1;  // pieces + EOS
      const bool over_budget = tokens + cost > options_.max_target_tokens;
      const bool over_count = options_.max_sentences && sentences == options_.max_sentences;
      if (sentences > 0 && (over_budget || over_count)) {
        batch_start_.push_back(k);
        tokens = sentences = 0;
      }
      tokens += cost;
      ++sentences;
    }
    if (sentences > 0) batch_start_.push_back(pool_end);
  }

  batch_order_.resize(batch_start_.size() - 1);
  std::iota(batch_order_.begin(), batch_order_.end(), 0u);
  if (options_.shuffle) shuffle(batch_order_, random);
}

std::optional<Batch> Batcher::next() {
  plan_epoch();
  if (state_.batch_index >= batches_per_epoch()) {
    ++state_.epoch;
    state_.batch_index = 0;
    return std::nullopt;
  }
  const std::uint32_t b = batch_order_[state_.batch_index++];
  return make_batch(batch_start_[b], batch_start_[b + 1]);
}

Batch Batcher::make_batch(std::size_t begin, std::size_t end) const {
  Batch batch;
  batch.batch_size = end - begin;
  for (std::size_t k = begin; k < end; ++k) {
    batch.source_length = std::max(batch.source_length, corpus_.source.length(order_[k]) + 1);
    batch.target_length = std::max(batch.target_length, corpus_.target.length(order_[k]) + 1);
  }
  const std::size_t B = batch.batch_size, S = batch.source_length, T = batch.target_length;
  batch.source.assign(B * S, text::kPadId);
  batch.target_input.assign(B * T, text::kPadId);
  batch.target_output.assign(B * T, text::kPadId);
  batch.source_mask.assign(B * S, 0);
  batch.target_mask.assign(B * T, 0);
  batch.source_lengths.resize(B);
  batch.target_lengths.resize(B);
  batch.pairs.resize(B);
  for (std::size_t row = 0; row < B; ++row) {
    const std::uint32_t pair = order_[begin + row];
    const auto source = corpus_.source[pair];
    const auto target = corpus_.target[pair];
    std::int32_t* source_row = batch.source.data() + row * S;
    std::int32_t* input_row = batch.target_input.data() + row * T;
    std::int32_t* output_row = batch.target_output.data() + row * T;
    std::copy(source.begin(), source.end(), source_row);
    source_row[source.size()] = text::kEosId;
    input_row[0] = text::kBosId;
    std::copy(target.begin(), target.end(), input_row + 1);
    std::copy(target.begin(), target.end(), output_row);
    output_row[target.size()] = text::kEosId;
    std::fill_n(batch.source_mask.begin() + row * S, source.size() + 1, 1);
    std::fill_n(batch.target_mask.begin() + row * T, target.size() + 1, 1);
    batch.source_lengths[row] = static_cast<std::int32_t>(source.size() + 1);
    batch.target_lengths[row] = static_cast<std::int32_t>(target.size() + 1);
    batch.target_tokens += target.size() + 1;
    batch.pairs[row] = pair;
  }
  return batch;
}

}  // namespace nmt::corpora
