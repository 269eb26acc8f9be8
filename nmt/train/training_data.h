// The data a training run needs, prepared and checked before the first update:
//   - the joint SentencePiece vocabulary: given (--vocab), inherited (checkpoint / --init-from), or
//     trained here on both sides of the training data (--vocab-size, --subword-type), with the
//     normalisation recorded for the model file;
//   - the training and validation corpora as ids (corpora/), with what filtering dropped;
//   - vocabulary coverage: the share of <unk> pieces on each side of the training data. Above
//     --max-unk the run is refused (the vocabulary does not fit the data) unless
//     --allow-unk-coverage is given;
//   - the validation sentences for BLEU: source ids and raw reference lines.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "corpora/parallel_corpus.h"
#include "nmt/train/options.h"
#include "tokenizer/tokenizer.h"

namespace nmt::train {

struct TrainingData {
  std::shared_ptr<const text::SubwordModel> vocabulary;
  text::NormalizerSettings normalization;
  std::shared_ptr<const text::Tokenizer> tokenizer;
  corpora::ParallelCorpus train, valid;
  std::vector<std::vector<int32_t>> bleu_sources;  // validation sources (ids, no EOS)
  std::vector<std::string> bleu_references;        // the raw reference lines
  double source_unk = 0, target_unk = 0;           // share of <unk> pieces in the training data
};

// Trains a joint vocabulary on the training files (both sides), as the options say, and saves it as
// <model-dir>/vocab.model (a standard SentencePiece model file), atomically; a write error is a
// ModelFileError naming the file and the system's reason.
std::shared_ptr<const text::SubwordModel> train_joint_vocabulary(const TrainerOptions& options, std::ostream& out);

// What can be checked in seconds before the vocabulary is trained: every corpus file opens (not a
// folder) and each pair of files has one line count. Throws std::runtime_error naming the option,
// the file and the system's reason or both counts.
void check_corpus_files(const TrainerOptions& options);

// The most pieces a training pair may have on a side: --max-length, but never more than a model
// of `max_positions` positions takes (max_positions - 1: EOS or BOS takes one).
std::size_t longest_training_side(const TrainerOptions& options, int max_positions);

// Reads and checks everything (see above) for a model of `max_positions` positions: training pairs
// longer than longest_training_side are dropped (counted as too long), and so are validation pairs
// that the model cannot take. Reports on `out`. Throws std::runtime_error naming the file or the
// option to change.
TrainingData load_training_data(const TrainerOptions& options, std::shared_ptr<const text::SubwordModel> vocabulary,
                                text::NormalizerSettings normalization, int max_positions, std::ostream& out);

// Share of <unk> ids among all ids.
double unk_share(const corpora::TokenSequences& sequences);

}  // namespace nmt::train
