// Writes the seed model files of corpus/model_file and their payloads (the file less its 28-byte
// frame header) to corpus/model_payload: tiny, so that the fuzzer's mutations stay fast.
//   transformer.nmt   a Transformer (d_model 8) with the fuzz vocabulary (tests/fuzz/data)
//   luong.nmt         a Luong LSTM (embeddings 4, hidden 6), no vocabulary, vocab_size 12
// Run once after a format change: build-fuzz/bin/fuzz_make_model_seeds (tools/fuzz.sh --seeds).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "fuzz_support.h"
#include "nmt/models/model_file.h"
#include "nmt/models/model_registry.h"

using namespace nmt;

namespace {

void write_seed(const std::string& name, const ModelConfig& config, const ModelFileInfo& info) {
  const std::filesystem::path corpus = NMT_FUZZ_SOURCE_DIR "/tests/fuzz/corpus";
  const std::string path = (corpus / "model_file" / name).string();
  Generator init(7);
  save_model(path, *build_model(config, init), info);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(corpus / "model_payload" / name, std::ios::binary) << bytes.substr(kFrameHeaderBytes);
  std::cout << path << ": " << bytes.size() << " bytes\n";
}

}  // namespace

int main() {
  const auto vocabulary = fuzz::fuzz_subword_model();
  ModelConfig transformer;
  transformer.type = "transformer";
  transformer.vocab_size = vocabulary->vocab_size();
  transformer.d_model = 8;
  transformer.heads = 2;
  transformer.d_ff = 8;
  transformer.encoder_layers = 1;
  transformer.decoder_layers = 1;
  transformer.max_positions = 16;
  ModelFileInfo with_vocabulary;
  with_vocabulary.subword_model = vocabulary->to_bytes();
  with_vocabulary.training_config = {{"model-type", "transformer"}, {"lr", "0.001"}};
  write_seed("transformer.nmt", transformer, with_vocabulary);

  ModelConfig luong = ModelConfig::from_map({{"type", "luong"}});
  luong.vocab_size = 12;
  luong.embedding_size = 4;
  luong.hidden_size = 6;
  luong.max_positions = 8;
  luong.attention = "local-p";
  luong.window = 2;
  write_seed("luong.nmt", luong, {});
  return 0;
}
