// Vocabulary shortlists, as Marian's lexical shortlists (Junczys-Dowmunt et al. 2018, "Marian:
// Cost-effective High-Quality Neural Machine Translation in C++"; the idea goes back to Jean et
// al. 2015, "On Using Very Large Target Vocabulary"): a decoding step computes the output layer,
// the softmax and the top-k only for the target pieces that can plausibly appear in the batch's
// translations, instead of for all V pieces.
//
// The lexical table is learned from the training corpus: for every source piece s, the target
// pieces t ranked by the lexical translation probability t(t | s) of IBM Model 1 (Brown et al.
// 1993), trained by a few iterations of EM over the pairs in which s and t co-occur, best first,
// ties to the smaller id (Marian reads the same kind of table from fast_align, a refinement of
// IBM Model 2; Model 1's EM sharpens raw co-occurrence: "the" co-occurs with every noun but is
// explained by the articles); and the target pieces ranked by how often they occur. A sentence's
// shortlist is the union of
//   - the special pieces (pad, unk, bos, eos: ids 0-3),
//   - the `frequent` most frequent target pieces,
//   - the `top_k` best target pieces of every source piece of the batch,
//   - the source pieces themselves (the vocabulary is joint: names and numbers are copied).
// Each sentence gets its own shortlist, so that its translation does not depend on the batch it is
// in: the output layer computes the batch's union of them (one product), and each row's
// log-probabilities are normalised over its sentence's own words (the others masked).
// The table lives inside the model file (ModelFileInfo::lexical_table), written by nmt-train and
// by nmt-shortlist.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/tensor/tensor.h"

namespace nmt {

class LexicalTable {
 public:
  // How much of the ranking a table keeps (the decoder's settings choose less, never more).
  struct BuildSettings {
    int top_k = 100;                   // target pieces kept per source piece
    int iterations = 5;                // of IBM Model 1's EM
    std::size_t max_pairs = 300000;    // larger corpora are sampled evenly down to this many pairs
  };

  LexicalTable() = default;

  // Counts the corpus: pair i is (source(i), target(i)), pieces without BOS/EOS, ids < vocab_size.
  static LexicalTable build(std::size_t pairs, const std::function<std::span<const int32_t>(std::size_t)>& source,
                            const std::function<std::span<const int32_t>(std::size_t)>& target, int vocab_size,
                            const BuildSettings& settings);

  // The table as bytes (for the model file) and back; from_bytes throws std::invalid_argument
  // when the bytes are not a table.
  std::string to_bytes() const;
  static LexicalTable from_bytes(std::string_view bytes);

  bool empty() const { return vocab_size_ == 0; }
  int vocab_size() const { return vocab_size_; }
  int top_k() const { return top_k_; }
  // The target pieces of `source_id`, best first (at most top_k(); empty for unseen pieces).
  std::span<const int32_t> translations(int32_t source_id) const;
  // Every target piece that occurs in the corpus, most frequent first.
  std::span<const int32_t> frequent() const { return frequent_; }
  // Source pieces with at least one translation, and the sentence pairs counted.
  int source_pieces() const;
  std::size_t pairs_counted() const { return pairs_counted_; }

 private:
  int vocab_size_ = 0, top_k_ = 0;
  std::size_t pairs_counted_ = 0;
  std::vector<int32_t> frequent_;
  std::vector<uint32_t> offsets_;  // source id s: translations_[offsets_[s], offsets_[s + 1])
  std::vector<int32_t> translations_;
};

// The decoder's side: how much of the table a batch's shortlist takes.
struct ShortlistSettings {
  int top_k = 50;       // best target pieces per source piece
  int frequent = 100;   // most frequent target pieces
};

class Shortlist {
 public:
  // Throws std::invalid_argument for negative settings.
  Shortlist(LexicalTable table, ShortlistSettings settings);

  // A sentence's words (source ids without EOS): ascending ids, the special ids 0-3 first, so
  // that they keep their numbers as positions in it.
  std::vector<int32_t> for_sentence(std::span<const int32_t> source) const;

  struct Batch {
    std::vector<int32_t> words;    // the union of the sentences' words, ascending
    std::vector<uint8_t> allowed;  // [sentence * words.size() + j]: words[j] is in the sentence's own
    bool same_for_all = true;      // every sentence has every word of the union (no mask needed)
    // The additive mask [sentences * beam, words.size()] of each decoder row's own words (row
    // b * beam + k: sentence b; 0 allowed, -inf not): EncoderDecoder::select_outputs' mask.
    // Undefined when same_for_all.
    Tensor mask(int beam) const;
  };
  Batch for_batch(std::span<const std::vector<int32_t>> sources) const;

  const LexicalTable& table() const { return table_; }
  const ShortlistSettings& settings() const { return settings_; }
  // Batches served so far and the sum of their shortlists' sizes (the unions: what the output
  // layer computes), and the same for sentences (nmt-translate --stats).
  int64_t batches() const { return batches_.load(); }
  int64_t total_size() const { return total_size_.load(); }
  int64_t sentences() const { return sentences_.load(); }
  int64_t total_sentence_size() const { return total_sentence_size_.load(); }

 private:
  LexicalTable table_;
  ShortlistSettings settings_;
  mutable std::atomic<int64_t> batches_{0}, total_size_{0}, sentences_{0}, total_sentence_size_{0};

  // Marks the sentence's words in `chosen` (vocab_size entries), returns how many it marked anew.
  void mark(std::span<const int32_t> source, std::vector<uint8_t>& chosen) const;
};

// The shortlist that nmt-translate and nmt-serve use for a model file (`path`, for messages) with
// this lexical table (ModelFileInfo::lexical_table, maybe empty): `mode` "off" or "auto" without
// a table: none (null); "on" without a table: std::runtime_error naming the file and
// nmt-shortlist; a table for another vocabulary size or unreadable: std::runtime_error.
std::shared_ptr<const Shortlist> shortlist_for_model(const std::string& path, const std::string& lexical_table,
                                                     int vocab_size, const std::string& mode, ShortlistSettings settings);

}  // namespace nmt
