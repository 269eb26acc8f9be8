// Data for the memorisation tests: the first Multi30k pairs as word-level ids (no tokenizer
// involved), and padding into an int32 tensor. Ids follow tokenizer/special_ids.h: pad 0,
// bos 2, eos 3; words from 4 on, in order of first appearance.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nmt/tensor/tensor.h"

namespace nmt::testing {

struct WordIds {
  std::map<std::string, int32_t> ids;
  std::vector<int32_t> encode(const std::string& line) {
    std::vector<int32_t> out;
    std::istringstream words(line);
    for (std::string w; words >> w;) out.push_back(ids.emplace(w, static_cast<int32_t>(ids.size() + 4)).first->second);
    return out;
  }
};

inline std::vector<std::string> read_first_lines(const std::string& path, int n) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<std::string> out;
  for (std::string line; out.size() < static_cast<std::size_t>(n) && std::getline(in, line);) out.push_back(line);
  return out;
}

// Rows of ids padded with 0 into [rows, longest].
inline Tensor pad_rows(const std::vector<std::vector<int32_t>>& rows) {
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.size());
  std::vector<int32_t> flat(rows.size() * width, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), flat.begin() + i * width);
  return Tensor::from_ids({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)}, flat);
}

}  // namespace nmt::testing
