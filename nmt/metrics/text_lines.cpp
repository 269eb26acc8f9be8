// Reading text files with sacreBLEU 2.6.0's semantics (utils.smart_open + rstrip). See text_lines.h.
#include "nmt/metrics/text_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "nmt/metrics/errors.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {

TextLines split_text_lines(std::string data, std::string name, bool universal_newlines) {
  if (universal_newlines && data.find('\r') != std::string::npos) {
    std::string unified;
    unified.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i] != '\r') {
        unified.push_back(data[i]);
      } else {
        unified.push_back('\n');
        if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
      }
    }
    data.swap(unified);
  }
  TextLines result;
  result.name = std::move(name);
  auto storage = std::make_shared<std::string>(std::move(data));
  const std::string_view text(*storage);

  std::size_t line_number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    const std::string_view line = text.substr(begin, end - begin);
    if (const auto bad = find_invalid_utf8(line)) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(line[*bad]));
      throw MetricsError(result.name + ": line " + std::to_string(line_number) +
                         ": invalid UTF-8 (byte " + byte + " at byte " + std::to_string(*bad + 1) +
                         " of the line); the file must be UTF-8 text");
    }
    result.lines.push_back(python_rstrip(line));
    begin = end + 1;
  }
  result.storage = std::move(storage);
  return result;
}

TextLines read_text_lines(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw MetricsError("cannot open '" + path + "': " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    throw MetricsError("cannot read '" + path + "': it is a directory, not a text file");
  }
  std::string data;
  if (info.st_size > 0) data.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw MetricsError("cannot read '" + path + "': " + std::strerror(error));
    }
    data.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return split_text_lines(std::move(data), path);
}

TextLines read_text_lines(std::istream& in, std::string name, bool universal_newlines) {
  std::string data(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw MetricsError("cannot read " + name);
  return split_text_lines(std::move(data), std::move(name), universal_newlines);
}

}  // namespace nmt::metrics
