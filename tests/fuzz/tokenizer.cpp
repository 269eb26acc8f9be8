// Fuzz target: the tokenizer (UTF-8 check, normaliser, SentencePiece) on one raw line, with the
// properties the rest of the toolkit relies on:
//   - only strict mode refuses input, and only invalid UTF-8, with InvalidUtf8Error;
//   - normalised text is valid UTF-8 with single ASCII spaces between words, none at the ends;
//   - normalising twice changes nothing;
//   - decode(encode(x)) == x for normalised x (byte fallback), sampled segmentations included;
//   - the cached word-by-word encoder (corpus reading) gives the same ids as the model.
// Input: byte 0 picks the options (bits 0-1: nfkc, nfc, none, nfkc; bit 2: strict UTF-8); the
// rest is the line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tokenizer/cached_encoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

using namespace nmt::text;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const NormalizationForm forms[] = {NormalizationForm::nfkc, NormalizationForm::nfc,
                                            NormalizationForm::none, NormalizationForm::nfkc};
  const NormalizerSettings settings{forms[data[0] & 3]};
  const bool strict = data[0] & 4;
  const Utf8Checker utf8{strict ? InvalidUtf8Policy::error : InvalidUtf8Policy::replace,
                         [](const std::string&) {}};
  const Tokenizer tokenizer(nmt::fuzz::fuzz_subword_model(), settings, utf8);
  const std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string normalized;
  try {
    normalized = tokenizer.normalize(raw, {"line.txt", 1});
  } catch (const InvalidUtf8Error&) {
    NMT_FUZZ_CHECK(strict && !is_valid_utf8(raw));
    return 0;
  }
  NMT_FUZZ_CHECK(is_valid_utf8(normalized));
  NMT_FUZZ_CHECK(normalized.empty() || (normalized.front() != ' ' && normalized.back() != ' '));
  NMT_FUZZ_CHECK(normalized.find("  ") == std::string::npos);
  for (char c : normalized) NMT_FUZZ_CHECK(c < '\t' || c > '\r');  // no tab, line break, ...
  NMT_FUZZ_CHECK(tokenizer.normalizer().normalize(normalized) == normalized);

  const SubwordModel& model = tokenizer.model();
  const std::vector<std::int32_t> ids = model.encode(normalized);
  NMT_FUZZ_CHECK(tokenizer.encode(raw) == ids);
  NMT_FUZZ_CHECK(model.decode(ids) == normalized);
  for (std::int32_t id : ids) NMT_FUZZ_CHECK(id > 3 && id < model.vocab_size());  // no pad/unk/bos/eos

  CachedEncoder cached(model, 4);
  std::vector<std::int32_t> cached_ids;
  cached.encode(normalized, cached_ids);
  cached.encode(normalized, cached_ids);  // the second time from the cache
  NMT_FUZZ_CHECK(cached_ids.size() == 2 * ids.size());
  NMT_FUZZ_CHECK(std::equal(ids.begin(), ids.end(), cached_ids.begin()));
  NMT_FUZZ_CHECK(std::equal(ids.begin(), ids.end(), cached_ids.begin() + ids.size()));

  const std::vector<std::int32_t> sampled = model.sample_encode(normalized, SubwordSampling{});
  NMT_FUZZ_CHECK(model.decode(sampled) == normalized);
  return 0;
}
