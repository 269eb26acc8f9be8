// Running a command-line tool from a test: its stdin, stdout and stderr through pipes, a deadline
// after which it is killed (so a test never hangs), and line-by-line conversation for streaming.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace nmt::testing {

// A tool test's scratch folder, NMT_BINARY_DIR/tool_tests_scratch/NAME, emptied on the first call
// of the test program and kept for its other calls (the files of a failed run stay to look at).
#ifdef NMT_BINARY_DIR
inline std::string tool_scratch(const std::string& name) {
  const auto path = std::filesystem::path(NMT_BINARY_DIR) / "tool_tests_scratch" / name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}
#endif

class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    if (::pipe(in) || ::pipe(out) || ::pipe(err)) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      std::perror("execv");
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~Subprocess() {
    close_stdin();
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
    if (stderr_ >= 0) ::close(stderr_);
  }

  void write(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(stdin_, text.data() + done, text.size() - done);
      if (n <= 0) throw std::runtime_error("cannot write to the tool's stdin");
      done += static_cast<std::size_t>(n);
    }
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // Reads stdout until it holds a complete line; returns it (without newline), or throws after
  // `seconds`. Stderr is collected meanwhile.
  std::string read_line(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    for (;;) {
      const std::size_t newline = out_.find('\n');
      if (newline != std::string::npos) {
        std::string line = out_.substr(0, newline);
        out_.erase(0, newline + 1);
        return line;
      }
      if (!pump(deadline)) throw std::runtime_error("no line from the tool in time (stderr: " + err_ + ")");
    }
  }

  // Closes stdin, reads everything and waits for the exit; kills the tool after `seconds`.
  int finish(double seconds) {
    close_stdin();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    while (stdout_ >= 0 || stderr_ >= 0)
      if (!pump(deadline)) {
        ::kill(pid_, SIGKILL);
        break;
      }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& out() const { return out_; }
  pid_t pid() const { return pid_; }
  const std::string& err() const { return err_; }

 private:
  // Waits for output until the deadline; false when the deadline passed.
  bool pump(std::chrono::steady_clock::time_point deadline) {
    pollfd fds[2];
    int count = 0;
    if (stdout_ >= 0) fds[count++] = {stdout_, POLLIN, 0};
    if (stderr_ >= 0) fds[count++] = {stderr_, POLLIN, 0};
    if (count == 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int ready = ::poll(fds, count, static_cast<int>(left.count()));
    if (ready <= 0) return ready < 0 && errno == EINTR;
    char buffer[65536];
    for (int i = 0; i < count; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      const bool is_out = fds[i].fd == stdout_;
      if (n > 0) {
        (is_out ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        (is_out ? stdout_ : stderr_) = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  bool waited_ = false;
  std::string out_, err_;
};

struct ToolResult {
  int status;
  std::string out, err;
};

// Runs the tool with `input` on stdin (written from a buffer as the tool reads) and a deadline.
inline ToolResult run_tool(const std::vector<std::string>& argv, const std::string& input, double seconds = 60) {
  Subprocess p(argv);
  // Input larger than a pipe buffer would dead-lock against unread output; tests keep it small
  // or use the streaming interface.
  if (input.size() > 60000) throw std::logic_error("run_tool: input too large for one pipe buffer");
  p.write(input);
  const int status = p.finish(seconds);
  return {status, p.out(), p.err()};
}

}  // namespace nmt::testing
