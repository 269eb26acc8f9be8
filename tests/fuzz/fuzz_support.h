// What the fuzz targets share: a scratch folder for the readers that take a path, and the small
// SentencePiece model of tests/fuzz/data (400 pieces with byte fallback, trained on 100 lines of
// each Multi30k language in tests/data; README "Fuzzing" has the command).
//
// A target's contract is the library's: every input either works or throws the error type the
// library documents, with a message. Anything else (a crash, a sanitizer report, another
// exception type escaping, a broken invariant checked with NMT_FUZZ_CHECK) is a finding.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/subword_model.h"

namespace nmt::fuzz {

// Aborts (a finding) with the condition's text when it does not hold.
#define NMT_FUZZ_CHECK(condition)                                                           \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// A folder of this process's own under /dev/shm (memory, so writing a file per input is cheap),
// removed at exit.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      const char* base = std::getenv("NMT_FUZZ_SCRATCH");
      path = std::filesystem::path(base ? base : "/dev/shm") / ("nmt-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes bytes to scratch_dir()/name (plain write, no fsync) and returns the path.
inline std::string write_scratch_file(const std::string& name, std::string_view bytes) {
  const std::string path = (scratch_dir() / name).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  NMT_FUZZ_CHECK(fd >= 0);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    NMT_FUZZ_CHECK(wrote > 0);
    done += static_cast<std::size_t>(wrote);
  }
  ::close(fd);
  return path;
}

inline std::shared_ptr<const text::SubwordModel> fuzz_subword_model() {
  static const auto model =
      std::make_shared<const text::SubwordModel>(text::SubwordModel::load(NMT_FUZZ_DATA_DIR "/subword.model"));
  return model;
}

}  // namespace nmt::fuzz
