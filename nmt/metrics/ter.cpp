// TER as sacreBLEU 2.6.0 computes it: sacrebleu/metrics/lib_ter.py (translation_edit_rate,
// _shift, _perform_shift, _find_shifted_pairs, trace_to_alignment, BeamEditDistance),
// metrics/ter.py (TER) and tokenizers/tokenizer_ter.py (TercomTokenizer). See ter.h.
#include "nmt/metrics/ter.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "nmt/metrics/errors.h"
#include "nmt/metrics/segments.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

using Words = std::vector<std::uint32_t>;

constexpr std::int64_t kCostIns = 1, kCostDel = 1, kCostSub = 1;
// Tercom-inspired limits.
constexpr std::int64_t kMaxShiftSize = 10, kMaxShiftDist = 50, kBeamWidth = 25;
// sacreBLEU's own limit on the shift candidates evaluated per segment.
constexpr int kMaxShiftCandidates = 1000;
constexpr std::int64_t kInfinity = 10000000000000000;  // int(1e16)

// Edit operations, rewriting the hypothesis into the reference.
constexpr char kOpIns = 'i', kOpDel = 'd', kOpNop = ' ', kOpSub = 's', kOpUndef = 'x';

// ---------------------------------------------------------------------------------------------
// BeamEditDistance: Levenshtein distance between a hypothesis and the (fixed) reference, computed
// only in a band around the diagonal, with the trace of operations. sacreBLEU caches matrix rows
// in a trie of hypothesis prefixes; the rows of a prefix do not depend on what follows it (all
// hypotheses of one segment have the same length), so reusing the rows of the previous
// hypothesis for the common prefix gives the same numbers.
class BeamEditDistance {
 public:
  explicit BeamEditDistance(const Words& ref) : ref_(ref), width_(ref.size() + 1) {}

  // The edit distance; when trace is given, also the operations (first to last).
  std::int64_t operator()(const Words& hyp, std::string* trace) {
    const std::size_t n = hyp.size(), m = ref_.size();

    // Rows 0..start are still valid from the previous hypothesis.
    std::size_t start = 0;
    if (have_rows_ && last_hyp_.size() == n)
      while (start < n && last_hyp_[start] == hyp[start]) ++start;
    rows_.resize((n + 1) * width_);
    if (start == 0)
      for (std::size_t j = 0; j <= m; ++j) at(0, j) = {static_cast<std::int64_t>(j) * kCostIns, kOpIns};

    const double length_ratio = n > 0 ? static_cast<double>(m) / static_cast<double>(n) : 1.0;
    // In sentences of very different lengths the band must be wider to overlap the last row.
    const std::int64_t beam_width = kBeamWidth < length_ratio / 2
                                        ? static_cast<std::int64_t>(std::ceil(length_ratio / 2 + kBeamWidth))
                                        : kBeamWidth;

    for (std::size_t i = start + 1; i <= n; ++i) {
      for (std::size_t j = 0; j <= m; ++j) at(i, j) = {kInfinity, kOpUndef};
      const auto pseudo_diag = static_cast<std::int64_t>(std::floor(static_cast<double>(i) * length_ratio));
      const std::int64_t min_j = std::max<std::int64_t>(0, pseudo_diag - beam_width);
      std::int64_t max_j = std::min<std::int64_t>(static_cast<std::int64_t>(m) + 1, pseudo_diag + beam_width);
      if (i == n) max_j = static_cast<std::int64_t>(m) + 1;

      for (std::int64_t jj = min_j; jj < max_j; ++jj) {
        const auto j = static_cast<std::size_t>(jj);
        Cell& cell = at(i, j);
        if (j == 0) {
          cell = {at(i - 1, 0).cost + kCostDel, kOpDel};
          continue;
        }
        const bool same = hyp[i - 1] == ref_[j - 1];
        // Tercom prefers no-op/substitution, then insertion, then deletion; the trace is flipped
        // later, so deletion is tried before insertion here.
        const Cell options[3] = {
            {at(i - 1, j - 1).cost + (same ? 0 : kCostSub), same ? kOpNop : kOpSub},
            {at(i - 1, j).cost + kCostDel, kOpDel},
            {at(i, j - 1).cost + kCostIns, kOpIns},
        };
        for (const Cell& option : options)
          if (cell.cost > option.cost) cell = option;
      }
    }
    last_hyp_ = hyp;
    have_rows_ = true;

    if (trace) {
      trace->clear();
      std::size_t i = n, j = m;
      while (i > 0 || j > 0) {
        const char op = at(i, j).op;
        trace->push_back(op);
        if (op == kOpSub || op == kOpNop) {
          --i, --j;
        } else if (op == kOpIns) {
          --j;
        } else if (op == kOpDel) {
          --i;
        } else {
          throw MetricsError("TER: internal error, undefined edit operation in the trace");
        }
      }
      std::reverse(trace->begin(), trace->end());
    }
    return at(n, m).cost;
  }

