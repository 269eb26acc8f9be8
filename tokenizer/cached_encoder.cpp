// Word-by-word encoding with a cache (see cached_encoder.h).
#include "tokenizer/cached_encoder.h"

namespace nmt::text {

CachedEncoder::CachedEncoder(const SubwordModel& model, std::size_t max_words)
    : model_(model), max_words_(max_words) {}

void CachedEncoder::encode(std::string_view normalized, std::vector<std::int32_t>& out) {
  std::size_t start = 0;
  while (start < normalized.size()) {
    std::size_t end = normalized.find(' ', start);
    if (end == std::string_view::npos) end = normalized.size();
    const std::string_view word = normalized.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;  // SentencePiece ignores extra spaces too
    if (word.size() > kMaxCachedWordBytes) {
      model_.encode(word, out);
      continue;
    }
    if (const auto found = cache_.find(word); found != cache_.end()) {
      ++hits_;
      out.insert(out.end(), found->second.begin(), found->second.end());
      continue;
    }
    ++misses_;
    if (cache_.size() >= max_words_) cache_.clear();
    const auto& ids = cache_.emplace(std::string(word), model_.encode(word)).first->second;
    out.insert(out.end(), ids.begin(), ids.end());
  }
}

}  // namespace nmt::text
