// Fuzz target: a whole model file as nmt-translate, nmt-model-info and --init-from read it (frame,
// checksum, payload). Most mutations break the checksum; model_payload.cpp fuzzes what lies behind it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "nmt/models/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      nmt::fuzz::write_scratch_file("model.nmt", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    nmt::inspect_model_file(path);
    nmt::load_model(path);
  } catch (const nmt::ModelFileError&) {
    // The documented failure: a message naming the file and what is wrong.
  }
  return 0;
}
