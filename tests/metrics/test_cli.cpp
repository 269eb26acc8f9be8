// nmt-bleu end to end: the text lines, JSON objects and per-segment lines sacreBLEU 2.6.0 prints
// for the shared test vectors, standard input, and the errors (different line counts, empty or
// missing files, invalid UTF-8, unknown options) with their messages and exit statuses.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "json.h"
#include "test_support.h"

namespace nmt::metrics::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTool = NMT_BINARY_DIR "/bin/nmt-bleu";

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// A scratch folder for this test process.
const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("nmt-bleu-test-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string write_file(const std::string& name, const std::string& content) {
  const fs::path path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

// Runs nmt-bleu with `args` (shell words) inside the test-vector folder.
RunResult run_tool(const std::string& args, const std::string& stdin_path = "") {
  REQUIRE_MESSAGE(fs::exists(kTool), "build nmt-bleu first: " << kTool << " is missing");
  const std::string out = (scratch_dir() / "stdout").string();
  const std::string err = (scratch_dir() / "stderr").string();
  std::string command = "cd '" + testdata_dir() + "' && '" + kTool + "' " + args + " > '" + out +
                        "' 2> '" + err + "'";
  if (!stdin_path.empty()) command += " < '" + stdin_path + "'";
  const int status = std::system(command.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_whole_file(out);
  r.err = read_whole_file(err);
  return r;
}

const Json& manifest() {
  static const Json json = Json::parse(read_whole_file(testdata_dir() + "/cases.json"));
  return json;
}

const Json& find_case(const std::string& id) {
  for (const Json& c : manifest()["cases"].as_array())
    if (c["id"].as_string() == id) return c;
  FAIL("no case " << id);
  throw;
}

// Arguments naming a case's files: "REF [REF ...] -i HYP".
std::string files_of(const Json& c) {
  std::string args;
  for (const auto& r : c["refs"].as_array()) args += r.as_string() + " ";
  return args + "-i " + c["hyp"].as_string();
}

TEST_CASE("nmt-bleu prints sacreBLEU's text line for every metric") {
  for (const char* id : {"s02_drop_words_en", "s14_two_refs_en", "s23_unicode_punct", "s25_chinese"}) {
    const Json& c = find_case(id);
    for (const char* check : {"bleu_13a", "bleu_intl", "bleu_zh", "bleu_13a_smooth_addk", "chrf",
                              "chrf_pp", "ter"}) {
      const std::string cli = manifest()["checks"][check]["cli"].as_string();
      const RunResult r = run_tool(files_of(c) + " " + cli + " -f text -w 2");
      CHECK_MESSAGE(r.exit_code == 0, id << " " << check << ": " << r.err);
      CHECK(r.out == c["corpus"][check]["text"].as_string() + "\n");
    }
  }
}

TEST_CASE("nmt-bleu aligns several metrics at '=' like sacreBLEU's print_single_results") {
  const Json& c = find_case("s14_two_refs_en");
  const RunResult r = run_tool(files_of(c) + " -m ter bleu chrf -f text -w 2");
  REQUIRE(r.exit_code == 0);
  const auto lines = split_on(r.out, '\n');
  REQUIRE(lines.size() == 4);  // three lines and the final newline
  const std::string texts[] = {c["corpus"]["bleu_13a"]["text"].as_string(),
                               c["corpus"]["chrf"]["text"].as_string(),
                               c["corpus"]["ter"]["text"].as_string()};
  std::size_t width = 0;
  for (const auto& t : texts) width = std::max(width, t.find('=') - 1);
  for (int i = 0; i < 3; ++i)  // BLEU, chrF, TER: sorted by name, as sacreBLEU does
    CHECK(lines[i] == std::string(width - (texts[i].find('=') - 1), ' ') + texts[i]);
}

TEST_CASE("nmt-bleu prints sacreBLEU's JSON by default (width 1)") {
  const Json& c = find_case("s02_drop_words_en");
  const Json& bleu = c["corpus"]["bleu_13a"];
  const std::string text = bleu["text"].as_string();
  const std::string verbose = text.substr(text.find(" = ") + 3 + 6);  // after "69.30 "
  const std::string expected_bleu =
      "{\n"
      " \"name\": \"BLEU\",\n"
      " \"score\": 69.3,\n"
      " \"signature\": \"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0\",\n"
      " \"verbose_score\": \"" + verbose + "\",\n"
      " \"nrefs\": \"1\",\n"
      " \"case\": \"mixed\",\n"
      " \"eff\": \"no\",\n"
      " \"tok\": \"13a\",\n"
      " \"smooth\": \"exp\",\n"
      " \"version\": \"2.6.0\"\n"
      "}";
  RunResult r = run_tool(files_of(c));
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected_bleu + "\n");

  const std::string expected_ter =
      "{\n"
      " \"name\": \"TER\",\n"
      " \"score\": 14.848,\n"
      " \"signature\": \"nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0\",\n"
      " \"nrefs\": \"1\",\n"
      " \"case\": \"lc\",\n"
      " \"tok\": \"tercom\",\n"
      " \"norm\": \"no\",\n"
      " \"punct\": \"yes\",\n"
      " \"asian\": \"no\",\n"
      " \"version\": \"2.6.0\"\n"
      "}";
  r = run_tool(files_of(c) + " -m ter bleu -w 3");
  CHECK(r.exit_code == 0);
  std::string expected_bleu_w3 = expected_bleu;
  expected_bleu_w3.replace(expected_bleu_w3.find("69.3,"), 5, "69.304,");
  CHECK(r.out == "[\n" + expected_bleu_w3 + ",\n" + expected_ter + "\n]\n");
}

TEST_CASE("nmt-bleu -sl prints one sacreBLEU line per segment") {
  const Json& c = find_case("s19_short_no_4gram_en");
  for (const char* check : {"sent_bleu_exp", "sent_bleu_floor", "sent_bleu_addk", "sent_chrf"}) {
    const RunResult r =
        run_tool(files_of(c) + " " + manifest()["checks"][check]["cli"].as_string() + " -w 2");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto lines = split_on(r.out, '\n');
    for (const Json& s : c["sentence"].as_array())
      CHECK(lines.at(static_cast<std::size_t>(s["line"].as_int())) == s[check]["text"].as_string());
  }
}

TEST_CASE("nmt-bleu -b -w 10 and the hypothesis on standard input") {
  const Json& c = find_case("s13_mixed_fr");
  char expected[64];
  std::snprintf(expected, sizeof expected, "%.10f\n", c["corpus"]["bleu_13a"]["score"].as_number());
  RunResult r = run_tool(files_of(c) + " -b -w 10");
  CHECK(r.out == expected);
  r = run_tool(c["refs"][0].as_string() + " -b -w 10", testdata_dir() + "/" + c["hyp"].as_string());
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected);
}

