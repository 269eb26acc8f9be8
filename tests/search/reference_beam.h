// A direct, unoptimised beam search for one sentence, fairseq-style (each step ranks the top 2k
// continuations, EOS among the first k finishes a hypothesis, a sentence stops with k finished
// ones), working on a Table instead of a model: the behaviour nmt::beam_search must reproduce
// (its early stop may end sooner, but never with another best hypothesis).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "mock_model.h"

namespace nmt::testing {

// Returns (tokens, normalized score) of the best hypothesis; score / length^alpha, length =
// tokens + EOS. The limit is the max length (pieces + EOS) where EOS is forced.
inline std::pair<Ids, double> reference_beam(const Table& table, const Ids& source_with_eos, int k, double alpha,
                                             int limit, int vocab) {
  struct Live {
    Ids tokens;
    double score;
  };
  std::vector<Live> live{{{}, 0.0}};
  std::vector<std::pair<double, Ids>> finished;
  for (int t = 0; t < limit; ++t) {
    struct Cand {
      double score;
      int beam, token;
    };
    std::vector<Cand> cands;
    for (int j = 0; j < static_cast<int>(live.size()); ++j) {
      std::vector<float> lp = table(source_with_eos, live[j].tokens);
      lp[kPad] = kNegInf;
      lp[kBos] = kNegInf;  // the toolkit never produces bos either (the mock never gives it mass)
      if (t >= limit - 1) {
        const float eos = lp[kEos];
        std::fill(lp.begin(), lp.end(), kNegInf);
        lp[kEos] = eos;
      }
      for (int v = 0; v < vocab; ++v)
        cands.push_back({static_cast<double>(static_cast<float>(live[j].score) + lp[v]), j, v});
    }
    // topk(2k), best first; ties by flat index as the toolkit does
    std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.score > b.score; });
    std::vector<Live> keep;
    for (int r = 0; r < std::min<int>(2 * k, static_cast<int>(cands.size())); ++r) {
      const Cand& c = cands[r];
      if (c.score == -INFINITY) break;
      if (c.token == kEos) {
        if (r < k) finished.push_back({c.score / std::pow(live[c.beam].tokens.size() + 1.0, alpha), live[c.beam].tokens});
      } else {
        Ids next = live[c.beam].tokens;
        next.push_back(c.token);
        keep.push_back({next, c.score});
      }
      if (static_cast<int>(keep.size()) == k) break;
    }
    if (static_cast<int>(finished.size()) >= k || keep.empty()) break;
    live = std::move(keep);
  }
  if (finished.empty()) return {{}, -INFINITY};
  auto best = std::max_element(finished.begin(), finished.end(),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
  return {best->second, best->first};
}

}  // namespace nmt::testing
