// The intl tokeniser: sacreBLEU 2.6.0 tokenizers/tokenizer_intl.py (TokenizerV14International),
// mteval-v14.pl's international tokenisation. With the `regex` module it makes three substitutions
//   (\P{N})(\p{P})  -> '\1 \2 '   punctuation preceded by a non-number
//   (\p{P})(\P{N})  -> ' \1 \2'   punctuation followed by a non-number
//   (\p{S})         -> ' \1 '     every symbol
// and then joins str.split() with single spaces. \p{N}, \p{P}, \p{S} are the Unicode general
// category groups N (Nd Nl No), P (Pc Pd Ps Pe Pi Pf Po) and S (Sm Sc Sk So); ICU 72 and
// regex 2022.10.31 both use the Unicode 15.0 tables.
#include <unicode/uchar.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

enum CharClass : std::uint8_t { kOther = 0, kNumber = 1, kPunct = 2, kSymbol = 3 };

CharClass classify_with_icu(char32_t c) {
  const auto mask = U_MASK(u_charType(static_cast<UChar32>(c)));
  if (mask & (U_GC_ND_MASK | U_GC_NL_MASK | U_GC_NO_MASK)) return kNumber;
  if (mask & U_GC_P_MASK) return kPunct;
  if (mask & U_GC_S_MASK) return kSymbol;
  return kOther;
}

// Classes of the Basic Multilingual Plane, computed once; ICU directly above it.
CharClass classify(char32_t c) {
  static const auto bmp = [] {
    auto table = std::make_unique<std::array<CharClass, 0x10000>>();
    for (char32_t cp = 0; cp < 0x10000; ++cp) (*table)[cp] = classify_with_icu(cp);
    return table;
  }();
  return c < 0x10000 ? (*bmp)[c] : classify_with_icu(c);
}

struct Char {
  char32_t code_point;
  CharClass cls;
};

void push_space(std::vector<Char>& out) { out.push_back({U' ', kOther}); }

}  // namespace

void TokenizerIntl::tokenize(std::string_view line, std::string& out) const {
  thread_local std::vector<Char> a, b;

  a.clear();
  for (std::size_t pos = 0; pos < line.size();) {
    const char32_t c = decode_utf8(line, pos);
    a.push_back({c, classify(c)});
  }

  // 1. (\P{N})(\p{P}) -> '\1 \2 '
  b.clear();
  for (std::size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && a[i].cls != kNumber && a[i + 1].cls == kPunct) {
      b.push_back(a[i]);
      push_space(b);
      b.push_back(a[i + 1]);
      push_space(b);
      i += 2;
    } else {
      b.push_back(a[i++]);
    }
  }

  // 2. (\p{P})(\P{N}) -> ' \1 \2'
  a.clear();
  for (std::size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && b[i].cls == kPunct && b[i + 1].cls != kNumber) {
      push_space(a);
      a.push_back(b[i]);
      push_space(a);
      a.push_back(b[i + 1]);
      i += 2;
    } else {
      a.push_back(b[i++]);
    }
  }

  // 3. (\p{S}) -> ' \1 ', then ' '.join(line.split())
  out.clear();
  bool pending_space = false;  // a separator is due before the next non-space character
  const auto emit = [&](char32_t c) {
    if (python_is_space(c)) {
      pending_space = !out.empty();
      return;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    append_utf8(out, c);
  };
  for (const Char& ch : a) {
    if (ch.cls == kSymbol) {
      emit(U' ');
      emit(ch.code_point);
      emit(U' ');
    } else {
      emit(ch.code_point);
    }
  }
}

}  // namespace nmt::metrics