TEST_CASE("nmt-bleu --time reports the elapsed time on standard error") {
  const Json& c = find_case("s01_identical_en");
  const RunResult r = run_tool(files_of(c) + " -b --time");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "100.0\n");
  CHECK(r.err.find("nmt-bleu: time: ") != std::string::npos);
}

TEST_CASE("nmt-bleu errors name the file and exit non-zero") {
  const std::string three = write_file("three.txt", "a b c\nd e f\ng h i\n");
  const std::string two = write_file("two.txt", "a b c\nd e f\n");
  const std::string empty = write_file("empty.txt", "");
  const std::string bad = write_file("bad.txt", "fine line\nbroken \xC3\x28 line\nfine\n");

  SUBCASE("different line counts") {
    const RunResult r = run_tool(two + " -i " + three);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nmt-bleu: error: ") == 0);
    CHECK(r.err.find(three) != std::string::npos);
    CHECK(r.err.find(two) != std::string::npos);
    CHECK(r.err.find("3 lines") != std::string::npos);
  }
  SUBCASE("empty hypothesis file") {
    const RunResult r = run_tool(two + " -i " + empty);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nmt-bleu: error: " + empty + " is empty") == 0);
  }
  SUBCASE("missing file") {
    const RunResult r = run_tool(two + " -i no-such-file.txt");
    CHECK(r.exit_code == 1);
    CHECK(r.err == "nmt-bleu: error: cannot open 'no-such-file.txt': No such file or directory\n");
    const RunResult r2 = run_tool("no-such-ref.txt -i " + two);
    CHECK(r2.exit_code == 1);
    CHECK(r2.err.find("no-such-ref.txt") != std::string::npos);
  }
  SUBCASE("a directory") {
    const RunResult r = run_tool(two + " -i " + scratch_dir().string());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is a directory") != std::string::npos);
  }
  SUBCASE("invalid UTF-8, in the hypothesis or a reference") {
    RunResult r = run_tool(three + " -i " + bad);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nmt-bleu: error: " + bad + ": line 2: invalid UTF-8") == 0);
    r = run_tool(bad + " -i " + three);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(bad + ": line 2: invalid UTF-8") != std::string::npos);
    r = run_tool(three, bad);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("<stdin>: line 2: invalid UTF-8") != std::string::npos);
  }
  SUBCASE("unknown option, bad values, no references") {
    RunResult r = run_tool(two + " -i " + two + " --bogus");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nmt-bleu: error: unrecognized option: --bogus") != std::string::npos);
    r = run_tool(two + " -i " + two + " -tok xyz");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("invalid choice: 'xyz'") != std::string::npos);
    r = run_tool(two + " -i " + two + " -w two");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("-w/--width: invalid int value: 'two'") != std::string::npos);
    r = run_tool(two + " -i " + two + " -m bleu chrf -sl");
    CHECK(r.exit_code == 2);
    r = run_tool("-i " + two);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no reference files") != std::string::npos);
  }
}

