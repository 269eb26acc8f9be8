// chrF (Popović 2015) and chrF++ (Popović 2017) exactly as sacreBLEU 2.6.0 computes them
// (sacrebleu/metrics/chrf.py, metrics/helpers.py).
//
// Character n-grams of orders 1..char_order (6) over code points, with all whitespace removed
// unless `whitespace` is set; for chrF++ also word n-grams of orders 1..word_order (2) over the
// whitespace-split words, one ASCII punctuation mark split off the end (or else the start) of each
// word. Per order the statistics are [hyp n-grams, ref n-grams, matches]; with several references
// a segment takes the statistics of the reference with the best sentence F-score. The score is
// the F-beta (beta 2) of the precision and recall averaged over the orders that have both
// hypothesis and reference n-grams ("effective order", sacreBLEU's default), or with
// eps_smoothing the average of per-order F-scores with 1e-16 for undefined ones (chrF++.py).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/metrics/ngrams.h"
#include "nmt/metrics/score.h"
#include "nmt/metrics/vocabulary.h"

namespace nmt::metrics {

struct ChrfConfig {
  int char_order = 6;  // 0..6
  int word_order = 0;  // 0..4; 2 is chrF++
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;  // keep whitespace inside character n-grams
  bool eps_smoothing = false;
};

class Chrf {
 public:
  explicit Chrf(ChrfConfig config);

  const ChrfConfig& config() const { return config_; }

  // Statistics of one segment: 3 * (char_order + word_order) counts [hyp, ref, match] per order.
  // Not thread-safe (scratch buffers, vocabulary).
  std::vector<std::int64_t> segment_statistics(std::string_view hypothesis,
                                               const std::vector<std::string_view>& references);

  // Summed over a corpus; references[k][i] is reference k of segment i.
  std::vector<std::int64_t> corpus_statistics(
      const std::vector<std::string_view>& hypotheses,
      const std::vector<std::vector<std::string_view>>& references);

  // CHRF._compute_f_score, in percent.
  double compute_f_score(const std::vector<std::int64_t>& stats) const;

  // "chrF2" + one '+' per word order.
  std::string name() const;
  Score score(const std::vector<std::int64_t>& stats) const {
    return {name(), compute_f_score(stats), ""};
  }

  // "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"
  Signature signature(int num_refs) const;

  // CHRF._remove_punctuation: the words of chrF++.
  static std::vector<std::string_view> split_words(std::string_view sentence);

 private:
  // The code points (whitespace removed unless kept) and word ids of one segment.
  struct Symbols {
    std::vector<std::uint32_t> chars, words;
  };
  void extract(std::string_view segment, Symbols& symbols);

  ChrfConfig config_;
  Vocabulary vocabulary_;
  std::string lowered_;
  Symbols hyp_, ref_;
  NgramTable ref_ngrams_;
};

}  // namespace nmt::metrics
