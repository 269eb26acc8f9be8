// nmt-train's settings: what they are, their defaults, and how they are read from an INI-style
// config file (--config FILE) and the command line, the command line winning.
//
// Every option is declared once (options.cpp) with its group, default and help text; --help lists
// them by group (data, model, training, validation, output), and after the model group each model
// type with the settings it reads (nmt/models/model_registry.h), their defaults and help. An
// unknown or misspelt option is an error naming it (and the config file it came from); a value
// that does not parse is an error naming the option; so is a model setting that the chosen model
// does not read (naming the model, and the config file and line when it came from one). The
// effective configuration (every option with its final value, as text; of the model settings,
// those the chosen model reads) is kept so that model files record exactly how they were trained.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "nmt/models/model_config.h"
#include "nmt/train/schedule.h"
#include "tokenizer/normalizer.h"

namespace nmt::train {

struct TrainerOptions {
  // data
  std::string train_source, train_target;  // line-aligned text files
  std::string valid_source, valid_target;
  std::string vocabulary;  // an existing SentencePiece model; empty = train one on the training data
  int vocab_size = 8000;
  std::string subword_type = "unigram";  // unigram | bpe
  text::NormalizationForm normalization = text::NormalizationForm::nfkc;
  std::size_t max_length = 250;     // pieces per side; longer pairs are dropped
  double max_length_ratio = 3.0;
  double max_unk = 0.05;            // refuse to train when more pieces than this share are <unk>
  bool allow_unk_coverage = false;  // ... unless this is set

  // model
  ModelConfig model;

  // training
  std::size_t batch_tokens = 4096;
  int accumulate = 1;
  ScheduleOptions schedule;
  std::string optimizer = "adam";  // adam | adamw | sgd
  float weight_decay = 0.f;         // adamw: decoupled decay; adam, sgd: L2 added to the gradient
  float adam_beta1 = 0.9f, adam_beta2 = 0.98f, adam_eps = 1e-9f;
  float momentum = 0.f;             // sgd
  float label_smoothing = 0.1f;
  float clip_norm = 0.f;  // 0 = off
  uint64_t seed = 1;
  int threads = 0;        // 0 = all cores
  int allreduce_bucket_mb = 4;  // data-parallel training (mpirun): gradient all-reduce bucket size
  std::string allreduce_precision = "fp32";  // mpirun: fp32 | bf16 (gradients all-reduced as bfloat16)
  bool balance_batches = false;  // mpirun: deal an update's batches to ranks by estimated cost
  bool log_batch_times = false;  // log.jsonl: every batch's shape, rank and compute time
  std::string gemm_precision = "fp32";  // fp32 | bf16 (bfloat16 GEMM inputs, float32 sums and weights)
  int64_t max_updates = 0;
  int64_t max_epochs = 0;
  double max_minutes = 0;

  // validation
  int64_t valid_every = 500;
  std::string valid_metric = "bleu";  // bleu | loss | perplexity
  int patience = 0;                   // 0 = no early stopping
  int beam = 4;
  std::size_t valid_max_sentences = 0;  // 0 = the whole validation set (BLEU only)
  std::size_t valid_batch_tokens = 4096;
  bool valid_bleu = true;

  // output
  std::string model_dir;
  int keep_last = 3;
  int64_t save_every = 0;  // checkpoint every N updates besides each validation (0 = only then)
  int64_t log_every = 100;
  bool resume = false;
  std::string init_from;

  // Every option by name (without "--") with its final value, as text.
  std::map<std::string, std::string> effective;
  // The options set on the command line or in a config file (the others have their defaults).
  std::set<std::string> given;

  // Throws OptionsError naming the option when a value is out of range or a requirement is missing,
  // or the model setting that breaks its model's rules (check_model_config, model_registry.h).
  void validate() const;
};

class OptionsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParsedCommandLine {
  bool help = false;  // --help: print help_text() and exit 0
  TrainerOptions options;
};

// Reads argv and, when --config FILE is given, that file (command line first). Throws OptionsError.
ParsedCommandLine parse_train_command_line(int argc, const char* const argv[]);

// nmt-train's option for a ModelConfig key: --d-model for d_model, --model-type for type.
std::string model_option_name(const std::string& key);

// The --help text: usage and every option by group, with its default.
std::string train_help_text();

}  // namespace nmt::train
