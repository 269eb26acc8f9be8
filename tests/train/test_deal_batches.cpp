// deal_batches (nmt/train/distributed.h): which of an update's batches each rank trains.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "nmt/train/distributed.h"

using nmt::train::deal_batches;

namespace {

double slowest(const std::vector<std::vector<std::size_t>>& dealt, const std::vector<double>& costs) {
  double most = 0;
  for (const auto& mine : dealt) {
    double load = 0;
    for (std::size_t i : mine) load += costs[i];
    most = std::max(most, load);
  }
  return most;
}

// Every batch exactly once, at most k per rank, each rank's list in stream order.
void check_a_deal(const std::vector<std::vector<std::size_t>>& dealt, std::size_t batches, std::size_t ranks,
                  std::size_t k) {
  REQUIRE(dealt.size() == ranks);
  std::vector<int> seen(batches, 0);
  for (const auto& mine : dealt) {
    CHECK(mine.size() <= k);
    CHECK(std::is_sorted(mine.begin(), mine.end()));
    for (std::size_t i : mine) ++seen.at(i);
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
}

}  // namespace

TEST_CASE("contiguous: rank r trains batches [r k, r k + k) of the update") {
  const auto dealt = deal_batches(std::vector<double>(6, 1.0), 3, 2, false);
  CHECK(dealt == std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}, {4, 5}});
  // The epoch's last update may hold fewer: the first ranks take them.
  CHECK(deal_batches(std::vector<double>(3, 1.0), 2, 2, false) == std::vector<std::vector<std::size_t>>{{0, 1}, {2}});
  CHECK_THROWS(deal_batches(std::vector<double>(5, 1.0), 2, 2, false));
}

TEST_CASE("balanced: the same batches, the slowest rank's share as small as longest-first makes it") {
  // Two long batches first in the stream: contiguous gives both to rank 0.
  const std::vector<double> costs{9, 8, 2, 1};
  const auto contiguous = deal_batches(costs, 2, 2, false), balanced = deal_batches(costs, 2, 2, true);
  check_a_deal(balanced, 4, 2, 2);
  CHECK(slowest(contiguous, costs) == 17);
  CHECK(slowest(balanced, costs) == 10);  // {9, 1} and {8, 2}
  CHECK(balanced == std::vector<std::vector<std::size_t>>{{0, 3}, {1, 2}});

  // Many random-ish updates: never worse than contiguous, always a valid deal.
  for (std::size_t ranks : {2u, 3u, 8u})
    for (std::size_t k : {1u, 2u, 4u}) {
      std::vector<double> c(ranks * k);
      for (std::size_t i = 0; i < c.size(); ++i) c[i] = 1.0 + static_cast<double>((i * 7919) % 13);
      const auto b = deal_batches(c, static_cast<int>(ranks), static_cast<int>(k), true);
      check_a_deal(b, c.size(), ranks, k);
      CHECK(slowest(b, c) <= slowest(deal_batches(c, static_cast<int>(ranks), static_cast<int>(k), false), c));
    }
}
