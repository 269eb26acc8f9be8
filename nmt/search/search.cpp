// Search settings and the choice between greedy and beam search (see search.h).
#include "nmt/search/search.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace nmt {

void SearchOptions::validate() const {
  auto fail = [](const std::string& message) { throw std::invalid_argument("search: " + message); };
  if (beam < 1) fail("beam size must be at least 1 (got " + std::to_string(beam) + ")");
  if (n_best < 1) fail("n-best must be at least 1 (got " + std::to_string(n_best) + ")");
  if (n_best > beam)
    fail("n-best (" + std::to_string(n_best) + ") cannot exceed the beam size (" + std::to_string(beam) + ")");
  if (!std::isfinite(max_length_ratio) || max_length_ratio < 0)
    fail("max length ratio must be a non-negative number (got " + std::to_string(max_length_ratio) + ")");
  if (max_length_cap < 0) fail("max length cap must be positive, or 0 for the model's limit");
  if (!std::isfinite(length_penalty.alpha)) fail("alpha must be a finite number");
}

int SearchOptions::max_output_length(int source_length, int max_positions) const {
  const double relative = std::floor(static_cast<double>(max_length_ratio) * source_length + max_length_offset);
  int cap = max_positions > 0 ? max_positions : 1 << 20;
  if (max_length_cap > 0) cap = std::min(cap, max_length_cap);
  return static_cast<int>(std::clamp<double>(relative, 1.0, static_cast<double>(cap)));
}

std::vector<int32_t> SearchOptions::restrict_outputs(EncoderDecoder& model, DecoderState& state,
                                                    std::span<const std::vector<int32_t>> sources,
                                                    int rows_per_sentence) const {
  if (!shortlist) return {};
  Shortlist::Batch batch = shortlist->for_batch(sources);
  model.select_outputs(state, batch.words, batch.mask(rows_per_sentence));
  return std::move(batch.words);
}

std::vector<SentenceResult> search(EncoderDecoder& model, std::span<const std::vector<int32_t>> sources,
                                   const SearchOptions& options) {
  return options.beam == 1 ? greedy_search(model, sources, options) : beam_search(model, sources, options);
}

}  // namespace nmt
