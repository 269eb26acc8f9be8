// Length normalisation (Wu et al. 2016, eq. 14; average log-probability; none).
#include "nmt/search/length_penalty.h"

#include <cmath>
#include <stdexcept>

namespace nmt {

Normalization parse_normalization(std::string_view name) {
  if (name == "wu") return Normalization::wu;
  if (name == "average") return Normalization::average;
  if (name == "none") return Normalization::none;
  throw std::invalid_argument("unknown length normalisation '" + std::string(name) +
                              "' (expected wu, average or none)");
}

std::string_view to_string(Normalization normalization) {
  switch (normalization) {
    case Normalization::wu: return "wu";
    case Normalization::average: return "average";
    case Normalization::none: return "none";
  }
  return "?";
}

double LengthPenalty::divisor(int length) const {
  switch (normalization) {
    case Normalization::wu: return std::pow((5.0 + length) / 6.0, static_cast<double>(alpha));
    case Normalization::average: return length > 0 ? static_cast<double>(length) : 1.0;
    case Normalization::none: return 1.0;
  }
  return 1.0;
}

}  // namespace nmt
