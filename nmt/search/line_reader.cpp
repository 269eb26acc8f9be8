// Reading lines without waiting for more than is there (see line_reader.h).
#include "nmt/search/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace nmt {

namespace {

// The longest prefix of `text` of at most `bytes` bytes that does not end inside a UTF-8 character:
// the cut moves back while the byte after it is a continuation byte (10xxxxxx).
std::size_t utf8_boundary(std::string_view text, std::size_t bytes) {
  if (bytes >= text.size()) return text.size();
  while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
  return bytes;
}

}  // namespace

void LineReader::emit(std::vector<std::string>& lines, std::string line, std::size_t full_bytes) {
  if (!line.empty() && line.back() == '\r' && line.size() == full_bytes) {
    line.pop_back();
    --full_bytes;
  }
  lines.push_back(std::move(line));
  full_bytes_.push_back(full_bytes);
  ++lines_read_;
}

bool LineReader::take_line(std::vector<std::string>& lines) {
  const std::size_t newline = buffer_.find('\n', start_);
  const bool ends = newline != std::string::npos || (eof_ && (start_ < buffer_.size() || cutting_));
  const std::size_t end = newline != std::string::npos ? newline : buffer_.size();
  if (!cutting_ && max_line_bytes_ > 0 && end - start_ > max_line_bytes_) {
    // Too long (whether or not its end is here): keep the first max_line_bytes_ bytes only.
    cutting_ = true;
    const std::string_view line = std::string_view(buffer_).substr(start_, end - start_);
    cut_line_.assign(line.substr(0, utf8_boundary(line, max_line_bytes_)));
    cut_line_bytes_ = 0;
  }
  if (cutting_) {  // count and drop what is here of the line
    cut_line_bytes_ += end - start_;
    start_ = newline != std::string::npos ? newline + 1 : buffer_.size();
    if (!ends) return false;
    cutting_ = false;
    emit(lines, std::move(cut_line_), cut_line_bytes_);
    cut_line_.clear();
    return true;
  }
  if (!ends) return false;
  emit(lines, buffer_.substr(start_, end - start_), end - start_);
  start_ = newline != std::string::npos ? newline + 1 : buffer_.size();
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
  full_bytes_.clear();
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
