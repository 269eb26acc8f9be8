// ICU normalisation plus SentencePiece's whitespace rules, done by us (see normalizer.h).
#include "tokenizer/normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace nmt::text {
namespace {

const icu::Normalizer2* icu_instance(NormalizationForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* instance = nullptr;
  switch (form) {
    case NormalizationForm::nfkc: instance = icu::Normalizer2::getNFKCInstance(status); break;
    case NormalizationForm::nfc: instance = icu::Normalizer2::getNFCInstance(status); break;
    case NormalizationForm::none: return nullptr;
  }
  if (U_FAILURE(status) || !instance) {
    throw std::runtime_error(std::string("ICU cannot load the ") + std::string(to_string(form)) +
                             " normaliser: " + u_errorName(status));
  }
  return instance;
}

// Byte length of the White_Space character at text[i], or 0 if there is none. White_Space is the
// Unicode property: U+0009..000D, 0020, 0085, 00A0, 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000;
// U+2581 counts too (see normalizer.h).
std::size_t whitespace_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) -> std::uint8_t {
    return k < text.size() ? static_cast<std::uint8_t>(text[k]) : 0;
  };
  const std::uint8_t b0 = byte(i);
  if (b0 == ' ' || (b0 >= 0x09 && b0 <= 0x0D)) return 1;
  if (b0 < 0x80) return 0;
  const std::uint8_t b1 = byte(i + 1), b2 = byte(i + 2);
  if (b0 == 0xC2) return (b1 == 0x85 || b1 == 0xA0) ? 2 : 0;
  if (b0 == 0xE1) return (b1 == 0x9A && b2 == 0x80) ? 3 : 0;  // U+1680
  if (b0 == 0xE2 && b1 == 0x80) {
    return ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) ? 3 : 0;
  }
  if (b0 == 0xE2 && b1 == 0x81) return b2 == 0x9F ? 3 : 0;   // U+205F
  if (b0 == 0xE3 && b1 == 0x80) return b2 == 0x80 ? 3 : 0;   // U+3000
  if (b0 == 0xE2 && b1 == 0x96) return b2 == 0x81 ? 3 : 0;   // U+2581 "▁"
  return 0;
}

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";  // U+FEFF

// Step 0's characters (see normalizer.h): controls that are not White_Space, and format
// characters except the joiners U+200C and U+200D.
bool invisible(UChar32 c) {
  switch (u_charType(c)) {
    case U_CONTROL_CHAR: return !u_isUWhiteSpace(c);
    case U_FORMAT_CHAR: return c != 0x200C && c != 0x200D;
    default: return false;
  }
}

// Whether the byte may begin an invisible character: an ASCII control, 0xC2 (C1, U+00AD) or the
// lead byte of anything from U+0600 on; U+00C0..05FF (Latin to Hebrew) hold none. A quick filter
// that lets most European text through untouched; invisible() decides.
bool may_begin_invisible(std::uint8_t b) { return b < 0x20 || b == 0x7F || b == 0xC2 || b >= 0xD8; }

// text without any U+FEFF, nor (when `all`) any other invisible character; in `storage` if
// there was one to delete. text is valid UTF-8 (the Utf8Checker ran first).
std::string_view without_invisible(std::string_view text, bool all, std::string& storage) {
  if (!all) {
    if (text.find(kByteOrderMark) == std::string_view::npos) return text;
  } else if (std::none_of(text.begin(), text.end(),
                          [](char b) { return may_begin_invisible(static_cast<std::uint8_t>(b)); })) {
    return text;
  }
  storage.clear();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    const bool drop = c == 0xFEFF || (all && c >= 0 && invisible(c));
    if (!drop) storage.append(text.substr(start, i - start));
  }
  return storage;
}

// out = text with each White_Space run turned into one space, none at either end.
void collapse_whitespace(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (const std::size_t n = whitespace_length(text, i)) {
      pending_space = !out.empty();
      i += n;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(text[i]);
    ++i;
  }
}

}  // namespace

std::string_view to_string(NormalizationForm form) {
  switch (form) {
    case NormalizationForm::nfkc: return "nfkc";
    case NormalizationForm::nfc: return "nfc";
    case NormalizationForm::none: return "none";
  }
  return "?";
}

NormalizationForm parse_normalization_form(std::string_view name) {
  if (name == "nfkc" || name == "NFKC") return NormalizationForm::nfkc;
  if (name == "nfc" || name == "NFC") return NormalizationForm::nfc;
  if (name == "none" || name == "identity") return NormalizationForm::none;
  throw std::invalid_argument("unknown normalisation form '" + std::string(name) +
                              "' (expected nfkc, nfc or none)");
}

std::string NormalizerSettings::serialize() const {
  return "form=" + std::string(to_string(form)) + "\ninvisible=" + (delete_invisible ? "delete" : "keep") + "\n";
}

NormalizerSettings NormalizerSettings::deserialize(std::string_view text) {
  NormalizerSettings settings;
  settings.delete_invisible = false;  // files from before step 0 lack the key
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      throw std::invalid_argument("normaliser settings: expected key=value, got '" + std::string(line) + "'");
    }
    const std::string_view key = line.substr(0, equals), value = line.substr(equals + 1);
    if (key == "form") {
      settings.form = parse_normalization_form(value);
    } else if (key == "invisible" && (value == "delete" || value == "keep")) {
      settings.delete_invisible = value == "delete";
    } else if (key == "invisible") {
      throw std::invalid_argument("normaliser settings: unknown value '" + std::string(value) +
                                  "' for 'invisible' (expected delete or keep)");
    } else {
      throw std::invalid_argument("normaliser settings: unknown key '" + std::string(key) + "'");
    }
  }
  return settings;
}

Normalizer::Normalizer(NormalizerSettings settings)
    : settings_(settings), icu_normalizer_(icu_instance(settings.form)) {}

std::string Normalizer::normalize(std::string_view text) const {
  std::string out;
  normalize(text, out);
  return out;
}

void Normalizer::normalize(std::string_view text, std::string& out) const {
  std::string visible;
  text = without_invisible(text, settings_.delete_invisible, visible);  // first, so that ICU composes across them
  if (const icu::Normalizer2* icu = icu_normalizer_) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
    if (!icu->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
      std::string composed;
      icu::StringByteSink<std::string> sink(&composed, static_cast<int32_t>(text.size()));
      icu->normalizeUTF8(0, piece, sink, nullptr, status);
      if (U_FAILURE(status)) {
        throw std::runtime_error(std::string("ICU normalisation failed: ") + u_errorName(status));
      }
      collapse_whitespace(composed, out);
      return;
    }
    if (U_FAILURE(status)) {
      throw std::runtime_error(std::string("ICU normalisation check failed: ") + u_errorName(status));
    }
  }
  collapse_whitespace(text, out);
}

}  // namespace nmt::text
