// A model file for the tool tests: a randomly initialised Transformer (its output is nonsense, but
// every property the tests check holds for any model) with a joint SentencePiece vocabulary
// trained on the first lines of tests/data's Multi30k train.de and train.en, saved through the
// model-file API. Shared by tests/tools and tests/serve.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "nmt/models/model_file.h"
#include "tokenizer/subword_model.h"

namespace nmt::testing {

struct TinyModel {
  int lines = 1500;         // of each language, for the vocabulary
  int vocab_size = 600;
  int decoder_layers = 1;
  int max_positions = 40;   // short, so that long lines must be cut
  uint64_t seed = 7;
  std::map<std::string, std::string> training_config;
};

inline void write_tiny_model(const std::string& path, const TinyModel& o = {}) {
  std::vector<std::string> lines;
  for (const char* name : {"train.de", "train.en"}) {
    std::ifstream in(std::string(NMT_TEST_DATA_DIR "/multi30k/") + name);
    REQUIRE(in.good());
    int n = 0;
    for (std::string line; n < o.lines && std::getline(in, line); ++n) lines.push_back(line);
  }
  text::SubwordTrainingOptions sp;
  sp.vocab_size = o.vocab_size;
  const auto vocabulary = text::SubwordModel::train_on_lines(lines, sp, text::Normalizer());
  ModelConfig config;
  config.type = "transformer";
  config.vocab_size = vocabulary.vocab_size();
  config.d_model = 32;
  config.heads = 2;
  config.d_ff = 64;
  config.encoder_layers = 1;
  config.decoder_layers = o.decoder_layers;
  config.max_positions = o.max_positions;
  Generator init(o.seed);
  auto model = build_model(config, init);
  ModelFileInfo info;
  info.subword_model = vocabulary.to_bytes();
  info.training_config = o.training_config;
  save_model(path, *model, info);
}

}  // namespace nmt::testing
