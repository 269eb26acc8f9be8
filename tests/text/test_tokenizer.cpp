// Tests of tokenizer/: UTF-8 checking, normalisation forms, the subword model and its round trip.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "test_data.h"
#include "tokenizer/cached_encoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/printable_line.h"
#include "tokenizer/special_ids.h"
#include "tokenizer/subword_model.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

using namespace nmt::text;
using nmt::text::testing::joint_multi30k_model;
using nmt::text::testing::multi30k;
using nmt::text::testing::read_lines;

TEST_CASE("round trip: decode(encode(x)) == normalize(x) on every line of Multi30k") {
  const Normalizer normalizer;
  const SubwordModel& model = joint_multi30k_model();
  CHECK(model.vocab_size() == 4000);
  CachedEncoder cached(model, 5000);  // small, so that it is emptied and refilled on the way
  std::size_t lines = 0, failures = 0, cache_differences = 0;
  for (const char* split : {"train", "val", "test_2016_flickr"}) {
    for (const char* language : {"de", "en", "fr", "cs"}) {
      const std::string path = multi30k(std::string(split) + "." + language);
      const std::vector<std::string> raw = read_lines(path);
      REQUIRE_MESSAGE(!raw.empty(), path);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string text = raw[i];
        Utf8Checker{InvalidUtf8Policy::error}.check(text, {path, i + 1});
        const std::string normalized = normalizer.normalize(text);
        if (normalizer.normalize(normalized) != normalized && ++failures <= 5) {
          FAIL_CHECK(path << ":" << i + 1 << ": normalising twice changes '" << normalized << "'");
        }
        const std::vector<std::int32_t> ids = model.encode(normalized);
        const std::string decoded = model.decode(ids);
        if (decoded != normalized && ++failures <= 5) {
          FAIL_CHECK(path << ":" << i + 1 << ": '" << decoded << "' != '" << normalized << "'");
        }
        std::vector<std::int32_t> cached_ids;
        cached.encode(normalized, cached_ids);
        if (cached_ids != ids && ++cache_differences <= 5) {
          FAIL_CHECK(path << ":" << i + 1 << ": the cached encoder differs on '" << normalized << "'");
        }
        ++lines;
      }
    }
  }
  CHECK(failures == 0);
  CHECK(cache_differences == 0);
  CHECK(cached.hits() > 3 * cached.misses());
  CHECK(lines == 4 * (3000 + 200 + 200));
}

TEST_CASE("NFKC folds compatibility characters, NFC keeps them, none keeps everything") {
  const Normalizer nfkc({NormalizationForm::nfkc});
  const Normalizer nfc({NormalizationForm::nfc});
  const Normalizer none({NormalizationForm::none});
  const std::string ligature = "\xEF\xAC\x81le";                 // "ﬁle" with U+FB01
  const std::string full_width = "\xEF\xBC\xA1\xEF\xBC\xA2" "C";  // "ＡＢC"
  const std::string decomposed = "Cafe\xCC\x81";                 // "Café" with U+0301
  CHECK(nfkc.normalize(ligature) == "file");
  CHECK(nfc.normalize(ligature) == ligature);
  CHECK(nfkc.normalize(full_width) == "ABC");
  CHECK(nfc.normalize(full_width) == full_width);
  CHECK(nfkc.normalize(decomposed) == "Caf\xC3\xA9");
  CHECK(nfkc.normalize("Cafe\xEF\xBB\xBF\xCC\x81") == "Caf\xC3\xA9");  // a BOM goes before composing
  CHECK(nfc.normalize(decomposed) == "Caf\xC3\xA9");
  CHECK(none.normalize(decomposed) == decomposed);
  CHECK(none.normalize(ligature) == ligature);
}

TEST_CASE("whitespace: every White_Space run becomes one space, none at the ends, in every form") {
  for (NormalizationForm form : {NormalizationForm::nfkc, NormalizationForm::nfc, NormalizationForm::none}) {
    const Normalizer normalizer({form});
    CHECK(normalizer.normalize("  a\t\tb \xC2\xA0 c\xE3\x80\x80" "d\r") == "a b c d");
    CHECK(normalizer.normalize("\xE2\x80\x83x\xE2\x80\xA8y\xE2\x81\x9F") == "x y");
    CHECK(normalizer.normalize(" \t ") == "");
    CHECK(normalizer.normalize("\xEF\xBB\xBFHallo\xE2\x96\x81Welt") == "Hallo Welt");  // BOM, U+2581
    CHECK(normalizer.normalize("x\xEF\xBB\xBF") == "x");
    CHECK(normalizer.normalize("") == "");
  }
}

