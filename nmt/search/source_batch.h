// The source side of a search batch: sentences (subword ids) + EOS, padded with pad into one
// int32 tensor [B, S], as EncoderDecoder::start expects (encoder_decoder.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmt/tensor/tensor.h"

namespace nmt {

struct SourceBatch {
  Tensor ids;                // [B, S] int32, S = the longest length
  std::vector<int> lengths;  // ids of each sentence, its EOS included

  static SourceBatch make(std::span<const std::vector<int32_t>> sentences);
  int sentences() const { return static_cast<int>(lengths.size()); }
  int width() const { return static_cast<int>(ids.dim(1)); }
};

}  // namespace nmt
