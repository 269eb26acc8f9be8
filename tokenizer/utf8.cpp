// UTF-8 validation and U+FFFD replacement (see utf8.h).
#include "tokenizer/utf8.h"

#include <cstdint>
#include <cstring>
#include <iostream>

namespace nmt::text {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence that starts at text[i], or 0 when it is ill-formed; in that
// case *bad_length is the length of its maximal subpart (at least 1) that one U+FFFD replaces.
std::size_t sequence_length(std::string_view text, std::size_t i, std::size_t* bad_length) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte (Unicode table 3-7)
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad_length = 1;
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const bool in_range = i + k < text.size() &&
                          (k == 1 ? byte(i + k) >= low && byte(i + k) <= high
                                  : byte(i + k) >= 0x80 && byte(i + k) <= 0xBF);
    if (!in_range) {
      *bad_length = k;
      return 0;
    }
  }
  return length;
}

}  // namespace

std::string TextLocation::to_string() const {
  if (file.empty()) return line ? "<input>:" + std::to_string(line) : "<input>";
  return line ? std::string(file) + ":" + std::to_string(line) : std::string(file);
}

void warn_to_stderr(const std::string& message) { std::cerr << message << '\n'; }

InvalidUtf8Error::InvalidUtf8Error(const TextLocation& where)
    : std::runtime_error(where.to_string() +
                         ": error: invalid UTF-8 (strict mode; use the replace policy to repair "
                         "it with U+FFFD)") {}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Fast path: eight ASCII bytes at a time.
    while (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= text.size()) break;
    std::size_t bad = 0;
    const std::size_t length = sequence_length(text, i, &bad);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::size_t replace_invalid_utf8(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size() + 8);
  std::size_t replaced = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t bad = 0;
    const std::size_t length = sequence_length(text, i, &bad);
    if (length) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(kReplacementCharacter);
      ++replaced;
      i += bad;
    }
  }
  return replaced;
}

bool Utf8Checker::check(std::string& text, const TextLocation& where) const {
  if (is_valid_utf8(text)) return true;
  if (policy == InvalidUtf8Policy::error) throw InvalidUtf8Error(where);
  std::string repaired;
  const std::size_t replaced = replace_invalid_utf8(text, repaired);
  text = std::move(repaired);
  if (warn) {
    warn(where.to_string() + ": warning: invalid UTF-8 replaced by U+FFFD (" +
         std::to_string(replaced) + (replaced == 1 ? " sequence)" : " sequences)"));
  }
  return false;
}

}  // namespace nmt::text
