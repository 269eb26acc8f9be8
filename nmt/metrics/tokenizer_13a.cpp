// The 13a tokeniser: sacreBLEU 2.6.0 tokenizers/tokenizer_13a.py (Tokenizer13a) and
// tokenizers/tokenizer_re.py (TokenizerRegexp), themselves mteval-v13a.pl's tokenisation.
//
// Every pattern is ASCII, so the scans work on bytes: a byte of a multi-byte UTF-8 character is
// never an ASCII digit or punctuation mark, exactly as the character itself is not, so matching on
// bytes finds the same matches as Python's re on characters.
#include <string>

#include "nmt/metrics/errors.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// [\{-\~\[-\` -\&\(-\+\:-\@\/]: the ranges {-~, [-`, space-&, (-+, :-@ and '/'.
bool is_mteval_punct(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

}  // namespace

void replace_all(std::string& text, std::string_view old_text, std::string_view new_text) {
  std::size_t pos = text.find(old_text);
  if (pos == std::string::npos) return;
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  while (pos != std::string::npos) {
    out.append(text, from, pos - from);
    out.append(new_text);
    from = pos + old_text.size();
    pos = text.find(old_text, from);
  }
  out.append(text, from, std::string::npos);
  text.swap(out);
}

void pad_mteval_punctuation(std::string_view line, std::string& out) {
  // 1. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> ' \1 '
  out.clear();
  out.reserve(line.size() * 2 + 2);
  for (const char c : line) {
    if (is_mteval_punct(c)) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

void apply_mteval_regexps(std::string_view line, std::string& out) {
  thread_local std::string padded, split;
  pad_mteval_punctuation(line, padded);
  split_mteval_periods_commas_dashes(padded, split);
  join_python_words(split, out);  // no leading or trailing spaces, single spaces within
}

void split_mteval_periods_commas_dashes(std::string_view line, std::string& out) {
  thread_local std::string a, b;

  // 2. ([^0-9])([\.,]) -> '\1 \2 '
  b.clear();
  b.reserve(line.size() + 16);
  for (std::size_t i = 0; i < line.size();) {
    if (i + 1 < line.size() && !is_digit(line[i]) && is_period_or_comma(line[i + 1])) {
      b.push_back(line[i]);
      b.push_back(' ');
      b.push_back(line[i + 1]);
      b.push_back(' ');
      i += 2;
    } else {
      b.push_back(line[i++]);
    }
  }

  // 3. ([\.,])([^0-9]) -> ' \1 \2'
  a.clear();
  for (std::size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && is_period_or_comma(b[i]) && !is_digit(b[i + 1])) {
      a.push_back(' ');
      a.push_back(b[i]);
      a.push_back(' ');
      a.push_back(b[i + 1]);
      i += 2;
    } else {
      a.push_back(b[i++]);
    }
  }

  // 4. ([0-9])(-) -> '\1 \2 '
  out.clear();
  out.reserve(a.size() + 8);
  for (std::size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && is_digit(a[i]) && a[i + 1] == '-') {
      out.push_back(a[i]);
      out.append(" - ");
      i += 2;
    } else {
      out.push_back(a[i++]);
    }
  }
}

void Tokenizer13a::tokenize(std::string_view line, std::string& out) const {
  thread_local std::string text;
  // Language-independent part (mteval's "<skipped>" marker, hyphenated line ends, escapes).
  text.clear();
  text.push_back(' ');
  text.append(line);
  if (text.find('<') != std::string::npos) replace_all(text, "<skipped>", "");
  if (text.find('\n') != std::string::npos) {
    replace_all(text, "-\n", "");
    replace_all(text, "\n", " ");
  }
  if (text.find('&') != std::string::npos) {
    replace_all(text, "&quot;", "\"");
    replace_all(text, "&amp;", "&");
    replace_all(text, "&lt;", "<");
    replace_all(text, "&gt;", ">");
  }
  text.push_back(' ');  // f' {line} '
  apply_mteval_regexps(text, out);
}

std::unique_ptr<Tokenizer> make_tokenizer(std::string_view name) {
  if (name == "13a") return std::make_unique<Tokenizer13a>();
  if (name == "intl") return std::make_unique<TokenizerIntl>();
  if (name == "zh") return std::make_unique<TokenizerZh>();
  if (name == "char") return std::make_unique<TokenizerChar>();
  if (name == "none") return std::make_unique<TokenizerNone>();
  std::string known;
  for (const auto& n : tokenizer_names()) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  throw MetricsError("unknown BLEU tokenizer '" + std::string(name) + "' (available: " + known +
                     ")");
}

const std::vector<std::string>& tokenizer_names() {
  static const std::vector<std::string> names{"none", "zh", "13a", "char", "intl"};
  return names;
}

}  // namespace nmt::metrics
