// The zh tokeniser: sacreBLEU 2.6.0 tokenizers/tokenizer_zh.py (TokenizerZh).
//
// The line is str.strip()ped, every character for which _is_chinese_char is true is surrounded by
// spaces, and the result goes through the 13a regular expressions (TokenizerRegexp) -- without
// 13a's entity unescaping and without 13a's padding of the line with spaces.
//
// _is_chinese_char tests `start <= ch <= end` on one-character strings against a table of
// (start, end) string pairs. Two pairs are written with five hex digits after \u, which Python
// reads as a four-digit escape followed by an ordinary digit:
//     ('\u20000', '\u2a6d6')  is  ("\u2000" "0", "\u2a6d" "6")
//     ('\u2f800', '\u2fa1d')  is  ("\u2f80" "0", "\u2fa1" "d")
// For a single character ch, "\u2000" "0" <= ch holds exactly when ch > U+2000, and
// ch <= "\u2a6d" "6" exactly when ch <= U+2A6D. So instead of CJK Extension B and the CJK
// Compatibility Supplement, sacreBLEU pads U+2001..U+2A6D (general punctuation, currency signs,
// arrows, mathematical operators, box drawing, dingbats ...) and U+2F81..U+2FA1 (Kangxi radicals).
// We reproduce what the code does.
#include <string>

#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

struct Range {
  char32_t first, last;
};

// sacreBLEU's _UCODE_RANGES, in its order, as the comparisons actually evaluate.
constexpr Range kChineseRanges[] = {
    {0x3400, 0x4DB5},  // CJK Unified Ideographs Extension A, release 3.0
    {0x4E00, 0x9FA5},  // CJK Unified Ideographs, release 1.1
    {0x9FA6, 0x9FBB},  // CJK Unified Ideographs, release 4.1
    {0xF900, 0xFA2D},  // CJK Compatibility Ideographs, release 1.1
    {0xFA30, 0xFA6A},  // CJK Compatibility Ideographs, release 3.2
    {0xFA70, 0xFAD9},  // CJK Compatibility Ideographs, release 4.1
    {0x2001, 0x2A6D},  // spelt ('\u20000', '\u2a6d6'), meant: CJK Extension B
    {0x2F81, 0x2FA1},  // spelt ('\u2f800', '\u2fa1d'), meant: CJK Compatibility Supplement
    {0xFF00, 0xFFEF},  // full-width ASCII and punctuation, half-width kana, Hangul
    {0x2E80, 0x2EFF},  // CJK Radicals Supplement
    {0x3000, 0x303F},  // CJK punctuation
    {0x31C0, 0x31EF},  // CJK strokes
    {0x2F00, 0x2FDF},  // Kangxi Radicals
    {0x2FF0, 0x2FFF},  // ideographic description characters
    {0x3100, 0x312F},  // Bopomofo
    {0x31A0, 0x31BF},  // Bopomofo Extended
    {0xFE10, 0xFE1F},  // vertical forms
    {0xFE30, 0xFE4F},  // CJK compatibility forms
    {0x2600, 0x26FF},  // miscellaneous symbols
    {0x2700, 0x27BF},  // dingbats
    {0x3200, 0x32FF},  // enclosed CJK letters and months
    {0x3300, 0x33FF},  // CJK compatibility
};

}  // namespace

bool TokenizerZh::is_chinese_char(char32_t c) {
  if (c < 0x2001) return false;  // below every range: the common case, ASCII and Latin text
  for (const Range& r : kChineseRanges)
    if (r.first <= c && c <= r.last) return true;
  return false;
}

void TokenizerZh::tokenize(std::string_view line, std::string& out) const {
  thread_local std::string padded;
  line = python_strip(line);
  padded.clear();
  padded.reserve(line.size() * 2);
  for (std::size_t pos = 0; pos < line.size();) {
    const std::size_t begin = pos;
    const char32_t c = decode_utf8(line, pos);
    const bool chinese = is_chinese_char(c);
    if (chinese) padded.push_back(' ');
    padded.append(line.substr(begin, pos - begin));
    if (chinese) padded.push_back(' ');
  }
  apply_mteval_regexps(padded, out);
}

}  // namespace nmt::metrics
