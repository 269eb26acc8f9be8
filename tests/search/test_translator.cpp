// Translator: raw lines -> translations with a real tokenizer and the mock model
// (nmt/search/translator.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "mock_model.h"
#include "nmt/search/translator.h"
#include "tokenizer/subword_model.h"

using namespace nmt;
using namespace nmt::testing;

namespace {

// A small SentencePiece model trained once on German Multi30k lines.
std::shared_ptr<const text::SubwordModel> vocabulary() {
  static std::shared_ptr<const text::SubwordModel> model = [] {
    std::ifstream in(NMT_TEST_DATA_DIR "/multi30k/train.de");
    REQUIRE(in.good());
    std::vector<std::string> lines;
    for (std::string line; lines.size() < 2000 && std::getline(in, line);) lines.push_back(line);
    text::SubwordTrainingOptions options;
    options.vocab_size = 400;
    return std::make_shared<const text::SubwordModel>(
        text::SubwordModel::train_on_lines(lines, options, text::Normalizer()));
  }();
  return model;
}

struct Fixture {
  std::vector<std::string> warnings;
  text::Tokenizer tokenizer() {
    text::Utf8Checker utf8;
    utf8.warn = [this](const std::string& m) { warnings.push_back(m); };
    return text::Tokenizer(vocabulary(), {}, utf8);
  }
};

}  // namespace

TEST_CASE("translator: one translation per line, in order, empty lines empty, batching invisible") {
  Fixture f;
  const int V = vocabulary()->vocab_size();
  MockModel model(V, random_table(3, V, 0.8f));
  const std::vector<std::string> lines = {"Ein Hund läuft durch den Schnee.", "", "Zwei Männer spielen Fußball.",
                                          "   ", "Eine Frau", "Ein kleines Mädchen sitzt auf einer Bank im Park."};
  TranslatorOptions options;
  options.search.beam = 3;
  options.batch_size = 32;
  Translator all_at_once(model, f.tokenizer(), options);
  const auto reference = all_at_once.translate(lines, "test.de", 1);
  REQUIRE(reference.size() == lines.size());
  CHECK(reference[1].empty());
  CHECK(reference[1].text.empty());
  CHECK(reference[3].empty());  // whitespace only: nothing to translate
  for (int i : {0, 2, 4, 5}) {
    CHECK_FALSE(reference[i].empty());
    CHECK(reference[i].source == f.tokenizer().encode(lines[i]));
    CHECK(reference[i].text == all_at_once.detokenize(reference[i].result.best().tokens));
  }
  options.batch_size = 1;
  Translator one_by_one(model, f.tokenizer(), options);
  const auto single = one_by_one.translate(lines, "test.de", 1);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(single[i].text == reference[i].text);
    if (!single[i].empty()) CHECK(single[i].result.best().score == reference[i].result.best().score);
  }
  CHECK(f.warnings.empty());
}

TEST_CASE("translator: invalid UTF-8 is replaced and long lines are cut, each with a warning naming the line") {
  Fixture f;
  const int V = vocabulary()->vocab_size();
  MockModel model(V, random_table(4, V, 0.8f));
  TranslatorOptions options;
  options.search.beam = 2;
  options.max_source_length = 5;
  Translator translator(model, f.tokenizer(), options);
  const std::vector<std::string> lines = {"Ein Hund\xff\xfe l\xc3uft.", "Hund",
                                          "Ein kleines Mädchen sitzt auf einer Bank im Park."};
  const auto out = translator.translate(lines, "in.de", 41);
  REQUIRE(out.size() == 3);
  CHECK_FALSE(out[0].empty());
  CHECK(out[2].source.size() == 5);
  CHECK(out[2].source_truncated);
  CHECK_FALSE(out[1].source_truncated);
  bool utf8_warning = false, length_warning = false;
  for (const auto& w : f.warnings) {
    utf8_warning |= w.find("in.de:41") != std::string::npos && w.find("UTF-8") != std::string::npos;
    length_warning |= w.find("in.de:43") != std::string::npos && w.find("limit of 5") != std::string::npos;
  }
  CHECK(utf8_warning);
  CHECK(length_warning);
  // The model's own limit applies when none is set.
  MockModel short_model(V, random_table(4, V, 0.8f), 4);
  options.max_source_length = 0;
  Translator limited(short_model, f.tokenizer(), options);
  CHECK(limited.max_source_length() == 3);
  CHECK(limited.translate(lines, "in.de", 1)[2].source.size() == 3);
}

TEST_CASE("translator: texts and labels come out printable, whatever pieces the model emits") {
  Fixture f;
  const text::SubwordModel& v = *vocabulary();
  const int V = v.vocab_size();
  // The model spells "A\n\x1C" + U+2028 + "B" with byte pieces, then ends.
  const Ids wanted = {v.piece_to_id("<0x41>"), v.piece_to_id("<0x0A>"), v.piece_to_id("<0x1C>"),
                      v.piece_to_id("<0xE2>"), v.piece_to_id("<0x80>"), v.piece_to_id("<0xA8>"),
                      v.piece_to_id("<0x42>"), kEos};
  for (int32_t id : wanted) REQUIRE(id != text::kUnkId);
  MockModel model(V, [&](const Ids&, const Ids& prefix) {
    std::vector<float> lp(V, -20.f);
    lp[wanted[std::min(prefix.size(), wanted.size() - 1)]] = 0.f;
    return lp;
  });
  TranslatorOptions options;
  options.search.beam = 2;
  Translator translator(model, f.tokenizer(), options);
  const auto out = translator.translate(std::vector<std::string>{"Ein Hund."}, "test.de", 1);
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].result.best().tokens == Ids(wanted.begin(), wanted.end() - 1));
  CHECK(v.decode(out[0].result.best().tokens) == "A\n\x1C\xE2\x80\xA8" "B");  // what the model said
  CHECK(out[0].text == "A \xEF\xBF\xBD B");                                     // what comes out
  CHECK(translator.detokenize(out[0].result.best().tokens) == out[0].text);
  CHECK(translator.pieces(wanted, false)[1] == "<0x0A>");
}
