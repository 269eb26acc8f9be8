// BLEU as sacreBLEU 2.6.0 computes it: sacrebleu/metrics/bleu.py (BLEU.compute_bleu,
// _extract_reference_info, _compute_segment_statistics, _get_closest_ref_len) and
// metrics/helpers.py (extract_all_word_ngrams). See bleu.h.
#include "nmt/metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "nmt/metrics/errors.h"
#include "nmt/metrics/segments.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {

SmoothMethod parse_smooth_method(std::string_view name) {
  if (name == "none") return SmoothMethod::kNone;
  if (name == "floor") return SmoothMethod::kFloor;
  if (name == "add-k") return SmoothMethod::kAddK;
  if (name == "exp") return SmoothMethod::kExp;
  throw MetricsError("unknown BLEU smoothing method '" + std::string(name) +
                     "' (available: exp, floor, add-k, none)");
}

std::string_view smooth_method_name(SmoothMethod method) {
  switch (method) {
    case SmoothMethod::kNone: return "none";
    case SmoothMethod::kFloor: return "floor";
    case SmoothMethod::kAddK: return "add-k";
    case SmoothMethod::kExp: return "exp";
  }
  return "?";
}

namespace {

// BLEU.SMOOTH_DEFAULTS: the value used when none is given (None for methods without one).
std::optional<double> default_smooth_value(SmoothMethod method) {
  if (method == SmoothMethod::kFloor) return 0.1;
  if (method == SmoothMethod::kAddK) return 1.0;
  return std::nullopt;
}

// utils.my_log: log, with log(0) floored to -9999999999.
double my_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

}  // namespace

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  sys_len += other.sys_len;
  ref_len += other.ref_len;
  for (int n = 0; n < kMaxOrder; ++n) {
    correct[n] += other.correct[n];
    total[n] += other.total[n];
  }
  return *this;
}

std::vector<std::int64_t> BleuStats::as_list(int max_order) const {
  std::vector<std::int64_t> list{sys_len, ref_len};
  for (int n = 0; n < max_order; ++n) list.push_back(correct[n]);
  for (int n = 0; n < max_order; ++n) list.push_back(total[n]);
  return list;
}

std::string BleuScore::verbose() const {
  std::string out;
  for (std::size_t n = 0; n < precisions.size(); ++n) {
    if (n > 0) out += "/";
    out += format_fixed(precisions[n], 1);
  }
  out += " (BP = " + format_fixed(bp, 3) + " ratio = " + format_fixed(ratio, 3) +
         " hyp_len = " + std::to_string(sys_len) + " ref_len = " + std::to_string(ref_len) + ")";
  return out;
}

Bleu::Bleu(BleuConfig config) : config_(std::move(config)) {
  if (config_.max_ngram_order < 1 || config_.max_ngram_order > BleuStats::kMaxOrder)
    throw MetricsError("BLEU max n-gram order must be between 1 and 4, not " +
                       std::to_string(config_.max_ngram_order));
  tokenizer_ = make_tokenizer(config_.tokenize);
}

const std::vector<std::uint32_t>& Bleu::preprocess(std::string_view segment) {
  // BLEU._preprocess_segment: lower(), rstrip(), tokenise; then str.split().
  if (config_.lowercase) {
    lowered_ = python_lower(segment);
    segment = lowered_;
  }
  tokenizer_->tokenize(python_rstrip(segment), tokenized_);
  split_python_whitespace(tokenized_, tokens_);
  ids_.clear();
  for (const std::string_view token : tokens_) ids_.push_back(vocabulary_.id(token));
  return ids_;
}

std::string Bleu::tokenized_text(std::string_view segment) const {
  std::string lowered;
  if (config_.lowercase) {
    lowered = python_lower(segment);
    segment = lowered;
  }
  std::string tokenized;
  tokenizer_->tokenize(python_rstrip(segment), tokenized);
  return tokenized;
}

