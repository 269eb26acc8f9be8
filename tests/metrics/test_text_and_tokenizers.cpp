// Python's text semantics (CPython 3.11 str.isspace/rstrip/split/lower, strict UTF-8), the
// tokenisers' corner cases, JSON number formatting, and TER's shift search on small examples.
#include <doctest/doctest.h>

#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/errors.h"
#include "nmt/metrics/ngrams.h"
#include "nmt/metrics/vocabulary.h"
#include "nmt/metrics/score.h"
#include "nmt/metrics/ter.h"
#include "nmt/metrics/text_lines.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

namespace nmt::metrics {
namespace {

TEST_CASE("Python whitespace: isspace, rstrip, strip, split") {
  for (const char32_t c : {U'\t', U'\n', U'\v', U'\f', U'\r', U'\x1c', U'\x1f', U' ', U'\x85', U'\xa0',
                           U'\u1680', U'\u2000', U'\u200a', U'\u2028', U'\u2029', U'\u202f',
                           U'\u205f', U'\u3000'})
    CHECK(python_is_space(c));
  for (const char32_t c : {U'a', U'\x1b', U'\u180e', U'\u200b', U'\ufeff', U'\u2060'})
    CHECK_FALSE(python_is_space(c));

  CHECK(python_rstrip("a b \t\r\n\u00a0\u3000") == "a b");
  CHECK(python_rstrip("  lead") == "  lead");
  CHECK(python_rstrip("x\u200b") == "x\u200b");
  CHECK(python_strip("\u3000 x y \u2003") == "x y");
  CHECK(python_rstrip("") == "");
  CHECK(split_python_whitespace("a\u2003b\x1c" "c  \u00a0d") ==
        std::vector<std::string_view>{"a", "b", "c", "d"});
  CHECK(split_python_whitespace(" \t ").empty());
}

TEST_CASE("Python str.lower: full Unicode lowercasing") {
  CHECK(python_lower("Hello WORLD") == "hello world");
  CHECK(python_lower("\u0130stanbul") == "i\u0307stanbul");     // İ -> i + combining dot
  CHECK(python_lower("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3") ==
        "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2");      // final sigma
  CHECK(python_lower("\u03a3") == "\u03c3");                    // a lone capital sigma
  CHECK(python_lower("\u00c9COLE \u1e9e") == "\u00e9cole \u00df");
  CHECK(python_lower("\u2160") == "\u2170");                    // Roman numeral one
}

TEST_CASE("strict UTF-8 as Python decodes it") {
  CHECK_FALSE(find_invalid_utf8("plain ascii, \u00e9, \u4e2d, \U0001F600"));
  CHECK(find_invalid_utf8("ab\xff") == 2u);
  CHECK(find_invalid_utf8("\xc0\x80") == 0u);              // overlong
  CHECK(find_invalid_utf8("x\xed\xa0\x80") == 1u);         // surrogate
  CHECK(find_invalid_utf8("\xf4\x90\x80\x80") == 0u);      // above U+10FFFF
  CHECK(find_invalid_utf8("\xe4\xb8") == 0u);              // truncated
  CHECK(find_invalid_utf8("\x80") == 0u);                  // lone continuation byte
}

TEST_CASE("reading lines with sacreBLEU's rules") {
  const TextLines lines = split_text_lines("a b \r\n  c\rd\u2028e\n\nlast", "f.txt");
  CHECK(lines.lines == std::vector<std::string_view>{"a b", "  c\rd\u2028e", "", "last"});
  CHECK(split_text_lines("x\n", "f").size() == 1);
  CHECK(split_text_lines("", "f").size() == 0);
  CHECK(split_text_lines("\n", "f").size() == 1);
  // Standard input is read in universal-newline mode.
  CHECK(split_text_lines("a\rb\r\nc", "-", true).lines == std::vector<std::string_view>{"a", "b", "c"});
  try {
    split_text_lines("ok\nok\nbad \xfe\n", "hyp.txt");
    FAIL("no exception");
  } catch (const MetricsError& e) {
    CHECK(std::string(e.what()).find("hyp.txt: line 3: invalid UTF-8 (byte 0xFE") == 0);
  }
  CHECK_THROWS_AS(read_text_lines("/no/such/file.txt"), MetricsError);
}

TEST_CASE("13a: mteval-v13a's substitutions") {
  const Tokenizer13a tok;
  CHECK(tok("Hello, world!") == "Hello , world !");
  CHECK(tok("It costs $1,000.50 (approx.)") == "It costs $ 1,000.50 ( approx . )");
  CHECK(tok("1990-2000, e-mail") == "1990 - 2000 , e-mail");
  CHECK(tok("&quot;x&quot; &amp;lt; &gt;") == "\" x \" < >");  // replaced in sequence
  CHECK(tok("a <skipped> b") == "a b");
  CHECK(tok("end with 2019.") == "end with 2019 .");
  CHECK(tok("don't \u00ab\u00a0x\u00a0\u00bb") == "don't \u00ab x \u00bb");
  CHECK(tok("") == "");
}

TEST_CASE("intl: Unicode punctuation and symbols") {
  const TokenizerIntl tok;
  CHECK(tok("Hello, world!") == "Hello , world !");
  CHECK(tok("3.14 and 1,000") == "3.14 and 1,000");
  CHECK(tok("year 2019.") == "year 2019.");  // mteval-v14's known quirk, kept
  CHECK(tok("\u201cquoted\u201d \u20ac5 a+b \U0001F600") ==
        "\u201c quoted \u201d \u20ac 5 a + b \U0001F600");
  CHECK(tok("\u00bfQu\u00e9?") == "\u00bf Qu\u00e9 ?");
}

TEST_CASE("zh: the character ranges as sacreBLEU's comparisons evaluate them") {
  CHECK(TokenizerZh::is_chinese_char(U'\u4e2d'));
  CHECK(TokenizerZh::is_chinese_char(U'\u3000'));
  CHECK(TokenizerZh::is_chinese_char(U'\uff0c'));
  // ('\u20000', '\u2a6d6') is "\u2000" "0" .. "\u2a6d" "6": U+2001..U+2A6D, not Extension B.
  CHECK_FALSE(TokenizerZh::is_chinese_char(U'\u2000'));
  CHECK(TokenizerZh::is_chinese_char(U'\u2001'));
  CHECK(TokenizerZh::is_chinese_char(U'\u2014'));  // em dash
  CHECK(TokenizerZh::is_chinese_char(U'\u20ac'));  // euro sign
  CHECK(TokenizerZh::is_chinese_char(U'\u2a6d'));
  CHECK_FALSE(TokenizerZh::is_chinese_char(U'\u2a6e'));
  CHECK_FALSE(TokenizerZh::is_chinese_char(U'\U00020000'));
  CHECK_FALSE(TokenizerZh::is_chinese_char(U'\U0002F800'));
  CHECK_FALSE(TokenizerZh::is_chinese_char(U'a'));
  const TokenizerZh tok;
  CHECK(tok("  \u6211\u7231NLP, ok.  ") == "\u6211 \u7231 NLP , ok .");
  CHECK(tok("\u20ac50\u2014a") == "\u20ac 50 \u2014 a");
}

TEST_CASE("char and none keep the line's own spacing") {
  CHECK(TokenizerChar()("ab c\u00e9") == "a b   c \u00e9");
  CHECK(TokenizerNone()("  a  b") == "  a  b");
  CHECK_THROWS_AS(make_tokenizer("ja-mecab"), MetricsError);
}

TEST_CASE("n-gram table and vocabulary grow without losing counts") {
  NgramTable table;
  table.clear(0);
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const std::uint32_t symbols[2] = {i, i % 7};
    table.at(pack_ngram(symbols, 2, 32), 2).count += i % 3 + 1;
  }
  std::int64_t entries = 0, total = 0;
  table.for_each([&](const NgramTable::Entry& e) {
    ++entries;
    total += e.count;
  });
  CHECK(entries == 5000);
  std::int64_t expected = 0;
  for (std::uint32_t i = 0; i < 5000; ++i) expected += i % 3 + 1;
  CHECK(total == expected);
  const std::uint32_t probe[2] = {4999, 4999 % 7};
  REQUIRE(table.find(pack_ngram(probe, 2, 32), 2) != nullptr);
  CHECK(table.find(pack_ngram(probe, 2, 32), 1) == nullptr);  // same key, other order
  table.clear(10);
  CHECK(table.find(pack_ngram(probe, 2, 32), 2) == nullptr);

