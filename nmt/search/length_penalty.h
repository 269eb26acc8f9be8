// Length normalisation of finished hypotheses: beam search compares hypotheses of different
// lengths, and a plain sum of log-probabilities favours short ones. A hypothesis's final score
// is score / divisor(length), length = output pieces + EOS:
//   wu       lp(Y) = (5 + |Y|)^alpha / (5 + 1)^alpha   (Wu et al. 2016, "Google's Neural Machine
//            Translation System", eq. 14; alpha = 0.6 there)
//   average  |Y|   (the mean log-probability per token, as fairseq's default lenpen = 1; the default)
//   none     1     (the raw sum)
// Every divisor is positive and monotone in the length, which the search's early stop uses.
#pragma once

#include <string>
#include <string_view>

namespace nmt {

enum class Normalization { wu, average, none };

// "wu" | "average" | "none"; anything else throws std::invalid_argument naming the value.
Normalization parse_normalization(std::string_view name);
std::string_view to_string(Normalization normalization);

struct LengthPenalty {
  Normalization normalization = Normalization::average;
  float alpha = 0.6f;  // Wu et al.'s exponent (used by `wu` only)

  // The divisor for a hypothesis of `length` tokens (EOS included).
  double divisor(int length) const;
  // score / divisor(length).
  float normalize(float score, int length) const { return static_cast<float>(score / divisor(length)); }
};

}  // namespace nmt
