// What a model file records of the files a run read, instead of the machine's paths: the file's
// name, its line count, size and an FNV-1a 64 checksum of its bytes. Enough to tell whether two
// models were trained on the same data, and nothing about where it lay.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace nmt::train {

struct FileFingerprint {
  std::string name;  // the file name, without its folder
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t fnv1a64 = 0;
  std::string checksum_hex() const;  // 16 hex digits
};

// Reads the whole file once. Throws std::runtime_error naming the file and the system's reason.
FileFingerprint fingerprint_file(const std::string& path);

// nmt-train's effective options as a model file records them: every path-valued option (data,
// vocabulary, config, initial model) becomes its file name plus "<option>-lines", "-bytes" and
// "-fnv1a64" for files; folders (--data-dir, --model-dir) are left out.
std::map<std::string, std::string> recorded_options(const std::map<std::string, std::string>& effective);

}  // namespace nmt::train
