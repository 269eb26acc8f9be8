// Shared by the text tests: where Multi30k lives, a scratch folder, and one subword model per
// configuration trained once for the whole test run (training is the slow part).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/subword_model.h"

namespace nmt::text::testing {

inline std::string multi30k(const std::string& name) {
  return std::string(NMT_TEST_DATA_DIR "/multi30k/") + name;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A fresh folder under the build tree, removed when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::path(NMT_BINARY_DIR) / "text_tests_scratch" / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& contents) const {
    const std::string path = (path_ / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A joint unigram model (vocab 4000, NFKC) trained on Multi30k train.{de,en,fr,cs}, once.
inline const SubwordModel& joint_multi30k_model() {
  static const SubwordModel model = [] {
    SubwordTrainingOptions options;
    options.vocab_size = 4000;
    options.input_sentence_size = 60000;
    return SubwordModel::train({multi30k("train.de"), multi30k("train.en"), multi30k("train.fr"),
                                multi30k("train.cs")},
                               options, Normalizer());
  }();
  return model;
}

}  // namespace nmt::text::testing
