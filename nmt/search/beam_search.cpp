// Beam search over a batch (see search.h for the rules; the reference behaviour is
// tests/search/reference_beam.h: fairseq-style top-2k with EOS among the first k).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "nmt/autograd/var.h"
#include "nmt/search/search.h"
#include "nmt/search/search_history.h"
#include "nmt/search/source_batch.h"
#include "nmt/search/top_k.h"
#include "tokenizer/special_ids.h"

namespace nmt {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// True when the model prefers some token other than EOS (pad and bos never count).
bool prefers_other_than_eos(const float* log_probs, int vocab) {
  const float eos = log_probs[text::kEosId];
  for (int v = 0; v < vocab; ++v)
    if (v != text::kEosId && v != text::kPadId && v != text::kBosId && log_probs[v] > eos) return true;
  return false;
}

// Whether any of 16 values is >= bar, four at a time (GCC/Clang vector extensions: SSE, NEON, ...).
bool any_at_least(const float* values, float bar) {
  typedef float Float4 __attribute__((vector_size(16)));
  typedef int Int4 __attribute__((vector_size(16)));
  Int4 any = {0, 0, 0, 0};
  for (int i = 0; i < 16; i += 4) {
    Float4 x;
    std::memcpy(&x, values + i, sizeof x);
    any |= x >= bar;
  }
  return (any[0] | any[1] | any[2] | any[3]) != 0;
}

// Offers every continuation s + row[v] of one hypothesis to `top` (pad and bos never, nor -inf
// or NaN). Once the heap is full almost nothing enters, so blocks of 16 tokens are first tested
// at once (vectorised) against a slightly lowered bar; only blocks with a candidate are looked at
// one by one, with the exact test.
void scan_row(const float* row, int vocab, float s, int64_t index_base, TopK& top) {
  constexpr int kBlock = 16;
  for (int v0 = 0; v0 < vocab; v0 += kBlock) {
    const int v1 = std::min(vocab, v0 + kBlock);
    const float bar = top.threshold();
    if (bar != kNegInf) {
      const float need = (bar - s) - 1e-4f * (1.f + std::fabs(bar) + std::fabs(s));
      if (v1 - v0 == kBlock ? !any_at_least(row + v0, need) : std::none_of(row + v0, row + v1, [&](float x) { return x >= need; }))
        continue;
    }
    for (int v = v0; v < v1; ++v) {
      const float c = s + row[v];
      if (!(c > kNegInf) || c < top.threshold() || v == text::kPadId || v == text::kBosId) continue;
      top.push(c, index_base + v);
    }
  }
}

// The n-th best normalized score among finished hypotheses (n <= finished.size()).
float nth_best(std::span<const FinishedHypothesis> finished, int n, std::vector<float>& scratch) {
  scratch.clear();
  for (const auto& f : finished) scratch.push_back(f.normalized);
  std::nth_element(scratch.begin(), scratch.begin() + (n - 1), scratch.end(), std::greater<float>());
  return scratch[n - 1];
}

}  // namespace

