#include "nmt/train/file_fingerprint.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace nmt::train {

std::string FileFingerprint::checksum_hex() const {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a64));
  return text;
}

FileFingerprint fingerprint_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  FileFingerprint f;
  f.name = std::filesystem::path(path).filename().string();
  f.fnv1a64 = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  std::vector<unsigned char> buffer(1 << 20);
  while (std::size_t got = std::fread(buffer.data(), 1, buffer.size(), file)) {
    for (std::size_t i = 0; i < got; ++i) {
      f.fnv1a64 = (f.fnv1a64 ^ buffer[i]) * 0x100000001b3ull;  // FNV prime
      f.lines += buffer[i] == '\n';
    }
    f.bytes += got;
  }
  const bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) throw std::runtime_error("cannot read '" + path + "'");
  return f;
}

std::map<std::string, std::string> recorded_options(const std::map<std::string, std::string>& effective) {
  std::map<std::string, std::string> recorded = effective;
  for (const char* folder : {"data-dir", "model-dir"}) recorded.erase(folder);
  for (const char* option : {"train-source", "train-target", "valid-source", "valid-target", "vocab", "init-from"}) {
    auto it = recorded.find(option);
    if (it == recorded.end() || it->second.empty()) continue;
    const FileFingerprint f = fingerprint_file(it->second);
    it->second = f.name;
    recorded[std::string(option) + "-lines"] = std::to_string(f.lines);
    recorded[std::string(option) + "-bytes"] = std::to_string(f.bytes);
    recorded[std::string(option) + "-fnv1a64"] = f.checksum_hex();
  }
  if (auto it = recorded.find("config"); it != recorded.end())
    it->second = std::filesystem::path(it->second).filename().string();
  return recorded;
}

}  // namespace nmt::train