  Vocabulary vocabulary;
  for (int i = 0; i < 10000; ++i) {
    std::string word = std::to_string(i);
    word.insert(0, 1, 'w');
    CHECK(vocabulary.id(word) == static_cast<std::uint32_t>(i + 1));
  }
  CHECK(vocabulary.id("w1234") == 1235u);
  CHECK(vocabulary.token(1235) == "w1234");
  CHECK(vocabulary.size() == 10000);
}

TEST_CASE("BLEU on small examples") {
  Bleu bleu(BleuConfig{});
  const BleuStats s = bleu.segment_statistics("the cat the cat", {"the cat sat", "a cat the cat"});
  CHECK(s.sys_len == 4);
  CHECK(s.ref_len == 4);     // the closest reference length
  CHECK(s.correct[0] == 3);  // "the" x2 clipped to max(1, 1), "cat" x2 to max(1, 2)
  CHECK(s.total[0] == 4);
  CHECK(s.correct[1] == 2);  // "the cat" x2 vs max(1, 1); "cat the" x1 vs max(0, 1)
  CHECK(s.total[1] == 3);
  // Ties in closest reference length go to the shorter reference.
  const BleuStats t = bleu.segment_statistics("a b c d e", {"a b c d", "a b c d e f"});
  CHECK(t.ref_len == 4);
  // Identical corpus: 100 (sacreBLEU prints 100.00000000000004).
  CHECK(bleu.compute(bleu.segment_statistics("a b c d e", {"a b c d e"})).score ==
        doctest::Approx(100.0).epsilon(1e-12));
  // Nothing matches: 0, without smoothing.
  CHECK(bleu.compute(bleu.segment_statistics("x y", {"a b"})).score == 0.0);
  CHECK(bleu.signature(2).format() == "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  CHECK(bleu.signature(1).format(true) == "#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0");
  BleuConfig floor;
  floor.smooth_method = SmoothMethod::kFloor;
  floor.smooth_value = 0.25;
  CHECK(Bleu(floor).signature(1).format().find("smooth:floor[0.25]") != std::string::npos);
}

TEST_CASE("chrF++ word splitting strips one ASCII punctuation mark") {
  CHECK(Chrf::split_words("(hi) \"yes\" a . x,y \u00bfno?") ==
        std::vector<std::string_view>{"(hi", ")", "\"yes", "\"", "a", ".", "x,y", "\u00bfno", "?"});
  CHECK(Chrf::split_words("'quoted word") == std::vector<std::string_view>{"'", "quoted", "word"});
}

TEST_CASE("TER: shifts, empty references, tokenisation") {
  // "c d" shifted to the front: one shift, no other edit.
  CHECK(translation_edit_rate({1, 2, 3, 4}, {3, 4, 1, 2}) == std::pair<std::int64_t, std::int64_t>{1, 4});
  CHECK(translation_edit_rate({1, 2, 3}, {}) == std::pair<std::int64_t, std::int64_t>{3, 0});
  CHECK(translation_edit_rate({}, {1, 2}) == std::pair<std::int64_t, std::int64_t>{2, 2});
  CHECK(translation_edit_rate({1, 2, 3}, {1, 2, 3}) == std::pair<std::int64_t, std::int64_t>{0, 3});

  Ter ter(TerConfig{});
  CHECK(ter.tokenize("Hello, World!") == "hello, world!");
  TerConfig normalized;
  normalized.normalized = true;
  normalized.no_punct = true;
  CHECK(Ter(normalized).tokenize("The cat's toy, (1,000.5)!") == "the cat 's toy 10005");
  CHECK(ter.tokenize(" a \u3000 B ") == "a b");
  CHECK(Ter::compute(TerStats{3, 0.0}) == 100.0);
  CHECK(Ter::compute(TerStats{0, 0.0}) == 0.0);
}

TEST_CASE("Python float repr and fixed formatting for the JSON output") {
  CHECK(python_float_repr(34.1) == "34.1");
  CHECK(python_float_repr(100.0) == "100.0");
  CHECK(python_float_repr(0.0) == "0.0");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(0.00001) == "1e-05");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1234567890123456.0) == "1234567890123456.0");
  CHECK(python_float_repr(12.3456789012) == "12.3456789012");
  CHECK(format_fixed(0.125, 2) == "0.12");  // round half to even on the exact binary value
  CHECK(format_fixed(69.30429607381772, 0) == "69");
  CHECK(json_string("a\"b\\c\u00e9\x01") == "\"a\\\"b\\\\c\u00e9\\u0001\"");
}

}  // namespace
}  // namespace nmt::metrics
