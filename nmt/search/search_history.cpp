// Back-pointers of the search (see search_history.h).
#include "nmt/search/search_history.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace nmt {

SearchHistory::SearchHistory(int rows, int max_steps, int attention_width)
    : rows_(rows), max_steps_(max_steps), width_(attention_width) {
  const std::size_t cells = static_cast<std::size_t>(rows) * max_steps;
  parents_.resize(cells);
  tokens_.resize(cells);
  attention_.resize(cells * static_cast<std::size_t>(attention_width));
}

void SearchHistory::record_attention(int step, const Tensor& attention, std::span<const int32_t> original_rows) {
  if (width_ == 0) return;
  const int64_t n = static_cast<int64_t>(original_rows.size());
  if (attention.rank() != 2 || attention.dim(0) != n || attention.dim(1) != width_)
    throw std::logic_error("search: last_attention returned " + attention.shape().str() + ", expected [" +
                           std::to_string(n) + ", " + std::to_string(width_) + "]");
  const float* values = attention.f32();
  float* to = attention_.data() + static_cast<std::size_t>(step) * rows_ * width_;
  for (int64_t r = 0; r < n; ++r)
    std::copy(values + r * width_, values + (r + 1) * width_, to + static_cast<std::size_t>(original_rows[r]) * width_);
}

void SearchHistory::record_positions(int step, const Tensor& positions, std::span<const int32_t> original_rows) {
  if (width_ == 0 || !positions.defined()) return;
  const int64_t n = static_cast<int64_t>(original_rows.size());
  if (positions.rank() != 1 || positions.dim(0) != n)
    throw std::logic_error("search: last_positions returned " + positions.shape().str() + ", expected [" +
                           std::to_string(n) + "]");
  if (positions_.empty()) positions_.resize(static_cast<std::size_t>(max_steps_) * rows_);
  float* to = positions_.data() + static_cast<std::size_t>(step) * rows_;
  for (int64_t r = 0; r < n; ++r) to[original_rows[r]] = positions.f32()[r];
}

void SearchHistory::record_step(int step, std::span<const int32_t> original_rows, std::span<const int32_t> parents,
                                std::span<const int32_t> tokens) {
  const std::size_t at = static_cast<std::size_t>(step) * rows_;
  for (std::size_t r = 0; r < original_rows.size(); ++r) {
    parents_[at + original_rows[r]] = parents[r];
    tokens_[at + original_rows[r]] = tokens[r];
  }
}

void SearchHistory::trace(int step, int row, int source_length, Hypothesis& out) const {
  out.tokens.assign(step, 0);
  out.source_length = width_ ? source_length : 0;
  if (width_) out.attention.assign(static_cast<std::size_t>(step + 1) * source_length, 0.f);
  if (!positions_.empty()) out.positions.assign(static_cast<std::size_t>(step + 1), 0.f);
  auto copy_attention = [&](int at_step, int at_row) {
    if (!positions_.empty()) out.positions[at_step] = positions_[static_cast<std::size_t>(at_step) * rows_ + at_row];
    if (!width_) return;
    const float* from = attention_.data() + (static_cast<std::size_t>(at_step) * rows_ + at_row) * width_;
    std::copy(from, from + source_length, out.attention.begin() + static_cast<std::ptrdiff_t>(at_step) * source_length);
  };
  copy_attention(step, row);  // the step that produced EOS
  int current = row;
  for (int s = step - 1; s >= 0; --s) {
    const std::size_t at = static_cast<std::size_t>(s) * rows_ + current;
    out.tokens[s] = tokens_[at];
    current = parents_[at];
    copy_attention(s, current);
  }
}

SentenceResult SearchHistory::collect(std::span<const FinishedHypothesis> finished, int n_best,
                                      int source_length, int max_length) const {
  SentenceResult result;
  result.max_length = max_length;
  if (finished.empty()) {
    Hypothesis& h = result.hypotheses.emplace_back();
    h.score = h.normalized = -std::numeric_limits<float>::infinity();
    h.truncated = true;
    h.source_length = width_ ? source_length : 0;
    h.attention.assign(h.source_length, 0.f);
    if (!positions_.empty()) h.positions.assign(1, 0.f);
    return result;
  }
  // Indices sorted best first; stable, so ties keep the order in which they finished.
  std::vector<int> order(finished.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return finished[a].normalized > finished[b].normalized; });
  const int count = std::min<int>(n_best, static_cast<int>(order.size()));
  result.hypotheses.resize(count);
  for (int i = 0; i < count; ++i) {
    const FinishedHypothesis& f = finished[order[i]];
    Hypothesis& h = result.hypotheses[i];
    trace(f.step, f.row, source_length, h);
    h.score = f.score;
    h.normalized = f.normalized;
    h.truncated = f.truncated;
  }
  return result;
}

}  // namespace nmt
