// Reading hypothesis and reference files exactly as sacreBLEU 2.6.0's command line does.
//
// sacreBLEU opens files with utils.smart_open(..., encoding='utf-8', newline="\n") and does
// `line.rstrip()` on every line it reads, so:
//   - lines end at "\n" only (a lone "\r" or U+2028 does not end a line);
//   - a final "\n" does not start an extra, empty line; a missing final "\n" loses nothing;
//   - each line is then right-stripped of Python whitespace (which removes the "\r" of CRLF files,
//     trailing tabs, U+00A0, U+3000 ...); leading whitespace is kept;
//   - the bytes must be strict UTF-8, or Python stops with a UnicodeDecodeError.
// Here a decoding error, a missing or unreadable file become a MetricsError naming the file (and
// the line, for UTF-8 errors).
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::metrics {

struct TextLines {
  std::string name;                     // the file name used in messages ("<stdin>" for stdin)
  std::vector<std::string_view> lines;  // right-stripped lines, views into storage
  std::shared_ptr<const std::string> storage;

  std::size_t size() const { return lines.size(); }
  std::string_view operator[](std::size_t i) const { return lines[i]; }
};

// Splits already-read bytes into lines (the rules above). Throws MetricsError on invalid UTF-8.
// With universal_newlines, "\r\n" and a lone "\r" end lines too (what Python's default text
// mode does; sacreBLEU reads standard input that way).
TextLines split_text_lines(std::string data, std::string name, bool universal_newlines = false);

// Reads a file. Throws MetricsError when it is missing, unreadable, a directory, or not UTF-8.
TextLines read_text_lines(const std::string& path);

// Reads a whole stream (e.g. std::cin) under the given name.
TextLines read_text_lines(std::istream& in, std::string name, bool universal_newlines = false);

}  // namespace nmt::metrics