TEST_CASE("nmt-bleu -nr reads tab-separated references from one file") {
  const Json& c = find_case("s14_two_refs_en");
  const auto ref0 = split_on(read_whole_file(testdata_dir() + "/" + c["refs"][0].as_string()), '\n');
  const auto ref1 = split_on(read_whole_file(testdata_dir() + "/" + c["refs"][1].as_string()), '\n');
  REQUIRE(ref0.size() == ref1.size());
  std::string joined;
  for (std::size_t i = 0; i + 1 < ref0.size(); ++i) joined += ref0[i] + "\t" + ref1[i] + "\n";
  const std::string refs = write_file("two_refs.tsv", joined);
  RunResult r = run_tool(refs + " -nr 2 -i " + c["hyp"].as_string() + " -m bleu chrf ter -f text -w 2");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(c["corpus"]["bleu_13a"]["text"].as_string()) != std::string::npos);
  CHECK(r.out.find(c["corpus"]["chrf"]["text"].as_string()) != std::string::npos);
  CHECK(r.out.find(c["corpus"]["ter"]["text"].as_string()) != std::string::npos);
  r = run_tool(refs + " -nr 3 -i " + c["hyp"].as_string());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(refs + ": line 1: expected 3 tab-separated references, found 2") != std::string::npos);
}

TEST_CASE("nmt-bleu accepts sacreBLEU's long options and --opt=value") {
  const Json& c = find_case("s20_numbers");
  char expected[64];
  std::snprintf(expected, sizeof expected, "%.10f\n", c["corpus"]["bleu_intl"]["score"].as_number());
  const RunResult r = run_tool(files_of(c) + " --tokenize=intl --metrics bleu --score-only --width 10");
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected);
}

}  // namespace
}  // namespace nmt::metrics::testing

namespace nmt::metrics::testing {

TEST_CASE("nmt-bleu fails (exit 1, naming the reason) when its scores cannot be written") {
  const std::string err = (scratch_dir() / "stderr").string();
  const std::string files = "'" + testdata_dir() + "/s01_identical_en/ref.0.txt'";
  for (const std::string& redirect : {std::string("> /dev/full"), std::string(">&-")}) {
    CAPTURE(redirect);
    const std::string command = "'" + kTool + "' " + files + " -i " + files + " " + redirect + " 2> '" + err + "'";
    const int status = std::system(command.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(read_whole_file(err).find("cannot write the scores to standard output") != std::string::npos);
  }
}

}  // namespace nmt::metrics::testing
