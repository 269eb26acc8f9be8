// The search's memory of how every hypothesis was built: per step, each new row's parent row and
// token (back-pointers), and optionally the attention weights of every row (and the models'
// predicted source positions, where they have them). Recording a step
// costs O(rows) (no prefix is copied when the beam is reordered); a hypothesis's tokens and
// attention are traced back from its last row only when it is returned.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmt/search/search.h"
#include "nmt/tensor/tensor.h"

namespace nmt {

// A hypothesis that produced EOS at `step` from row `row` (the row going into that step).
struct FinishedHypothesis {
  int step;
  int row;
  float score;
  float normalized;
  bool truncated;
};

class SearchHistory {
 public:
  // `attention_width` = 0 keeps no attention; otherwise the width S of last_attention's [rows, S].
  SearchHistory(int rows, int max_steps, int attention_width);

  // Rows are numbered as in the full batch (b * beam + j) even after the search has dropped
  // finished sentences from the model's state: original_rows[r] is the full-batch number of the
  // state's row r.
  // The attention of step `step`, [state rows, S], taken before the step's rows are reordered.
  void record_attention(int step, const Tensor& attention, std::span<const int32_t> original_rows);
  // The predicted source positions of step `step`, [state rows] (model.last_positions); an
  // undefined Tensor (a model without them) records nothing.
  void record_positions(int step, const Tensor& positions, std::span<const int32_t> original_rows);
  // After step `step`: row original_rows[r] continues row parents[r] with tokens[r] (both rows
  // in full-batch numbers).
  void record_step(int step, std::span<const int32_t> original_rows, std::span<const int32_t> parents,
                   std::span<const int32_t> tokens);

  // Fills out.tokens (and out.attention for source columns [0, source_length), out.positions) for the
  // hypothesis that was row `row` going into step `step` and produced EOS at that step.
  void trace(int step, int row, int source_length, Hypothesis& out) const;

  // A sentence's result: its n_best best finished hypotheses by normalized score (on ties, the
  // one finished first). With none finished (every continuation had probability 0), one empty,
  // truncated hypothesis scored -inf.
  SentenceResult collect(std::span<const FinishedHypothesis> finished, int n_best, int source_length,
                         int max_length) const;

 private:
  int rows_;
  int max_steps_;
  int width_;
  std::vector<int32_t> parents_;  // [max_steps, rows]
  std::vector<int32_t> tokens_;   // [max_steps, rows]
  std::vector<float> attention_;  // [max_steps, rows, width]
  std::vector<float> positions_;  // [max_steps, rows] once a step recorded some
};

}  // namespace nmt
