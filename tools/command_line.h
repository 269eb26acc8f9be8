// The command line of the tools that read it by hand (nmt-average, nmt-plot, nmt-bench,
// nmt-model-info): arguments taken one at a time, and the same errors everywhere ("-o needs a
// value", "--last needs a positive whole number, not 'x'", "unknown option '--jsn'"), which each
// tool prints after its name, with its usage, and exits 2.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace nmt::tools {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CommandLine {
 public:
  CommandLine(int argc, char** argv) : args_(argv + 1, argv + argc) {}

  bool empty() const { return next_ >= args_.size(); }
  std::string next() { return args_.at(next_++); }

  // The argument after `option`, its value.
  std::string value(const std::string& option) {
    if (empty()) throw UsageError(option + " needs a value");
    return next();
  }
  int positive_integer(const std::string& option) {
    const std::string text = value(option);
    std::size_t used = 0;
    int number = 0;
    try {
      number = std::stoi(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || number < 1)
      throw UsageError(option + " needs a positive whole number, not '" + text + "'");
    return number;
  }

  static bool is_option(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }
  static UsageError unknown(const std::string& arg) { return UsageError("unknown option '" + arg + "'"); }

 private:
  std::vector<std::string> args_;
  std::size_t next_ = 0;
};

}  // namespace nmt::tools
