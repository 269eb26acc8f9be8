#include "nmt/train/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "nmt/models/model_file.h"

namespace nmt::train {

RunDirectoryLock::RunDirectoryLock(const std::filesystem::path& dir) {
  const std::string path = (dir / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw std::runtime_error("--model-dir: cannot create '" + path + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      std::string pid = got > 0 ? std::string(holder, static_cast<std::size_t>(got)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw std::runtime_error("--model-dir: another nmt-train (process " + pid + ") is training in '" +
                               dir.string() + "'; wait for it to end, or give another --model-dir");
    }
    throw std::runtime_error("--model-dir: cannot lock '" + path + "': " + std::strerror(error));
  }
  // Who holds it, for the message above (the lock itself is the flock, not this text).
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the note.
  }
}

RunDirectoryLock::~RunDirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

int remove_stale_temporary_files(const std::filesystem::path& dir) {
  static const std::regex temporary(R"(\..+\.tmp-[A-Za-z0-9]{6})");
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || !std::regex_match(entry.path().filename().string(), temporary)) continue;
    if (std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

std::size_t truncate_log(const std::filesystem::path& log, int64_t update) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return 0;
  std::stringstream whole;
  whole << in.rdbuf();
  const std::string text = whole.str();
  std::string kept;
  std::size_t removed = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {  // torn
      ++removed;
      break;
    }
    const std::string_view line(text.data() + start, end - start + 1);
    start = end + 1;
    static constexpr std::string_view key = "\"update\": ";
    if (const std::size_t at = line.find(key); at != std::string_view::npos) {
      if (std::strtoll(line.data() + at + key.size(), nullptr, 10) > update) {
        ++removed;
        continue;
      }
    }
    kept += line;
  }
  if (removed > 0) write_file_atomically(log.string(), kept);
  return removed;
}

}  // namespace nmt::train
