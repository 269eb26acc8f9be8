// The 13a tokeniser: sacreBLEU 2.6.0 tokenizers/tokenizer_13a.py (Tokenizer13a) and
// tokenizers/tokenizer_re.py (TokenizerRegexp), themselves mteval-v13a.pl's tokenisation.
//
// Every pattern is ASCII, so the scans work on bytes: a byte of a multi-byte UTF-8 character is
// never an ASCII digit or punctuation mark, exactly as the character itself is not, so matching on
// bytes finds the same matches as Python's re on characters.
#include <array>
#include <string>

#include "nmt/metrics/errors.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first '.' or ',' at or after `from` (a plain loop: string_view::find_first_of calls memchr
// once per byte).
std::size_t find_period_or_comma(std::string_view text, std::size_t from) {
  for (; from < text.size(); ++from)
    if (text[from] == '.' || text[from] == ',') return from;
  return std::string_view::npos;
}

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
  static const auto is_punct = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 128; ++c) table[static_cast<std::size_t>(c)] = is_mteval_punct(static_cast<char>(c));
    return table;
  }();
  out.clear();
  out.reserve(line.size() * 2 + 2);
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (!is_punct[static_cast<unsigned char>(line[i])]) continue;
    out.append(line, run, i - run);
    out.push_back(' ');
    out.push_back(line[i]);
    out.push_back(' ');
    run = i + 1;
  }
  out.append(line, run);
}

void apply_mteval_regexps(std::string_view line, std::string& out) {
  thread_local std::string padded, split;
  pad_mteval_punctuation(line, padded);
  split_mteval_periods_commas_dashes(padded, split);
  join_python_words(split, out);  // no leading or trailing spaces, single spaces within
}

// The three substitutions below only touch the bytes around '.', ',' and '-', so each scan jumps
// from one of those to the next and copies the bytes in between as they are. A match is always
// the leftmost one at or after the end of the previous match, as in re.sub.
void split_mteval_periods_commas_dashes(std::string_view line, std::string& out) {
  thread_local std::string a, b;
  constexpr auto npos = std::string_view::npos;

  // 2. ([^0-9])([\.,]) -> '\1 \2 '
  b.clear();
  b.reserve(line.size() + 16);
  std::size_t pos = 0;  // bytes before pos are done
  for (std::size_t search = 1;;) {
    const std::size_t j = find_period_or_comma(line, search);
    if (j == npos) break;
    if (j >= pos + 1 && !is_digit(line[j - 1])) {
      b.append(line, pos, j - pos);
      b.push_back(' ');
      b.push_back(line[j]);
      b.push_back(' ');
      pos = j + 1;
      search = pos + 1;
    } else {
      search = j + 1;
    }
  }
  b.append(line, pos);

  // 3. ([\.,])([^0-9]) -> ' \1 \2'
  const std::string_view bv = b;
  a.clear();
  a.reserve(bv.size() + 16);
  pos = 0;
  for (std::size_t search = 0;;) {
    const std::size_t j = find_period_or_comma(bv, search);
    if (j == npos) break;
    if (j + 1 < bv.size() && !is_digit(bv[j + 1])) {
      a.append(bv, pos, j - pos);
      a.push_back(' ');
      a.push_back(bv[j]);
      a.push_back(' ');
      a.push_back(bv[j + 1]);
      pos = j + 2;
      search = pos;
    } else {
      search = j + 1;
    }
  }
  a.append(bv, pos);

  // 4. ([0-9])(-) -> '\1 \2 '
  const std::string_view av = a;
  out.clear();
  out.reserve(av.size() + 8);
  pos = 0;
  for (std::size_t search = 1;;) {
    const std::size_t j = av.find('-', search);
    if (j == npos) break;
    if (j >= pos + 1 && is_digit(av[j - 1])) {
      out.append(av, pos, j - pos);
      out.append(" - ");
      pos = j + 1;
      search = pos + 1;
    } else {
      search = j + 1;
    }
  }
  out.append(av, pos);
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
