// The Trainer: trains any EncoderDecoder (it uses only logits() and parameters()).
//
// One update (Vaswani et al. 2017, section 5, with gradient accumulation as fairseq's --update-freq):
//   for each of --accumulate batches:  loss_b = CE_ls(model.logits(src, tgt_in), tgt_out) / N
//       (label-smoothed cross-entropy summed over target tokens, pad ignored, N = target tokens of
//        all the update's batches), loss_b.backward()
//   clip the global gradient norm (--clip-norm), lr = schedule(update), Adam step, zero gradients.
// Every --valid-every updates: validation (loss, perplexity, BLEU), the best model by
// --valid-metric saved to <model-dir>/model.bin, a checkpoint saved (the last --keep-last kept),
// early stopping after --patience validations without improvement. It stops at --max-updates,
// --max-epochs or --max-minutes (whichever comes first), after early stopping, or when asked to
// (SIGINT / SIGTERM, request_stop()): then it saves a checkpoint and returns.
//
// Files in <model-dir>: model.bin (best), checkpoint-<update>.bin, log.jsonl (one JSON object per
// progress line and per validation). Progress on the given stream (stderr in nmt-train).
//
// Resuming (--resume) restores the newest checkpoint: parameters, optimiser, schedule, batcher
// position and random generators, so the run continues exactly as if it had not stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "nmt/models/encoder_decoder.h"
#include "nmt/train/checkpoint.h"
#include "nmt/train/options.h"

namespace nmt::train {

struct TrainingResult {
  int64_t updates = 0;
  std::string stop_reason;  // "max-updates", "max-epochs", "max-minutes", "early-stopping", "signal", "stop-request"
  int signal = 0;           // SIGINT / SIGTERM when a signal stopped it
  bool has_best = false;
  double best_metric = 0;
  std::vector<ValidationRecord> history;
  std::string last_checkpoint;  // path
};

class Trainer {
 public:
  explicit Trainer(TrainerOptions options, std::ostream& out = std::cerr);
  ~Trainer();

  // Prepares data and model (or restores them) and trains until a stop condition.
  // Throws std::runtime_error (or ModelFileError) with a message naming what to fix.
  TrainingResult run();

  // Stop after the current update, as SIGINT does (thread-safe; also from `on_update`).
  void request_stop() { stop_requested_ = true; }

  // Called after every update with the update number (tests use it to interrupt a run).
  std::function<void(int64_t update)> on_update;

  // The model being trained (after run() started it; for tests).
  EncoderDecoder* model() { return model_.get(); }

 private:
  TrainerOptions options_;
  std::ostream& out_;
  std::atomic<bool> stop_requested_{false};
  std::unique_ptr<EncoderDecoder> model_;
};

}  // namespace nmt::train
