#include "nmt/metrics/report.h"

#include <algorithm>
#include <optional>
#include <set>

#include "nmt/metrics/score.h"

namespace nmt::metrics {
namespace {

std::string format_result(const Score& score, const Signature& signature, const ReportOptions& options) {
  if (options.score_only) return format_fixed(score.score, options.width);
  if (options.format == "json") return format_json(score, signature, options.width);
  return format_text(score, signature.format(options.short_signature), options.width);
}

// sacreBLEU's utils.print_single_results: one result as it is; several as a JSON list, or as
// text lines aligned at their '=' (score-only lines have none and print as they are).
std::string join_results(const std::vector<std::string>& results, const ReportOptions& options) {
  std::string out;
  if (options.format == "json" && results.size() > 1) {
    out = "[\n";
    for (std::size_t i = 0; i < results.size(); ++i) out += (i ? ",\n" : "") + results[i];
    return out + "\n]\n";
  }
  if (results.size() == 1) return results[0] + "\n";
  std::vector<std::size_t> lengths;
  std::vector<std::string> aligned;
  for (const auto& line : results) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      out += line + "\n";
    } else {
      lengths.push_back(eq - 1);
      aligned.push_back(line);
    }
  }
  std::size_t width = 0;
  for (const auto length : lengths) width = std::max(width, length);
  for (std::size_t i = 0; i < aligned.size(); ++i) out += std::string(width - lengths[i], ' ') + aligned[i] + "\n";
  return out;
}

}  // namespace

std::string corpus_report(const std::vector<std::string_view>& hypotheses,
                          const std::vector<std::vector<std::string_view>>& references, const ReportOptions& options) {
  const int nrefs = static_cast<int>(references.size());
  const std::set<std::string> names(options.metrics.begin(), options.metrics.end());  // bleu, chrf, ter
  std::vector<std::string> results;
  for (const auto& name : names) {
    if (name == "bleu") {
      Bleu bleu(options.bleu);
      results.push_back(format_result(bleu.corpus_score(hypotheses, references).as_score(), bleu.signature(nrefs), options));
    } else if (name == "chrf") {
      Chrf chrf(options.chrf);
      results.push_back(format_result(chrf.score(chrf.corpus_statistics(hypotheses, references)), chrf.signature(nrefs),
                                      options));
    } else {
      Ter ter(options.ter);
      results.push_back(
          format_result(Ter::score(ter.corpus_statistics(hypotheses, references)), ter.signature(nrefs), options));
    }
  }
  return join_results(results, options);
}

std::string sentence_report(const std::vector<std::string_view>& hypotheses,
                            const std::vector<std::vector<std::string_view>>& references, const ReportOptions& options) {
  const int nrefs = static_cast<int>(references.size());
  const std::string& metric = options.metrics.front();
  std::optional<Bleu> bleu;
  std::optional<Chrf> chrf;
  std::optional<Ter> ter;
  std::string signature;
  if (metric == "bleu") {
    bleu.emplace(options.bleu);
    signature = bleu->signature(nrefs).format(options.short_signature);
  } else if (metric == "chrf") {
    chrf.emplace(options.chrf);
    signature = chrf->signature(nrefs).format(options.short_signature);
  } else {
    ter.emplace(options.ter);
    signature = ter->signature(nrefs).format(options.short_signature);
  }
  std::vector<std::string_view> refs(references.size());
  std::string out;
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    for (std::size_t k = 0; k < refs.size(); ++k) refs[k] = references[k][i];
    Score score;
    if (bleu)
      score = bleu->sentence_score(hypotheses[i], refs).as_score();
    else if (chrf)
      score = chrf->score(chrf->segment_statistics(hypotheses[i], refs));
    else
      score = Ter::score(ter->segment_statistics(hypotheses[i], refs));
    out += options.score_only ? format_fixed(score.score, options.width) : format_text(score, signature, options.width);
    out += '\n';
  }
  return out;
}

}  // namespace nmt::metrics
