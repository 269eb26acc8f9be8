// The Multi30k recipe's comparison script on run folders written here: compare-seeds.sh gathers
// the seeds of each run from their results.json and reports per-seed BLEU, mean, sample
// standard deviation and the seed-by-seed difference of two runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

using namespace nmt::testing;

namespace {

const std::string kCompareSeeds = NMT_SOURCE_DIR "/recipes/multi30k/compare-seeds.sh";

std::string fresh_runs_dir() {
  const auto path = std::filesystem::path(NMT_BINARY_DIR) / "tool_tests_scratch" / "recipes";
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

// The fields of run.sh's results.json that the script reads.
void write_results(const std::string& runs, const std::string& run, int seed, double bleu, double chrf,
                   const char* selected = "best") {
  std::filesystem::create_directories(runs + "/" + run);
  std::ofstream(runs + "/" + run + "/results.json")
      << "{\"run\": \"" << run << "\", \"model\": \"m\", \"seed\": \"" << seed << "\", \"bleu\": " << bleu
      << ", \"chrf\": " << chrf << ", \"bleu_lc_intl\": 1.00, \"chrf_lc\": 2.00,\n"
      << " \"parameters\": \"100\", \"train_seconds\": 60, \"updates\": 2000, \"target_tokens_per_s\": 1000,\n"
      << " \"translate_seconds\": 1.0, \"selected\": \"" << selected << "\", \"val_bleu_best\": 20.00,\n"
      << " \"val_bleu_average\": 30.00, \"threads\": 1, \"gemm_precision\": \"bf16\", \"optimizer\": \"sgd\"}\n";
}

ToolResult compare(const std::string& runs, const std::vector<std::string>& names) {
  std::vector<std::string> argv = {"/usr/bin/env", "RUNS=" + runs, "bash", kCompareSeeds};
  argv.insert(argv.end(), names.begin(), names.end());
  return run_tool(argv, "");
}

}  // namespace

TEST_CASE("compare-seeds.sh: per-seed BLEU, mean ± sample sd, and the seed-by-seed difference") {
  const std::string runs = fresh_runs_dir();
  // run.sh's seed-1 run without -seed1 in its name counts under the seed its results record.
  write_results(runs, "a", 1, 20.0, 40.0);
  write_results(runs, "a-seed2", 2, 22.0, 42.0);
  write_results(runs, "a-seed3", 3, 24.0, 44.0);
  write_results(runs, "b-seed1", 1, 21.0, 40.5, "averaged");
  write_results(runs, "b-seed3", 3, 23.5, 43.0);
  write_results(runs, "b-seed10", 10, 30.0, 50.0);

  const ToolResult r = compare(runs, {"a", "b"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  // a: mean 22, sample sd sqrt(((-2)^2 + 0 + 2^2) / 2) = 2; validation BLEU of the tested models.
  CHECK(r.out.find("| a | 3 | 2000 | 1: 20, 2: 22, 3: 24 | 22.00 ± 2.00 | 42.00 ± 2.00 | 20.00 |") != std::string::npos);
  // b: seeds in numeric order (10 after 3); its averaged run reports the average's validation BLEU.
  CHECK(r.out.find("| b | 3 | 2000 | 1: 21, 3: 23.5, 10: 30 | 24.83 ± 4.65 | 44.50 ± 4.92 | 23.33 |") != std::string::npos);
  // b - a over seeds 1 and 3 only: +1.0 and -0.5.
  CHECK(r.out.find("seed by seed (2 seeds in common): BLEU 1: +1.00, 3: -0.50; mean +0.25 ± 1.06") != std::string::npos);
  CHECK(r.out.find("ahead or equal in 1 of 2") != std::string::npos);
}

TEST_CASE("compare-seeds.sh: a missing run or a seed twice is an error naming it") {
  const std::string runs = fresh_runs_dir();
  write_results(runs, "a", 1, 20.0, 40.0);

  ToolResult r = compare(runs, {"a", "nothing"});
  CHECK(r.status != 0);
  CHECK(r.err.find("nothing") != std::string::npos);

  write_results(runs, "a-seed1", 1, 21.0, 41.0);
  r = compare(runs, {"a"});
  CHECK(r.status != 0);
  CHECK(r.err.find("a has seed 1 twice") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("results-json.sh: a resumed run's training time is the whole run's, from the log's last end") {
  const std::string runs = fresh_runs_dir();
  const std::string log = runs + "/log.jsonl";
  const std::string script = NMT_SOURCE_DIR "/recipes/multi30k/results-json.sh";
  auto seconds = [&] {
    return run_tool({"/bin/bash", "-c", "set -euo pipefail; source \"$0\"; logged_train_seconds \"$1\"", script, log}, "");
  };
  // Stopped after an hour, then resumed to update 3,000: nmt-train's elapsed time carries on.
  std::ofstream(log) << "{\"event\": \"train\", \"update\": 10, \"elapsed_s\": 5.5}\n"
                     << "{\"event\": \"end\", \"update\": 2000, \"reason\": \"max-minutes\", \"elapsed_s\": 3600.4}\n"
                     << "{\"event\": \"train\", \"update\": 2010, \"elapsed_s\": 3610.0}\n"
                     << "{\"event\": \"end\", \"update\": 3000, \"reason\": \"max-updates\", \"elapsed_s\": 6941.6}\n";
  ToolResult r = seconds();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out == "6942\n");
  // A log without an end record (a run killed mid-way) gives nothing, so run.sh keeps its clock.
  std::ofstream(log) << "{\"event\": \"train\", \"update\": 10, \"elapsed_s\": 5.5}\n";
  r = seconds();
  CHECK(r.status == 0);
  CHECK(r.out.empty());
}

TEST_CASE("attention-stats.sh --output: sharpness, monotonicity and local-p's p_t at either edge") {
  const std::string runs = fresh_runs_dir();
  const std::string script = NMT_SOURCE_DIR "/recipes/multi30k/attention-stats.sh";
  // nmt-translate --attention --positions: translation ||| one row per output subword (EOS last)
  // ||| p_t per row. Sentence 1 (S = 3): argmax 1 with p_t = 1, then argmax 0 (a step back) with
  // p_t = 0 (<= 0.01 S). Sentence 2 (S = 2): argmax 1 with p_t = 2 (>= 0.99 S), one off.
  std::ofstream(runs + "/local.att") << "a b ||| 0.1,0.9,0 0.8,0.2,0 0,0,1 ||| 1.0 0.0 3.0\n"
                                     << "c ||| 0,1 0.5,0.5 ||| 2.0 2.0\n";
  // A global model prints no positions.
  std::ofstream(runs + "/global.att") << "a b ||| 0.1,0.9,0 0.8,0.2,0 0,0,1 ||| \n";
  const ToolResult r = run_tool({"/bin/bash", script, "--output", runs + "/local.att", "--output", runs + "/global.att"}, "");
  INFO(r.err);
  REQUIRE(r.status == 0);
  // max weight (0.9 + 0.8 + 1) / 3; entropy (0.325083 + 0.500402 + 0) / 3; 0 of 1 step pairs
  // monotone; distance (0 + 0 + 1) / 3; Gaussian (1 + 1 + exp(-1 / 50)) / 3 with D = 10; one step
  // at each edge; every window holds its whole sentence.
  CHECK(r.out.find("| local | 3 | 0.900 | 0.275 | 0.000 | 0.33 | 0.993 | 0.333 | 0.333 | 1.000 |") != std::string::npos);
  CHECK(r.out.find("| global | 2 | 0.850 | 0.413 | 0.000 | - | - | - | - | - |") != std::string::npos);

  const ToolResult missing = run_tool({"/bin/bash", script, "--output", runs + "/nothing.att"}, "");
  CHECK(missing.status != 0);
  CHECK(missing.err.find("nothing.att") != std::string::npos);
}
