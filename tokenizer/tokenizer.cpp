// Raw text <-> ids in one object (see tokenizer.h).
#include "tokenizer/tokenizer.h"

#include <stdexcept>

namespace nmt::text {

Tokenizer::Tokenizer(std::shared_ptr<const SubwordModel> model, NormalizerSettings normalization,
                     Utf8Checker utf8)
    : model_(std::move(model)), normalizer_(normalization), utf8_(std::move(utf8)) {
  if (!model_) throw std::invalid_argument("Tokenizer needs a subword model");
}

std::string Tokenizer::normalize(std::string_view raw, const TextLocation& where) const {
  std::string text(raw);
  utf8_.check(text, where);
  return normalizer_.normalize(text);
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view raw, const TextLocation& where) const {
  return model_->encode(normalize(raw, where));
}

std::vector<std::int32_t> Tokenizer::encode_sampled(std::string_view raw, const SubwordSampling& sampling,
                                                    const TextLocation& where) const {
  return model_->sample_encode(normalize(raw, where), sampling);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids) const { return model_->decode(ids); }

Vocabularies train_vocabularies(const std::vector<std::string>& source_files,
                                const std::vector<std::string>& target_files, bool joint,
                                const SubwordTrainingOptions& options, const Normalizer& normalizer,
                                const Utf8Checker& utf8) {
  if (joint) {
    std::vector<std::string> files = source_files;
    files.insert(files.end(), target_files.begin(), target_files.end());
    auto model = std::make_shared<const SubwordModel>(SubwordModel::train(files, options, normalizer, utf8));
    return {model, model};
  }
  return {std::make_shared<const SubwordModel>(SubwordModel::train(source_files, options, normalizer, utf8)),
          std::make_shared<const SubwordModel>(SubwordModel::train(target_files, options, normalizer, utf8))};
}

}  // namespace nmt::text
