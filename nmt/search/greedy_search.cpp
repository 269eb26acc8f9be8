// Greedy search: beam search with k = 1, without the beam's bookkeeping (each row takes its most
// probable token; EOS is forced at the length limit, as in beam search). Gives exactly
// what beam_search gives with beam 1.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "nmt/autograd/var.h"
#include "nmt/search/search.h"
#include "nmt/search/search_history.h"
#include "nmt/search/source_batch.h"
#include "tokenizer/special_ids.h"

namespace nmt {

std::vector<SentenceResult> greedy_search(EncoderDecoder& model, std::span<const std::vector<int32_t>> sources,
                                          const SearchOptions& options) {
  options.validate();  // n-best > 1 with beam 1 is an error, not silently one hypothesis
  SearchOptions greedy = options;
  greedy.beam = 1;
  greedy.n_best = 1;
  NoGradGuard no_grad;
  const SourceBatch batch = SourceBatch::make(sources);
  const int B = batch.sentences();
  int V = model.config().vocab_size;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();

  std::vector<int> limit(B);
  int max_steps = 1;
  for (int b = 0; b < B; ++b) {
    limit[b] = greedy.max_output_length(batch.lengths[b], model.config().max_positions);
    max_steps = std::max(max_steps, limit[b]);
  }

  std::unique_ptr<DecoderState> state = model.start(batch.ids, 1);
  // With a shortlist the step's columns are positions in `words` (the special ids keep theirs).
  const std::vector<int32_t> words = greedy.restrict_outputs(model, *state, sources, 1);
  if (!words.empty()) V = static_cast<int>(words.size());
  state->keep_attention = greedy.attention;
  state->max_length = max_steps;
  SearchHistory history(B, max_steps, greedy.attention ? batch.width() : 0);
  // State row i is sentence active[i] (sentences that are done are dropped from the state, see
  // SearchOptions::drop_finished); a row's parent is always itself.
  std::vector<int32_t> active(B), previous(B, text::kBosId), keep_rows;
  for (int b = 0; b < B; ++b) active[b] = b;
  keep_rows.reserve(B);
  std::vector<float> scores(B, 0.f);
  std::vector<std::vector<FinishedHypothesis>> finished(B);
  std::vector<char> done(B, 0);
  int alive = B;

  for (int t = 0; t < max_steps && alive > 0; ++t) {
    const int rows = static_cast<int>(active.size());
    Tensor input = Tensor::from_ids({rows}, std::span<const int32_t>(previous.data(), rows));
    const Tensor log_probs = model.step(*state, input);
    if (log_probs.rank() != 2 || log_probs.dim(0) != rows || log_probs.dim(1) != V)
      throw std::logic_error("search: step returned " + log_probs.shape().str() + ", expected [" +
                             std::to_string(rows) + ", " + std::to_string(V) + "]");
    if (greedy.attention) {
      history.record_attention(t, model.last_attention(*state, greedy.attention_layer, greedy.attention_head),
                               std::span<const int32_t>(active.data(), rows));
      history.record_positions(t, model.last_positions(*state), std::span<const int32_t>(active.data(), rows));
    }
    const float* lp = log_probs.f32();
    for (int i = 0; i < rows; ++i) {
      const int b = active[i];
      if (done[b]) {  // kept only with drop_finished off: fed EOS, ignored
        previous[i] = text::kEosId;
        continue;
      }
      const float* row = lp + static_cast<int64_t>(i) * V;
      // The most probable token (the first on ties), never pad or bos; NaN never wins.
      int32_t best = -1;
      float best_lp = kNegInf;
      for (int v = 0; v < V; ++v) {
        if (v == text::kPadId || v == text::kBosId) continue;
        if (row[v] > best_lp) best_lp = row[v], best = v;
      }
      previous[i] = text::kEosId;
      if (t >= limit[b] - 1) {  // the limit: EOS, whatever its probability
        float s = scores[b] + row[text::kEosId];
        if (std::isnan(s)) s = kNegInf;
        finished[b].push_back({t, b, s, greedy.length_penalty.normalize(s, t + 1), best_lp > row[text::kEosId]});
        done[b] = 1;
      } else if (best < 0) {  // every continuation has probability 0: nothing to return
        done[b] = 1;
      } else {
        scores[b] += best_lp;
        previous[i] = words.empty() ? best : words[best];
        if (best == text::kEosId) {
          finished[b].push_back({t, b, scores[b], greedy.length_penalty.normalize(scores[b], t + 1), false});
          done[b] = 1;
        }
      }
      alive -= done[b];
    }
    history.record_step(t, std::span<const int32_t>(active.data(), rows), std::span<const int32_t>(active.data(), rows),
                        std::span<const int32_t>(previous.data(), rows));
    if (alive == 0 || !greedy.drop_finished) continue;
    // Drop the sentences that are done from the model's state.
    keep_rows.clear();
    for (int i = 0; i < rows; ++i) {
      if (done[active[i]]) continue;
      const int to = static_cast<int>(keep_rows.size());
      keep_rows.push_back(i);
      active[to] = active[i];
      previous[to] = previous[i];
    }
    if (static_cast<int>(keep_rows.size()) != rows) {
      active.resize(keep_rows.size());
      state->reorder(keep_rows);
    }
  }

  std::vector<SentenceResult> results;
  results.reserve(B);
  for (int b = 0; b < B; ++b) results.push_back(history.collect(finished[b], 1, batch.lengths[b], limit[b]));
  return results;
}

}  // namespace nmt
