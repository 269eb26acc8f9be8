// The tools that read their command line by hand (tools/command_line.h) report a missing value,
// a bad number and an unknown option alike: the tool's name, the problem, the usage; exit 2.
#include <doctest/doctest.h>

#include "subprocess.h"

using namespace nmt::testing;

TEST_CASE("hand-parsed tools: missing values, bad numbers and unknown options exit 2 naming them") {
  struct Case {
    std::vector<std::string> argv;
    std::string message;
  };
  const std::string bin = NMT_BINARY_DIR "/bin/";
  const std::vector<Case> cases{
      {{bin + "nmt-average", "-o"}, "nmt-average: -o needs a value"},
      {{bin + "nmt-average", "-o", "x.bin", "--last", "3x", "dir"}, "--last needs a positive whole number, not '3x'"},
      {{bin + "nmt-average", "-o", "x.bin", "--lats", "3"}, "nmt-average: unknown option '--lats'"},
      {{bin + "nmt-plot", "-o", "c.svg", "--x", "hours", "log.jsonl"}, "nmt-plot: --x must be updates or minutes"},
      {{bin + "nmt-plot", "--output"}, "nmt-plot: --output needs a value"},
      {{bin + "nmt-bench", "--threads", "0"}, "nmt-bench: --threads needs a positive whole number, not '0'"},
      {{bin + "nmt-bench", "--only"}, "nmt-bench: --only needs a value"},
      {{bin + "nmt-model-info", "a.bin", "b.bin"}, "nmt-model-info: one file at a time"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    const ToolResult r = run_tool(c.argv, "");
    CHECK(r.status == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.err.find("usage: ") != std::string::npos);
  }
}