 private:
  struct Cell {
    std::int64_t cost;
    char op;
  };
  Cell& at(std::size_t i, std::size_t j) { return rows_[i * width_ + j]; }

  const Words& ref_;
  std::size_t width_;
  std::vector<Cell> rows_;
  Words last_hyp_;
  bool have_rows_ = false;
};

// _perform_shift: move words[start, start+length) to `target`, with Python's slice clamping.
Words perform_shift(const Words& words, std::int64_t start, std::int64_t length, std::int64_t target) {
  const auto n = static_cast<std::int64_t>(words.size());
  Words out;
  out.reserve(words.size());
  const auto append = [&](std::int64_t from, std::int64_t to) {  // words[from:to]
    from = std::clamp<std::int64_t>(from, 0, n);
    to = std::clamp<std::int64_t>(to, 0, n);
    if (from < to) out.insert(out.end(), words.begin() + from, words.begin() + to);
  };
  if (target < start) {  // shift before the previous position
    append(0, target);
    append(start, start + length);
    append(target, start);
    append(start + length, n);
  } else if (target > start + length) {  // shift after the previous position
    append(0, start);
    append(start + length, target);
    append(start, start + length);
    append(target, n);
  } else {  // shift within the shifted string
    append(0, start);
    append(start + length, length + target);
    append(start, start + length);
    append(length + target, n);
  }
  return out;
}

// _shift: the best shift of words_h, or delta 0 when none is found. Updates checked_candidates.
std::int64_t best_shift(const Words& words_h, const Words& words_r, BeamEditDistance& edit_distance,
                        int& checked_candidates, Words& shifted) {
  std::string trace;
  const std::int64_t pre_score = edit_distance(words_h, &trace);

  // Flip the trace (rewrite the reference into the hypothesis) and align (trace_to_alignment).
  const auto n_h = static_cast<std::int64_t>(words_h.size());
  const auto n_r = static_cast<std::int64_t>(words_r.size());
  std::vector<std::int64_t> align(words_r.size(), 0);
  std::vector<int> hyp_err, ref_err;
  std::int64_t pos_hyp = -1, pos_ref = -1;
  for (char op : trace) {
    if (op == kOpIns) op = kOpDel;
    else if (op == kOpDel) op = kOpIns;
    if (op == kOpNop || op == kOpSub) {
      ++pos_hyp, ++pos_ref;
      align[static_cast<std::size_t>(pos_ref)] = pos_hyp;
      hyp_err.push_back(op == kOpSub);
      ref_err.push_back(op == kOpSub);
    } else if (op == kOpIns) {
      ++pos_hyp;
      hyp_err.push_back(1);
    } else {  // kOpDel
      ++pos_ref;
      align[static_cast<std::size_t>(pos_ref)] = pos_hyp;
      ref_err.push_back(1);
    }
  }
  const auto any_error = [](const std::vector<int>& err, std::int64_t from, std::int64_t length) {
    for (std::int64_t k = from; k < from + length && k < static_cast<std::int64_t>(err.size()); ++k)
      if (err[static_cast<std::size_t>(k)]) return true;
    return false;
  };

  // Candidates ranked like Tercom: biggest gain, then longest, then earliest start, then
  // earliest target: the tuple (gain, length, -start_h, -idx), largest wins, first on ties.
  bool have_best = false;
  std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t> best{};

  // _find_shifted_pairs: matching word sequences words_h[start_h..] == words_r[start_r..].
  for (std::int64_t start_h = 0; start_h < n_h; ++start_h) {
    for (std::int64_t start_r = 0; start_r < n_r; ++start_r) {
      if (std::abs(start_r - start_h) > kMaxShiftDist) continue;
      std::int64_t length = 0;
      while (words_h[static_cast<std::size_t>(start_h + length)] ==
                 words_r[static_cast<std::size_t>(start_r + length)] &&
             length < kMaxShiftSize) {
        ++length;

        // Shift only if the hypothesis words were wrong and the reference there is not matched.
        const bool worth_trying = any_error(hyp_err, start_h, length) &&
                                  any_error(ref_err, start_r, length);
        // ... and not to a place inside the shifted words themselves.
        const std::int64_t aligned = align[static_cast<std::size_t>(start_r)];
        if (worth_trying && !(start_h <= aligned && aligned < start_h + length)) {
          std::int64_t prev_idx = -1;
          for (std::int64_t offset = -1; offset < length; ++offset) {
            std::int64_t idx;
            if (start_r + offset == -1)
              idx = 0;  // insert before the beginning
            else if (start_r + offset < n_r)
              idx = align[static_cast<std::size_t>(start_r + offset)] + 1;  // insert before
            else
              break;  // aims past the reference
            if (idx == prev_idx) continue;
            prev_idx = idx;

            Words candidate_words = perform_shift(words_h, start_h, length, idx);
            const auto candidate = std::make_tuple(pre_score - edit_distance(candidate_words, nullptr),
                                                   length, -start_h, -idx);
            ++checked_candidates;
            if (!have_best || candidate > best) {
              have_best = true;
              best = candidate;
              shifted = std::move(candidate_words);
            }
          }
          if (checked_candidates >= kMaxShiftCandidates) goto done;
        }

        if (n_h == start_h + length || n_r == start_r + length) break;  // one side consumed
      }
    }
  }
done:
  return have_best ? std::get<0>(best) : 0;
}

}  // namespace

