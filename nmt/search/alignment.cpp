// Hard alignments and the soft attention text (see alignment.h).
#include "nmt/search/alignment.h"

#include <cstdio>
#include <stdexcept>

namespace nmt {

std::vector<std::pair<int, int>> hard_alignment(const Hypothesis& h) {
  std::vector<std::pair<int, int>> pairs;
  const int source_pieces = h.source_length - 1;  // without EOS
  if (source_pieces <= 0) return pairs;
  if (h.attention.size() != (h.tokens.size() + 1) * static_cast<std::size_t>(h.source_length))
    throw std::logic_error("hard_alignment: the hypothesis carries no attention (search without attention)");
  pairs.reserve(h.tokens.size());
  for (int t = 0; t < static_cast<int>(h.tokens.size()); ++t) {
    int best = 0;
    for (int s = 1; s < source_pieces; ++s)
      if (h.attention_at(t, s) > h.attention_at(t, best)) best = s;
    pairs.emplace_back(best, t);
  }
  return pairs;
}

std::string format_alignment(const std::vector<std::pair<int, int>>& pairs) {
  std::string out;
  for (const auto& [s, t] : pairs) {
    if (!out.empty()) out += ' ';
    out += std::to_string(s) + '-' + std::to_string(t);
  }
  return out;
}

std::string format_attention(const Hypothesis& h, int digits) {
  std::string out;
  if (h.source_length == 0) return out;
  const int steps = static_cast<int>(h.attention.size() / h.source_length);
  char number[32];
  for (int t = 0; t < steps; ++t) {
    if (t) out += ' ';
    for (int s = 0; s < h.source_length; ++s) {
      if (s) out += ',';
      std::snprintf(number, sizeof number, "%.*f", digits, static_cast<double>(h.attention_at(t, s)));
      out += number;
    }
  }
  return out;
}

std::string format_positions(const Hypothesis& h, int digits) {
  std::string out;
  char number[32];
  for (std::size_t t = 0; t < h.positions.size(); ++t) {
    if (t) out += ' ';
    std::snprintf(number, sizeof number, "%.*f", digits, static_cast<double>(h.positions[t]));
    out += number;
  }
  return out;
}

}  // namespace nmt
