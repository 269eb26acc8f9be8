// The sentiment tool's picture (nmt/classify/attention_picture.h) is well-formed XML whatever the
// sentences hold: the words are escaped and their control characters replaced (xml_escape).
#include <doctest/doctest.h>

#include <sstream>

#include "nmt/classify/attention_picture.h"
#include "tests/tools/well_formed_xml.h"

using namespace nmt::classify;

TEST_CASE("the attention picture is well-formed XML for any words: markup, control characters, bad UTF-8") {
  AttendedSentence s;
  s.pieces = {"<b>", "&", "\x1C", std::string("\0", 1), "a\nb", "\xEF\xBF\xBF", "\xC2\x85\xFF", "\"'"};
  s.weights = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.2f, 0.0f};  // one padding position
  s.probability = 0.7f;
  s.gold = 1;
  std::ostringstream svg;
  write_attention_words_svg(svg, {s}, "title \x1B<x>");
  const std::string text = svg.str();
  CHECK_MESSAGE(nmt::testing::xml_problem(text).empty(), nmt::testing::xml_problem(text));
  CHECK(text.find("&lt;b&gt;") != std::string::npos);
  CHECK(text.find("title \xEF\xBF\xBD&lt;x&gt;") != std::string::npos);
}
