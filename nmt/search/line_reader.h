// LineReader: lines from a file descriptor, for a translator that must answer a person typing as
// well as stream a large file. next_batch() waits for one line, then takes only what is already
// there (poll with timeout 0) up to a maximum, so an interactive line is translated at once while
// a file or a fast pipe still fills whole batches. Reads with read(2) into its own buffer (a
// std::istream's buffer would hide waiting input from poll). The last line needs no newline; a
// "\r\n" ending loses its "\r".
//
// With max_line_bytes, a longer line is cut there (at a UTF-8 character boundary) and the rest of it
// is read and dropped as it comes, never kept: memory does not grow with a line's length.
// full_bytes() tells the caller each line's length before the cut (for its warning).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nmt {

class LineReader {
 public:
  // `name` is for messages ("<stdin>" or the file's path).
  // max_line_bytes 0 = no limit.
  explicit LineReader(int fd, std::string name = "<stdin>", std::size_t max_line_bytes = 0)
      : fd_(fd), name_(std::move(name)), max_line_bytes_(max_line_bytes) {}

  // Clears `lines` and fills it with 1 to max_lines lines; returns false at the end of input
  // (lines empty). Throws std::runtime_error naming the input and the system's reason if reading
  // fails.
  bool next_batch(std::vector<std::string>& lines, std::size_t max_lines);

  std::size_t lines_read() const { return lines_read_; }
  // The bytes of each line of the last batch before any cut (its newline not counted): larger than
  // the line's size where max_line_bytes cut it.
  const std::vector<std::size_t>& full_bytes() const { return full_bytes_; }
  // Memory held for input that is not returned yet (its high-water mark: capacity never shrinks).
  std::size_t buffered_bytes() const { return buffer_.capacity() + cut_line_.capacity(); }

 private:
  bool take_line(std::vector<std::string>& lines);  // a complete line from the buffer, if any
  bool fill(bool block);  // reads more; false when nothing came (EOF, or would block)
  bool input_waiting() const;

  void emit(std::vector<std::string>& lines, std::string line, std::size_t full_bytes);

  int fd_;
  std::string name_;
  std::size_t max_line_bytes_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  // A line longer than max_line_bytes_ whose end has not come yet: its first bytes, and how many
  // bytes it has had so far (those dropped included).
  bool cutting_ = false;
  std::string cut_line_;
  std::size_t cut_line_bytes_ = 0;
  std::vector<std::size_t> full_bytes_;
  bool eof_ = false;
  std::size_t lines_read_ = 0;
};

}  // namespace nmt
