// nmt-shortlist and nmt-quantize end to end, with nmt-translate and nmt-model-info: a model
// without a lexical table translates as before and refuses --shortlist on with a message naming
// nmt-shortlist; nmt-shortlist adds the table (nmt-model-info shows it), after which the shortlist
// is used (auto), batching changes nothing and --shortlist off gives the plain output back;
// nmt-quantize writes a smaller file that nmt-model-info shows as int8 and that translates exactly
// as --precision int8 does with the float model.
#include <doctest/doctest.h>

#include <filesystem>

#include "nmt/tensor/blas.h"
#include "subprocess.h"
#include "tiny_model.h"

using namespace nmt;
using namespace nmt::testing;

namespace {

const std::string kBin = NMT_BINARY_DIR "/bin/";
const std::string kTrain = NMT_TEST_DATA_DIR "/multi30k/train";

std::string scratch() {
  static const std::string dir = tool_scratch("shortlist_quantize");
  return dir;
}

const std::string& float_model() {
  static const std::string path = [] {
    const std::string file = scratch() + "/float.model";
    TinyModel o;
    o.max_positions = 64;
    write_tiny_model(file, o);
    return file;
  }();
  return path;
}

const std::string kInput =
    "Ein Hund läuft durch den Schnee.\n"
    "\n"
    "Zwei Männer spielen Fußball auf einer Wiese.\n"
    "Eine Frau mit einem roten Hut.\n"
    "Kinder spielen im Park.\n"
    "Ein Mann fährt Fahrrad.\n";

ToolResult translate(const std::string& model, std::vector<std::string> options) {
  std::vector<std::string> argv{kBin + "nmt-translate", "-m", model, "--threads", "1", "--beam", "3", "--max-length", "12"};
  argv.insert(argv.end(), options.begin(), options.end());
  return run_tool(argv, kInput);
}

}  // namespace

TEST_CASE("nmt-shortlist adds a lexical table; nmt-translate uses it, or refuses --shortlist on without one") {
  const ToolResult plain = translate(float_model(), {});
  REQUIRE_MESSAGE(plain.status == 0, plain.err);
  const ToolResult refused = translate(float_model(), {"--shortlist", "on"});
  CHECK(refused.status == 1);
  CHECK(refused.err.find("no lexical table") != std::string::npos);
  CHECK(refused.err.find("nmt-shortlist") != std::string::npos);
  const ToolResult info_before = run_tool({kBin + "nmt-model-info", float_model()}, "");
  CHECK(info_before.out.find("lexical table: none") != std::string::npos);

  const std::string with_table = scratch() + "/with-table.model";
  const ToolResult added = run_tool({kBin + "nmt-shortlist", "-m", float_model(), "--train-source", kTrain + ".de",
                                     "--train-target", kTrain + ".en", "-o", with_table},
                                    "");
  REQUIRE_MESSAGE(added.status == 0, added.err);
  CHECK(added.out.find("3000 sentence pairs") != std::string::npos);
  const ToolResult info = run_tool({kBin + "nmt-model-info", with_table}, "");
  REQUIRE(info.status == 0);
  CHECK(info.out.find("lexical table: ") != std::string::npos);
  CHECK(info.out.find("counted from 3000 sentence pairs") != std::string::npos);
  CHECK(run_tool({kBin + "nmt-model-info", "--json", with_table}, "").out.find("\"present\": true") != std::string::npos);

  const ToolResult used = translate(with_table, {"--stats", "--shortlist-top-k", "2", "--shortlist-frequent", "5"});
  REQUIRE_MESSAGE(used.status == 0, used.err);
  CHECK(used.err.find("shortlist of") != std::string::npos);
  CHECK(used.out != plain.out);  // a small shortlist changes this random model's nonsense
  const ToolResult one = translate(with_table, {"--batch", "1", "--shortlist-top-k", "2", "--shortlist-frequent", "5"});
  CHECK(one.out == used.out);
  const ToolResult off = translate(with_table, {"--shortlist", "off"});
  CHECK(off.out == plain.out);
  CHECK(translate(with_table, {"--shortlist", "sometimes"}).status == 2);
  // the old file still loads unchanged; a wrong corpus is named
  const ToolResult bad = run_tool({kBin + "nmt-shortlist", "-m", float_model(), "--train-source", kTrain + ".de",
                                   "--train-target", scratch() + "/missing.en", "-o", with_table},
                                  "");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("missing.en") != std::string::npos);
}

TEST_CASE("nmt-quantize: a smaller int8 file that translates exactly as --precision int8 with the float model") {
  if (!blas::int8_supported()) return;
  const std::string quantized = scratch() + "/int8.model";
  const ToolResult made = run_tool({kBin + "nmt-quantize", float_model(), "-o", quantized}, "");
  REQUIRE_MESSAGE(made.status == 0, made.err);
  CHECK(std::filesystem::file_size(quantized) < std::filesystem::file_size(float_model()));
  const ToolResult info = run_tool({kBin + "nmt-model-info", quantized}, "");
  REQUIRE(info.status == 0);
  CHECK(info.out.find("weights: int8") != std::string::npos);
  CHECK(info.out.find("format version 2") != std::string::npos);
  CHECK(run_tool({kBin + "nmt-model-info", float_model()}, "").out.find("weights: float32") != std::string::npos);

  const ToolResult from_float = translate(float_model(), {"--precision", "int8"});
  REQUIRE_MESSAGE(from_float.status == 0, from_float.err);
  const ToolResult stored = translate(quantized, {"--stats"});  // --precision auto: int8
  REQUIRE_MESSAGE(stored.status == 0, stored.err);
  CHECK(stored.out == from_float.out);
  CHECK(stored.err.find("int8 0.00") == std::string::npos);  // the GEMMs ran in int8 ...
  CHECK(translate(quantized, {"--precision", "int8", "--batch", "1"}).out == from_float.out);
  // ... and a float32 run of the int8 file works too (its weights are q * s)
  CHECK(translate(quantized, {"--precision", "fp32"}).status == 0);
  // a shortlist table added to the int8 file keeps its int8 weights
  const std::string both = scratch() + "/int8-table.model";
  REQUIRE(run_tool({kBin + "nmt-shortlist", "-m", quantized, "--train-source", kTrain + ".de", "--train-target",
                    kTrain + ".en", "-o", both},
                   "")
              .status == 0);
  CHECK(translate(both, {"--shortlist", "off"}).out == from_float.out);
  CHECK(run_tool({kBin + "nmt-quantize", scratch() + "/missing.model", "-o", quantized}, "").status == 1);
  CHECK(run_tool({kBin + "nmt-quantize", float_model()}, "").status == 2);
}
