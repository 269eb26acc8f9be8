// Alignments, attention text and SVG heatmaps (nmt/search/alignment.h, attention_svg.h).
#include <doctest/doctest.h>

#include <sstream>

#include "nmt/search/alignment.h"
#include "nmt/search/attention_svg.h"
#include "tests/tools/well_formed_xml.h"

using namespace nmt;

namespace {

// 2 output pieces + EOS over 3 source pieces + EOS.
Hypothesis two_by_three() {
  Hypothesis h;
  h.tokens = {7, 8};
  h.source_length = 4;
  h.attention = {0.1f, 0.2f, 0.6f, 0.1f,   // piece 0 looks at source 2
                 0.7f, 0.1f, 0.0f, 0.2f,   // piece 1 looks at source 0
                 0.0f, 0.1f, 0.1f, 0.8f};  // EOS looks at EOS
  return h;
}

}  // namespace

TEST_CASE("hard alignments are the attention argmax over source subwords, EOS left out") {
  Hypothesis h = two_by_three();
  const auto pairs = hard_alignment(h);
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0] == std::pair<int, int>{2, 0});
  CHECK(pairs[1] == std::pair<int, int>{0, 1});
  CHECK(format_alignment(pairs) == "2-0 0-1");
  // A row peaking on the source EOS still aligns to the best real subword.
  h.attention[0] = 0.f, h.attention[1] = 0.3f, h.attention[2] = 0.2f, h.attention[3] = 0.5f;
  CHECK(format_alignment(hard_alignment(h)) == "1-0 0-1");
  // An empty source (just EOS) aligns nothing.
  Hypothesis empty;
  empty.tokens = {5};
  empty.source_length = 1;
  empty.attention = {1.f, 1.f};
  CHECK(hard_alignment(empty).empty());
  // No attention kept: a clear error rather than garbage.
  Hypothesis bare;
  bare.tokens = {5};
  bare.source_length = 3;
  CHECK_THROWS_AS(hard_alignment(bare), std::logic_error);
}

TEST_CASE("attention text: one row per output step, weights separated by commas") {
  CHECK(format_attention(two_by_three(), 2) == "0.10,0.20,0.60,0.10 0.70,0.10,0.00,0.20 0.00,0.10,0.10,0.80");
}

TEST_CASE("positions text and the heatmap's p_t dots (local-p)") {
  Hypothesis h = two_by_three();
  CHECK(format_positions(h).empty());  // models without predicted positions
  std::ostringstream plain;
  write_attention_svg(plain, h, {"a", "b", "c", "</s>"}, {"x", "y", "</s>"}, "t");
  CHECK(plain.str().find("<circle") == std::string::npos);
  h.positions = {0.5f, 1.25f, 3.f};
  CHECK(format_positions(h) == "0.50 1.25 3.00");
  CHECK(format_positions(h, 1) == "0.5 1.2 3.0");
  std::ostringstream svg;
  write_attention_svg(svg, h, {"a", "b", "c", "</s>"}, {"x", "y", "</s>"}, "t");
  const std::string text = svg.str();
  std::size_t dots = 0;
  for (std::size_t at = text.find("<circle"); at != std::string::npos; at = text.find("<circle", at + 1)) ++dots;
  CHECK(dots == 3);
  CHECK(text.find("y: p_t = 1.25</title></circle>") != std::string::npos);
  CHECK(text.find("<polyline") != std::string::npos);
  CHECK(text.find("predicted position p_t") != std::string::npos);
}

TEST_CASE("the SVG heatmap has a labelled cell per weight and a colour scale, escaped") {
  const Hypothesis h = two_by_three();
  std::ostringstream svg;
  write_attention_svg(svg, h, {"\u2581ein", "<b>", "&", "</s>"}, {"\u2581a", "\"x\"", "</s>"}, "line 1: a <test>");
  const std::string text = svg.str();
  CHECK(text.rfind("<?xml", 0) == 0);
  CHECK(text.find("</svg>") != std::string::npos);
  // 12 cells with their weights as tooltips, the darkest for the largest weight.
  std::size_t cells = 0;
  for (std::size_t at = text.find("</title></rect>"); at != std::string::npos; at = text.find("</title></rect>", at + 1))
    ++cells;
  CHECK(cells == 12);
  CHECK(text.find("&amp;lt;/s&amp;gt;") == std::string::npos);  // escaped once, not twice
  CHECK(text.find("&lt;b&gt;") != std::string::npos);
  CHECK(text.find("&quot;x&quot;") != std::string::npos);
  CHECK(text.find("line 1: a &lt;test&gt;") != std::string::npos);
  CHECK(text.find("<b>") == std::string::npos);
  CHECK(text.find(": 0.800</title>") != std::string::npos);
  CHECK(text.find("linearGradient") != std::string::npos);  // the colour scale
  CHECK(text.find("#08306b") != std::string::npos);         // weight 1 = dark blue
  CHECK(text.find("#ffffff") != std::string::npos);         // weight 0 = white
  // Label counts must match the matrix.
  std::ostringstream bad;
  CHECK_THROWS_AS(write_attention_svg(bad, h, {"a", "b"}, {"x", "y", "z"}, "t"), std::invalid_argument);
}

TEST_CASE("the SVG heatmap is well-formed XML whatever its labels hold: control characters, U+FFFF, bad UTF-8") {
  const Hypothesis h = two_by_three();
  std::ostringstream svg;
  write_attention_svg(svg, h, {"\x1C", std::string("\0", 1), "a\nb", "</s>"}, {"\xEF\xBF\xBF", "\xC2\x85\xFF", "</s>"},
                      "line 1: \x1B[1m\r\n&");
  const std::string text = svg.str();
  CHECK_MESSAGE(nmt::testing::xml_problem(text).empty(), nmt::testing::xml_problem(text));
  CHECK(text.find("line 1: \xEF\xBF\xBD[1m  &amp;") != std::string::npos);  // the replacements of printable_line
  CHECK(xml_escape("a\x1C<b>\n") == "a\xEF\xBF\xBD&lt;b&gt; ");
}