BleuStats Bleu::segment_statistics(std::string_view hypothesis,
                                   const std::vector<std::string_view>& references) {
  const auto max_order = static_cast<std::size_t>(config_.max_ngram_order);

  // References: n-gram counts, merged by maximum over the references, and their lengths.
  ref_lens_.clear();
  for (std::size_t r = 0; r < references.size(); ++r) {
    const auto& ids = preprocess(references[r]);
    ref_lens_.push_back(static_cast<std::int64_t>(ids.size()));
    // With one reference, count straight into the merged table.
    NgramTable& table = r == 0 ? ref_ngrams_ : one_ref_ngrams_;
    table.clear(max_order * ids.size());
    for (std::size_t n = 1; n <= max_order; ++n)
      add_ngrams(table, ids, n, 32, static_cast<std::uint32_t>(n));
    if (r > 0)
      one_ref_ngrams_.for_each([&](const NgramTable::Entry& e) {
        auto& merged = ref_ngrams_.at(e.key, e.order);
        merged.count = std::max(merged.count, e.count);
      });
  }
  if (references.empty()) ref_ngrams_.clear(0);

  BleuStats stats;
  const auto& hyp_ids = preprocess(hypothesis);
  stats.sys_len = static_cast<std::int64_t>(hyp_ids.size());

  // _get_closest_ref_len: the closest length, the shorter one on ties.
  std::int64_t closest_diff = -1, closest_len = -1;
  for (const std::int64_t ref_len : ref_lens_) {
    const std::int64_t diff = std::abs(stats.sys_len - ref_len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = ref_len;
    } else if (diff == closest_diff && ref_len < closest_len) {
      closest_len = ref_len;
    }
  }
  stats.ref_len = closest_len;

  // Hypothesis n-grams, each order's matches clipped by the reference counts.
  for (std::size_t n = 1; n <= max_order; ++n) {
    stats.total[n - 1] = ngram_count(hyp_ids.size(), n);
    stats.correct[n - 1] = consume_matches(ref_ngrams_, hyp_ids, n, 32, static_cast<std::uint32_t>(n));
  }
  return stats;
}

BleuStats Bleu::corpus_statistics(const std::vector<std::string_view>& hypotheses,
                                  const std::vector<std::vector<std::string_view>>& references) {
  BleuStats sum;
  for_each_segment(hypotheses, references,
                   [&](std::string_view hyp, const auto& refs) { sum += segment_statistics(hyp, refs); });
  return sum;
}

BleuScore Bleu::compute(const BleuStats& stats) const {
  const int max_order = config_.max_ngram_order;
  const SmoothMethod method = config_.smooth_method;
  const double smooth_value =
      config_.smooth_value.value_or(default_smooth_value(method).value_or(0.0));

  BleuScore result;
  result.sys_len = stats.sys_len;
  result.ref_len = stats.ref_len;
  result.ratio = stats.ref_len ? static_cast<double>(stats.sys_len) / static_cast<double>(stats.ref_len)
                               : 0.0;
  for (int n = 0; n < max_order; ++n) {
    result.counts.push_back(static_cast<double>(stats.correct[n]));
    result.totals.push_back(static_cast<double>(stats.total[n]));
  }
  result.precisions.assign(static_cast<std::size_t>(max_order), 0.0);

  // Brevity penalty.
  if (stats.sys_len < stats.ref_len)
    result.bp = stats.sys_len > 0 ? std::exp(1.0 - static_cast<double>(stats.ref_len) /
                                                       static_cast<double>(stats.sys_len))
                                  : 0.0;
  else
    result.bp = 1.0;

  // No matches at all: score 0 (sacreBLEU issue #141).
  bool any_match = false;
  for (int n = 0; n < max_order; ++n) any_match |= stats.correct[n] != 0;
  if (!any_match) return result;

  double smooth_mteval = 1.0;
  int eff_order = max_order;
  for (int n = 1; n <= max_order; ++n) {
    double& correct = result.counts[n - 1];
    double& total = result.totals[n - 1];
    if (method == SmoothMethod::kAddK && n > 1) {
      correct += smooth_value;
      total += smooth_value;
    }
    if (total == 0) break;
    if (config_.effective_order) eff_order = n;
    double& precision = result.precisions[n - 1];
    if (correct == 0) {
      if (method == SmoothMethod::kExp) {
        smooth_mteval *= 2;
        precision = 100.0 / (smooth_mteval * total);
      } else if (method == SmoothMethod::kFloor) {
        precision = 100.0 * smooth_value / total;
      }
    } else {
      precision = 100.0 * correct / total;
    }
  }

  double log_sum = 0.0;
  for (int n = 0; n < eff_order; ++n) log_sum += my_log(result.precisions[n]);
  result.score = result.bp * std::exp(log_sum / eff_order);
  return result;
}

Signature Bleu::signature(int num_refs) const {
  std::string smooth(smooth_method_name(config_.smooth_method));
  if (const auto fallback = default_smooth_value(config_.smooth_method))
    {
    smooth += '[';
    smooth += format_fixed(config_.smooth_value.value_or(*fallback), 2);
    smooth += ']';
  }
  Signature sig;
  sig.add("nrefs", "#", num_refs < 0 ? "var" : std::to_string(num_refs));
  sig.add("case", "c", config_.lowercase ? "lc" : "mixed");
  sig.add("eff", "e", config_.effective_order ? "yes" : "no");
  sig.add("tok", "tok", std::string(tokenizer_->signature()));
  sig.add("smooth", "s", smooth);
  sig.add("version", "v", std::string(kSacrebleuVersion));
  return sig;
}

}  // namespace nmt::metrics
