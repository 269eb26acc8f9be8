// Fuzz target: nmt-train's config file (INI lines, [sections], comments, `include = FILE`) read by
// parse_train_command_line, as `nmt-train --config FILE --model-dir out`. Every input either
// parses or throws OptionsError. The scratch folder holds luong-common.inc, so that the recipes'
// `include = luong-common.inc` (seeds) resolves.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>

#include "fuzz_support.h"
#include "nmt/train/options.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::ifstream in(NMT_FUZZ_SOURCE_DIR "/recipes/multi30k/luong-common.inc", std::ios::binary);
  std::ostringstream common;
  common << in.rdbuf();
  nmt::fuzz::write_scratch_file("luong-common.inc", common.str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      nmt::fuzz::write_scratch_file("train.ini", std::string_view(reinterpret_cast<const char*>(data), size));
  const char* argv[] = {"nmt-train", "--config", path.c_str(), "--model-dir", "out"};
  try {
    const nmt::train::ParsedCommandLine parsed = nmt::train::parse_train_command_line(5, argv);
    NMT_FUZZ_CHECK(parsed.options.effective.at("model-dir") == "out");
  } catch (const nmt::train::OptionsError&) {
    // The documented failure: a message naming the option, file or line.
  }
  return 0;
}
