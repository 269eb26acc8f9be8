// Fuzz target: the payload of a model file (the Boost archive of configuration, vocabulary and
// parameters), framed with a correct header and checksum so that every input reaches the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "nmt/models/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = (nmt::fuzz::scratch_dir() / "payload.nmt").string();
  const nmt::FileFormat format{"NMTMODEL", nmt::kModelFileVersion, "model file"};
  nmt::write_framed_file(path, format, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    nmt::inspect_model_file(path);
    nmt::load_model(path);
  } catch (const nmt::ModelFileError&) {
    // The documented failure: a message naming the file and what is wrong.
  }
  return 0;
}