TEST_CASE("invisible characters are deleted: controls, zero-width and bidi characters; joiners stay") {
  for (NormalizationForm form : {NormalizationForm::nfkc, NormalizationForm::nfc, NormalizationForm::none}) {
    const Normalizer normalizer({form});
    CHECK(normalizer.normalize(std::string("\0\0\0", 3)) == "");
    CHECK(normalizer.normalize("\xE2\x80\x8B\xE2\x80\xAE\xE2\x81\xA6\xE2\x80\x8E") == "");  // U+200B 202E 2066 200E
    CHECK(normalizer.normalize("ro\xE2\x80\x8Bten Hut") == "roten Hut");                          // U+200B
    CHECK(normalizer.normalize("Kinder\xE2\x80\xAE spielen\xE2\x80\xAC.") == "Kinder spielen.");  // U+202E, 202C
    CHECK(normalizer.normalize("a\x01\x1B[31mb\x7F\xC2\x9B") == "a[31mb");  // C0, DEL, C1
    CHECK(normalizer.normalize("Fu\xC3\x9F\xC2\xAD" "ball") == "Fu\xC3\x9F" "ball");  // soft hyphen U+00AD
    CHECK(normalizer.normalize("\xF3\xA0\x80\x81x\xE2\x81\xA0y") == "xy");      // tag U+E0001, word joiner U+2060
    // Whitespace controls are still whitespace; U+0085 (NEL) too.
    CHECK(normalizer.normalize("a\tb\nc\xC2\x85" "d") == "a b c d");
    // ZWNJ and ZWJ are spelling (Persian, Indic scripts, emoji sequences).
    const std::string persian = "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85";
    CHECK(normalizer.normalize(persian) == persian);
    const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";
    CHECK(normalizer.normalize(family) == family);
    // Deleted before ICU composes: e + U+200B + combining acute = é.
    if (form != NormalizationForm::none) CHECK(normalizer.normalize("e\xE2\x80\x8B\xCC\x81") == "\xC3\xA9");
    // Models from before this step keep them (only the BOM goes, as it always did).
    const Normalizer old({form, false});
    CHECK(old.normalize("ro\xE2\x80\x8Bten") == "ro\xE2\x80\x8Bten");
    CHECK(old.normalize(std::string("\0", 1)) == std::string("\0", 1));
    CHECK(old.normalize("\xEF\xBB\xBFx") == "x");
  }
}