std::vector<SentenceResult> beam_search(EncoderDecoder& model, std::span<const std::vector<int32_t>> sources,
                                        const SearchOptions& options) {
  options.validate();
  NoGradGuard no_grad;
  const SourceBatch batch = SourceBatch::make(sources);
  const int B = batch.sentences();
  const int k = options.beam;
  int V = model.config().vocab_size;
  const LengthPenalty& penalty = options.length_penalty;

  std::vector<int> limit(B);
  int max_steps = 1;
  for (int b = 0; b < B; ++b) {
    limit[b] = options.max_output_length(batch.lengths[b], model.config().max_positions);
    max_steps = std::max(max_steps, limit[b]);
  }

  std::unique_ptr<DecoderState> state = model.start(batch.ids, k);
  // With a shortlist the step's columns are positions in `words` (the special ids keep theirs).
  const std::vector<int32_t> words = options.restrict_outputs(model, *state, sources, k);
  if (!words.empty()) V = static_cast<int>(words.size());
  state->keep_attention = options.attention;
  state->max_length = max_steps;
  SearchHistory history(B * k, max_steps, options.attention ? batch.width() : 0);

  // The model's state holds the sentences not yet done: slot i is sentence active[i], its rows
  // i * k + j ("state rows"); the history numbers rows as in the full batch, b * k + j.
  std::vector<int> active(B);
  for (int b = 0; b < B; ++b) active[b] = b;
  std::vector<int32_t> original(B * k);
  for (int r = 0; r < B * k; ++r) original[r] = r;
  // Per state row: the hypothesis's score (-inf = dead row) and the token it feeds the next step;
  // what the step selects (parent state row, its full-batch number, token, score).
  std::vector<float> scores(B * k, kNegInf), next_scores(B * k);
  std::vector<int32_t> previous(B * k, text::kBosId), next_tokens(B * k), parents(B * k),
      parents_original(B * k), keep_rows;
  keep_rows.reserve(B * k);
  for (int b = 0; b < B; ++b) scores[b * k] = 0.f;  // one hypothesis per sentence to start from
  std::vector<std::vector<FinishedHypothesis>> finished(B);
  for (auto& f : finished) f.reserve(3 * k);
  std::vector<char> done(B, 0);
  std::vector<float> scratch;
  scratch.reserve(3 * k);
  TopK top(2 * k);

  for (int t = 0; t < max_steps && !active.empty(); ++t) {
    const int slots = static_cast<int>(active.size());
    const int rows = slots * k;
    Tensor input = Tensor::from_ids({rows}, std::span<const int32_t>(previous.data(), rows));
    const Tensor log_probs = model.step(*state, input);
    if (log_probs.rank() != 2 || log_probs.dim(0) != rows || log_probs.dim(1) != V)
      throw std::logic_error("search: step returned " + log_probs.shape().str() + ", expected [" +
                             std::to_string(rows) + ", " + std::to_string(V) + "]");
    if (options.attention) {
      history.record_attention(t, model.last_attention(*state, options.attention_layer, options.attention_head),
                               std::span<const int32_t>(original.data(), rows));
      history.record_positions(t, model.last_positions(*state), std::span<const int32_t>(original.data(), rows));
    }
    const float* lp = log_probs.f32();

    for (int i = 0; i < slots; ++i) {
      const int b = active[i];
      const int first = i * k;  // state rows of sentence b
      if (done[b]) {  // kept only with drop_finished off: dead rows, fed EOS
        for (int j = 0; j < k; ++j) {
          parents[first + j] = first + j;
          parents_original[first + j] = b * k + j;
          next_tokens[first + j] = text::kEosId;
          next_scores[first + j] = kNegInf;
        }
        continue;
      }
      // 1. The best 2k continuations of the sentence's live hypotheses.
      const bool at_limit = t >= limit[b] - 1;
      top.clear();
      for (int j = 0; j < k; ++j) {
        const float s = scores[first + j];
        if (s == kNegInf) continue;
        const float* row = lp + static_cast<int64_t>(first + j) * V;
        if (at_limit) {  // only EOS may follow, whatever its probability
          const float c = s + row[text::kEosId];
          top.push(std::isnan(c) ? kNegInf : c, static_cast<int64_t>(j) * V + text::kEosId);
          continue;
        }
        scan_row(row, V, s, static_cast<int64_t>(j) * V, top);
      }
      // 2. EOS among the first k ends a hypothesis; the best k others stay live.
      int live = 0;
      const auto& ranked = top.sorted();
      for (int r = 0; r < static_cast<int>(ranked.size()) && live < k; ++r) {
        const int j = static_cast<int>(ranked[r].index / V);
        const int32_t token = static_cast<int32_t>(ranked[r].index % V);
        const float s = ranked[r].score;
        if (token == text::kEosId) {
          if (r < k) {
            const bool truncated = at_limit && prefers_other_than_eos(lp + static_cast<int64_t>(first + j) * V, V);
            finished[b].push_back({t, b * k + j, s, penalty.normalize(s, t + 1), truncated});
          }
          continue;
        }
        parents[first + live] = first + j;
        parents_original[first + live] = b * k + j;
        next_tokens[first + live] = words.empty() ? token : words[token];
        next_scores[first + live] = s;
        ++live;
      }
      for (int j = live; j < k; ++j) {  // rows with nothing to carry: dead
        parents[first + j] = first + j;
        parents_original[first + j] = b * k + j;
        next_tokens[first + j] = text::kEosId;
        next_scores[first + j] = kNegInf;
      }
      // 3. Done: nothing alive, or no live hypothesis can catch up with the n-th best
      // finished one. Scores only fall as hypotheses grow, so s / divisor(L) for the final
      // length L in [t + 2, limit] is at most the larger of its values at the two ends (the
      // divisor is monotone): that bound is exact. With k finished hypotheses (fairseq's
      // rule) we stop sooner, unless a live hypothesis already scores better than the bar at
      // its present length: hypotheses that end early must not end the search while a better
      // one is still growing. (At equal length a live score is below the EOS score that
      // finished beside it, so beam 1 stops exactly where greedy search stops.)
      const int have = static_cast<int>(finished[b].size());
      if (live == 0) {
        done[b] = 1;
      } else if (have >= options.n_best) {
        const float bar = nth_best(finished[b], options.n_best, scratch);
        const int shortest = std::min(t + 2, limit[b]);
        bool can_improve = false;
        for (int j = 0; j < live && !can_improve; ++j) {
          const float s = next_scores[first + j];
          const double bound = have >= k ? s / penalty.divisor(t + 1)
                                         : std::max(s / penalty.divisor(shortest), s / penalty.divisor(limit[b]));
          can_improve = bound > bar;
        }
        if (!can_improve) done[b] = 1;
      }
    }
    history.record_step(t, std::span<const int32_t>(original.data(), rows),
                        std::span<const int32_t>(parents_original.data(), rows),
                        std::span<const int32_t>(next_tokens.data(), rows));

    // 4. The next step's state: the selected rows, without the sentences that are done (unless
    // options.drop_finished is off: then their rows stay, dead, and are fed EOS).
    bool identity = true;
    keep_rows.clear();
    int kept = 0;
    for (int i = 0; i < slots; ++i) {
      const int b = active[i];
      if (done[b] && options.drop_finished) continue;
      for (int j = 0; j < k; ++j) {
        const int from = i * k + j, to = kept * k + j;
        const bool dead = done[b] != 0;
        keep_rows.push_back(dead ? from : parents[from]);
        identity &= keep_rows.back() == to;
        previous[to] = dead ? text::kEosId : next_tokens[from];
        scores[to] = dead ? kNegInf : next_scores[from];
        original[to] = b * k + j;
      }
      active[kept++] = b;
    }
    active.resize(kept);
    identity &= kept == slots;
    bool all_done = true;
    for (int b : active) all_done &= done[b] != 0;
    if (all_done) break;
    if (!identity) state->reorder(keep_rows);
  }

  std::vector<SentenceResult> results;
  results.reserve(B);
  for (int b = 0; b < B; ++b)
    results.push_back(history.collect(finished[b], options.n_best, batch.lengths[b], limit[b]));
  return results;
}

}  // namespace nmt
