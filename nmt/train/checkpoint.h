// Checkpoints: a model file (nmt/models/model_file.h) plus everything the trainer needs to continue
// exactly where it stopped, so that an interrupted and resumed run ends with the same parameters,
// bit for bit, as one that was never interrupted (same machine, same thread count):
//   the optimiser's moments and step count, the update counter and the schedule's state, the
//   batcher's position (corpora::BatcherState), the random generators (global and dropout), the
//   best validation score so far and the early-stopping count, the validation history, and the
//   wall-clock time and target tokens used so far (for --max-minutes and the progress line).
// The state travels as an opaque byte string in the model file (ModelFileInfo::training_state),
// itself a Boost.Serialization binary archive.
//
// On disk: <model-dir>/checkpoint-<update>.bin, the last K kept (prune_checkpoints).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/optim/optimizer.h"
#include "nmt/tensor/random.h"
#include "nmt/train/schedule.h"

namespace nmt::train {

struct ValidationRecord {
  int64_t update = 0;
  int64_t epoch = 0;
  double loss = 0;        // mean NLL per target token (no label smoothing)
  double perplexity = 0;  // exp(loss)
  double bleu = -1;       // -1 when not computed
  bool best = false;      // improved the chosen metric
};

struct TrainingState {
  optim::OptimizerState optimizer;
  int64_t updates = 0;
  std::string batcher;  // corpora::BatcherState::serialize()
  Generator::State global_generator{};
  Generator::State dropout_generator{};
  LearningRateSchedule::State schedule;
  bool has_best = false;
  double best_metric = 0;
  int64_t validations_without_improvement = 0;
  std::vector<ValidationRecord> history;
  double elapsed_seconds = 0;  // training + validation wall time so far
  int64_t target_tokens = 0;   // target tokens trained on so far

  std::string serialize() const;
  // Throws std::invalid_argument when the bytes are not a training state.
  static TrainingState deserialize(std::string_view bytes);
};

// <dir>/checkpoint-<update>.bin (update zero-padded to 8 digits, so names sort by update).
std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t update);
// The checkpoints in dir, oldest first, as (update, path).
std::vector<std::pair<int64_t, std::filesystem::path>> list_checkpoints(const std::filesystem::path& dir);
// Deletes all but the newest `keep` checkpoints (keep >= 1).
void prune_checkpoints(const std::filesystem::path& dir, int keep);

}  // namespace nmt::train
