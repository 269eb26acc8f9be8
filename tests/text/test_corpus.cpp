// Tests of corpora/: reading line-aligned files and TSV, errors, filters and their counts.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "corpora/parallel_corpus.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

using namespace nmt::corpora;
using nmt::text::InvalidUtf8Policy;
using nmt::text::Normalizer;
using nmt::text::SubwordModel;
using nmt::text::Tokenizer;
using nmt::text::testing::joint_multi30k_model;
using nmt::text::testing::multi30k;
using nmt::text::testing::read_lines;
using nmt::text::testing::ScratchDir;

namespace {

std::shared_ptr<const SubwordModel> shared_model() {
  static const auto model =
      std::make_shared<const SubwordModel>(SubwordModel::from_bytes(joint_multi30k_model().to_bytes()));
  return model;
}

CorpusReadOptions keep_everything(unsigned threads = 2, std::size_t chunk_lines = 1 << 15) {
  CorpusReadOptions options;
  options.filter.max_length = 0;
  options.filter.max_length_ratio = 0;
  options.threads = threads;
  options.chunk_lines = chunk_lines;
  return options;
}

bool same_sequences(const TokenSequences& a, const TokenSequences& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::ranges::equal(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("reading Multi30k de-en keeps every pair in order, on any number of threads") {
  const Tokenizer tokenizer(shared_model());
  const std::string de = multi30k("train.de"), en = multi30k("train.en");
  const ParallelCorpus corpus = read_parallel_corpus(de, en, tokenizer, tokenizer, keep_everything(2));
  REQUIRE(corpus.size() == 3000);
  CHECK(corpus.counts.read == 3000);
  CHECK(corpus.counts.kept == 3000);
  const std::vector<std::string> german = read_lines(de), english = read_lines(en);
  const Normalizer normalizer;
  for (std::size_t i = 0; i < corpus.size(); i += 97) {
    REQUIRE(tokenizer.decode(corpus.source[i]) == normalizer.normalize(german[i]));
    REQUIRE(tokenizer.decode(corpus.target[i]) == normalizer.normalize(english[i]));
  }
  // Many small chunks on three threads: the same ids in the same order.
  const ParallelCorpus again = read_parallel_corpus(de, en, tokenizer, tokenizer, keep_everything(3, 1000));
  CHECK(same_sequences(corpus.source, again.source));
  CHECK(same_sequences(corpus.target, again.target));
  const ParallelCorpus alone = read_parallel_corpus(de, en, tokenizer, tokenizer, keep_everything(1, 3000));
  CHECK(same_sequences(corpus.source, alone.source));
}

TEST_CASE("the default filters on Multi30k drop little, and say how much") {
  const Tokenizer tokenizer(shared_model());
  const ParallelCorpus corpus =
      read_parallel_corpus(multi30k("train.de"), multi30k("train.en"), tokenizer, tokenizer);
  CHECK(corpus.counts.read == 3000);
  CHECK(corpus.counts.kept + corpus.counts.dropped() == 3000);
  CHECK(corpus.counts.kept == corpus.size());
  CHECK(corpus.counts.dropped() < 100);
  MESSAGE(corpus.counts.summary());
}

TEST_CASE("files of different lengths are an error naming both files and both counts") {
  ScratchDir dir("mismatch");
  const std::string source = dir.file("a.de", "eins\nzwei\ndrei\n");
  const std::string target = dir.file("a.en", "one\ntwo\n");
  const Tokenizer tokenizer(shared_model());
  for (std::size_t chunk : {1, 2, 100}) {
    CHECK_THROWS_WITH(read_parallel_corpus(source, target, tokenizer, tokenizer, keep_everything(2, chunk)),
                      doctest::Contains((source + " has 3 lines but " + target + " has 2").c_str()));
    CHECK_THROWS_WITH(read_parallel_corpus(target, source, tokenizer, tokenizer, keep_everything(2, chunk)),
                      doctest::Contains((target + " has 2 lines but " + source + " has 3").c_str()));
  }
}

TEST_CASE("a missing file is an error naming it") {
  ScratchDir dir("missing");
  const std::string present = dir.file("b.en", "one\n");
  const Tokenizer tokenizer(shared_model());
  CHECK_THROWS_WITH(read_parallel_corpus(dir.path("nope.de"), present, tokenizer, tokenizer),
                    doctest::Contains("nope.de: cannot open corpus file: No such file or directory"));
  CHECK_THROWS_WITH(read_parallel_corpus(present, dir.path("nope.en"), tokenizer, tokenizer),
                    doctest::Contains("nope.en: cannot open corpus file"));
  CHECK_THROWS_WITH(read_tsv_corpus(dir.path("nope.tsv"), tokenizer, tokenizer),
                    doctest::Contains("nope.tsv: cannot open corpus file: No such file or directory"));
  // A folder opens as a file would, and read as an empty corpus; it is an error instead.
  CHECK_THROWS_WITH(read_parallel_corpus(dir.path(""), present, tokenizer, tokenizer),
                    doctest::Contains("cannot open corpus file: Is a directory"));
}

TEST_CASE("filters drop empty, too long and lopsided pairs, and count each") {
  ScratchDir dir("filters");
  const Tokenizer tokenizer(shared_model());
  const std::string long_line = "a a a a a a a a a a a a a a a a a a a a a a a a a";  // 25 pieces
  const std::string source = dir.file("f.de",
                                      "Ein Hund .\n"         // kept
                                      "\n"                   // empty source
                                      "Zwei Katzen .\n"      // whitespace-only target
                                      + long_line + "\n" +   // too long (source)
                                      "Ja\n"                 // lopsided: 1-2 pieces vs many
                                      "Ein Mann läuft .\n"); // kept
  const std::string target = dir.file("f.en",
                                      "A dog .\n"
                                      "Something\n"
                                      " \t \n"
                                      + long_line + "\n" +
                                      "Yes , of course , that is so\n"
                                      "A man runs .\n");
  CorpusReadOptions options;
  options.filter.max_length = 20;
  options.filter.max_length_ratio = 3.0;
  options.threads = 2;
  const ParallelCorpus corpus = read_parallel_corpus(source, target, tokenizer, tokenizer, options);
  CHECK(corpus.counts.read == 6);
  CHECK(corpus.counts.kept == 2);
  CHECK(corpus.counts.empty == 2);
  CHECK(corpus.counts.too_long == 1);
  CHECK(corpus.counts.bad_ratio == 1);
  CHECK(corpus.counts.summary() == "read 6 pairs, kept 2; dropped 2 empty, 1 too long, 1 over the length ratio");
  REQUIRE(corpus.size() == 2);
  CHECK(tokenizer.decode(corpus.source[0]) == "Ein Hund .");
  CHECK(tokenizer.decode(corpus.target[1]) == "A man runs .");

  CHECK(judge_pair(0, 5, options.filter) == FilterVerdict::empty);
  CHECK(judge_pair(21, 10, options.filter) == FilterVerdict::too_long);
  CHECK(judge_pair(20, 7, options.filter) == FilterVerdict::keep);
  CHECK(judge_pair(2, 7, options.filter) == FilterVerdict::bad_ratio);
  CHECK(judge_pair(2, 6, options.filter) == FilterVerdict::keep);
}

TEST_CASE("invalid UTF-8 in a corpus: warnings name file:line in order; strict mode stops there") {
  ScratchDir dir("utf8");
  std::string source_text, target_text;
  for (int line = 1; line <= 50; ++line) {
    source_text += (line == 7 || line == 31 ? std::string("Gr\xFC\xDF") + "e" : "Hallo") + " " + std::to_string(line) + "\n";
    target_text += (line == 31 || line == 44 ? std::string("caf\xE9") : "hello") + " " + std::to_string(line) + "\n";
  }
  const std::string source = dir.file("u.de", source_text), target = dir.file("u.en", target_text);
  std::vector<std::string> warnings;
  const Tokenizer lenient(shared_model(), {}, {InvalidUtf8Policy::replace, [&](const std::string& m) { warnings.push_back(m); }});
  const ParallelCorpus corpus = read_parallel_corpus(source, target, lenient, lenient, keep_everything(3, 8));
  CHECK(corpus.size() == 50);
  REQUIRE(warnings.size() == 4);
  CHECK(warnings[0].starts_with(source + ":7: warning: invalid UTF-8 replaced"));
  CHECK(warnings[1].starts_with(source + ":31: warning"));
  CHECK(warnings[2].starts_with(target + ":31: warning"));
  CHECK(warnings[3].starts_with(target + ":44: warning"));
  CHECK(lenient.decode(corpus.source[6]) == "Gr\xEF\xBF\xBD\xEF\xBF\xBD" "e 7");

  const Tokenizer strict(shared_model(), {}, {InvalidUtf8Policy::error});
  CHECK_THROWS_WITH_AS(read_parallel_corpus(source, target, strict, strict, keep_everything(3, 8)),
                       doctest::Contains((source + ":7: error: invalid UTF-8").c_str()), nmt::text::InvalidUtf8Error);
}

TEST_CASE("a TSV corpus reads like two files; a line without two columns is an error at file:line") {
  ScratchDir dir("tsv");
  const std::vector<std::string> german = read_lines(multi30k("val.de")), english = read_lines(multi30k("val.en"));
  std::string tsv;
  for (std::size_t i = 0; i < german.size(); ++i) tsv += german[i] + "\t" + english[i] + "\n";
  const Tokenizer tokenizer(shared_model());
  const ParallelCorpus from_tsv = read_tsv_corpus(dir.file("val.tsv", tsv), tokenizer, tokenizer, keep_everything());
  const ParallelCorpus from_files =
      read_parallel_corpus(multi30k("val.de"), multi30k("val.en"), tokenizer, tokenizer, keep_everything());
  CHECK(from_tsv.size() == 200);
  CHECK(same_sequences(from_tsv.source, from_files.source));
  CHECK(same_sequences(from_tsv.target, from_files.target));

  const std::string bad = dir.file("bad.tsv", "a\tb\nc d\ne\tf\n");
  CHECK_THROWS_WITH(read_tsv_corpus(bad, tokenizer, tokenizer),
                    doctest::Contains((bad + ":2: expected 2 tab-separated columns (source, target), found 1").c_str()));
  const std::string three = dir.file("three.tsv", "a\tb\tc\n");
  CHECK_THROWS_WITH(read_tsv_corpus(three, tokenizer, tokenizer), doctest::Contains((three + ":1: expected 2").c_str()));
}

TEST_CASE("subword sampling while reading: other segmentations, same text, repeatable by seed") {
  const Tokenizer tokenizer(shared_model());
  const std::string de = multi30k("val.de"), en = multi30k("val.en");
  const ParallelCorpus best = read_parallel_corpus(de, en, tokenizer, tokenizer, keep_everything(2, 300));
  CorpusReadOptions options = keep_everything(2, 300);
  options.sampling = nmt::text::SubwordSampling{-1, 0.2f};
  options.sampling_seed = 11;
  const ParallelCorpus first = read_parallel_corpus(de, en, tokenizer, tokenizer, options);
  const ParallelCorpus again = read_parallel_corpus(de, en, tokenizer, tokenizer, options);
  options.sampling_seed = 12;
  const ParallelCorpus other = read_parallel_corpus(de, en, tokenizer, tokenizer, options);
  REQUIRE(first.size() == best.size());
  CHECK_FALSE(same_sequences(first.source, best.source));
  CHECK(same_sequences(first.source, again.source));
  CHECK(same_sequences(first.target, again.target));
  CHECK_FALSE(same_sequences(first.source, other.source));
  for (std::size_t i = 0; i < first.size(); ++i) {
    REQUIRE(tokenizer.decode(first.source[i]) == tokenizer.decode(best.source[i]));
    REQUIRE(tokenizer.decode(first.target[i]) == tokenizer.decode(best.target[i]));
  }
}
