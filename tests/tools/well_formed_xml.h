// A small XML 1.0 well-formedness check for the SVGs the tools write, so that the tests need no
// XML library: valid UTF-8; only characters XML allows (production [2] Char: tab, LF, CR,
// U+0020..D7FF, U+E000..FFFD, U+10000..10FFFF); elements properly nested with one root;
// attribute values quoted and free of '<'; every '&' the start of one of the five predefined
// entities or a character reference to an allowed character. No DTDs (the SVGs have none).
// xml_problem returns "" for a well-formed document, else what is wrong and where.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::testing {

namespace xml_detail {

inline bool allowed_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes the code point at text[i] into c and returns its length, or 0 when ill-formed.
inline std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& c) {
  const auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = b(i);
  std::size_t n = lead < 0x80 ? 1 : lead >= 0xC2 && lead < 0xE0 ? 2 : lead >= 0xE0 && lead < 0xF0 ? 3
                                  : lead >= 0xF0 && lead < 0xF5 ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  c = n == 1 ? lead : n == 2 ? lead & 0x1F : n == 3 ? lead & 0x0F : lead & 0x07;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b(i + k) & 0x3F);
  }
  const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < smallest[n] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) return 0;
  return n;
}

inline bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// A reference starting at text[i] == '&': its length, or 0 when it is none of the allowed ones.
inline std::size_t reference_length(std::string_view text, std::size_t i) {
  const std::size_t end = text.find(';', i);
  if (end == std::string_view::npos) return 0;
  const std::string_view body = text.substr(i + 1, end - i - 1);
  if (body == "amp" || body == "lt" || body == "gt" || body == "quot" || body == "apos") return end - i + 1;
  if (body.size() < 2 || body[0] != '#') return 0;
  const bool hex = body[1] == 'x';
  const std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return 0;
  std::uint32_t c = 0;
  for (char d : digits) {
    const int v = d >= '0' && d <= '9' ? d - '0' : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                  : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
    if (v < 0) return 0;
    c = c * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
  }
  return allowed_char(c) ? end - i + 1 : 0;
}

}  // namespace xml_detail

inline std::string xml_problem(std::string_view doc) {
  using namespace xml_detail;
  const auto at = [&](std::size_t i) { return " at byte " + std::to_string(i); };
  for (std::size_t i = 0; i < doc.size();) {
    std::uint32_t c = 0;
    const std::size_t n = decode(doc, i, c);
    if (n == 0) return "invalid UTF-8" + at(i);
    if (!allowed_char(c)) {
      char name[16];
      std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(c));
      return std::string("character ") + name + " is not allowed in XML" + at(i);
    }
    i += n;
  }
  std::vector<std::string> open;
  bool root_seen = false;
  for (std::size_t i = 0; i < doc.size();) {
    const char c = doc[i];
    if (c == '&') {
      if (open.empty()) return "a reference outside the root element" + at(i);
      const std::size_t n = reference_length(doc, i);
      if (n == 0) return "a bad entity or character reference" + at(i);
      i += n;
      continue;
    }
    if (c != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c))) return "text outside the root element" + at(i);
      ++i;
      continue;
    }
    if (doc.substr(i, 2) == "<?") {  // processing instruction (the XML declaration)
      const std::size_t end = doc.find("?>", i);
      if (end == std::string_view::npos) return "an unterminated <?" + at(i);
      i = end + 2;
      continue;
    }
    if (doc.substr(i, 4) == "<!--") {
      const std::size_t end = doc.find("-->", i + 4);
      if (end == std::string_view::npos) return "an unterminated comment" + at(i);
      i = end + 3;
      continue;
    }
    const bool closing = doc.substr(i, 2) == "</";
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < doc.size() && name_char(doc[j])) ++j;
    const std::string name(doc.substr(name_start, j - name_start));
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-' || name[0] == '.')
      return "a bad tag name" + at(i);
    if (closing) {
      while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= doc.size() || doc[j] != '>') return "a bad end tag" + at(i);
      if (open.empty() || open.back() != name) return "</" + name + "> does not close the open element" + at(i);
      open.pop_back();
      i = j + 1;
      continue;
    }
    if (open.empty() && root_seen) return "a second root element" + at(i);
    // Attributes: name="value" or name='value', separated by white space.
    std::vector<std::string> names;
    for (;;) {
      const std::size_t before = j;
      while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= doc.size()) return "an unterminated tag" + at(i);
      if (doc[j] == '>' || doc.substr(j, 2) == "/>") break;
      if (j == before) return "no space before an attribute" + at(j);
      const std::size_t attribute_start = j;
      while (j < doc.size() && name_char(doc[j])) ++j;
      const std::string attribute(doc.substr(attribute_start, j - attribute_start));
      if (attribute.empty()) return "a bad attribute" + at(j);
      for (const std::string& seen : names)
        if (seen == attribute) return "attribute " + attribute + " twice" + at(j);
      names.push_back(attribute);
      if (j + 1 >= doc.size() || doc[j] != '=' || (doc[j + 1] != '"' && doc[j + 1] != '\''))
        return "attribute " + attribute + " without a quoted value" + at(j);
      const char quote = doc[j + 1];
      j += 2;
      while (j < doc.size() && doc[j] != quote) {
        if (doc[j] == '<') return "'<' in an attribute value" + at(j);
        if (doc[j] == '&') {
          const std::size_t n = reference_length(doc, j);
          if (n == 0) return "a bad reference in an attribute value" + at(j);
          j += n;
        } else {
          ++j;
        }
      }
      if (j >= doc.size()) return "an unterminated attribute value" + at(attribute_start);
      ++j;
    }
    root_seen = true;
    if (doc[j] == '>') {
      open.push_back(name);
      i = j + 1;
    } else {
      i = j + 2;  // "/>"
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (!root_seen) return "no root element";
  return "";
}

}  // namespace nmt::testing
