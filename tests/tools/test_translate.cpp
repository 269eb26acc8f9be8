// nmt-translate end to end: a tiny randomly initialised Transformer saved through the model-file
// API (its output is nonsense, but every property tested here holds for any model): one line out
// per line in, empty lines, invalid UTF-8, over-long lines, streaming, n-best, alignments,
// heatmaps, batch invariance and errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "nmt/models/model_file.h"
#include "subprocess.h"
#include "tiny_model.h"
#include "tokenizer/subword_model.h"

using namespace nmt;
using namespace nmt::testing;

namespace {

const std::string kTool = NMT_BINARY_DIR "/bin/nmt-translate";

std::string scratch() {
  static const std::string dir = tool_scratch("translate");
  return dir;
}

// A model file with a 1-layer, 32-wide Transformer and a joint vocabulary of a few hundred
// pieces; max_positions 40, so that long lines must be cut.
const std::string& model_path() {
  static const std::string path = [] {
    const std::string file = scratch() + "/tiny.model";
    write_tiny_model(file);
    return file;
  }();
  return path;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ToolResult translate(const std::vector<std::string>& options, const std::string& input) {
  std::vector<std::string> argv{kTool, "-m", model_path(), "--threads", "1"};
  argv.insert(argv.end(), options.begin(), options.end());
  return run_tool(argv, input);
}

const std::string kInput =
    "Ein Hund läuft durch den Schnee.\n"
    "\n"
    "Zwei Männer spielen Fußball auf einer Wiese.\n"
    "   \n"
    "Eine Frau mit einem roten Hut.\n"
    "Kinder.\n";

}  // namespace

TEST_CASE("one line out per line in, in order; empty lines stay empty; batching changes nothing") {
  const ToolResult r = translate({"--beam", "3", "--max-length", "12"}, kInput);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[1].empty());
  CHECK(lines[3].empty());
  CHECK_FALSE(lines[0].empty());
  // Each line alone, in batches of one, or without the last newline: the same translations.
  const ToolResult one = translate({"--beam", "3", "--max-length", "12", "--batch", "1"}, kInput);
  CHECK(one.out == r.out);
  const ToolResult single = translate({"--beam", "3", "--max-length", "12"}, "Zwei Männer spielen Fußball auf einer Wiese.");
  CHECK(split_lines(single.out) == std::vector<std::string>{lines[2]});
  // -i FILE reads the same.
  const std::string file = scratch() + "/input.de";
  std::ofstream(file) << kInput;
  CHECK(translate({"--beam", "3", "--max-length", "12", "-i", file}, "").out == r.out);
}

TEST_CASE("invisible characters are deleted before translation: alone they make an empty line") {
  const std::string plain = "Eine Frau mit einem roten Hut.\nKinder spielen.\n";
  const std::string invisible = std::string("\0\0\0\n", 4) + "\xE2\x80\x8B\xE2\x80\xAE\xE2\x81\xA6\n" +
                                "Eine Frau mit einem ro\xE2\x80\x8Bten Hut.\nKinder\xE2\x80\xAE spielen\xE2\x80\xAC.\n";
  const ToolResult a = translate({"--beam", "2", "--max-length", "10"}, plain);
  const ToolResult b = translate({"--beam", "2", "--max-length", "10"}, invisible);
  REQUIRE_MESSAGE(a.status == 0, a.err);
  REQUIRE_MESSAGE(b.status == 0, b.err);
  CHECK(b.out == "\n\n" + a.out);
}

TEST_CASE("invalid UTF-8 and over-long lines are repaired with a warning naming the line, never fatal") {
  std::string long_line;
  for (int i = 0; i < 60; ++i) long_line += "Hund Katze ";
  const std::string input = "Ein Hund\xff\xfe läuft.\n" + long_line + "\nKinder.\n";
  const ToolResult r = translate({"--beam", "2", "--max-length", "8"}, input);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(split_lines(r.out).size() == 3);
  CHECK(r.err.find("<stdin>:1") != std::string::npos);
  CHECK(r.err.find("UTF-8") != std::string::npos);
  CHECK(r.err.find("<stdin>:2") != std::string::npos);
  CHECK(r.err.find("limit of 39") != std::string::npos);
  CHECK(r.err.find("<stdin>:3: warning: invalid") == std::string::npos);
}

TEST_CASE("a translation cut at the length limit is reported") {
  // --max-length 1 leaves room for EOS only; the untrained model prefers one of its ~600 other
  // pieces, so the output is empty and cut.
  const ToolResult r = translate({"--beam", "2", "--max-length", "1"}, "Kinder spielen.\n");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out == "\n");
  CHECK(r.err.find("<stdin>:1: warning: the translation reached the length limit of 0 subwords") != std::string::npos);
}

