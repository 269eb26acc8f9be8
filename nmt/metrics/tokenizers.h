// The tokenisers sacreBLEU 2.6.0 applies before counting BLEU n-grams (sacrebleu/tokenizers/).
//
//   13a   tokenizer_13a.py + tokenizer_re.py   mteval-v13a: unescape a few XML entities, pad the
//                                              line with spaces, then four regular expressions
//   intl  tokenizer_intl.py                    mteval-v14 international: split on Unicode
//                                              punctuation (\p{P}) and symbols (\p{S})
//   zh    tokenizer_zh.py                      pad "Chinese" characters with spaces, then the
//                                              13a regular expressions (no entities, no padding)
//   char  tokenizer_char.py                    every character separated by a space
//   none  tokenizer_none.py                    the line as it is
//
// Each tokeniser writes exactly the string sacreBLEU's tokeniser returns (13a, intl and zh join
// their words with single spaces; char and none keep the line's own whitespace); BLEU then splits
// it with Python's str.split(). No std::regex: each regular expression is a hand-written scan that makes
// the same replacements Python's re.sub makes (leftmost, non-overlapping matches).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::metrics {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // The name in sacreBLEU's signature ("13a", "intl", "zh", "char", "none").
  virtual std::string_view signature() const = 0;

  // Tokenises one line (valid UTF-8) into out (overwritten).
  virtual void tokenize(std::string_view line, std::string& out) const = 0;

  std::string operator()(std::string_view line) const {
    std::string out;
    tokenize(line, out);
    return out;
  }
};

class Tokenizer13a final : public Tokenizer {
 public:
  std::string_view signature() const override { return "13a"; }
  void tokenize(std::string_view line, std::string& out) const override;
};

class TokenizerIntl final : public Tokenizer {
 public:
  std::string_view signature() const override { return "intl"; }
  void tokenize(std::string_view line, std::string& out) const override;
};

class TokenizerZh final : public Tokenizer {
 public:
  std::string_view signature() const override { return "zh"; }
  void tokenize(std::string_view line, std::string& out) const override;

  // True for the code points sacreBLEU's _is_chinese_char accepts (see tokenizer_zh.cpp for the
  // two ranges whose Python spelling does something other than what was meant).
  static bool is_chinese_char(char32_t c);
};

class TokenizerChar final : public Tokenizer {
 public:
  std::string_view signature() const override { return "char"; }
  void tokenize(std::string_view line, std::string& out) const override;
};

class TokenizerNone final : public Tokenizer {
 public:
  std::string_view signature() const override { return "none"; }
  void tokenize(std::string_view line, std::string& out) const override { out.assign(line); }
};

// sacreBLEU's TokenizerRegexp, shared by 13a and zh: the four mteval-v13a substitutions
//   ([\{-\~\[-\` -\&\(-\+\:-\@\/])  -> ' \1 '     ASCII punctuation except ' , - .
//   ([^0-9])([\.,])                -> '\1 \2 '   period/comma unless preceded by a digit
//   ([\.,])([^0-9])                -> ' \1 \2'   period/comma unless followed by a digit
//   ([0-9])(-)                     -> '\1 \2 '   dash after a digit
// and then ' '.join(line.split()).
void apply_mteval_regexps(std::string_view line, std::string& out);

// The two halves of apply_mteval_regexps, for TER's normalisation which works between them:
// the first substitution, and the other three.
void pad_mteval_punctuation(std::string_view line, std::string& out);
void split_mteval_periods_commas_dashes(std::string_view line, std::string& out);

// Python's text.replace(old_text, new_text): every non-overlapping occurrence, left to right.
void replace_all(std::string& text, std::string_view old_text, std::string_view new_text);

// The tokeniser for a sacreBLEU name; throws MetricsError for other names.
std::unique_ptr<Tokenizer> make_tokenizer(std::string_view name);

// The names make_tokenizer accepts, in sacreBLEU's order.
const std::vector<std::string>& tokenizer_names();

}  // namespace nmt::metrics