TEST_CASE("printable_line: line breaks become spaces, other controls U+FFFD, the rest stays") {
  CHECK(printable_line("A dog.") == "A dog.");
  CHECK(printable_line("") == "");
  CHECK(printable_line("a\nb\rc\td\ve\ff") == "a b c d e f");
  CHECK(printable_line("a\xC2\x85" "b\xE2\x80\xA8" "c\xE2\x80\xA9" "d") == "a b c d");  // NEL, LS, PS
  CHECK(printable_line(std::string("a\0b\x1C" "c\x1B" "d\x7F", 8)) == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD" "d\xEF\xBF\xBD");
  CHECK(printable_line("\xC2\x80\xC2\x9F") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // C1
  CHECK(printable_line("\xEF\xBF\xBE\xEF\xBF\xBF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE, U+FFFF
  CHECK(printable_line("x\x85y\xE2\x80") == "x\xEF\xBF\xBDy\xEF\xBF\xBD");           // ill-formed UTF-8
  // Everything else stays: no-break space, U+2029's neighbours, ZWJ, emoji, Greek, a space run.
  const std::string kept = "K\xC3\xB6ln\xC2\xA0\xE2\x80\xA7\xE2\x80\xAA\xE2\x80\x8D\xF0\x9F\x98\x80 \xCE\xB1  z";
  CHECK(printable_line(kept) == kept);
  CHECK(printable_line(printable_line("a\n\x01")) == printable_line("a\n\x01"));
}

TEST_CASE("normaliser settings are written and read back as text") {
  for (NormalizationForm form : {NormalizationForm::nfkc, NormalizationForm::nfc, NormalizationForm::none}) {
    const NormalizerSettings settings{form};
    CHECK(NormalizerSettings::deserialize(settings.serialize()) == settings);
  }
  CHECK(NormalizerSettings{}.serialize() == "form=nfkc\ninvisible=delete\n");
  const NormalizerSettings keep{NormalizationForm::nfc, false};
  CHECK(NormalizerSettings::deserialize(keep.serialize()) == keep);
  // A model file from before the setting: invisible characters are kept, as when it was trained.
  CHECK(NormalizerSettings::deserialize("form=nfkc\n") == NormalizerSettings{NormalizationForm::nfkc, false});
  CHECK_THROWS_WITH_AS(NormalizerSettings::deserialize("invisible=maybe\n"), doctest::Contains("'maybe'"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(NormalizerSettings::deserialize("form=nfd\n"),
                       doctest::Contains("unknown normalisation form 'nfd'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(NormalizerSettings::deserialize("colour=blue\n"), doctest::Contains("unknown key 'colour'"),
                       std::invalid_argument);
}

TEST_CASE("UTF-8 validation follows the standard: overlongs, surrogates, truncation, > U+10FFFF") {
  CHECK(is_valid_utf8("plain ASCII text, long enough for the fast path"));
  CHECK(is_valid_utf8("K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x98\x80"));  // Köln € 😀
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(is_valid_utf8("abc\xE2\x82"));       // truncated €
  CHECK_FALSE(is_valid_utf8("12345678\xFF"));      // bad byte after the fast path
  std::string out;
  CHECK(replace_invalid_utf8("a\xFF" "b", out) == 1);
  CHECK(out == "a\xEF\xBF\xBD" "b");
  // A truncated sequence is one maximal subpart -> one U+FFFD; two stray bytes -> two.
  CHECK(replace_invalid_utf8("x\xE2\x82y\x80\x80", out) == 3);
  CHECK(out == "x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("invalid UTF-8 is replaced with a warning naming file:line, or is an error in strict mode") {
  std::vector<std::string> warnings;
  const Utf8Checker lenient{InvalidUtf8Policy::replace,
                            [&](const std::string& message) { warnings.push_back(message); }};
  std::string text = "Gr\xFC\xDF" "e";  // Latin-1 "Grüße"
  CHECK_FALSE(lenient.check(text, {"train.de", 17}));
  CHECK(text == "Gr\xEF\xBF\xBD\xEF\xBF\xBD" "e");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "train.de:17: warning: invalid UTF-8 replaced by U+FFFD (2 sequences)");
  std::string fine = "Gr\xC3\xBC\xC3\x9F" "e";
  CHECK(lenient.check(fine, {"train.de", 18}));
  CHECK(warnings.size() == 1);

  const Utf8Checker strict{InvalidUtf8Policy::error};
  std::string bad = "\xFF";
  CHECK_THROWS_WITH_AS(strict.check(bad, {"val.en", 3}), doctest::Contains("val.en:3: error: invalid UTF-8"),
                       InvalidUtf8Error);
}

TEST_CASE("the tokenizer repairs invalid UTF-8 before SentencePiece sees it") {
  auto model = std::make_shared<const SubwordModel>(
      SubwordModel::from_bytes(joint_multi30k_model().to_bytes()));
  std::vector<std::string> warnings;
  const Tokenizer tokenizer(model, {}, {InvalidUtf8Policy::replace, [&](const std::string& m) { warnings.push_back(m); }});
  const auto ids = tokenizer.encode("ein \xFF Hund", {"stdin", 4});
  CHECK(tokenizer.decode(ids) == "ein \xEF\xBF\xBD Hund");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].starts_with("stdin:4: warning: invalid UTF-8"));
}

TEST_CASE("special ids are fixed: pad 0, unk 1, bos 2, eos 3") {
  const SubwordModel& model = joint_multi30k_model();
  CHECK(model.piece(kPadId) == "<pad>");
  CHECK(model.piece(kUnkId) == "<unk>");
  CHECK(model.piece(kBosId) == "<s>");
  CHECK(model.piece(kEosId) == "</s>");
  // They never come out of encode and vanish in decode.
  const auto ids = model.encode("Ein Mann fährt Fahrrad.");
  for (std::int32_t id : ids) CHECK(id > kEosId);
  std::vector<std::int32_t> framed{kBosId};
  framed.insert(framed.end(), ids.begin(), ids.end());
  framed.push_back(kEosId);
  framed.push_back(kPadId);
  CHECK(model.decode(framed) == "Ein Mann fährt Fahrrad.");
}

TEST_CASE("unseen characters are spelled as bytes and survive the round trip") {
  const SubwordModel& model = joint_multi30k_model();
  const std::string text = "\xE6\xBC\xA2\xE5\xAD\x97 \xF0\x9F\x90\x8D ok";  // 漢字 🐍 ok
  const auto ids = model.encode(text);
  for (std::int32_t id : ids) CHECK(id != kUnkId);
  CHECK(model.decode(ids) == text);
}

TEST_CASE("unusual characters survive the round trip after normalisation") {
  const SubwordModel& model = joint_multi30k_model();
  const Normalizer normalizer;
  for (const std::string& raw : {std::string("ctrl \x01\x1b\x7f end"), std::string("a\xE2\x80\x8B" "b"),  // ZWSP
                                std::string("\xEF\xBB\xBF" "BOM \xE2\x96\x81 marker"), std::string("\xCC\x81 starts with a mark"),
                                std::string("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB family"),  // ZWJ emoji
                                std::string("\xEA\xB0\x80\xEB\x82\x98 <unk> </s> <pad> <0x41>")}) {
    const std::string normalized = normalizer.normalize(raw);
    CHECK(model.decode(model.encode(normalized)) == normalized);
  }
}

TEST_CASE("the SentencePiece model round-trips through bytes and through a file") {
  const SubwordModel& model = joint_multi30k_model();
  const std::string bytes = model.to_bytes();
  CHECK(bytes.size() > 1000);
  const SubwordModel copy = SubwordModel::from_bytes(bytes);
  CHECK(copy.to_bytes() == bytes);
  CHECK(copy.vocab_size() == model.vocab_size());
  const std::string text = "Zwei junge Männer spielen im Park Fußball.";
  CHECK(copy.encode(text) == model.encode(text));

  nmt::text::testing::ScratchDir dir("model_file");
  model.save(dir.path("spm.model"));
  CHECK(SubwordModel::load(dir.path("spm.model")).encode(text) == model.encode(text));
  CHECK_THROWS_WITH(SubwordModel::load(dir.path("missing.model")), doctest::Contains("missing.model: cannot open"));
  CHECK_THROWS_AS(SubwordModel::from_bytes("not a model"), std::runtime_error);
}

TEST_CASE("BPE, separate vocabularies and a small vocabulary train too") {
  const Normalizer normalizer;
  SubwordTrainingOptions options;
  options.algorithm = SubwordAlgorithm::bpe;
  options.vocab_size = 1000;
  options.input_sentence_size = 5000;
  const Vocabularies vocabularies = train_vocabularies({multi30k("val.de")}, {multi30k("val.en")}, false, options, normalizer);
  CHECK_FALSE(vocabularies.joint());
  CHECK(vocabularies.source->vocab_size() == 1000);
  CHECK(vocabularies.source->to_bytes() != vocabularies.target->to_bytes());
  for (const std::string& line : read_lines(multi30k("val.en"))) {
    const std::string normalized = normalizer.normalize(line);
    REQUIRE(vocabularies.target->decode(vocabularies.target->encode(normalized)) == normalized);
  }
  CHECK_THROWS_WITH(SubwordModel::train({"no/such/corpus.de"}, options, normalizer),
                    doctest::Contains("no/such/corpus.de: cannot open"));
}

TEST_CASE("subword sampling gives other segmentations of the same text") {
  const SubwordModel& model = joint_multi30k_model();
  SubwordModel::set_sampling_seed(7);
  const std::string text = "Eine Gruppe von Menschen steht vor einem Iglu.";
  const auto best = model.encode(text);
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    const auto sampled = model.sample_encode(text, {-1, 0.5f});
    CHECK(model.decode(sampled) == text);
    differs = differs || sampled != best;
  }
  CHECK(differs);
}

TEST_CASE("a vocabulary trains from a handful of lines (SentencePiece refuses a sample size of 1..100)") {
  const Normalizer normalizer;
  SubwordTrainingOptions options;
  options.vocab_size = 300;  // 256 byte pieces (byte fallback) + the characters + specials
  const std::vector<std::string> lines = {"ein kleiner Hund", "zwei große Hunde", "ein Mann läuft", "eine Frau singt"};
  const SubwordModel model = SubwordModel::train_on_lines(lines, options, normalizer);
  for (const std::string& line : lines) CHECK(model.decode(model.encode(normalizer.normalize(line))) == line);
}
