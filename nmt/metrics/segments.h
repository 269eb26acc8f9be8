// Corpus statistics are sums of segment statistics: segment i is hypothesis i against line i of
// every reference stream (sacreBLEU's `zip(hypotheses, *references)`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nmt/metrics/errors.h"

namespace nmt::metrics {

// Calls segment(hypothesis, references_of_that_line) for every line, after checking that every
// reference stream has as many lines as the hypotheses.
template <class Segment>
void for_each_segment(const std::vector<std::string_view>& hypotheses,
                      const std::vector<std::vector<std::string_view>>& references, Segment&& segment) {
  for (const auto& stream : references)
    if (stream.size() != hypotheses.size())
      throw MetricsError("the hypotheses and the references have different numbers of lines (" +
                         std::to_string(hypotheses.size()) + " and " + std::to_string(stream.size()) + ")");
  std::vector<std::string_view> refs(references.size());
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    for (std::size_t k = 0; k < references.size(); ++k) refs[k] = references[k][i];
    segment(hypotheses[i], refs);
  }
}

}  // namespace nmt::metrics
