// What sacreBLEU prints for one system: the corpus scores of the chosen metrics (JSON objects or
// text lines aligned at their '=' sign, in sacreBLEU's metric order BLEU, chrF, TER) or one line
// per sentence (-sl), exactly as sacreBLEU 2.6.0's command line prints them. nmt-bleu reads the
// files and prints this; the library's callers get the same text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/ter.h"

namespace nmt::metrics {

struct ReportOptions {
  std::vector<std::string> metrics{"bleu"};  // bleu | chrf | ter
  BleuConfig bleu;
  ChrfConfig chrf;
  TerConfig ter;
  std::string format = "json";  // json | text (corpus level; sentence level is always text)
  bool score_only = false;      // -b: the number alone
  int width = 1;                // -w: decimals
  bool short_signature = false;
};

// references[k][i] is reference k of segment i. The text ends with a newline.
std::string corpus_report(const std::vector<std::string_view>& hypotheses,
                          const std::vector<std::vector<std::string_view>>& references, const ReportOptions& options);
// One line per segment for the first metric of options.metrics.
std::string sentence_report(const std::vector<std::string_view>& hypotheses,
                            const std::vector<std::vector<std::string_view>>& references, const ReportOptions& options);

}  // namespace nmt::metrics
