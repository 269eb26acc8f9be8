// SentencePiece training, loading and encoding behind SubwordModel (see subword_model.h).
#include "tokenizer/subword_model.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "tokenizer/special_ids.h"

namespace nmt::text {
namespace {

// Hands a vector of lines to SentencePiece's trainer.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) {}
  bool done() const override { return index_ >= lines_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return lines_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& lines_;
  std::size_t index_ = 0;
};

std::unordered_map<std::string, std::string> trainer_arguments(const SubwordTrainingOptions& options,
                                                               std::size_t line_count) {
  if (options.vocab_size < 8) {
    throw std::invalid_argument("subword vocabulary size " + std::to_string(options.vocab_size) +
                                " is too small (at least 8)");
  }
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0)) {
    throw std::invalid_argument("character coverage must be in (0, 1], got " +
                                std::to_string(options.character_coverage));
  }
  return {
      {"model_type", std::string(to_string(options.algorithm))},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"hard_vocab_limit", "false"},  // a small corpus yields fewer pieces instead of an error
      {"character_coverage", std::to_string(options.character_coverage)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"input_sentence_size", "0"},  // all of it: we sampled the lines already (SentencePiece refuses 1..100)
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(std::max(options.threads, 1))},
      {"pad_id", std::to_string(kPadId)},
      {"unk_id", std::to_string(kUnkId)},
      {"bos_id", std::to_string(kBosId)},
      {"eos_id", std::to_string(kEosId)},
      // Our Normalizer has done all normalisation, whitespace rules included.
      {"normalization_rule_name", "identity"},
      {"add_dummy_prefix", "true"},
      {"remove_extra_whitespaces", "true"},
      {"minloglevel", options.verbose ? "0" : "2"},
  };
}

void check(const sentencepiece::util::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.ToString());
}

}  // namespace

std::string_view to_string(SubwordAlgorithm algorithm) {
  return algorithm == SubwordAlgorithm::bpe ? "bpe" : "unigram";
}

SubwordAlgorithm parse_subword_algorithm(std::string_view name) {
  if (name == "unigram") return SubwordAlgorithm::unigram;
  if (name == "bpe") return SubwordAlgorithm::bpe;
  throw std::invalid_argument("unknown subword algorithm '" + std::string(name) + "' (expected unigram or bpe)");
}

SubwordModel::SubwordModel() : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
SubwordModel::SubwordModel(SubwordModel&&) noexcept = default;
SubwordModel& SubwordModel::operator=(SubwordModel&&) noexcept = default;
SubwordModel::~SubwordModel() = default;

SubwordModel SubwordModel::train(const std::vector<std::string>& files, const SubwordTrainingOptions& options,
                                 const Normalizer& normalizer, const Utf8Checker& utf8) {
  // Reservoir-sample at most input_sentence_size raw lines over all files (seeded), then check and
  // normalise only those.
  struct Sampled {
    std::string text;
    std::size_t file, line;
  };
  const std::size_t capacity = std::max<std::size_t>(options.input_sentence_size, 1);
  std::vector<Sampled> reservoir;
  std::mt19937_64 random(options.seed);
  std::size_t seen = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    if (!in) throw std::runtime_error(files[f] + ": cannot open subword training file");
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (reservoir.size() < capacity) {
        reservoir.push_back({line, f, number});
      } else if (const std::size_t slot = random() % (seen + 1); slot < capacity) {
        reservoir[slot] = {line, f, number};
      }
      ++seen;
    }
    if (in.bad()) throw std::runtime_error(files[f] + ": read error");
  }
  std::vector<std::string> lines;
  lines.reserve(reservoir.size());
  for (Sampled& sampled : reservoir) {
    utf8.check(sampled.text, {files[sampled.file], sampled.line});
    lines.push_back(std::move(sampled.text));
  }
  return train_on_lines(lines, options, normalizer);
}

