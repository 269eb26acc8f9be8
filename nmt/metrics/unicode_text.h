// Python's view of Unicode text, on UTF-8 bytes.
//
// sacreBLEU is Python: every step it takes on a sentence (rstrip, split, lower, iterating over
// characters) uses CPython 3's definitions, which are not the C library's. This file reproduces
// the ones sacreBLEU 2.6.0 relies on:
//   - str.isspace()            python_is_space (the 29 code points CPython treats as whitespace)
//   - str.rstrip() / strip()   python_rstrip, python_strip
//   - str.split()              split_python_whitespace
//   - str.lower()              python_lower (full Unicode lowercasing, Final_Sigma included, via ICU)
// plus strict UTF-8 validation with Python's rules (no overlongs, no surrogates, <= U+10FFFF) and
// the small decode/encode helpers the tokenisers use. All functions expect valid UTF-8 except
// find_invalid_utf8, which is how the readers establish that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::metrics {

// True for the code points CPython's str.isspace() accepts: \t \n \v \f \r, U+001C..U+001F, space,
// U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
constexpr bool python_is_space(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Decodes the code point starting at text[pos] (valid UTF-8 assumed) and advances pos past it.
inline char32_t decode_utf8(std::string_view text, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  const auto cont = [&](std::size_t k) { return static_cast<char32_t>(text[pos + k]) & 0x3F; };
  char32_t c;
  if (b0 < 0xE0) {
    c = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
    pos += 2;
  } else if (b0 < 0xF0) {
    c = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    pos += 3;
  } else {
    c = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    pos += 4;
  }
  return c;
}

// Appends the UTF-8 encoding of c to out.
void append_utf8(std::string& out, char32_t c);

// The code points of a valid UTF-8 string.
std::u32string to_code_points(std::string_view text);

// Number of code points (Python's len(str)).
std::size_t code_point_count(std::string_view text);

// Byte offset of the first invalid UTF-8 sequence, by the rules of Python's strict 'utf-8' codec;
// nullopt when the whole text is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Length in bytes of the whitespace character at text[pos], 0 when it is not whitespace.
inline std::size_t python_space_length(std::string_view text, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) return python_is_space(b0) ? 1 : 0;
  if (b0 != 0xC2 && b0 != 0xE1 && b0 != 0xE2 && b0 != 0xE3) return 0;  // no whitespace elsewhere
  std::size_t p = pos;
  return python_is_space(decode_utf8(text, p)) ? p - pos : 0;
}

// str.rstrip() and str.strip() with no arguments.
std::string_view python_rstrip(std::string_view text);
std::string_view python_strip(std::string_view text);

// str.split() with no arguments: the maximal runs of non-whitespace, in order. Views into text.
void split_python_whitespace(std::string_view text, std::vector<std::string_view>& tokens);
std::vector<std::string_view> split_python_whitespace(std::string_view text);

// ' '.join(text.split()): words separated by single ASCII spaces, no leading or trailing space.
void join_python_words(std::string_view text, std::string& out);

// str.lower(): full Unicode lowercasing (SpecialCasing's unconditional mappings, e.g. U+0130 ->
// "i̇", and the Final_Sigma rule), language-independent, as CPython does it. ASCII fast path.
std::string python_lower(std::string_view text);

}  // namespace nmt::metrics
