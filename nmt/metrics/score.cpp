// Printing scores and signatures as sacreBLEU 2.6.0 does (metrics/base.py). See score.h.
#include "nmt/metrics/score.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace nmt::metrics {

void Signature::add(std::string key, std::string abbreviation, std::string value) {
  fields_.push_back({std::move(key), std::move(abbreviation), std::move(value)});
}

std::string Signature::format(bool short_form) const {
  std::string out;
  for (const Field& f : fields_) {
    if (!out.empty()) out.push_back('|');
    out += short_form ? f.abbreviation : f.key;
    out.push_back(':');
    out += f.value;
  }
  return out;
}

std::string format_fixed(double value, int width) {
  if (width < 0) width = 0;
  const int size = std::snprintf(nullptr, 0, "%.*f", width, value);
  std::string out(static_cast<std::size_t>(size), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*f", width, value);
  return out;
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "NaN";  // json.dumps spelling
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";

  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    std::chars_format::scientific);
  const std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const std::size_t e_pos = sci.find('e');
  std::string_view mantissa = sci.substr(0, e_pos);
  const int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  std::string sign;
  if (mantissa.front() == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (const char c : mantissa)
    if (c != '.') digits.push_back(c);

  // CPython's float_repr_style 'short': fixed notation when -4 <= exponent < 16.
  std::string out = sign;
  if (exponent >= -4 && exponent < 16) {
    const int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-point), '0');
      out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
      out += digits;
      out.append(static_cast<std::size_t>(point) - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(point));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(point));
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
  }
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string format_text(const Score& score, const std::string& signature, int width) {
  std::string out = score.name;
  if (!signature.empty()) out += "|" + signature;
  out += " = " + format_fixed(score.score, width);
  if (!score.verbose.empty()) out += " " + score.verbose;
  return out;
}

std::string format_json(const Score& score, const Signature& signature, int width) {
  // float(f'{score:.{width}f}') -> json.dumps -> repr
  const double rounded = std::strtod(format_fixed(score.score, width).c_str(), nullptr);
  std::vector<std::pair<std::string, std::string>> items{
      {"name", json_string(score.name)},
      {"score", python_float_repr(rounded)},
      {"signature", json_string(signature.format(false))},
  };
  if (!score.verbose.empty()) items.emplace_back("verbose_score", json_string(score.verbose));
  for (const auto& f : signature.fields()) items.emplace_back(f.key, json_string(f.value));

  std::string out = "{\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += ' ';
    out += json_string(items[i].first);
    out += ": ";
    out += items[i].second;
    out += i + 1 < items.size() ? ",\n" : "\n";
  }
  out += "}";
  return out;
}

}  // namespace nmt::metrics
