// The output guarantees (tokenizer/printable_line.h), end to end: a model whose output bias makes
// it emit byte-fallback pieces of line breaks and control characters, every other byte piece,
// <unk> and the special pieces still gives one output line per input line (K with --n-best K)
// with every output option, and every SVG it draws is well-formed XML. Also the input side
// (tokenizer/normalizer.h, step 0): a line of invisible characters is an empty line.
#include <doctest/doctest.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "nmt/models/model_file.h"
#include "subprocess.h"
#include "tokenizer/special_ids.h"
#include "tokenizer/subword_model.h"
#include "well_formed_xml.h"

using namespace nmt;
using namespace nmt::testing;

namespace {

const std::string kTool = NMT_BINARY_DIR "/bin/nmt-translate";

std::string scratch() {
  static const std::string dir = tool_scratch("output_guarantees");
  return dir;
}

// The pieces the model below emits, in order, then EOS: "▁A", a newline, CR, the C0 controls
// 0x1C, NUL and ESC, DEL, U+0085 (C2 85, a C1 line break), U+2028 LINE SEPARATOR (E2 80 A8),
// U+FFFE (EF BF BE, not allowed in XML), a tab and <unk>.
const std::vector<std::string> kEmitted = {"\xE2\x96\x81" "A", "<0x0A>", "<0x0D>", "<0x1C>", "<0x00>", "<0x1B>",
                                           "<0x7F>", "<0xC2>", "<0x85>", "<0xE2>", "<0x80>", "<0xA8>",
                                           "<0xEF>", "<0xBF>", "<0xBE>", "<0x09>", "<unk>"};

// A Bahdanau RNN whose every step is forced: the readout sees only the previous piece's
// embedding, a one-hot code (BOS and each piece of kEmitted have their own dimension), and the
// output layer's weights send the code of each piece to the next piece of kEmitted (BOS to the
// first, the last to EOS) with a logit of 20. The output bias keeps every other word out (-30)
// and leaves every byte piece, <unk> and EOS at 0, so the other n-best entries hold them.
// Its vocabulary is trained on the first lines of Multi30k, as tiny_model.h's.
const std::string& control_model_path() {
  static const std::string path = [] {
    std::vector<std::string> lines;
    for (const char* name : {"train.de", "train.en"}) {
      std::ifstream in(std::string(NMT_TEST_DATA_DIR "/multi30k/") + name);
      REQUIRE(in.good());
      int n = 0;
      for (std::string line; n < 1500 && std::getline(in, line); ++n) lines.push_back(line);
    }
    text::SubwordTrainingOptions sp;
    sp.vocab_size = 600;
    const auto vocabulary = text::SubwordModel::train_on_lines(lines, sp, text::Normalizer());
    ModelConfig config;
    config.type = "bahdanau";
    config.vocab_size = vocabulary.vocab_size();
    config.embedding_size = 32;
    config.hidden_size = 64;  // readout: 32 units, one per code
    config.cell = "gru";
    config.max_positions = 64;
    Generator init(11);
    auto model = build_model(config, init);
    std::map<std::string, Tensor> p;
    for (Parameter& parameter : model->parameters().all()) p[parameter.name()] = parameter.mutable_value();
    const int64_t V = config.vocab_size, E = config.embedding_size, H = config.hidden_size, R = H / 2;
    std::vector<int32_t> path{text::kBosId};  // the fed pieces: BOS, then kEmitted
    for (const std::string& piece : kEmitted) {
      path.push_back(piece == "<unk>" ? text::kUnkId : vocabulary.piece_to_id(piece));
      REQUIRE_MESSAGE((piece == "<unk>" || path.back() != text::kUnkId), piece);
    }
    REQUIRE(static_cast<int64_t>(path.size()) <= R);
    float* embedding = p.at("target_embedding").f32();  // [V, E]
    float* readout = p.at("readout.weight").f32();      // [s H | context H | e E, R]
    float* readout_bias = p.at("readout.bias").f32();   // [R]
    float* weight = p.at("output.weight").f32();        // [R, V]
    float* bias = p.at("output.bias").f32();            // [V]
    for (std::size_t code = 0; code < path.size(); ++code)
      for (int64_t d = 0; d < E; ++d) embedding[path[code] * E + d] = d == static_cast<int64_t>(code) ? 1.f : 0.f;
    std::fill(readout, readout + (2 * H + E) * R, 0.f);
    for (int64_t d = 0; d < R; ++d) readout[(2 * H + d) * R + d] = 5.f;  // tanh(5 x) ~ x for a one-hot x
    std::fill(readout_bias, readout_bias + R, 0.f);
    std::fill(weight, weight + R * V, 0.f);
    for (std::size_t code = 0; code < path.size(); ++code)
      weight[code * V + (code + 1 < path.size() ? path[code + 1] : text::kEosId)] = 20.f;
    for (int64_t id = 0; id < V; ++id) {
      const std::string piece = vocabulary.piece(static_cast<int32_t>(id));
      const bool byte = piece.size() == 6 && piece.starts_with("<0x") && piece.back() == '>';
      bias[id] = byte || id == text::kUnkId || id == text::kEosId ? 0.f : -30.f;
    }
    for (int32_t id : path) bias[id] = 0.f;  // "▁A" too
    ModelFileInfo info;
    info.subword_model = vocabulary.to_bytes();
    const std::string file = scratch() + "/control.model";
    save_model(file, *model, info);
    return file;
  }();
  return path;
}

ToolResult translate(const std::vector<std::string>& options, const std::string& input) {
  std::vector<std::string> argv{kTool, "-m", control_model_path(), "--threads", "1", "--beam", "4",
                                "--max-length-offset", "30"};
  argv.insert(argv.end(), options.begin(), options.end());
  return run_tool(argv, input);
}

// Eight lines: sentences, an empty line, a line of NULs, a line of zero-width and bidi controls,
// and a sentence with U+200B and U+202E inside its words.
const std::string kInput = std::string(
    "Ein Hund läuft durch den Schnee.\n"
    "\n"
    "Zwei Männer spielen Fußball.\n") +
    std::string("\0\0\0\n", 4) +
    "\xE2\x80\x8B\xE2\x80\xAE\xE2\x81\xA6\n"  // U+200B U+202E U+2066
    "Eine Frau mit einem ro\xE2\x80\x8Bten Hut.\n"
    "Kinder\xE2\x80\xAE spielen.\n"
    "Ein Mann.\n";
constexpr int kLines = 8;

// The output as lines; fails the test on a stray CR or any other character that would break a
// line for some reader (every C0 control, DEL, C1 controls, U+2028/2029), naming the first.
std::vector<std::string> checked_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::string problem;
  std::size_t start = 0;
  for (std::size_t i = 0; i < out.size() && problem.empty(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    const auto next = i + 1 < out.size() ? static_cast<unsigned char>(out[i + 1]) : 0;
    if (c == '\n') {
      lines.push_back(out.substr(start, i - start));
      start = i + 1;
    } else if (c < 0x20 || c == 0x7F) {
      problem = "control byte " + std::to_string(c);
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      problem = "a C1 control";
    } else if (out.compare(i, 3, "\xE2\x80\xA8") == 0 || out.compare(i, 3, "\xE2\x80\xA9") == 0) {
      problem = "U+2028/2029";
    }
  }
  CHECK_MESSAGE(problem.empty(), problem << " in output line " << lines.size() + 1);
  CHECK_MESSAGE(start == out.size(), "the output does not end with a newline");
  return lines;
}

const std::string kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

TEST_CASE("output guarantees: a model emitting control bytes still gives one line per input line") {
  SUBCASE("plain") {
    const ToolResult r = translate({}, kInput);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto lines = checked_lines(r.out);
    REQUIRE(lines.size() == kLines);
    CHECK(lines[1].empty());
    // Invisible input is deleted in normalisation: an empty line, an empty translation.
    CHECK(lines[3].empty());
    CHECK(lines[4].empty());
    // Every sentence: kEmitted decoded, then printable_line: LF, CR, NEL, LS and TAB became spaces;
    // 0x1C, NUL, ESC, DEL and U+FFFE became U+FFFD; <unk> is SentencePiece's " ⁇ ".
    const std::string expected = "A  " + kReplacementCharacter + kReplacementCharacter + kReplacementCharacter +
                                 kReplacementCharacter + "  " + kReplacementCharacter + "  \xE2\x81\x87 ";
    for (int i : {0, 2, 5, 6, 7}) CHECK(lines[i] == expected);
  }
  SUBCASE("--n-best: K Moses lines of four fields per input line") {
    const ToolResult r = translate({"--n-best", "3"}, kInput);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto lines = checked_lines(r.out);
    // 3 per sentence, 1 per empty line (lines 2, 4, 5).
    REQUIRE(lines.size() == 3 * 5 + 3);
    const std::regex moses(R"((\d+) \|\|\| (.*) \|\|\| LogProb= (-?[0-9.]+|-inf) Length= (\d+) \|\|\| (-?[0-9.]+|-inf))");
    std::vector<int> ids;
    for (const auto& line : lines) {
      std::smatch m;
      REQUIRE_MESSAGE(std::regex_match(line, m, moses), line);
      ids.push_back(std::stoi(m[1]));
    }
    CHECK(ids == std::vector<int>{0, 0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7});
  }
  SUBCASE("--alignment --attention --positions and --attention-svg: one line each, SVGs well-formed") {
    const std::string svg_dir = scratch() + "/svg";
    std::filesystem::remove_all(svg_dir);
    const ToolResult r = translate({"--alignment", "--attention", "--positions", "--attention-svg", svg_dir}, kInput);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto lines = checked_lines(r.out);
    CHECK(lines.size() == kLines);  // not REQUIRE: the SVGs are checked either way
    const std::regex fields(R"((.*) \|\|\| ((\d+-\d+)( \d+-\d+)*)? \|\|\| ([0-9.,]+( [0-9.,]+)*)? \|\|\| )");
    for (const auto& line : lines) CHECK_MESSAGE(std::regex_match(line, fields), line);
    int svgs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(svg_dir)) {
      std::ifstream in(entry.path());
      std::stringstream content;
      content << in.rdbuf();
      CHECK_MESSAGE(xml_problem(content.str()).empty(), entry.path().string() << ": " << xml_problem(content.str()));
      ++svgs;
    }
    CHECK(svgs == 5);  // the five lines with something to translate
  }
}

TEST_CASE("the XML check itself finds what XML forbids") {
  CHECK(xml_problem("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; &#x41;</a>\n").empty());
  CHECK_FALSE(xml_problem("<a>\x1C</a>").empty());                // a C0 control
  CHECK_FALSE(xml_problem("<a>\xEF\xBF\xBF</a>").empty());        // U+FFFF
  CHECK_FALSE(xml_problem("<a>\xFF</a>").empty());                // invalid UTF-8
  CHECK_FALSE(xml_problem("<a>x < y</a>").empty());
  CHECK_FALSE(xml_problem("<a>&nbsp;</a>").empty());
  CHECK_FALSE(xml_problem("<a>&#28;</a>").empty());
  CHECK_FALSE(xml_problem("<a><b></a></b>").empty());
  CHECK_FALSE(xml_problem("<a x=\"<\"/>").empty());
  CHECK_FALSE(xml_problem("<a/><b/>").empty());
  CHECK_FALSE(xml_problem("<a>").empty());
}
