// Output text that stays on one line (see printable_line.h).
#include "tokenizer/printable_line.h"

#include <algorithm>
#include <cstdint>

#include "tokenizer/utf8.h"

namespace nmt::text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Bytes of the code point starting at text[i] (valid UTF-8).
std::size_t code_point_length(std::uint8_t lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// What replaces the code point `c`: "" when it stays, else " " or U+FFFD.
std::string_view replacement(std::string_view c) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(c[k]); };
  if (c.size() == 1) {
    if (byte(0) >= 0x09 && byte(0) <= 0x0D) return " ";
    if (byte(0) < 0x20 || byte(0) == 0x7F) return kReplacement;
    return {};
  }
  if (c.size() == 2 && byte(0) == 0xC2 && byte(1) <= 0x9F) return byte(1) == 0x85 ? " " : kReplacement;
  if (c.size() == 3 && byte(0) == 0xE2 && byte(1) == 0x80 && (byte(2) == 0xA8 || byte(2) == 0xA9)) return " ";
  if (c.size() == 3 && byte(0) == 0xEF && byte(1) == 0xBF && (byte(2) == 0xBE || byte(2) == 0xBF))
    return kReplacement;
  return {};
}

}  // namespace

std::string printable_line(std::string_view text) {
  std::string valid;
  if (!is_valid_utf8(text)) {
    replace_invalid_utf8(text, valid);
    text = valid;
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = std::min(code_point_length(static_cast<std::uint8_t>(text[i])), text.size() - i);
    const std::string_view c = text.substr(i, n);
    const std::string_view instead = replacement(c);
    out += instead.empty() ? c : instead;
    i += n;
  }
  return out;
}

}  // namespace nmt::text