std::pair<std::int64_t, std::int64_t> translation_edit_rate(const Words& hyp, const Words& ref) {
  if (ref.empty()) return {static_cast<std::int64_t>(hyp.size()), 0};  // empty reference

  BeamEditDistance edit_distance(ref);
  std::int64_t shifts = 0;
  Words input = hyp, shifted;
  int checked_candidates = 0;
  // Shift until no shift reduces the edit distance (or the candidate budget is spent).
  for (;;) {
    const std::int64_t delta = best_shift(input, ref, edit_distance, checked_candidates, shifted);
    if (checked_candidates >= kMaxShiftCandidates) break;
    if (delta <= 0) break;
    ++shifts;
    input = shifted;
  }
  return {shifts + edit_distance(input, nullptr), static_cast<std::int64_t>(ref.size())};
}

// ---------------------------------------------------------------------------------------------
// TercomTokenizer.

namespace {

// _normalize_general_and_western.
std::string normalize_general_and_western(std::string sent) {
  replace_all(sent, "\n-", "");
  replace_all(sent, "\n", " ");
  replace_all(sent, "&quot;", "\"");
  replace_all(sent, "&amp;", "&");
  replace_all(sent, "&lt;", "<");
  replace_all(sent, "&gt;", ">");
  sent = " " + sent + " ";
  std::string padded, out;
  pad_mteval_punctuation(sent, padded);
  replace_all(padded, "'s ", " 's ");  // possessives; "'s$" cannot match: the line ends with ' '
  split_mteval_periods_commas_dashes(padded, out);
  return out;
}

bool is_asian_punct(char32_t c) {  // TercomTokenizer.ASIAN_PUNCT
  return c == 0x3001 || c == 0x3002 || (c >= 0x3008 && c <= 0x3011) ||
         (c >= 0x3014 && c <= 0x301F) || (c >= 0xFF61 && c <= 0xFF65) || c == 0x30FB;
}

bool is_full_width_punct(char32_t c) {  // TercomTokenizer.FULL_WIDTH_PUNCT
  return c == 0xFF0E || c == 0xFF0C || c == 0xFF1F || c == 0xFF1A || c == 0xFF1B || c == 0xFF01 ||
         c == 0xFF02 || c == 0xFF08 || c == 0xFF09;
}

// _normalize_asian. Each substitution pads single characters of a class with spaces; since the
// inserted spaces belong to no class and whitespace is collapsed afterwards, padding the union
// of the classes once is the same. The three hiragana/katakana substitutions only match a line
// that starts with kana, and the western normalisation that always runs first starts the line
// with a space, so they never apply.
std::string normalize_asian(std::string_view sent) {
  std::string out;
  for (std::size_t pos = 0; pos < sent.size();) {
    const char32_t c = decode_utf8(sent, pos);
    const bool pad = (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
                     (c >= 0x31C0 && c <= 0x31EF) || (c >= 0x2E80 && c <= 0x2EFF) ||
                     (c >= 0x3300 && c <= 0x33FF) || (c >= 0xF900 && c <= 0xFAFF) ||
                     (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0x3200 && c <= 0x3F22) ||
                     is_asian_punct(c) || is_full_width_punct(c);
    if (pad) out.push_back(' ');
    append_utf8(out, c);
    if (pad) out.push_back(' ');
  }
  return out;
}

}  // namespace

Ter::Ter(TerConfig config) : config_(config) {}

std::string Ter::tokenize(std::string_view sentence) const {
  if (sentence.empty()) return "";
  std::string sent = config_.case_sensitive ? std::string(sentence) : python_lower(sentence);
  if (config_.normalized) {
    sent = normalize_general_and_western(std::move(sent));
    if (config_.asian_support) sent = normalize_asian(sent);
  }
  if (config_.no_punct) {
    std::string kept;
    for (std::size_t pos = 0; pos < sent.size();) {
      const std::size_t begin = pos;
      const char32_t c = decode_utf8(sent, pos);
      const bool western = c == '.' || c == ',' || c == '?' || c == ':' || c == ';' || c == '!' ||
                           c == '"' || c == '(' || c == ')';
      const bool asian = config_.asian_support && (is_asian_punct(c) || is_full_width_punct(c));
      if (!western && !asian) kept.append(sent, begin, pos - begin);
    }
    sent = std::move(kept);
  }
  std::string joined;
  join_python_words(sent, joined);  // ' '.join(sent.split())
  return joined;
}

std::vector<std::uint32_t> Ter::words(std::string_view sentence) {
  std::vector<std::uint32_t> ids;
  const std::string tokenized = tokenize(python_rstrip(sentence));
  for (const std::string_view w : split_python_whitespace(tokenized)) ids.push_back(vocabulary_.id(w));
  return ids;
}

TerStats Ter::segment_statistics(std::string_view hypothesis,
                                 const std::vector<std::string_view>& references) {
  const Words hyp = words(hypothesis);
  std::int64_t best_num_edits = kInfinity, ref_lengths = 0;
  for (const std::string_view reference : references) {
    const auto [num_edits, ref_len] = translation_edit_rate(hyp, words(reference));
    ref_lengths += ref_len;
    best_num_edits = std::min(best_num_edits, num_edits);
  }
  TerStats stats;
  stats.num_edits = best_num_edits;
  stats.ref_length = references.empty() ? 0.0
                                        : static_cast<double>(ref_lengths) /
                                              static_cast<double>(references.size());
  return stats;
}

TerStats Ter::corpus_statistics(const std::vector<std::string_view>& hypotheses,
                                const std::vector<std::vector<std::string_view>>& references) {
  TerStats sum;
  for_each_segment(hypotheses, references,
                   [&](std::string_view hyp, const auto& refs) { sum += segment_statistics(hyp, refs); });
  return sum;
}

double Ter::compute(const TerStats& stats) {
  double score;
  if (stats.ref_length > 0)
    score = static_cast<double>(stats.num_edits) / stats.ref_length;
  else if (stats.num_edits > 0)
    score = 1.0;  // empty reference(s) and non-empty hypothesis
  else
    score = 0.0;  // both empty
  return 100 * score;
}

Signature Ter::signature(int num_refs) const {
  Signature sig;
  sig.add("nrefs", "#", num_refs < 0 ? "var" : std::to_string(num_refs));
  sig.add("case", "c", config_.case_sensitive ? "mixed" : "lc");
  sig.add("tok", "t", "tercom");
  sig.add("norm", "nr", config_.normalized ? "yes" : "no");
  sig.add("punct", "pn", config_.no_punct ? "no" : "yes");
  sig.add("asian", "as", config_.asian_support ? "yes" : "no");
  sig.add("version", "v", std::string(kSacrebleuVersion));
  return sig;
}

}  // namespace nmt::metrics
