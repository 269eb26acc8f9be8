// Subword vocabulary: a SentencePiece model (unigram or BPE) that turns normalised text into ids
// and ids back into detokenised text.
//
// Training reads corpus files, checks and normalises every line exactly as translation will
// (Utf8Checker, then Normalizer) and hands the result to SentencePiece with SentencePiece's own
// normalisation switched off ("identity"), so ICU does all of it. The special ids are fixed
// (special_ids.h) and byte fallback is on by default: a character the vocabulary lacks is spelled as
// UTF-8 byte pieces, so decode(encode(x)) == x for every normalised x, even in unseen scripts.
//
// The model lives in memory as SentencePiece's serialised proto (to_bytes / from_bytes), which a
// model file embeds as it is; nothing else is needed to load it again.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/utf8.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace nmt::text {

enum class SubwordAlgorithm { unigram, bpe };
std::string_view to_string(SubwordAlgorithm algorithm);
SubwordAlgorithm parse_subword_algorithm(std::string_view name);  // "unigram" | "bpe"

struct SubwordTrainingOptions {
  SubwordAlgorithm algorithm = SubwordAlgorithm::unigram;
  int vocab_size = 8000;             // an upper bound: a small corpus may give fewer pieces
  double character_coverage = 1.0;   // share of characters that get their own piece
  bool byte_fallback = true;         // unseen characters -> UTF-8 byte pieces instead of <unk>
  std::size_t input_sentence_size = 1'000'000;  // sample at most this many lines for training
  int threads = 2;
  unsigned seed = 1;                 // SentencePiece's sampling seed, for repeatable models
  bool verbose = false;              // SentencePiece's progress log on stderr
};

// Subword regularisation (Kudo 2018) for training: sample a segmentation instead of the best one.
// Unigram: sample from the nbest segmentations (nbest = -1: from all of them) with smoothing alpha.
// BPE: BPE-dropout with probability alpha (nbest is ignored).
struct SubwordSampling {
  int nbest = -1;
  float alpha = 0.1f;
};

class SubwordModel {
 public:
  // Trains on every line of the given files (one model for all of them: pass both sides' files
  // for a joint vocabulary). Lines are UTF-8 checked (warnings/errors name file:line) and
  // normalised first. Throws std::runtime_error naming a file that cannot be read or the
  // SentencePiece option that was rejected.
  static SubwordModel train(const std::vector<std::string>& files, const SubwordTrainingOptions& options,
                            const Normalizer& normalizer, const Utf8Checker& utf8 = {});
  // Same, from lines in memory (already valid UTF-8; normalised here).
  static SubwordModel train_on_lines(const std::vector<std::string>& lines,
                                     const SubwordTrainingOptions& options, const Normalizer& normalizer);

  // The serialised SentencePiece ModelProto, as a model file stores it.
  static SubwordModel from_bytes(std::string_view serialized);
  std::string to_bytes() const;
  // The same bytes in a file of their own (a standard SentencePiece .model file, spm_encode reads it).
  static SubwordModel load(const std::string& path);
  void save(const std::string& path) const;

  // Ids of normalised text (no BOS/EOS added). Thread-safe.
  std::vector<std::int32_t> encode(std::string_view normalized) const;
  // Appends the ids to out.
  void encode(std::string_view normalized, std::vector<std::int32_t>& out) const;
  // A sampled segmentation (subword regularisation); uses SentencePiece's global random generator,
  // seeded with set_sampling_seed.
  std::vector<std::int32_t> sample_encode(std::string_view normalized, const SubwordSampling& sampling) const;
  static void set_sampling_seed(unsigned seed);

  std::vector<std::string> encode_as_pieces(std::string_view normalized) const;

  // Detokenised text; pad/bos/eos are dropped, unk shows as " ⁇ ".
  std::string decode(std::span<const std::int32_t> ids) const;

  int vocab_size() const;
  std::string piece(std::int32_t id) const;
  std::int32_t piece_to_id(std::string_view piece) const;  // unk id when unknown

  SubwordModel(SubwordModel&&) noexcept;
  SubwordModel& operator=(SubwordModel&&) noexcept;
  ~SubwordModel();

 private:
  SubwordModel();
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace nmt::text
