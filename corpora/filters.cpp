// The training-pair filters and their counts (see filters.h).
#include "corpora/filters.h"

#include <algorithm>

namespace nmt::corpora {

FilterVerdict judge_pair(std::size_t source_pieces, std::size_t target_pieces, const FilterOptions& options) {
  if (source_pieces == 0 || target_pieces == 0) return FilterVerdict::empty;
  if (options.max_length && std::max(source_pieces, target_pieces) > options.max_length) {
    return FilterVerdict::too_long;
  }
  if (options.max_length_ratio > 0 &&
      double(std::max(source_pieces, target_pieces)) > options.max_length_ratio * double(std::min(source_pieces, target_pieces))) {
    return FilterVerdict::bad_ratio;
  }
  return FilterVerdict::keep;
}

void FilterCounts::count(FilterVerdict verdict) {
  ++read;
  switch (verdict) {
    case FilterVerdict::keep: ++kept; break;
    case FilterVerdict::empty: ++empty; break;
    case FilterVerdict::too_long: ++too_long; break;
    case FilterVerdict::bad_ratio: ++bad_ratio; break;
  }
}

std::string FilterCounts::summary() const {
  return "read " + std::to_string(read) + " pairs, kept " + std::to_string(kept) + "; dropped " +
         std::to_string(empty) + " empty, " + std::to_string(too_long) + " too long, " +
         std::to_string(bad_ratio) + " over the length ratio";
}

}  // namespace nmt::corpora
