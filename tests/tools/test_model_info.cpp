// nmt-model-info end to end (a model file made through the library, read back as text and JSON,
// damaged files and bad options), and --version, which every tool answers alike.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "nmt/models/model_file.h"
#include "subprocess.h"
#include "tiny_model.h"
#include "tokenizer/subword_model.h"

using namespace nmt;
using namespace nmt::testing;
namespace fs = std::filesystem;

namespace {

const std::string kTool = NMT_BINARY_DIR "/bin/nmt-model-info";

fs::path scratch() {
  const fs::path dir = fs::path(NMT_BINARY_DIR) / "tool_tests_scratch" / "model-info";
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("nmt-model-info shows the architecture, parameters, vocabulary and training options") {
  const fs::path dir = scratch();
  const std::string file = (dir / "tiny.bin").string();
  write_tiny_model(file, {.lines = 500, .vocab_size = 400, .decoder_layers = 2, .seed = 3,
                          .training_config = {{"updates", "1234"}, {"lr", "0.0007"}, {"train-source", "train.de"}}});
  const LoadedModel loaded = load_model(file);
  const auto& model = loaded.model;
  const auto& vocabulary = *loaded.vocabulary;

  ToolResult r = run_tool({kTool, file}, "");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("architecture: transformer") != std::string::npos);
  CHECK(r.out.find("decoder_layers = 2") != std::string::npos);
  CHECK(r.out.find("parameters: " + std::to_string(model->parameters().count()) + " in") != std::string::npos);
  CHECK(r.out.find("vocabulary: " + std::to_string(vocabulary.vocab_size()) + " SentencePiece pieces") !=
        std::string::npos);
  CHECK(r.out.find("training: 1234 updates") != std::string::npos);
  CHECK(r.out.find("lr = 0.0007") != std::string::npos);
  CHECK(r.out.find("nmt model file, format version 1") != std::string::npos);

  r = run_tool({kTool, file, "--json", "--parameters"}, "");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("\"type\": \"transformer\"") != std::string::npos);
  CHECK(r.out.find("\"count\": " + std::to_string(model->parameters().count())) != std::string::npos);
  CHECK(r.out.find("\"size\": " + std::to_string(vocabulary.vocab_size())) != std::string::npos);
  CHECK(r.out.find("\"updates\": \"1234\"") != std::string::npos);
  CHECK(r.out.find("\"checkpoint\": false") != std::string::npos);
  const std::string first = model->parameters().all().front().name();
  CHECK(r.out.find("{\"name\": \"" + first + "\", \"shape\": [") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);  // one JSON object on one line

  // A damaged file: one byte flipped in the payload.
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x5a;
  const std::string damaged = (dir / "damaged.bin").string();
  std::ofstream(damaged, std::ios::binary) << bytes;
  r = run_tool({kTool, damaged}, "");
  CHECK(r.status == 1);
  CHECK(r.err.find("damaged.bin") != std::string::npos);
  CHECK(r.err.find("corrupt") != std::string::npos);

  r = run_tool({kTool, file, "--jsn"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("unknown option '--jsn'") != std::string::npos);
}

TEST_CASE("every tool answers --version: version, commit, OpenBLAS core, CPU features") {
  int tools = 0;
  for (const auto& entry : fs::directory_iterator(NMT_BINARY_DIR "/bin")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("nmt-", 0) != 0) continue;
    CAPTURE(name);
    ++tools;
    const ToolResult r = run_tool({entry.path().string(), "--version"}, "");
    CHECK(r.status == 0);
    CHECK(r.out.rfind(name + " 0.", 0) == 0);
    CHECK(r.out.find("core in use: ") != std::string::npos);
    CHECK(r.out.find("AVX-512 ") != std::string::npos);
    CHECK(r.out.find("AVX512-BF16 ") != std::string::npos);
  }
  CHECK(tools >= 8);
}
