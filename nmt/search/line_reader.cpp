// Reading lines without waiting for more than is there (see line_reader.h).
#include "nmt/search/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace nmt {

bool LineReader::take_line(std::vector<std::string>& lines) {
  const std::size_t newline = buffer_.find('\n', start_);
  std::size_t end;
  if (newline != std::string::npos) {
    end = newline;
  } else if (eof_ && start_ < buffer_.size()) {
    end = buffer_.size();  // the last line, without a newline
  } else {
    return false;
  }
  std::size_t stop = end;
  if (stop > start_ && buffer_[stop - 1] == '\r') --stop;
  lines.emplace_back(buffer_, start_, stop - start_);
  start_ = newline == std::string::npos ? buffer_.size() : newline + 1;
  ++lines_read_;
  return true;
}

bool LineReader::input_waiting() const {
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, 0);
    if (n >= 0) return n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    if (errno != EINTR) return true;  // let read() report the problem
  }
}

bool LineReader::fill(bool block) {
  if (eof_) return false;
  if (!block && !input_waiting()) return false;
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {  // drop consumed bytes now and then
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return true;  // the buffer may now end in a complete last line
    }
    if (errno == EINTR) continue;
    throw std::runtime_error("cannot read '" + name_ + "': " + std::strerror(errno));
  }
}

bool LineReader::next_batch(std::vector<std::string>& lines, std::size_t max_lines) {
  lines.clear();
  // The first line: wait for it.
  while (!take_line(lines)) {
    if (eof_) return false;
    fill(true);
  }
  // More lines: only those already available.
  while (lines.size() < max_lines) {
    if (take_line(lines)) continue;
    if (!fill(false)) break;
  }
  return true;
}

}  // namespace nmt
