// Python's view of Unicode text (CPython 3.11 str methods), on UTF-8 bytes. See unicode_text.h.
#include "nmt/metrics/unicode_text.h"

#include <unicode/ustring.h>
#include <unicode/utypes.h>

#include <stdexcept>

namespace nmt::metrics {

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string to_code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) out.push_back(decode_utf8(text, pos));
  return out;
}

std::size_t code_point_count(std::string_view text) {
  std::size_t n = 0;
  for (const char ch : text) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;  // continuation byte, overlong lead (C0, C1) or F5..FF
    }
    if (i + 1 >= n || byte(i + 1) < lo || byte(i + 1) > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (i + k >= n || (byte(i + k) & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::nullopt;
}

std::string_view python_rstrip(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    // Step back to the start of the last code point.
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    if (python_space_length(text, start) != end - start) break;
    end = start;
  }
  return text.substr(0, end);
}

std::string_view python_strip(std::string_view text) {
  text = python_rstrip(text);
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t len = python_space_length(text, begin);
    if (len == 0) break;
    begin += len;
  }
  return text.substr(begin);
}

void split_python_whitespace(std::string_view text, std::vector<std::string_view>& tokens) {
  tokens.clear();
  const std::size_t n = text.size();
  std::size_t pos = 0;
  while (pos < n) {
    // Skip whitespace.
    std::size_t len;
    while (pos < n && (len = python_space_length(text, pos)) > 0) pos += len;
    if (pos >= n) break;
    const std::size_t begin = pos;
    while (pos < n && python_space_length(text, pos) == 0) {
      const auto b = static_cast<unsigned char>(text[pos]);
      pos += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    }
    tokens.push_back(text.substr(begin, pos - begin));
  }
}

std::vector<std::string_view> split_python_whitespace(std::string_view text) {
  std::vector<std::string_view> tokens;
  split_python_whitespace(text, tokens);
  return tokens;
}

void join_python_words(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t pos = 0;
  while (pos < n) {
    // Skip whitespace.
    std::size_t len;
    while (pos < n && (len = python_space_length(text, pos)) > 0) pos += len;
    if (pos >= n) break;
    // Copy one word.
    const std::size_t begin = pos;
    while (pos < n) {
      const auto b = static_cast<unsigned char>(text[pos]);
      if (b < 0x80) {
        if (python_is_space(b)) break;
        ++pos;
      } else {
        if (python_space_length(text, pos) > 0) break;
        pos += b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      }
    }
    if (!out.empty()) out.push_back(' ');
    out.append(text, begin, pos - begin);
  }
}

std::string python_lower(std::string_view text) {
  bool ascii = true;
  for (const char ch : text) ascii &= static_cast<unsigned char>(ch) < 0x80;
  if (ascii) {
    std::string out(text);
    for (char& ch : out)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
  }

  // UTF-8 -> UTF-16 -> u_strToLower (root locale: no Turkish/Lithuanian rules) -> UTF-8.
  UErrorCode status = U_ZERO_ERROR;
  std::u16string utf16(text.size(), u'\0');
  int32_t len16 = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &len16, text.data(),
                static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) throw std::runtime_error("python_lower: invalid UTF-8 input");
  utf16.resize(static_cast<std::size_t>(len16));

  std::u16string lowered(utf16.size() * 3 + 4, u'\0');  // full mappings can grow a string
  status = U_ZERO_ERROR;
  const int32_t lowered_len =
      u_strToLower(lowered.data(), static_cast<int32_t>(lowered.size()), utf16.data(), len16, "",
                   &status);
  if (U_FAILURE(status)) throw std::runtime_error("python_lower: ICU u_strToLower failed");
  lowered.resize(static_cast<std::size_t>(lowered_len));

  std::string out(lowered.size() * 3, '\0');
  int32_t out_len = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_len, lowered.data(),
              lowered_len, &status);
  if (U_FAILURE(status)) throw std::runtime_error("python_lower: UTF-16 to UTF-8 failed");
  out.resize(static_cast<std::size_t>(out_len));
  return out;
}

}  // namespace nmt::metrics