TEST_CASE("streaming: each line is answered before the input ends") {
  Subprocess tool({kTool, "-m", model_path(), "--threads", "1", "--beam", "2", "--max-length", "8"});
  tool.write("Ein Hund läuft durch den Schnee.\n");
  const std::string first = tool.read_line(60);  // throws (fails) rather than hangs
  tool.write("\n");
  CHECK(tool.read_line(60).empty());
  tool.write("Ein Hund läuft durch den Schnee.\n");
  CHECK(tool.read_line(60) == first);
  CHECK(tool.finish(60) == 0);
}

TEST_CASE("n-best lists in Moses format, best first") {
  const ToolResult r = translate({"--beam", "4", "--n-best", "3", "--max-length", "10"}, "Ein Hund.\n\nKinder spielen.\n");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 7);  // 3 + 1 (the empty line) + 3
  // id ||| text ||| features ||| score, as --help promises.
  const std::regex moses(R"((\d+) \|\|\| (.*) \|\|\| LogProb= (-?[0-9.]+) Length= (\d+) \|\|\| (-?[0-9.]+))");
  std::vector<int> ids;
  std::vector<double> scores;
  for (const auto& line : lines) {
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_match(line, m, moses), line);
    ids.push_back(std::stoi(m[1]));
    scores.push_back(std::stod(m[5]));
    // The default --normalize average: the score is the log-probability per subword (EOS included).
    const int length = std::stoi(m[4]);
    CHECK(std::stod(m[5]) == doctest::Approx(length ? std::stod(m[3]) / length : 0.0).epsilon(1e-3));
  }
  CHECK(lines[3] == "1 |||  ||| LogProb= 0.0000 Length= 0 ||| 0.0000");
  CHECK(ids == std::vector<int>{0, 0, 0, 1, 2, 2, 2});
  CHECK(scores[0] >= scores[1]);
  CHECK(scores[1] >= scores[2]);
  CHECK(scores[4] >= scores[5]);
  CHECK(scores[5] >= scores[6]);
}

TEST_CASE("alignments, attention weights and SVG heatmaps") {
  const std::string svg_dir = scratch() + "/svg";
  const ToolResult r = translate({"--beam", "2", "--max-length", "8", "--alignment", "--attention",
                                  "--attention-svg", svg_dir}, "Ein Hund.\n\nKinder spielen im Park.\n");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == " |||  ||| ");
  for (int i : {0, 2}) {
    const auto first = lines[i].find(" ||| "), second = lines[i].find(" ||| ", first + 5);
    REQUIRE(second != std::string::npos);
    const std::string alignment = lines[i].substr(first + 5, second - first - 5);
    const std::string attention = lines[i].substr(second + 5);
    CHECK(std::regex_match(alignment, std::regex(R"((\d+-\d+)( \d+-\d+)*)")));
    // One attention row per output subword + EOS, each summing to 1.
    std::istringstream rows(attention);
    int row_count = 0;
    for (std::string row; rows >> row; ++row_count) {
      double sum = 0;
      std::istringstream cells(row);
      for (std::string cell; std::getline(cells, cell, ',');) sum += std::stod(cell);
      CHECK(sum == doctest::Approx(1.0).epsilon(0.01));
    }
    int pairs = 1;
    for (char c : alignment) pairs += c == ' ';
    CHECK(row_count == pairs + 1);
  }
  CHECK(std::filesystem::exists(svg_dir + "/line-000001.svg"));
  CHECK_FALSE(std::filesystem::exists(svg_dir + "/line-000002.svg"));
  std::ifstream svg(svg_dir + "/line-000003.svg");
  std::stringstream content;
  content << svg.rdbuf();
  CHECK(content.str().find("<svg") != std::string::npos);
  CHECK(content.str().find("</svg>") != std::string::npos);
}

TEST_CASE("--positions: an empty field for a model that predicts no attention centre") {
  const ToolResult r = translate({"--max-length", "6", "--positions"}, "Ein Hund.\n");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].size() > 5);
  CHECK(lines[0].substr(lines[0].size() - 5) == " ||| ");
}

