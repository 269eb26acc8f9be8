// Shared fixtures of the trainer tests: a few hundred Multi30k pairs, a small joint vocabulary
// trained on them once per process, a tiny Transformer configuration, and scratch folders.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "nmt/models/model_config.h"
#include "nmt/train/options.h"
#include "tokenizer/subword_model.h"

namespace nmt::train::testing {

inline std::string multi30k(const std::string& name) {
  return std::string(NMT_TEST_DATA_DIR "/multi30k/") + name;
}

// A fresh, empty folder under the build tree.
inline std::filesystem::path scratch_dir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(NMT_BINARY_DIR) / "train-test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The first `lines` lines of a Multi30k file, copied into `dir`.
inline std::string head_of(const std::string& name, std::size_t lines, const std::filesystem::path& dir) {
  std::ifstream in(multi30k(name));
  if (!in) throw std::runtime_error("missing test data " + multi30k(name));
  const std::string path = (dir / name).string();
  std::ofstream out(path);
  std::string line;
  for (std::size_t i = 0; i < lines && std::getline(in, line); ++i) out << line << '\n';
  return path;
}

struct SmallCorpus {
  std::string train_de, train_en, val_de, val_en, vocabulary;
};

// 300 training pairs, 40 validation pairs, a 500-piece joint unigram vocabulary (made once).
inline const SmallCorpus& small_corpus() {
  static const SmallCorpus corpus = [] {
    const std::filesystem::path dir = scratch_dir("corpus");
    SmallCorpus c;
    c.train_de = head_of("train.de", 300, dir);
    c.train_en = head_of("train.en", 300, dir);
    c.val_de = head_of("val.de", 40, dir);
    c.val_en = head_of("val.en", 40, dir);
    text::SubwordTrainingOptions spm;
    spm.vocab_size = 500;
    text::SubwordModel model = text::SubwordModel::train({c.train_de, c.train_en}, spm, text::Normalizer());
    c.vocabulary = (dir / "vocab.model").string();
    model.save(c.vocabulary);
    return c;
  }();
  return corpus;
}

inline ModelConfig tiny_transformer(int vocab_size = 500) {
  ModelConfig c;
  c.type = "transformer";
  c.vocab_size = vocab_size;
  c.max_positions = 256;
  c.d_model = 32;
  c.heads = 2;
  c.d_ff = 64;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.dropout = 0.1f;
  return c;
}

// Options for a quick run on the small corpus.
inline TrainerOptions tiny_options(const std::filesystem::path& model_dir) {
  const SmallCorpus& c = small_corpus();
  TrainerOptions o;
  o.train_source = c.train_de;
  o.train_target = c.train_en;
  o.valid_source = c.val_de;
  o.valid_target = c.val_en;
  o.vocabulary = c.vocabulary;
  o.model = tiny_transformer();
  o.batch_tokens = 400;
  o.schedule.peak = 3e-3f;
  o.schedule.warmup = 10;
  o.seed = 7;
  o.threads = 1;  // tiny matrices: threads only cost (and the machine is shared)
  o.max_updates = 12;
  o.valid_every = 5;
  o.log_every = 4;
  o.beam = 2;
  o.valid_max_sentences = 10;
  o.model_dir = model_dir.string();
  o.effective = {{"test", "tiny"}};
  return o;
}

}  // namespace nmt::train::testing
