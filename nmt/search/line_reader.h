// LineReader: lines from a file descriptor, for a translator that must answer a person typing as
// well as stream a large file. next_batch() waits for one line, then takes only what is already
// there (poll with timeout 0) up to a maximum, so an interactive line is translated at once while
// a file or a fast pipe still fills whole batches. Reads with read(2) into its own buffer (a
// std::istream's buffer would hide waiting input from poll). The last line needs no newline; a
// "\r\n" ending loses its "\r".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nmt {

class LineReader {
 public:
  // `name` is for messages ("<stdin>" or the file's path).
  explicit LineReader(int fd, std::string name = "<stdin>") : fd_(fd), name_(std::move(name)) {}

  // Clears `lines` and fills it with 1 to max_lines lines; returns false at the end of input
  // (lines empty). Throws std::runtime_error naming the input and the system's reason if reading
  // fails.
  bool next_batch(std::vector<std::string>& lines, std::size_t max_lines);

  std::size_t lines_read() const { return lines_read_; }

 private:
  bool take_line(std::vector<std::string>& lines);  // a complete line from the buffer, if any
  bool fill(bool block);  // reads more; false when nothing came (EOF, or would block)
  bool input_waiting() const;

  int fd_;
  std::string name_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  bool eof_ = false;
  std::size_t lines_read_ = 0;
};

}  // namespace nmt
