// BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.6.0 computes it (sacrebleu/metrics/bleu.py).
//
// Each segment is lowercased (optionally, Python str.lower), right-stripped, tokenised (13a by
// default) and split on whitespace. Its statistics are
//   [hyp_len, closest ref_len, correct_1..correct_N, total_1..total_N]
// where correct_n clips every hypothesis n-gram count by its maximum count in any reference and
// the reference length is the one closest to the hypothesis length (the shorter on ties).
// Corpus BLEU sums the statistics and computes
//   BP * exp(mean_n log p_n),  BP = exp(1 - ref_len/hyp_len) when hyp_len < ref_len,
// with sacreBLEU's smoothing ('exp' default, 'floor', 'add-k', 'none'; Chen & Cherry 2014) and,
// for sentence-level scores, effective order (orders without hypothesis n-grams are left out).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/metrics/ngrams.h"
#include "nmt/metrics/score.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/vocabulary.h"

namespace nmt::metrics {

enum class SmoothMethod { kNone, kFloor, kAddK, kExp };

// "none", "floor", "add-k", "exp" <-> SmoothMethod; parse throws MetricsError for other names.
SmoothMethod parse_smooth_method(std::string_view name);
std::string_view smooth_method_name(SmoothMethod method);

struct BleuConfig {
  std::string tokenize = "13a";  // 13a, intl, zh, char, none
  bool lowercase = false;
  SmoothMethod smooth_method = SmoothMethod::kExp;
  std::optional<double> smooth_value;  // default 0.1 for floor, 1 for add-k
  int max_ngram_order = 4;             // 1..4
  bool effective_order = false;        // sacreBLEU's -sl turns this on
};

// Sufficient statistics of one segment or a whole corpus (sums).
struct BleuStats {
  static constexpr int kMaxOrder = 4;
  std::int64_t sys_len = 0, ref_len = 0;
  std::array<std::int64_t, kMaxOrder> correct{}, total{};

  BleuStats& operator+=(const BleuStats& other);
  // sacreBLEU's flat list [sys_len, ref_len, correct_1..N, total_1..N].
  std::vector<std::int64_t> as_list(int max_order) const;
};

struct BleuScore {
  double score = 0.0;
  std::vector<double> counts, totals;  // as sacreBLEU reports them (add-k adds k for n >= 2)
  std::vector<double> precisions;      // percent
  double bp = 0.0;
  std::int64_t sys_len = 0, ref_len = 0;
  double ratio = 0.0;

  // "65.3/41.2/28.0/19.9 (BP = 0.982 ratio = 0.982 hyp_len = 12345 ref_len = 12567)"
  std::string verbose() const;
  Score as_score() const { return {"BLEU", score, verbose()}; }
};

class Bleu {
 public:
  explicit Bleu(BleuConfig config);

  const BleuConfig& config() const { return config_; }

  // Statistics of one segment against its references (one or more; empty strings allowed).
  // Not thread-safe: the object keeps scratch buffers and a vocabulary.
  BleuStats segment_statistics(std::string_view hypothesis,
                               const std::vector<std::string_view>& references);

  // Sums of segment statistics over a corpus: references[k][i] is reference k of segment i.
  BleuStats corpus_statistics(const std::vector<std::string_view>& hypotheses,
                              const std::vector<std::vector<std::string_view>>& references);

  // The score of (summed) statistics: BLEU.compute_bleu.
  BleuScore compute(const BleuStats& stats) const;

  BleuScore corpus_score(const std::vector<std::string_view>& hypotheses,
                         const std::vector<std::vector<std::string_view>>& references) {
    return compute(corpus_statistics(hypotheses, references));
  }
  BleuScore sentence_score(std::string_view hypothesis,
                           const std::vector<std::string_view>& references) {
    return compute(segment_statistics(hypothesis, references));
  }

  // "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
  Signature signature(int num_refs) const;

  // The token ids of a segment after sacreBLEU's BLEU preprocessing (lowercase, rstrip, tokenise,
  // split). tokenized_text() is the string before the split (BLEU._preprocess_segment).
  const std::vector<std::uint32_t>& preprocess(std::string_view segment);
  std::string tokenized_text(std::string_view segment) const;

 private:
  BleuConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  Vocabulary vocabulary_;
  // scratch
  std::string lowered_, tokenized_;
  std::vector<std::string_view> tokens_;
  std::vector<std::uint32_t> ids_;
  std::vector<std::int64_t> ref_lens_;
  NgramTable ref_ngrams_, one_ref_ngrams_;
};

}  // namespace nmt::metrics
