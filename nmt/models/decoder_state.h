// DecoderState: what a model keeps between decoding steps, as CTranslate2's decoder state does
// it: a list of named tensors, each with one row per hypothesis (row b * beam + k is hypothesis k
// of sentence b, see EncoderDecoder::start) and marked per hypothesis or per sentence. How the
// state follows the beam - repeating each sentence's rows for its hypotheses, reordering rows
// after a search step, dropping sentences that are done - is written once, here, for every
// model; a model only says which entries it has and of which kind. A new entry cannot be
// forgotten by the reordering.
//
// Models view the entries through typed states (TransformerState, RnnState) that remember each
// entry's slot; the entries themselves are plain Vars (no gradient is recorded while decoding).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/autograd/var.h"
#include "nmt/autograd/ops_softmax.h"
#include "nmt/layers/selected_output.h"

namespace nmt {

// How the rows of a state entry follow the beam.
enum class StateRows : uint8_t {
  // Differs between the hypotheses of a sentence (recurrent states, self-attention caches, input
  // feeding, the last step's attention): every reorder moves these rows.
  per_hypothesis,
  // The same for every hypothesis of a sentence (encoder output, its keys and values, masks,
  // lengths): repeated by expand, and moved by reorder only when it drops sentences (otherwise
  // every row stays within its sentence, so these rows would not change).
  per_sentence,
  // Like per_sentence, but never repeated: one row per sentence, shared by its `beam` hypotheses
  // (row b serves state rows b * beam ... b * beam + beam - 1). For large entries that every
  // hypothesis reads the same way (a Transformer's encoder keys and values): beam times less
  // memory to hold and to read at every step.
  shared_per_sentence,
};

class DecoderState {
 public:
  struct Entry {
    std::string name;
    StateRows rows;
    Var value;  // [N, ...] f32 or i32; undefined until the model sets it (e.g. caches before step 1)
    // A buffer preallocated along this axis (> 0; -1: none), one slice per target position (a
    // self-attention cache written in place, one position per step). Its rows are never moved:
    // reorder only updates prefix_rows, which says in which row each position of a hypothesis
    // lies.
    int buffer_axis = -1;
  };

  DecoderState() = default;
  virtual ~DecoderState() = default;

  // Adds an entry (undefined until set) and returns its slot, valid for the state's life.
  int add(std::string name, StateRows rows);
  // Adds a per-hypothesis buffer entry whose axis `axis` (> 0) is filled up to `position` (see
  // Entry::buffer_axis). The model allocates it when it is undefined, with the step's rows and
  // prefix_rows().stride positions, and writes position t of state row r into buffer row
  // prefix_rows().home[r]; the state grows it (prefix_rows).
  int add_buffer(std::string name, int axis);
  Var& operator[](int slot) { return entries_[static_cast<std::size_t>(slot)].value; }
  const Var& operator[](int slot) const { return entries_[static_cast<std::size_t>(slot)].value; }
  const std::vector<Entry>& entries() const { return entries_; }
  // The entry called `name`, or nullptr.
  const Entry* find(std::string_view name) const;

  // Repeats every row beam times: rows b * beam + k (k < beam) of each defined entry become row
  // b (shared_per_sentence entries stay as they are). Turns the state of B sentences, as the
  // encoder leaves it, into beam hypotheses each.
  void expand(int beam);
  // Hypotheses per sentence (expand's beam).
  int beam() const { return beam_; }

  // Where the buffers hold each hypothesis's prefix ("reordering by index", as fairseq's and
  // CTranslate2's caches are not: they copy): position j <= position of state row r lies in
  // buffer row rows[r * stride + j]; the step writes position `position` of row r into buffer
  // row home[r] (= rows[r * stride + position]). A reorder copies these indices, not the buffers.
  struct PrefixRows {
    const int32_t* rows;
    int64_t stride;
    const int32_t* home;
  };
  // The table for the state's `n` rows (n must be the number of rows the step decodes). When the
  // buffers are full (position == stride), first grows them (doubling, at most max_length) and
  // compacts them: each row's prefix into its own buffer row, only the `n` rows kept.
  PrefixRows prefix_rows(int64_t n);

  // Entry `slot` with one row per hypothesis, in the order of the state's rows, as if nothing were
  // shared or indexed: shared_per_sentence rows repeated, a buffer's first `position` positions
  // gathered from the rows that hold them (its axis cut to `position`). For tests and debugging.
  Tensor hypothesis_rows(int slot) const;

  // The search's reordering: row r of the new state is row rows[r] of the old one, where rows[r]
  // belongs to the same sentence as r. To drop sentences that are done the search passes fewer
  // rows: the remaining sentences' rows, whole sentences in order. Then every entry, per
  // sentence ones included, keeps only those rows.
  virtual void reorder(std::span<const int32_t> rows);

  // The target position of the next step (the same for every row).
  int64_t position = 0;
  // The most steps the search will take (0: unknown): buffers, which grow by doubling as the
  // outputs get longer, never grow beyond it.
  int64_t max_length = 0;
  // Whether the caller wants the attention weights (and local-p's positions) of each step;
  // models keep them in the state only then (EncoderDecoder::last_attention). The search sets it
  // when SearchOptions::attention asks for alignments or heatmaps.
  bool keep_attention = false;
  // The output layer restricted to a shortlist's words (EncoderDecoder::select_outputs); null:
  // the whole vocabulary. With a mask (an additive [N, words] entry "output_mask", 0 or -inf, per
  // sentence: each sentence's own shortlist within the batch's), each row's logits are masked.
  std::shared_ptr<const SelectedOutput> selected_output;
  void select_outputs(std::shared_ptr<const SelectedOutput> output, const Tensor& mask);
  // The output layer's log-probabilities for y [N, d]: the selected layer's, each row masked to its
  // sentence's words (the mask applied inside the softmax: no separate pass), when a shortlist
  // is set; otherwise log_softmax(output(y)), `output` being the model's whole output layer.
  template <class Output>
  Tensor output_log_probs(const Var& y, Output&& output) const {
    return selected_output ? selected_log_probs(y) : log_softmax(output(y)).value();
  }
  Tensor selected_log_probs(const Var& y) const;

 private:
  std::vector<Entry> entries_;
  int output_mask_ = -1;  // slot of "output_mask", once added
  int beam_ = 1;
  // PrefixRows' storage: [rows, stride] and [rows]; empty until prefix_rows is first called.
  std::vector<int32_t> prefix_, home_;
  std::vector<int32_t> spare_prefix_, spare_home_;  // reorder's next tables, swapped in
  int64_t prefix_stride_ = 0;
};

}  // namespace nmt
