// An attention heatmap as a standalone SVG image, like the alignment figures of Bahdanau et al.
// 2015 (figure 3): source subwords across the top, output subwords down the left side, each cell
// shaded by the weight the output step gave that source position (white 0 to dark blue 1), with a
// colour scale and the exact weight as each cell's tooltip; for models that predict where to
// attend (local-p), an orange dot per row at its p_t. Plain text, written by hand.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "nmt/search/search.h"

namespace nmt {

// `source_labels`: h.source_length labels (the last one for EOS); `target_labels`:
// h.tokens.size() + 1 labels (the last one for EOS). Throws std::invalid_argument on a mismatch.
void write_attention_svg(std::ostream& out, const Hypothesis& h, const std::vector<std::string>& source_labels,
                         const std::vector<std::string>& target_labels, const std::string& title);

// Text made safe for XML character data and attribute values: tokenizer/printable_line.h's
// replacements (no control characters, which XML 1.0 forbids), then the five entities.
std::string xml_escape(const std::string& text);

}  // namespace nmt
