// Tiny randomly initialised models of every family, and a batch of sentences of varied lengths,
// for the search tests that run real models (test_models.cpp, test_shortlist.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nmt/models/model_config.h"

namespace nmt::testing {

// A `type` model (transformer, rnn, bahdanau, luong) of 40 words and width 16.
inline ModelConfig tiny_config(const std::string& type, const std::string& attention = "global") {
  ModelConfig c;
  c.type = type;
  c.vocab_size = 40;
  c.max_positions = 64;
  c.d_model = 16;
  c.heads = 2;
  c.d_ff = 32;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.embedding_size = 16;
  c.hidden_size = 16;
  c.attention = attention;
  c.window = 2;
  c.score = "general";
  return c;
}

// Nine sentences of 1 to 11 ids over the pieces 4..39.
inline std::vector<std::vector<int32_t>> tiny_sentences() {
  std::vector<std::vector<int32_t>> out;
  for (int i = 0; i < 9; ++i) {
    std::vector<int32_t> s;
    for (int j = 0; j < 1 + (i * 5) % 11; ++j) s.push_back(4 + (i * 7 + j * 3) % 36);
    out.push_back(s);
  }
  return out;
}

}  // namespace nmt::testing
