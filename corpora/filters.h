// Which sentence pairs are kept for training, and how many each rule dropped.
//
// A pair is looked at once it is encoded, and dropped by the first rule it breaks:
//   empty      either side is empty after normalisation (blank or whitespace-only lines)
//   too long   either side has more than max_length pieces (EOS not counted)
//   ratio      the longer side has more than max_length_ratio times the pieces of the shorter
// The counts are reported so the trainer can print what happened to its data.
#pragma once

#include <cstddef>
#include <string>

namespace nmt::corpora {

struct FilterOptions {
  std::size_t max_length = 250;   // pieces per side; 0 = no limit
  double max_length_ratio = 3.0;  // longer / shorter, in pieces; 0 = no limit
};

enum class FilterVerdict { keep, empty, too_long, bad_ratio };

FilterVerdict judge_pair(std::size_t source_pieces, std::size_t target_pieces, const FilterOptions& options);

struct FilterCounts {
  std::size_t read = 0;       // pairs read from the files
  std::size_t kept = 0;
  std::size_t empty = 0;
  std::size_t too_long = 0;
  std::size_t bad_ratio = 0;

  void count(FilterVerdict verdict);
  std::size_t dropped() const { return empty + too_long + bad_ratio; }
  // "read 29000 pairs, kept 28987; dropped 0 empty, 3 too long, 10 over the length ratio"
  std::string summary() const;
};

}  // namespace nmt::corpora
