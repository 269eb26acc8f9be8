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
// <model-dir>/vocab.model (a standard SentencePiece model file).
std::shared_ptr<const text::SubwordModel> train_joint_vocabulary(const TrainerOptions& options, std::ostream& out);

// Reads and checks everything (see above); reports on `out`. Throws std::runtime_error naming the
// file or the option to change.
TrainingData load_training_data(const TrainerOptions& options, std::shared_ptr<const text::SubwordModel> vocabulary,
                                text::NormalizerSettings normalization, std::ostream& out);

// Share of <unk> ids among all ids.
double unk_share(const corpora::TokenSequences& sequences);

}  // namespace nmt::train
