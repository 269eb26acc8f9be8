// Beam search over a batch (see search.h for the rules; the reference behaviour is
// shared/peers/torch/translate.py's beam_search, fairseq-style top-2k with EOS among the first k).
#include <algorithm>
#include <cmath>
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
  const int rows = B * k;
  const int V = model.config().vocab_size;
  const LengthPenalty& penalty = options.length_penalty;

  std::vector<int> limit(B);
  int max_steps = 1;
  for (int b = 0; b < B; ++b) {
    limit[b] = options.max_output_length(batch.lengths[b], model.config().max_positions);
    max_steps = std::max(max_steps, limit[b]);
  }

  std::unique_ptr<DecoderState> state = model.start(batch.ids, k);
  SearchHistory history(rows, max_steps, options.attention ? batch.width() : 0);

  // Live hypotheses: score per row (-inf = dead row), the token each row feeds the next step.
  std::vector<float> scores(rows, kNegInf), next_scores(rows);
  std::vector<int32_t> previous(rows, text::kBosId), next_tokens(rows), parents(rows);
  for (int b = 0; b < B; ++b) scores[b * k] = 0.f;  // one hypothesis per sentence to start from
  std::vector<std::vector<FinishedHypothesis>> finished(B);
  for (auto& f : finished) f.reserve(3 * k);
  std::vector<char> done(B, 0);
  std::vector<float> scratch;
  scratch.reserve(3 * k);
  TopK top(2 * k);

  for (int t = 0; t < max_steps; ++t) {
    Tensor input = Tensor::from_ids({rows}, previous);
    const Tensor log_probs = model.step(*state, input);
    if (log_probs.rank() != 2 || log_probs.dim(0) != rows || log_probs.dim(1) != V)
      throw std::logic_error("search: step returned " + log_probs.shape().str() + ", expected [" +
                             std::to_string(rows) + ", " + std::to_string(V) + "]");
    if (options.attention) history.record_attention(t, model.last_attention(*state, options.attention_layer,
                                                                            options.attention_head));
    const float* lp = log_probs.f32();
    bool all_done = true;
    bool identity = true;

    for (int b = 0; b < B; ++b) {
      const int first = b * k;
      if (!done[b]) {
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
          for (int v = 0; v < V; ++v) {
            const float c = s + row[v];
            if (!(c > kNegInf) || c < top.threshold() || v == text::kPadId || v == text::kBosId) continue;
            top.push(c, static_cast<int64_t>(j) * V + v);
          }
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
              finished[b].push_back({t, first + j, s, penalty.normalize(s, t + 1), truncated});
            }
            continue;
          }
          parents[first + live] = first + j;
          next_tokens[first + live] = token;
          next_scores[first + live] = s;
          ++live;
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
        if (!done[b]) {
          for (int j = live; j < k; ++j) {  // rows with nothing to carry: dead
            parents[first + j] = first + j;
            next_tokens[first + j] = text::kEosId;
            next_scores[first + j] = kNegInf;
          }
          all_done = false;
        }
      }
      if (done[b]) {  // dead rows stay where they are and are fed EOS
        for (int j = 0; j < k; ++j) {
          parents[first + j] = first + j;
          next_tokens[first + j] = text::kEosId;
          next_scores[first + j] = kNegInf;
        }
      }
      for (int j = 0; j < k && identity; ++j) identity = parents[first + j] == first + j;
    }
    history.record_step(t, parents, next_tokens);
    if (all_done) break;
    if (!identity) model.reorder(*state, parents);
    std::swap(scores, next_scores);
    std::swap(previous, next_tokens);
  }

  std::vector<SentenceResult> results;
  results.reserve(B);
  for (int b = 0; b < B; ++b)
    results.push_back(history.collect(finished[b], options.n_best, batch.lengths[b], limit[b]));
  return results;
}

}  // namespace nmt
