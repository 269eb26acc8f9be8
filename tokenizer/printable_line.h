// The output guarantee: whatever a model emits, every line of output text stays one line and is
// valid in XML. A model can produce any byte through SentencePiece's byte-fallback pieces
// (<0x0A> is a newline, <0x1C> a control character XML forbids), so every writer of model output
// (nmt-translate's plain, n-best, alignment and attention lines, the SVG heatmaps, nmt-serve's
// JSON) passes its text through printable_line first. The policy, one character at a time:
//   - the whitespace controls that break or shift lines (U+0009..000D, U+0085 NEL, U+2028 LINE
//     SEPARATOR, U+2029 PARAGRAPH SEPARATOR) become one ASCII space each: the text reads as the
//     model meant it, on one line;
//   - every other control character (C0 U+0000..001F, DEL U+007F, C1 U+0080..009F) and the
//     noncharacters U+FFFE and U+FFFF (which XML 1.0 does not allow) become U+FFFD, visibly;
//   - ill-formed UTF-8 becomes U+FFFD (utf8.h's maximal-subpart rule);
//   - everything else, spaces included, is left as it is (nothing is collapsed or trimmed).
#pragma once

#include <string>
#include <string_view>

namespace nmt::text {

std::string printable_line(std::string_view text);

}  // namespace nmt::text
