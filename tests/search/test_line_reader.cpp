// LineReader: answers what is there without waiting for more (nmt/search/line_reader.h).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "nmt/search/line_reader.h"

using namespace nmt;

namespace {

struct Pipe {
  int read_end = -1, write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    close_write();
    ::close(read_end);
  }
  void write(const std::string& s) const { REQUIRE(::write(write_end, s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
};

// next_batch on another thread, failing (not hanging) when it waits longer than a second; closing
// the pipe then lets the thread finish.
std::vector<std::string> batch_within_a_second(LineReader& reader, Pipe& pipe, std::size_t max_lines, bool* more) {
  auto result = std::async(std::launch::async, [&] {
    std::vector<std::string> lines;
    *more = reader.next_batch(lines, max_lines);
    return lines;
  });
  if (result.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    FAIL_CHECK("next_batch waited for input that was not needed");
    pipe.close_write();
  }
  return result.get();
}

}  // namespace

TEST_CASE("a waiting line is returned at once, without waiting for the batch to fill") {
  Pipe pipe;
  LineReader reader(pipe.read_end);
  bool more = false;
  pipe.write("ein Hund\n");
  auto lines = batch_within_a_second(reader, pipe, 32, &more);
  CHECK(more);
  CHECK(lines == std::vector<std::string>{"ein Hund"});
  // Several waiting lines come together, up to the maximum.
  pipe.write("a\nb\r\n\nc\n");
  lines = batch_within_a_second(reader, pipe, 3, &more);
  CHECK(lines == std::vector<std::string>{"a", "b", ""});
  lines = batch_within_a_second(reader, pipe, 3, &more);
  CHECK(lines == std::vector<std::string>{"c"});
  // A partial line waits for its newline or the end of input; the last line needs no newline.
  pipe.write("d");
  pipe.close_write();
  lines = batch_within_a_second(reader, pipe, 3, &more);
  CHECK(more);
  CHECK(lines == std::vector<std::string>{"d"});
  lines = batch_within_a_second(reader, pipe, 3, &more);
  CHECK_FALSE(more);
  CHECK(lines.empty());
  CHECK(reader.lines_read() == 6);
}

TEST_CASE("long input is read in full batches, every line once, in order") {
  Pipe pipe;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  auto writer = std::async(std::launch::async, [&] {
    pipe.write(text);
    pipe.close_write();
  });
  LineReader reader(pipe.read_end);
  std::vector<std::string> all, lines;
  while (reader.next_batch(lines, 64)) {
    CHECK(lines.size() <= 64);
    all.insert(all.end(), lines.begin(), lines.end());
  }
  writer.get();
  REQUIRE(all.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(all[i] == "line " + std::to_string(i));
}

TEST_CASE("a line longer than max_line_bytes is cut at a character boundary; the rest is dropped as it comes") {
  Pipe pipe;
  std::string huge;  // 20 MB of a two-byte character, then a CRLF ending
  for (int i = 0; i < 10'000'000; ++i) huge += "\xc3\xa4";
  auto writer = std::async(std::launch::async, [&] {
    pipe.write("kurz\n" + huge + "\r\nnach\n" + huge);  // the last line has no newline
    pipe.close_write();
  });
  LineReader reader(pipe.read_end, "<pipe>", 1001);
  std::vector<std::string> all, lines;
  std::vector<std::size_t> full;
  while (reader.next_batch(lines, 64)) {
    REQUIRE(reader.full_bytes().size() == lines.size());
    all.insert(all.end(), lines.begin(), lines.end());
    full.insert(full.end(), reader.full_bytes().begin(), reader.full_bytes().end());
  }
  writer.get();
  REQUIRE(all.size() == 4);
  CHECK(all[0] == "kurz");
  CHECK(all[1] == huge.substr(0, 1000));  // 1001 would split a character
  CHECK(all[2] == "nach");
  CHECK(all[3] == huge.substr(0, 1000));
  CHECK(full == std::vector<std::size_t>{4, huge.size() + 1, 4, huge.size()});  // (the cut line keeps its "\r" in the count)
  CHECK(reader.lines_read() == 4);
  // Memory did not grow with the line: the 20 MB never sat in the buffer.
  CHECK(reader.buffered_bytes() < 1'000'000);
  // Without a limit, lines are whole.
  Pipe again;
  auto writer2 = std::async(std::launch::async, [&] {
    again.write(huge.substr(0, 4000) + "\n");
    again.close_write();
  });
  LineReader whole(again.read_end, "<pipe>");
  REQUIRE(whole.next_batch(lines, 64));
  writer2.get();
  CHECK(lines == std::vector<std::string>{huge.substr(0, 4000)});
  CHECK(whole.full_bytes() == std::vector<std::size_t>{4000});
}