SubwordModel SubwordModel::train_on_lines(const std::vector<std::string>& raw_lines,
                                          const SubwordTrainingOptions& options, const Normalizer& normalizer) {
  std::vector<std::string> lines;
  lines.reserve(raw_lines.size());
  std::string normalized;
  for (const std::string& raw : raw_lines) {
    normalizer.normalize(raw, normalized);
    if (!normalized.empty()) lines.push_back(normalized);
  }
  if (lines.empty()) throw std::runtime_error("subword training: no non-empty lines to train on");

  sentencepiece::SetRandomGeneratorSeed(options.seed);
  LineIterator iterator(lines);
  std::string serialized;
  check(sentencepiece::SentencePieceTrainer::Train(trainer_arguments(options, lines.size()), &iterator,
                                                   &serialized),
        "SentencePiece training failed");
  return from_bytes(serialized);
}

SubwordModel SubwordModel::from_bytes(std::string_view serialized) {
  SubwordModel model;
  check(model.processor_->LoadFromSerializedProto(serialized), "cannot load SentencePiece model");
  const auto& sp = *model.processor_;
  if (sp.pad_id() != kPadId || sp.unk_id() != kUnkId || sp.bos_id() != kBosId || sp.eos_id() != kEosId) {
    throw std::runtime_error("SentencePiece model has special ids pad=" + std::to_string(sp.pad_id()) +
                             " unk=" + std::to_string(sp.unk_id()) + " bos=" + std::to_string(sp.bos_id()) +
                             " eos=" + std::to_string(sp.eos_id()) + "; the toolkit needs 0, 1, 2, 3");
  }
  return model;
}

std::string SubwordModel::to_bytes() const { return processor_->serialized_model_proto(); }

SubwordModel SubwordModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open SentencePiece model");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  try {
    return from_bytes(bytes.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

void SubwordModel::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary);
  const std::string bytes = to_bytes();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(path + ": cannot write SentencePiece model");
}

std::vector<std::int32_t> SubwordModel::encode(std::string_view normalized) const {
  std::vector<std::int32_t> ids;
  encode(normalized, ids);
  return ids;
}

void SubwordModel::encode(std::string_view normalized, std::vector<std::int32_t>& out) const {
  std::vector<int> ids;
  check(processor_->Encode(normalized, &ids), "SentencePiece encoding failed");
  out.insert(out.end(), ids.begin(), ids.end());
}

std::vector<std::int32_t> SubwordModel::sample_encode(std::string_view normalized,
                                                      const SubwordSampling& sampling) const {
  std::vector<int> ids;
  check(processor_->SampleEncode(normalized, sampling.nbest, sampling.alpha, &ids),
        "SentencePiece sampling failed (nbest " + std::to_string(sampling.nbest) + ", alpha " +
            std::to_string(sampling.alpha) + ")");
  return {ids.begin(), ids.end()};
}

void SubwordModel::set_sampling_seed(unsigned seed) { sentencepiece::SetRandomGeneratorSeed(seed); }

std::vector<std::string> SubwordModel::encode_as_pieces(std::string_view normalized) const {
  std::vector<std::string> pieces;
  check(processor_->Encode(normalized, &pieces), "SentencePiece encoding failed");
  return pieces;
}

std::string SubwordModel::decode(std::span<const std::int32_t> ids) const {
  const std::vector<int> copy(ids.begin(), ids.end());
  std::string text;
  check(processor_->Decode(copy, &text), "SentencePiece decoding failed");
  return text;
}

int SubwordModel::vocab_size() const { return processor_->GetPieceSize(); }

std::string SubwordModel::piece(std::int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw std::out_of_range("piece id " + std::to_string(id) + " outside the vocabulary of " +
                            std::to_string(vocab_size()));
  }
  return processor_->IdToPiece(id);
}

std::int32_t SubwordModel::piece_to_id(std::string_view piece) const { return processor_->PieceToId(piece); }

}  // namespace nmt::text
