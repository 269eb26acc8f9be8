// The whole way from a raw line to ids and back, in one object, identical at training and at
// translation time:  raw bytes -> UTF-8 check -> normalise (ICU + whitespace) -> SentencePiece ids.
// decode() gives detokenised text, equal to the normalised input (the round trip the tests check).
//
// Vocabularies holds the source and target models: one shared model (joint vocabulary) or two.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/subword_model.h"
#include "tokenizer/utf8.h"

namespace nmt::text {

class Tokenizer {
 public:
  Tokenizer(std::shared_ptr<const SubwordModel> model, NormalizerSettings normalization = {},
            Utf8Checker utf8 = {});

  // UTF-8 check (warning or error naming `where`) + normalisation.
  std::string normalize(std::string_view raw, const TextLocation& where = {}) const;
  // normalize() then the best segmentation's ids (no BOS/EOS). Thread-safe.
  std::vector<std::int32_t> encode(std::string_view raw, const TextLocation& where = {}) const;
  // normalize() then a sampled segmentation (subword regularisation, for training only).
  std::vector<std::int32_t> encode_sampled(std::string_view raw, const SubwordSampling& sampling,
                                           const TextLocation& where = {}) const;
  std::string decode(std::span<const std::int32_t> ids) const;

  const SubwordModel& model() const { return *model_; }
  const Normalizer& normalizer() const { return normalizer_; }
  const Utf8Checker& utf8() const { return utf8_; }

 private:
  std::shared_ptr<const SubwordModel> model_;
  Normalizer normalizer_;
  Utf8Checker utf8_;
};

// Source and target subword models; the same object when the vocabulary is joint.
struct Vocabularies {
  std::shared_ptr<const SubwordModel> source, target;
  bool joint() const { return source == target; }
};

// Trains one model on both sides' files (joint) or one per side.
Vocabularies train_vocabularies(const std::vector<std::string>& source_files,
                                const std::vector<std::string>& target_files, bool joint,
                                const SubwordTrainingOptions& options, const Normalizer& normalizer,
                                const Utf8Checker& utf8 = {});

}  // namespace nmt::text