TEST_CASE("errors name what is wrong and exit non-zero") {
  ToolResult r = run_tool({kTool, "-m", scratch() + "/missing.model"}, "Hallo\n");
  CHECK(r.status == 1);
  CHECK(r.err.find("missing.model") != std::string::npos);
  r = run_tool({kTool, "-m", model_path(), "--bogus"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--bogus") != std::string::npos);
  r = run_tool({kTool, model_path()}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("unexpected argument '" + model_path() + "'") != std::string::npos);
  r = run_tool({kTool}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--model") != std::string::npos);
  r = translate({"--normalize", "mean"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--normalize") != std::string::npos);
  r = translate({"--beam", "2", "--n-best", "3"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--n-best") != std::string::npos);
  r = translate({"-i", scratch() + "/no-such-input.de"}, "");
  CHECK(r.status == 1);
  CHECK(r.err.find("no-such-input.de") != std::string::npos);
  r = run_tool({kTool, "--help"}, "");
  CHECK(r.status == 0);
  CHECK(r.out.find("--attention-svg") != std::string::npos);
}

TEST_CASE("--precision int8: one line per line, batching changes nothing, the AVX2 kernel translates alike") {
  const ToolResult r = translate({"--beam", "3", "--max-length", "12", "--precision", "int8", "--stats"}, kInput);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[1].empty());
  CHECK_FALSE(lines[0].empty());
  CHECK(r.err.find("int8") != std::string::npos);  // --stats: the int8 GFLOP
  const ToolResult one = translate({"--beam", "3", "--max-length", "12", "--precision", "int8", "--batch", "1"}, kInput);
  CHECK(one.out == r.out);
  // the kernels compute the same integers: a CPU without VNNI translates the same
  ::setenv("NMT_INT8_KERNEL", "avx2", 1);
  const ToolResult avx2 = translate({"--beam", "3", "--max-length", "12", "--precision", "int8"}, kInput);
  ::unsetenv("NMT_INT8_KERNEL");
  CHECK(avx2.out == r.out);
  const ToolResult bad = translate({"--precision", "int4"}, "");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--precision") != std::string::npos);
}

TEST_CASE("-m twice: an ensemble of the model with itself translates as the model") {
  const ToolResult single = translate({"--beam", "3", "--max-length", "12"}, kInput);
  REQUIRE_MESSAGE(single.status == 0, single.err);
  const ToolResult both = translate({"--beam", "3", "--max-length", "12", "-m", model_path()}, kInput);
  REQUIRE_MESSAGE(both.status == 0, both.err);
  CHECK(both.out == single.out);
}

TEST_CASE("--batch-tokens: the same translations with and without the budget on tests/data, in order") {
  const std::string file = NMT_TEST_DATA_DIR "/multi30k/val.de";
  const std::vector<std::string> common{"--beam", "2", "--max-length", "12", "-i", file};
  auto with = [&](std::vector<std::string> options) {
    options.insert(options.end(), common.begin(), common.end());
    const ToolResult r = translate(options, "");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    return r.out;
  };
  const std::string unbounded = with({"--batch-tokens", "0"});
  CHECK(split_lines(unbounded).size() == 200);
  CHECK(with({}) == unbounded);                                         // the default budget
  CHECK(with({"--batch-tokens", "60"}) == unbounded);                   // 1 to 5 sentences per batch
  CHECK(with({"--batch-tokens", "1", "--batch", "7"}) == unbounded);    // one sentence per batch
  const ToolResult r = translate({"--batch-tokens", "-1"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--batch-tokens") != std::string::npos);
}

TEST_CASE("a huge line is cut while it is read: a warning naming the line and its bytes, the rest translated") {
  // The tiny model takes 39 subwords, so lines are read up to 39 x 64 bytes.
  std::string huge;
  while (huge.size() < 3'000'000) huge += "Ein Hund läuft durch den Schnee. ";
  const std::string file = scratch() + "/huge-line.de";
  std::ofstream(file) << "Kinder spielen.\n" << huge << "\nEin Hund.\n";
  const ToolResult r = translate({"--beam", "2", "--max-length", "12", "-i", file}, "");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(r.err.find(file + ":2: warning: " + std::to_string(huge.size()) + " bytes") != std::string::npos);
  const auto cut = r.err.find("bytes, more than the model's limit of 39 subwords");  // once, for line 2
  CHECK(cut != std::string::npos);
  CHECK(r.err.find("bytes, more than", cut + 1) == std::string::npos);
  // The same translation as the line's beginning, which the model cuts at 39 subwords anyway.
  const ToolResult start = translate({"--beam", "2", "--max-length", "12"}, huge.substr(0, 1000) + "\n");
  CHECK(split_lines(start.out) == std::vector<std::string>{lines[1]});
  CHECK(start.err.find("limit of 39") != std::string::npos);
  // The lines around it are translated as they are alone.
  CHECK(split_lines(translate({"--beam", "2", "--max-length", "12"}, "Ein Hund.\n").out)[0] == lines[2]);
}
