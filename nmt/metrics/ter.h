// TER, translation edit rate (Snover et al., 2006), exactly as sacreBLEU 2.6.0 computes it
// (sacrebleu/metrics/ter.py, metrics/lib_ter.py, tokenizers/tokenizer_ter.py), which follows
// Tercom with its own limits.
//
// Edits = word insertions, deletions, substitutions (cost 1 each) plus shifts of word sequences.
// Shifts are found greedily: repeatedly apply the shift that most reduces the edit distance
// (ties: longer, then earlier in the hypothesis, then earlier target), among shifts of at most 10
// words moved at most 50 positions, stopping when no shift helps or after 1000 candidate shifts
// in total. The edit distance is a Levenshtein distance restricted to a beam of 25 cells around
// the (length-ratio) diagonal. The score is 100 * edits / average reference length, summed over
// the corpus; a segment takes its best reference. By default TER lowercases and splits on
// whitespace only (Tercom's defaults: no normalisation, punctuation kept).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nmt/metrics/score.h"
#include "nmt/metrics/vocabulary.h"

namespace nmt::metrics {

struct TerConfig {
  bool normalized = false;     // Tercom's normalisation and western tokenisation
  bool no_punct = false;       // remove . , ? : ; ! " ( )
  bool asian_support = false;  // with normalized / no_punct: CJK characters and punctuation
  bool case_sensitive = false;
};

struct TerStats {
  std::int64_t num_edits = 0;
  double ref_length = 0.0;  // sum of the segments' average reference lengths

  TerStats& operator+=(const TerStats& other) {
    num_edits += other.num_edits;
    ref_length += other.ref_length;
    return *this;
  }
};

// lib_ter.translation_edit_rate on token ids: (number of edits, reference length).
std::pair<std::int64_t, std::int64_t> translation_edit_rate(const std::vector<std::uint32_t>& hyp,
                                                            const std::vector<std::uint32_t>& ref);

class Ter {
 public:
  explicit Ter(TerConfig config);

  const TerConfig& config() const { return config_; }

  // TercomTokenizer.__call__: the string TER splits into words.
  std::string tokenize(std::string_view sentence) const;

  // Not thread-safe (vocabulary).
  TerStats segment_statistics(std::string_view hypothesis,
                              const std::vector<std::string_view>& references);
  TerStats corpus_statistics(const std::vector<std::string_view>& hypotheses,
                             const std::vector<std::vector<std::string_view>>& references);

  // TER._compute_score_from_stats, in percent.
  static double compute(const TerStats& stats);
  static Score score(const TerStats& stats) { return {"TER", compute(stats), ""}; }

  // "nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0"
  Signature signature(int num_refs) const;

 private:
  std::vector<std::uint32_t> words(std::string_view sentence);

  TerConfig config_;
  Vocabulary vocabulary_;
};

}  // namespace nmt::metrics
