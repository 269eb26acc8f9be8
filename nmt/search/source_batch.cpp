// Padding a batch of source sentences (see source_batch.h).
#include "nmt/search/source_batch.h"

#include <algorithm>
#include <stdexcept>

#include "tokenizer/special_ids.h"

namespace nmt {

SourceBatch SourceBatch::make(std::span<const std::vector<int32_t>> sentences) {
  if (sentences.empty()) throw std::invalid_argument("search: empty batch");
  SourceBatch batch;
  batch.lengths.reserve(sentences.size());
  int width = 1;
  for (const auto& s : sentences) {
    batch.lengths.push_back(static_cast<int>(s.size()) + 1);
    width = std::max(width, batch.lengths.back());
  }
  const int64_t count = static_cast<int64_t>(sentences.size());
  batch.ids = Tensor::zeros({count, width}, DType::i32);
  int32_t* ids = batch.ids.i32();
  for (int64_t b = 0; b < count; ++b) {
    int32_t* row = ids + b * width;
    std::copy(sentences[b].begin(), sentences[b].end(), row);
    row[sentences[b].size()] = text::kEosId;
    for (int i = static_cast<int>(sentences[b].size()) + 1; i < width; ++i) row[i] = text::kPadId;
  }
  return batch;
}

}  // namespace nmt
