// A small JSON reader for the test vectors (cases.json): objects keep their key order, numbers
// are doubles (with their source text kept for exact integers), strings are UTF-8.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics::testing {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }

  bool as_bool() const { return check(Type::kBool).bool_; }
  double as_number() const { return check(Type::kNumber).number_; }
  std::int64_t as_int() const { return static_cast<std::int64_t>(check(Type::kNumber).number_); }
  const std::string& as_string() const { return check(Type::kString).string_; }
  const std::vector<Json>& as_array() const { return check(Type::kArray).array_; }
  const std::vector<std::pair<std::string, Json>>& as_object() const {
    return check(Type::kObject).object_;
  }

  bool contains(std::string_view key) const {
    for (const auto& [k, v] : as_object())
      if (k == key) return true;
    return false;
  }
  const Json& operator[](std::string_view key) const {
    for (const auto& [k, v] : as_object())
      if (k == key) return v;
    throw std::runtime_error("JSON: no key '" + std::string(key) + "'");
  }
  const Json& operator[](std::size_t i) const { return as_array().at(i); }

  static Json parse(std::string_view text) {
    std::size_t pos = 0;
    Json value = parse_value(text, pos);
    skip_space(text, pos);
    if (pos != text.size()) fail(pos, "trailing characters");
    return value;
  }

 private:
  const Json& check(Type t) const {
    if (type_ != t) throw std::runtime_error("JSON: unexpected value type");
    return *this;
  }

  [[noreturn]] static void fail(std::size_t pos, const std::string& what) {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(pos));
  }

  static void skip_space(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t'))
      ++pos;
  }

  static void expect(std::string_view s, std::size_t& pos, std::string_view word) {
    if (s.substr(pos, word.size()) != word) fail(pos, "expected " + std::string(word));
    pos += word.size();
  }


  static std::uint32_t parse_hex4(std::string_view s, std::size_t& pos) {
    if (pos + 4 > s.size()) fail(pos, "short \\u escape");
    const std::uint32_t v = static_cast<std::uint32_t>(std::stoul(std::string(s.substr(pos, 4)), nullptr, 16));
    pos += 4;
    return v;
  }

  static std::string parse_string(std::string_view s, std::size_t& pos) {
    expect(s, pos, "\"");
    std::string out;
    while (pos < s.size() && s[pos] != '"') {
      const char c = s[pos++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos >= s.size()) fail(pos, "unterminated escape");
      const char e = s[pos++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t c1 = parse_hex4(s, pos);
          if (c1 >= 0xD800 && c1 <= 0xDBFF && s.substr(pos, 2) == "\\u") {
            std::size_t p2 = pos + 2;
            const std::uint32_t c2 = parse_hex4(s, p2);
            if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
              c1 = 0x10000 + ((c1 - 0xD800) << 10) + (c2 - 0xDC00);
              pos = p2;
            }
          }
          append_utf8(out, c1);
          break;
        }
        default: fail(pos, "bad escape");
      }
    }
    expect(s, pos, "\"");
    return out;
  }

  static Json parse_value(std::string_view s, std::size_t& pos) {
    skip_space(s, pos);
    if (pos >= s.size()) fail(pos, "unexpected end");
    Json v;
    const char c = s[pos];
    if (c == '{') {
      v.type_ = Type::kObject;
      ++pos;
      skip_space(s, pos);
      if (s[pos] == '}') {
        ++pos;
        return v;
      }
      for (;;) {
        skip_space(s, pos);
        std::string key = parse_string(s, pos);
        skip_space(s, pos);
        expect(s, pos, ":");
        v.object_.emplace_back(std::move(key), parse_value(s, pos));
        skip_space(s, pos);
        if (s[pos] == ',') {
          ++pos;
          continue;
        }
        expect(s, pos, "}");
        return v;
      }
    }
    if (c == '[') {
      v.type_ = Type::kArray;
      ++pos;
      skip_space(s, pos);
      if (s[pos] == ']') {
        ++pos;
        return v;
      }
      for (;;) {
        v.array_.push_back(parse_value(s, pos));
        skip_space(s, pos);
        if (s[pos] == ',') {
          ++pos;
          continue;
        }
        expect(s, pos, "]");
        return v;
      }
    }
    if (c == '"') {
      v.type_ = Type::kString;
      v.string_ = parse_string(s, pos);
      return v;
    }
    if (c == 't') {
      expect(s, pos, "true");
      v.type_ = Type::kBool;
      v.bool_ = true;
      return v;
    }
    if (c == 'f') {
      expect(s, pos, "false");
      v.type_ = Type::kBool;
      return v;
    }
    if (c == 'n') {
      expect(s, pos, "null");
      return v;
    }
    // A number.
    char* end = nullptr;
    const std::string copy(s.substr(pos, 64));
    v.number_ = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str()) fail(pos, "bad value");
    v.type_ = Type::kNumber;
    pos += static_cast<std::size_t>(end - copy.c_str());
    return v;
  }

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
};

}  // namespace nmt::metrics::testing
