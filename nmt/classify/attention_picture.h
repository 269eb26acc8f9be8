// The picture the article is about: sentences with each word shaded by the attention weight the
// pooling layer gave it (white = 0, dark blue = the row's largest weight; the exact weight is
// each word's tooltip and is printed under it), the predicted label and P(positive) on the left,
// and, for a model that attends to padding (the article's), the share of weight the padding got.
// A standalone SVG, written by hand, as nmt/search/attention_svg.h's heatmaps.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace nmt::classify {

struct AttendedSentence {
  std::vector<std::string> pieces;  // the words (or subwords) the model read, in order
  std::vector<float> weights;       // a_t over all positions (>= pieces.size(); the rest is padding)
  float probability = 0;            // P(positive)
  int gold = -1;                    // the true label when known, else -1
};

void write_attention_words_svg(std::ostream& out, const std::vector<AttendedSentence>& sentences,
                               const std::string& title);

}  // namespace nmt::classify
