// Text normalisation: one function applied to every line before it meets the subword model, at
// training time and at translation time alike, with its settings stored in the model file.
//
// Three steps, in this order:
//   0. Invisible characters are deleted (models written before this step existed keep them; the
//      setting is stored with the model): the control characters that are not whitespace (C0
//      U+0000..0008, 000E..001F, DEL, C1 except U+0085) and the format characters (Unicode
//      category Cf: U+200B zero width space, U+200E/200F and U+202A..202E, U+2066..2069 bidi
//      controls, U+2060 word joiner, U+00AD soft hyphen, ...), except U+200C ZERO WIDTH NON-JOINER
//      and U+200D ZERO WIDTH JOINER, which are spelling in Persian and Indic scripts and join emoji.
//      They print as nothing, so the reader of the text never sees them, yet each would be a piece
//      of its own (or <unk>) that splits words for the model and, alone on a line, makes it
//      invent a sentence. A line of nothing but such characters becomes empty, and an empty line
//      is translated as an empty line.
//   1. Unicode normalisation with ICU: NFKC (the default; folds compatibility characters such as
//      the ligature "ﬁ" -> "fi" and full-width "Ａ" -> "A"), NFC (canonical composition only), or none.
//   2. Whitespace, as SentencePiece sees it: every White_Space character (tab, no-break space,
//      U+3000, ...) and U+2581 "▁" (SentencePiece's own space marker, which would come back as a
//      space) becomes an ASCII space, runs of spaces become one, and leading and trailing spaces
//      go. U+FEFF (byte order mark / zero width no-break space) is deleted, by every model.
//      SentencePiece is trained with its own normalisation set to "identity", so this is the whole
//      of it; because the space rules are ours, decode(encode(x)) == normalize(x) exactly.
//
// Input must be valid UTF-8 (Utf8Checker runs first); ill-formed bytes would come out as U+FFFD.
#pragma once

#include <unicode/normalizer2.h>

#include <string>
#include <string_view>

namespace nmt::text {

enum class NormalizationForm { nfkc, nfc, none };

// "nfkc", "nfc", "none" <-> the enum; parsing throws std::invalid_argument naming the option value.
std::string_view to_string(NormalizationForm form);
NormalizationForm parse_normalization_form(std::string_view name);

// What a model file records about normalisation. Serialised as "key=value" lines, e.g.
// "form=nfkc\ninvisible=delete\n", so a model file can store it as plain text and older files
// stay readable: a file without "invisible" was written before step 0 existed and keeps them.
struct NormalizerSettings {
  NormalizationForm form = NormalizationForm::nfkc;
  bool delete_invisible = true;  // step 0; new models do it

  std::string serialize() const;
  // Throws std::invalid_argument naming the unknown key or value.
  static NormalizerSettings deserialize(std::string_view text);

  bool operator==(const NormalizerSettings&) const = default;
};

// Thread-safe after construction (ICU's normalizer instances are immutable singletons).
class Normalizer {
 public:
  explicit Normalizer(NormalizerSettings settings = {});

  const NormalizerSettings& settings() const { return settings_; }

  std::string normalize(std::string_view text) const;
  // Same, into out (overwritten); reuses out's memory in a loop.
  void normalize(std::string_view text, std::string& out) const;

 private:
  NormalizerSettings settings_;
  const icu::Normalizer2* icu_normalizer_ = nullptr;  // ICU's singleton; null for "none"
};

}  // namespace nmt::text
