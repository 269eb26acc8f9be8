// chrF / chrF++ as sacreBLEU 2.6.0 computes them: sacrebleu/metrics/chrf.py (CHRF:
// _remove_punctuation, _get_match_statistics, _compute_f_score, _compute_segment_statistics)
// and metrics/helpers.py (extract_all_char_ngrams, extract_word_ngrams). See chrf.h.
#include "nmt/metrics/chrf.h"

#include "nmt/metrics/errors.h"
#include "nmt/metrics/segments.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

// string.punctuation, the only characters _remove_punctuation splits off.
bool is_ascii_punct(char32_t c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

}  // namespace

Chrf::Chrf(ChrfConfig config) : config_(config) {
  if (config_.char_order < 0 || config_.char_order > 6)
    throw MetricsError("chrF character order must be between 0 and 6, not " +
                       std::to_string(config_.char_order));
  if (config_.word_order < 0 || config_.word_order > 4)
    throw MetricsError("chrF word order must be between 0 and 4, not " +
                       std::to_string(config_.word_order));
  if (config_.char_order + config_.word_order == 0)
    throw MetricsError("chrF needs a character order or a word order above 0");
}

std::string Chrf::name() const {
  return "chrF" + std::to_string(config_.beta) +
         std::string(static_cast<std::size_t>(config_.word_order), '+');
}

Signature Chrf::signature(int num_refs) const {
  Signature sig;
  sig.add("nrefs", "#", num_refs < 0 ? "var" : std::to_string(num_refs));
  sig.add("case", "c", config_.lowercase ? "lc" : "mixed");
  sig.add("eff", "e", config_.eps_smoothing ? "no" : "yes");
  sig.add("nc", "nc", std::to_string(config_.char_order));
  sig.add("nw", "nw", std::to_string(config_.word_order));
  sig.add("space", "s", config_.whitespace ? "yes" : "no");
  sig.add("version", "v", std::string(kSacrebleuVersion));
  return sig;
}

std::vector<std::string_view> Chrf::split_words(std::string_view sentence) {
  std::vector<std::string_view> words;
  for (const std::string_view w : split_python_whitespace(sentence)) {
    std::size_t first_len = 0;
    const char32_t first = decode_utf8(w, first_len);
    if (first_len == w.size()) {  // a single character
      words.push_back(w);
      continue;
    }
    // The last code point starts at the last non-continuation byte.
    std::size_t last_start = w.size() - 1;
    while ((static_cast<unsigned char>(w[last_start]) & 0xC0) == 0x80) --last_start;
    std::size_t p = last_start;
    const char32_t last = decode_utf8(w, p);
    if (is_ascii_punct(last)) {
      words.push_back(w.substr(0, last_start));
      words.push_back(w.substr(last_start));
    } else if (is_ascii_punct(first)) {
      words.push_back(w.substr(0, first_len));
      words.push_back(w.substr(first_len));
    } else {
      words.push_back(w);
    }
  }
  return words;
}

void Chrf::extract(std::string_view segment, Symbols& symbols) {
  if (config_.lowercase) {
    lowered_ = python_lower(segment);
    segment = lowered_;
  }
  // Characters: code points, whitespace removed unless asked to keep it.
  symbols.chars.clear();
  for (std::size_t pos = 0; pos < segment.size();) {
    const char32_t c = decode_utf8(segment, pos);
    if (config_.whitespace || !python_is_space(c)) symbols.chars.push_back(c);
  }
  // Words (chrF++ only).
  symbols.words.clear();
  if (config_.word_order > 0)
    for (const std::string_view w : split_words(segment)) symbols.words.push_back(vocabulary_.id(w));
}

std::vector<std::int64_t> Chrf::segment_statistics(
    std::string_view hypothesis, const std::vector<std::string_view>& references) {
  const auto char_order = static_cast<std::size_t>(config_.char_order);
  const auto word_order = static_cast<std::size_t>(config_.word_order);
  const std::size_t orders = char_order + word_order;
  extract(hypothesis, hyp_);

  std::vector<std::int64_t> best_stats(3 * orders), stats(3 * orders);
  double best_f_score = -1.0;
  for (const std::string_view reference : references) {
    extract(reference, ref_);
    ref_ngrams_.clear(char_order * ref_.chars.size() + word_order * ref_.words.size());
    // Orders 1..char_order are character n-grams (21-bit code points), the next ones words.
    for (std::size_t i = 0; i < orders; ++i) {
      const bool chars = i < char_order;
      const std::size_t n = chars ? i + 1 : i - char_order + 1;
      const auto& ref_symbols = chars ? ref_.chars : ref_.words;
      const auto& hyp_symbols = chars ? hyp_.chars : hyp_.words;
      const unsigned bits = chars ? 21 : 32;
      const auto tag = static_cast<std::uint32_t>(i);
      add_ngrams(ref_ngrams_, ref_symbols, n, bits, tag);
      // _get_match_statistics: hypothesis n-grams count only when the reference has some.
      const std::int64_t n_ref = ngram_count(ref_symbols.size(), n);
      stats[3 * i + 0] = n_ref > 0 ? ngram_count(hyp_symbols.size(), n) : 0;
      stats[3 * i + 1] = n_ref;
      stats[3 * i + 2] = consume_matches(ref_ngrams_, hyp_symbols, n, bits, tag);
    }
    // The reference with the best sentence-level F-score wins (the first one on ties).
    const double f_score = compute_f_score(stats);
    if (f_score > best_f_score) {
      best_f_score = f_score;
      best_stats = stats;
    }
  }
  return best_stats;
}

std::vector<std::int64_t> Chrf::corpus_statistics(
    const std::vector<std::string_view>& hypotheses,
    const std::vector<std::vector<std::string_view>>& references) {
  std::vector<std::int64_t> sum(3 * static_cast<std::size_t>(config_.char_order + config_.word_order));
  for_each_segment(hypotheses, references, [&](std::string_view hyp, const auto& refs) {
    const auto stats = segment_statistics(hyp, refs);
    for (std::size_t j = 0; j < stats.size(); ++j) sum[j] += stats[j];
  });
  return sum;
}

double Chrf::compute_f_score(const std::vector<std::int64_t>& stats) const {
  const double eps = 1e-16;
  const int order = config_.char_order + config_.word_order;
  const double factor = static_cast<double>(config_.beta) * config_.beta;
  double score = 0.0, avg_prec = 0.0, avg_rec = 0.0;
  int effective_order = 0;

  for (int i = 0; i < order; ++i) {
    const std::int64_t n_hyp = stats[3 * i], n_ref = stats[3 * i + 1], n_match = stats[3 * i + 2];
    // chrF++.py style epsilon smoothing (also Moses and NLTK).
    const double prec = n_hyp > 0 ? static_cast<double>(n_match) / static_cast<double>(n_hyp) : eps;
    const double rec = n_ref > 0 ? static_cast<double>(n_match) / static_cast<double>(n_ref) : eps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
    // sacreBLEU < 2.0 style effective order.
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }

  if (config_.eps_smoothing) return 100 * score / order;

  if (effective_order == 0) {
    avg_prec = avg_rec = 0.0;
  } else {
    avg_prec /= effective_order;
    avg_rec /= effective_order;
  }
  if (avg_prec + avg_rec != 0.0) {
    score = (1 + factor) * avg_prec * avg_rec;
    score /= (factor * avg_prec) + avg_rec;
    return 100 * score;
  }
  return 0.0;
}

}  // namespace nmt::metrics
