// Hard word alignments read off attention, as fairseq's --print-alignment and Marian's
// --alignment hard do: each output subword is aligned to the source subword it attends to most
// (the argmax of its attention row; Luong et al. 2015 and Bahdanau et al. 2015 show attention as
// such alignments). Positions are subword indices counted from 0; the EOS on either side is left
// out. Also the soft alignment text: the whole weight matrix in Marian's "soft" format.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nmt/search/search.h"

namespace nmt {

// (source position, target position) for every output subword of `h` (needs its attention).
// Nothing when the source has no subwords besides EOS.
std::vector<std::pair<int, int>> hard_alignment(const Hypothesis& h);

// "0-0 1-2 3-1": Moses / fast_align's "src-tgt" pairs.
std::string format_alignment(const std::vector<std::pair<int, int>>& pairs);

// One row per output step (EOS included) separated by spaces, each row's weights over the source
// (EOS included) separated by commas, with `digits` decimals: "0.91,0.09 0.20,0.80".
std::string format_attention(const Hypothesis& h, int digits = 3);

// The predicted source position of every output step (EOS included; local-p's p_t, see
// Hypothesis::positions) separated by spaces, with `digits` decimals: "0.84 2.10 3.95"; empty
// for models that predict none.
std::string format_positions(const Hypothesis& h, int digits = 2);

}  // namespace nmt
