// Greedy and beam search over any EncoderDecoder, for a batch of sentences at once.
//
// Beam search is fairseq's (tests/search/reference_beam.h is a plain version of it): each
// step ranks the top 2k of the k * V continuations of a sentence's live hypotheses; EOS
// candidates among the first k become finished hypotheses, the best k others stay live. EOS
// ends a hypothesis (it is never extended), pad and bos are never produced, and at a sentence's
// length limit only EOS is allowed. A sentence is done when nothing is left alive, or when no
// live hypothesis can still beat its n-th best finished one under the length penalty (scores only
// fall as a hypothesis grows, so its best possible final score is bounded); once it has k finished
// hypotheses (where fairseq stops) it goes on only while a live one already beats them. So the
// result is the reference's, or a better-scoring one. Finished hypotheses are ranked by
// score / LengthPenalty::divisor(length) (see length_penalty.h).
//
// Rows of the model's state are b * k + j (hypothesis j of sentence b) and rows of different
// sentences never interact, so a sentence gets the same result in a batch of 1 or of 64 as long
// as the model computes every row independently. Sentences that are done leave the model's state
// (DecoderState::reorder with fewer rows), so the rest of the batch runs on fewer rows. Beam 1
// is greedy search, which has its own fast path with identical results.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "nmt/models/encoder_decoder.h"
#include "nmt/search/length_penalty.h"
#include "nmt/search/shortlist.h"

namespace nmt {

struct SearchOptions {
  int beam = 5;         // k; 1 = greedy
  int n_best = 1;       // hypotheses returned per sentence (at most beam)
  LengthPenalty length_penalty;
  // Longest output (pieces + EOS) = min(floor(ratio * source length + offset), cap), the source
  // length counting its EOS; cap 0 = the model's max_positions (which always bounds it).
  // The default is 2 * length + 10 (the form of fairseq's --max-len-a / --max-len-b).
  float max_length_ratio = 2.0f;
  int max_length_offset = 10;
  int max_length_cap = 0;
  // Drop sentences that are done from the model's state (DecoderState::reorder with fewer
  // rows), so that the rest of the batch runs on fewer rows. Off: their rows stay, dead.
  bool drop_finished = true;
  // Keep the attention weights of every output step (model.last_attention(layer, head)).
  bool attention = false;
  int attention_layer = -1;
  int attention_head = -1;
  // A vocabulary shortlist (shortlist.h): each batch's steps compute only the words it chooses
  // for the batch's sources (EncoderDecoder::select_outputs); null: every word.
  std::shared_ptr<const Shortlist> shortlist;

  // Throws std::invalid_argument naming the setting that is out of range.
  void validate() const;
  // The longest output (pieces + EOS) for a source of `source_length` ids (EOS included).
  int max_output_length(int source_length, int max_positions) const;
  // With a shortlist: restricts `state`'s output layer to the batch's words (each of the
  // `rows_per_sentence` rows of a sentence masked to its own) and returns them: the steps'
  // columns are then positions in it. Without one: does nothing and returns an empty list.
  std::vector<int32_t> restrict_outputs(EncoderDecoder& model, DecoderState& state,
                                        std::span<const std::vector<int32_t>> sources, int rows_per_sentence) const;
};

struct Hypothesis {
  std::vector<int32_t> tokens;  // output pieces, without EOS
  float score = 0;              // sum of the log-probabilities of tokens + EOS
  float normalized = 0;         // score / length penalty: what hypotheses are ranked by
  // Ended by the length limit: EOS was forced although the model preferred another token.
  bool truncated = false;
  // With SearchOptions::attention: (tokens.size() + 1) rows (one per output step, the last one
  // for EOS) of source_length weights (one per source id, its EOS included), row-major.
  std::vector<float> attention;
  int source_length = 0;
  // With SearchOptions::attention, for models that predict where to attend (local-p): the
  // source position p_t of every output step (tokens.size() + 1 values); empty otherwise.
  std::vector<float> positions;

  float attention_at(int step, int source_position) const {
    return attention[static_cast<std::size_t>(step) * source_length + source_position];
  }
};

struct SentenceResult {
  std::vector<Hypothesis> hypotheses;  // best first, at most n_best (never empty)
  int max_length = 0;                  // the length limit this sentence had (pieces + EOS)
  // The best hypothesis hit the length limit (see Hypothesis::truncated).
  bool hit_length_limit() const { return hypotheses.front().truncated; }
  const Hypothesis& best() const { return hypotheses.front(); }
};

// Translates a batch: sources are subword ids without EOS (the search appends it). Greedy when
// options.beam == 1, beam search otherwise. Runs without recording gradients.
std::vector<SentenceResult> search(EncoderDecoder& model, std::span<const std::vector<int32_t>> sources,
                                   const SearchOptions& options);

// The two strategies, callable directly (tests compare them). beam_search accepts beam 1.
std::vector<SentenceResult> greedy_search(EncoderDecoder& model,
                                          std::span<const std::vector<int32_t>> sources,
                                          const SearchOptions& options);
std::vector<SentenceResult> beam_search(EncoderDecoder& model, std::span<const std::vector<int32_t>> sources,
                                        const SearchOptions& options);

}  // namespace nmt
