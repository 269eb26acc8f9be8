// Greedy search: beam search with k = 1, without the beam's bookkeeping (each row takes its most
// probable token; EOS is forced at the length limit, as in the peer's greedy()). Gives exactly
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
  const int V = model.config().vocab_size;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();

  std::vector<int> limit(B);
  int max_steps = 1;
  for (int b = 0; b < B; ++b) {
    limit[b] = greedy.max_output_length(batch.lengths[b], model.config().max_positions);
    max_steps = std::max(max_steps, limit[b]);
  }

  std::unique_ptr<DecoderState> state = model.start(batch.ids, 1);
  SearchHistory history(B, max_steps, greedy.attention ? batch.width() : 0);
  std::vector<int32_t> previous(B, text::kBosId), parents(B);
  for (int b = 0; b < B; ++b) parents[b] = b;  // rows never move
  std::vector<float> scores(B, 0.f);
  std::vector<std::vector<FinishedHypothesis>> finished(B);
  std::vector<char> done(B, 0);
  int alive = B;

  for (int t = 0; t < max_steps && alive > 0; ++t) {
    Tensor input = Tensor::from_ids({B}, previous);
    const Tensor log_probs = model.step(*state, input);
    if (log_probs.rank() != 2 || log_probs.dim(0) != B || log_probs.dim(1) != V)
      throw std::logic_error("search: step returned " + log_probs.shape().str() + ", expected [" +
                             std::to_string(B) + ", " + std::to_string(V) + "]");
    if (greedy.attention)
      history.record_attention(t, model.last_attention(*state, greedy.attention_layer, greedy.attention_head));
    const float* lp = log_probs.f32();
    for (int b = 0; b < B; ++b) {
      if (done[b]) {  // fed EOS, ignored
        previous[b] = text::kEosId;
        continue;
      }
      const float* row = lp + static_cast<int64_t>(b) * V;
      // The most probable token (the first on ties), never pad or bos; NaN never wins.
      int32_t best = -1;
      float best_lp = kNegInf;
      for (int v = 0; v < V; ++v) {
        if (v == text::kPadId || v == text::kBosId) continue;
        if (row[v] > best_lp) best_lp = row[v], best = v;
      }
      previous[b] = text::kEosId;
      if (t >= limit[b] - 1) {  // the limit: EOS, whatever its probability
        float s = scores[b] + row[text::kEosId];
        if (std::isnan(s)) s = kNegInf;
        finished[b].push_back({t, b, s, greedy.length_penalty.normalize(s, t + 1), best_lp > row[text::kEosId]});
        done[b] = 1;
      } else if (best < 0) {  // every continuation has probability 0: nothing to return
        done[b] = 1;
      } else {
        scores[b] += best_lp;
        previous[b] = best;
        if (best == text::kEosId) {
          finished[b].push_back({t, b, scores[b], greedy.length_penalty.normalize(scores[b], t + 1), false});
          done[b] = 1;
        }
      }
      alive -= done[b];
    }
    history.record_step(t, parents, previous);
  }

  std::vector<SentenceResult> results;
  results.reserve(B);
  for (int b = 0; b < B; ++b) results.push_back(history.collect(finished[b], 1, batch.lengths[b], limit[b]));
  return results;
}

}  // namespace nmt
