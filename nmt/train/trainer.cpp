// The training loop (see trainer.h).
#include "nmt/train/trainer.h"

#include "nmt/tensor/blas.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "corpora/batcher.h"
#include "nmt/autograd/ops.h"
#include "nmt/autograd/ops_loss.h"
#include "nmt/models/model_file.h"
#include "nmt/models/model_registry.h"
#include "nmt/optim/optim.h"
#include "nmt/tensor/blas.h"
#include "nmt/tensor/memory_pool.h"
#include "nmt/tensor/threading.h"
#include "nmt/train/distributed.h"
#include "nmt/train/file_fingerprint.h"
#include "nmt/train/progress.h"
#include "nmt/train/run_directory.h"
#include "nmt/train/schedule.h"
#include "nmt/train/stop_signals.h"
#include "nmt/search/shortlist.h"
#include "nmt/train/training_data.h"
#include "nmt/train/validator.h"
#include "tokenizer/special_ids.h"

namespace fs = std::filesystem;

namespace nmt::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string scientific(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

std::string config_json(const std::map<std::string, std::string>& values) {
  std::string s = "{";
  for (const auto& [k, v] : values) s += (s.size() > 1 ? ", " : "") + json_quote(k) + ": " + json_quote(v);
  return s + "}";
}

// Rank 0 writes; the other ranks of a data-parallel job say nothing.
std::ostream& null_stream() {
  static std::ostream null(nullptr);
  return null;
}

uint64_t mix64(uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A 40-bit fingerprint of batch `index` of an update: sums of them over batches and ranks are
// exact in a double, and equal only when the same batches were trained in the same places.
double batch_fingerprint(const corpora::Batch& b, std::size_t index) {
  uint64_t h = mix64(index + 1);
  for (int32_t id : b.source) h = mix64(h ^ static_cast<uint32_t>(id));
  for (int32_t id : b.target_output) h = mix64(h ^ static_cast<uint32_t>(id) ^ 0x5555);
  return static_cast<double>(h >> 24);
}

// Everything one run() holds.
class Run {
 public:
  Run(const TrainerOptions& options, std::ostream& out, std::atomic<bool>& stop_requested,
      std::function<void(int64_t)>& on_update, std::unique_ptr<EncoderDecoder>& model)
      : o_(options), comm_(communicator()), out_(comm_.rank() == 0 ? out : null_stream()),
        stop_requested_(stop_requested), on_update_(on_update), model_(model) {}

  TrainingResult go();

 private:
  void prepare();
  std::string restore_checkpoint(const fs::path& path, text::NormalizerSettings& normalization,
                                 std::shared_ptr<const text::SubwordModel>& vocabulary);
  // One update from up to --accumulate batches; false when the epoch budget ran out first.
  bool update();
  void progress_line();
  void validate();
  void save_checkpoint();
  ModelFileInfo file_info(bool with_state) const;
  TrainingState current_state() const;
  double elapsed() const { return state_.elapsed_seconds + seconds_since(run_start_); }
  double eta_seconds() const;
  void log_batch_times(const std::vector<std::size_t>& mine, const std::vector<double>& seconds);
  void log_json(const JsonLine& line);
  void open_log();
  std::map<std::string, std::string> took_effect(const std::string& restored_from);

  bool leader() const { return comm_.rank() == 0; }
  void check_parameters_agree();

  const TrainerOptions& o_;
  Communicator& comm_;
  std::ostream& out_;
  std::atomic<bool>& stop_requested_;
  std::function<void(int64_t)>& on_update_;
  std::unique_ptr<EncoderDecoder>& model_;

  fs::path dir_;
  std::unique_ptr<RunDirectoryLock> lock_;
  std::ofstream log_;
  TrainingData data_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<LearningRateSchedule> schedule_;
  std::unique_ptr<corpora::Batcher> batcher_;
  std::unique_ptr<Validator> validator_;
  std::vector<Parameter> parameters_;
  std::vector<corpora::Batch> batches_;  // reused every update
  std::map<std::string, std::string> recorded_options_;  // the options as model files record them
  std::map<std::string, std::string> effective_;  // the options that took effect (see took_effect)
  std::map<std::string, std::string> restored_options_;  // --resume: the checkpoint's recorded options
  std::string lexical_table_;  // the vocabulary shortlists' table, counted from the training data
  TrainingState state_;                  // counters, best score, history (the rest lives in the objects)
  Clock::time_point run_start_;
  int64_t run_start_update_ = 0;
  double run_start_epoch_ = 0;
  ProgressMeter meter_;
  int64_t last_validation_ = -1;
  int64_t last_checkpoint_ = -1;
  std::string last_checkpoint_path_;
  bool epochs_done_ = false;
  bool early_stop_ = false;
  // Data-parallel training (comm_.size() > 1).
  std::unique_ptr<GradientReducer> reducer_;
  double blocking_allreduce_s_ = 0;      // one all-reduce of the whole gradient, nothing to hide it
  ReduceTimings reduce_meter_;           // sums since the last progress line
  int agreed_signal_ = 0;                // the stop conditions all ranks agreed on after an update
  bool agreed_stop_request_ = false, agreed_out_of_time_ = false;
  double batch_digest_ = 0;              // of the last update, over all ranks
};

// A record that cannot be written stops the run at once: training on without its log would leave
// a run nobody can follow. No checkpoint is attempted: the usual causes (a full disk, a removed or
// read-only folder) defeat it too, and a checkpoint beyond the last record would leave a hole in
// the log; the last checkpoint stays, and --resume continues from it.
void Run::log_json(const JsonLine& line) {
  if (!log_.is_open()) return;
  errno = 0;
  log_ << line.str() << '\n';
  log_.flush();
  if (!log_)
    throw std::runtime_error("cannot write '" + (dir_ / "log.jsonl").string() +
                             "': " + (errno ? std::strerror(errno) : "write error") +
                             "; training stopped (continue with --resume from the last checkpoint once that is fixed)");
}

std::string Run::restore_checkpoint(const fs::path& path, text::NormalizerSettings& normalization,
                                    std::shared_ptr<const text::SubwordModel>& vocabulary) {
  ModelConfig config = read_model_config(path.string());
  Generator init(o_.seed);
  model_ = build_model(config, init);
  ModelFileInfo info = load_parameters_into(path.string(), *model_);
  try {
    state_ = TrainingState::deserialize(info.training_state);
  } catch (const std::invalid_argument& e) {
    throw ModelFileError("cannot resume from '" + path.string() + "': " + e.what());
  }
  normalization = info.normalization;
  restored_options_ = info.training_config;
  if (info.subword_model.empty())
    throw ModelFileError("cannot resume from '" + path.string() + "': it holds no vocabulary");
  vocabulary = std::make_shared<const text::SubwordModel>(text::SubwordModel::from_bytes(info.subword_model));
  return path.string();
}

void Run::open_log() {
  const fs::path path = dir_ / "log.jsonl";
  errno = 0;
  log_.open(path, std::ios::app);
  if (!log_)
    throw std::runtime_error("--model-dir: cannot write '" + path.string() +
                             "': " + (errno ? std::strerror(errno) : "cannot open"));
}

// The options as they took effect. On --resume the checkpoint decides the model and the
// vocabulary (with its normalisation): those options given now are left out, and the ones whose
// value differs from the checkpoint's are named in a note.
std::map<std::string, std::string> Run::took_effect(const std::string& restored_from) {
  std::map<std::string, std::string> effective = o_.effective;
  if (!o_.resume) return effective;
  std::string ignored;
  auto drop = [&](const std::string& name, bool differs) {
    auto it = effective.find(name);
    if (it == effective.end()) return;
    if (o_.given.count(name) && differs) ignored += (ignored.empty() ? "--" : ", --") + name + " " + it->second;
    effective.erase(it);
  };
  const ModelConfig& used = model_->config();
  const ModelType* type = find_model_type(used.type);
  for (const std::string& key : ModelConfig::keys()) {
    const std::string name = model_option_name(key);
    bool differs = !type || !type->reads(key);
    if (!differs && effective.count(name)) {
      ModelConfig asked = used;  // compared as values: "0.1" is dropout 0.100000
      try {
        asked.set(key, effective.at(name));
        differs = asked.get(key) != used.get(key);
      } catch (const std::invalid_argument&) {
        differs = true;
      }
    }
    drop(name, differs);
  }
  auto value = [](const std::map<std::string, std::string>& options, const std::string& name) {
    auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
  };
  for (const char* name : {"vocab-size", "subword-type", "normalization"})
    drop(name, value(restored_options_, name) != value(effective, name));
  // Model files record the vocabulary's file name, not its path.
  drop("vocab", value(restored_options_, "vocab") != fs::path(value(effective, "vocab")).filename().string());
  if (!ignored.empty())
    out_ << "note: --resume continues with the model and vocabulary of " << restored_from << "; ignored: " << ignored
         << std::endl;
  return effective;
}

void Run::prepare() {
  if (o_.threads > 0) {
    set_num_threads(o_.threads);
  } else if (comm_.size() > 1 && !std::getenv("OMP_NUM_THREADS")) {  // share the machine's cores
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    set_num_threads(std::max(1, cores / std::max(1, comm_.local_size())));
  }
  if (o_.gemm_precision == "bf16" && !blas::bf16_supported())
    throw std::runtime_error("--gemm-precision bf16 needs a CPU with AVX512-BF16 (Intel Cooper Lake or "
                             "Sapphire Rapids, AMD Zen 4 or later); this one lacks it: use fp32");
  dir_ = o_.model_dir;
  if (leader()) {  // rank 0 alone writes the folder
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (!fs::is_directory(dir_)) throw std::runtime_error("--model-dir: cannot create '" + dir_.string() + "'");
    lock_ = std::make_unique<RunDirectoryLock>(dir_);  // one run per folder, until this process ends
    if (const int removed = remove_stale_temporary_files(dir_))
      out_ << "removed " << removed << " unfinished temporary file(s) of a killed run from " << dir_.string()
           << std::endl;
  }
  if (comm_.size() > 1) out_ << "data-parallel training: " << comm_.describe() << std::endl;

  // Where the vocabulary and the weights come from.
  std::shared_ptr<const text::SubwordModel> vocabulary;
  text::NormalizerSettings normalization{o_.normalization};
  std::string restored_from;
  if (o_.resume && !leader()) {  // the checkpoint rank 0 chose (the folder is shared)
    std::string path;
    comm_.broadcast(path, 0);
    restored_from = restore_checkpoint(path, normalization, vocabulary);
  } else if (o_.resume) {
    auto checkpoints = list_checkpoints(dir_);
    if (checkpoints.empty())
      throw std::runtime_error("--resume: no checkpoint-*.bin in '" + dir_.string() + "' to resume from");
    // The newest checkpoint that reads back; a damaged one (a disk error, a hand-edited file) is
    // skipped with a warning, so an older good one still saves the run.
    for (auto it = checkpoints.rbegin(); it != checkpoints.rend() && restored_from.empty(); ++it) {
      try {
        restored_from = restore_checkpoint(it->second, normalization, vocabulary);
      } catch (const ModelFileError& e) {
        if (std::next(it) == checkpoints.rend()) throw;
        out_ << "warning: " << e.what() << "; trying the previous checkpoint" << std::endl;
        model_.reset();
      }
    }
    if (comm_.size() > 1) comm_.broadcast(restored_from, 0);
  } else if (leader() && !list_checkpoints(dir_).empty()) {
    throw std::runtime_error("--model-dir '" + dir_.string() +
                             "' already holds checkpoints: use --resume to continue that run, or another --model-dir");
  }
  if (leader()) {
    // The log goes on where the checkpoint left it: records of the updates after it (a killed
    // run's) are removed, as the resumed run trains those updates again.
    if (o_.resume) {
      const std::size_t removed = truncate_log(dir_ / "log.jsonl", state_.updates);
      if (removed > 0)
        out_ << "log.jsonl: removed " << removed << " record(s) after update " << state_.updates
             << " (the checkpoint's; those updates are trained again)" << std::endl;
    }
    open_log();
  }
  // Seconds of checks before minutes of vocabulary training.
  check_corpus_files(o_);
  effective_ = took_effect(restored_from);
  if (!o_.resume && !o_.init_from.empty() && o_.vocabulary.empty()) {
    LoadedModel init = load_model(o_.init_from);
    if (!init.vocabulary) throw ModelFileError("--init-from '" + o_.init_from + "' holds no vocabulary");
    vocabulary = init.vocabulary;
    normalization = init.info.normalization;
  }
  if (!vocabulary) {
    if (!o_.vocabulary.empty()) {
      vocabulary = std::make_shared<const text::SubwordModel>(text::SubwordModel::load(o_.vocabulary));
      out_ << "vocabulary: " << o_.vocabulary << " (" << vocabulary->vocab_size() << " pieces)" << std::endl;
      // --vocab decides the pieces: what was asked for a trained vocabulary does not apply.
      if (o_.given.count("vocab-size") && o_.vocab_size != vocabulary->vocab_size())
        out_ << "warning: --vocab-size " << o_.vocab_size << " is ignored: --vocab " << o_.vocabulary << " has "
             << vocabulary->vocab_size() << " pieces" << std::endl;
      if (o_.given.count("subword-type"))
        out_ << "warning: --subword-type " << o_.subword_type << " is ignored: --vocab " << o_.vocabulary
             << " decides the segmentation" << std::endl;
    } else {  // rank 0 trains (and saves) it, the others receive it
      std::string bytes;
      if (leader()) {
        vocabulary = train_joint_vocabulary(o_, out_);
        if (comm_.size() > 1) bytes = vocabulary->to_bytes();
      }
      if (comm_.size() > 1) {
        comm_.broadcast(bytes, 0);
        if (!leader()) vocabulary = std::make_shared<const text::SubwordModel>(text::SubwordModel::from_bytes(bytes));
      }
    }
  }

  const int max_positions = model_ ? model_->config().max_positions : o_.model.max_positions;
  data_ = load_training_data(o_, vocabulary, normalization, max_positions, out_);
  if (leader()) {  // the lexical table that nmt-translate's vocabulary shortlists read (nmt/search/shortlist.h)
    const auto started = std::chrono::steady_clock::now();
    const LexicalTable table = LexicalTable::build(
        data_.train.size(), [&](std::size_t i) { return data_.train.source[i]; },
        [&](std::size_t i) { return data_.train.target[i]; }, vocabulary->vocab_size(), LexicalTable::BuildSettings{});
    lexical_table_ = table.to_bytes();
    out_ << "lexical table for vocabulary shortlists: " << table.source_pieces() << " source pieces, counted from "
         << table.pairs_counted() << " sentence pairs in "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s" << std::endl;
  }

  if (!o_.resume) {
    manual_seed(o_.seed);
    ModelConfig config = o_.model;
    config.vocab_size = vocabulary->vocab_size();
    Generator init(o_.seed);
    model_ = build_model(config, init);
    model_->dropout_generator().seed_with(o_.seed * 0x9E3779B97F4A7C15ULL + 1);
    if (!o_.init_from.empty()) {
      load_parameters_into(o_.init_from, *model_);
      out_ << "initialised the weights from " << o_.init_from << " (optimiser, schedule and counters start afresh)"
           << std::endl;
      log_json(JsonLine().add("event", "restored").add("from", o_.init_from).add("what", "weights"));
    }
  }
  parameters_ = model_->parameters().all();
  if (comm_.size() > 1) {  // the same weights everywhere, whatever each rank read or drew
    for (Parameter& p : parameters_)
      comm_.broadcast(std::span<float>(p.mutable_value().f32(), static_cast<std::size_t>(p.numel())), 0);
    reducer_ = std::make_unique<GradientReducer>(comm_, parameters_,
                                                 static_cast<std::size_t>(o_.allreduce_bucket_mb) << 20,
                                                 o_.allreduce_precision == "bf16");
    blocking_allreduce_s_ = reducer_->measure_blocking_allreduce(3);
    out_ << "each update: " << comm_.size() << " ranks x --accumulate " << o_.accumulate << " = "
         << comm_.size() * o_.accumulate << " batches; gradient of " << reducer_->values() << " values in "
         << reducer_->bucket_count() << " all-reduce bucket(s) of " << o_.allreduce_precision << ", " << fixed(blocking_allreduce_s_ * 1000, 1)
         << " ms for all of them when nothing hides it" << std::endl;
  }
  if (o_.optimizer == "sgd") {
    optim::SGDOptions sgd;
    sgd.lr = o_.schedule.peak;
    sgd.momentum = o_.momentum;
    sgd.weight_decay = o_.weight_decay;
    optimizer_ = std::make_unique<optim::SGD>(parameters_, sgd);
  } else {
    optim::AdamOptions adam;
    adam.lr = o_.schedule.peak;
    adam.beta1 = o_.adam_beta1;
    adam.beta2 = o_.adam_beta2;
    adam.eps = o_.adam_eps;
    adam.weight_decay = o_.weight_decay;
    if (o_.optimizer == "adamw")
      optimizer_ = std::make_unique<optim::AdamW>(parameters_, adam);
    else
      optimizer_ = std::make_unique<optim::Adam>(parameters_, adam);
  }
  schedule_ = std::make_unique<LearningRateSchedule>(o_.schedule);

  corpora::BatcherOptions batching;
  batching.max_target_tokens = o_.batch_tokens;
  corpora::BatcherState position;
  position.seed = o_.seed;
  if (o_.resume) {
    if (state_.optimizer.algorithm != optimizer_->algorithm())
      throw std::runtime_error("--resume: the checkpoint in " + o_.model_dir + " was trained with --optimizer " +
                               state_.optimizer.algorithm + "; this run asks for --optimizer " + o_.optimizer);
    optimizer_->load_state(state_.optimizer);
    schedule_->set_state(state_.schedule);
    global_generator().set_state(state_.global_generator);
    model_->dropout_generator().set_state(state_.dropout_generator);
    position = corpora::BatcherState::deserialize(state_.batcher);
  }
  batcher_ = std::make_unique<corpora::Batcher>(data_.train, batching, position);
  validator_ = std::make_unique<Validator>(data_.valid, data_.bleu_sources, data_.bleu_references, *data_.tokenizer,
                                           o_.beam, o_.valid_batch_tokens);
  recorded_options_ = recorded_options(effective_);
  for (const auto& [key, value] : restored_options_) recorded_options_.emplace(key, value);  // the checkpoint's

  const auto& config = model_->config();
  out_ << "model: " << config.type << ", " << model_->parameters().count() << " parameters";
  if (const ModelType* type = find_model_type(config.type); type && type->describe) out_ << type->describe(config);
  out_ << std::endl;
  if (o_.resume)
    out_ << "resumed from " << restored_from << ": update " << state_.updates << ", "
         << batcher_->state().serialize() << ", optimiser and random state restored, "
         << format_duration(state_.elapsed_seconds) << " already spent" << std::endl;

  JsonLine start;
  start.add("event", o_.resume ? "resume" : "start")
      .add("update", state_.updates)
      .add("model_type", config.type)
      .add("parameters", model_->parameters().count())
      .add("train_pairs", static_cast<int64_t>(data_.train.size()))
      .add("train_pairs_read", static_cast<int64_t>(data_.train.counts.read))
      .add("train_pairs_dropped", static_cast<int64_t>(data_.train.counts.dropped()))
      .add("valid_pairs", static_cast<int64_t>(data_.valid.size()))
      .add("vocab_size", static_cast<int64_t>(data_.vocabulary->vocab_size()))
      .add("source_unk", data_.source_unk)
      .add("target_unk", data_.target_unk)
      .add_raw("config", config_json(effective_))
      .add_raw("model_config", config_json(config.to_map()));
  if (o_.resume) start.add("restored_from", restored_from);
  log_json(start);
  last_validation_ = state_.history.empty() ? -1 : state_.history.back().update;
  last_checkpoint_ = o_.resume ? state_.updates : -1;
  if (o_.resume) last_checkpoint_path_ = restored_from;
}

bool Run::update() {
  // The update's batches: the next N x k of the stream (N ranks, k = --accumulate); every rank
  // draws them all and trains on its own share, [r k, r k + k).
  const int ranks = comm_.size();
  batches_.clear();
  while (static_cast<int>(batches_.size()) < o_.accumulate * ranks) {
    std::optional<corpora::Batch> batch = batcher_->next();
    if (!batch) {  // an epoch ended; batcher's epoch now counts the epochs completed
      if (o_.max_epochs > 0 && static_cast<int64_t>(batcher_->state().epoch) >= o_.max_epochs) {
        epochs_done_ = true;
        break;
      }
      continue;
    }
    batches_.push_back(std::move(*batch));
  }
  if (batches_.empty()) return false;

  const auto start = Clock::now();
  int64_t tokens = 0;  // of the whole update, on every rank: the loss is normalised by them
  for (const corpora::Batch& b : batches_) tokens += static_cast<int64_t>(b.target_tokens);
  const float scale = 1.0f / static_cast<float>(std::max<int64_t>(tokens, 1));
  // This rank's batches of the update: [r k, r k + k), or dealt by estimated cost.
  std::vector<std::size_t> mine;
  if (ranks == 1) {
    for (std::size_t i = 0; i < batches_.size(); ++i) mine.push_back(i);
  } else {
    std::vector<double> costs;
    for (const corpora::Batch& b : batches_)
      costs.push_back(estimated_batch_cost(b.batch_size, b.source_length, b.target_length));
    mine = deal_batches(costs, ranks, o_.accumulate, o_.balance_batches)[static_cast<std::size_t>(comm_.rank())];
  }
  std::vector<double> batch_seconds;  // --log-batch-times
  double loss_sum = 0, nll_sum = 0, own_tokens = 0, digest = 0;
  // --gemm-precision holds for the forward and backward passes only (validation translates in
  // float32, as nmt-translate does). The parameters change only in the optimiser's step, after
  // this scope: bf16 GEMMs convert each weight once per update.
  std::optional<blas::PrecisionScope> precision(
      std::in_place, o_.gemm_precision == "bf16" ? blas::Precision::bf16 : blas::Precision::fp32);
  std::optional<blas::ParameterScope> weights_fixed(std::in_place);
  for (std::size_t position = 0; position < mine.size(); ++position) {
    const std::size_t index = mine[position];
    const corpora::Batch& b = batches_[index];
    const auto batch_start = Clock::now();
    // Dropout draws from a stream of its own per batch of the update, so that the masks do not
    // depend on which rank trains the batch, nor on how many ranks there are.
    model_->dropout_generator().seed_with(
        mix64(mix64(o_.seed ^ 0xD509D509ULL) ^ static_cast<uint64_t>(state_.updates + 1)) ^ index);
    digest += batch_fingerprint(b, index);
    own_tokens += static_cast<double>(b.target_tokens);
    const int64_t rows = static_cast<int64_t>(b.batch_size);
    const int64_t s = static_cast<int64_t>(b.source_length), t = static_cast<int64_t>(b.target_length);
    Tensor source = Tensor::from_ids({rows, s}, b.source);
    Tensor input = Tensor::from_ids({rows, t}, b.target_input);
    Tensor output = Tensor::from_ids({rows * t}, b.target_output);
    Var logits = model_->logits(source, input, /*training=*/true);
    CrossEntropyResult r =
        cross_entropy_with_stats(logits, output, o_.label_smoothing, text::kPadId, Reduction::sum);
    loss_sum += r.loss.item();
    nll_sum += r.nll_sum;
    Var loss = mul_scalar(r.loss, scale);
    if (reducer_ && position + 1 == mine.size()) reducer_->begin();  // the last pass: all-reduce as it goes
    loss.backward();
    if (o_.log_batch_times) batch_seconds.push_back(seconds_since(batch_start));
  }
  weights_fixed.reset();
  precision.reset();
  if (reducer_) {
    const double compute = seconds_since(start);
    if (mine.empty()) reducer_->begin();  // no batch here this time: zeros count in the sum
    reducer_->finish();
    reducer_->timings().compute = compute;
    // The update's sums, and the stop conditions every rank must agree on before the next one.
    double sums[5] = {loss_sum, nll_sum, own_tokens, digest, compute};
    comm_.allreduce_sum(sums);
    loss_sum = sums[0];
    nll_sum = sums[1];
    digest = sums[3];
    if (static_cast<int64_t>(sums[2]) != tokens)
      throw std::runtime_error("data-parallel training: the ranks trained on " + std::to_string(sums[2]) +
                               " target tokens, the update holds " + std::to_string(tokens) +
                               ": they read different training data (every rank must see the same files)");
    double flags[4] = {static_cast<double>(stop_signal()), stop_requested_ ? 1.0 : 0.0,
                       o_.max_minutes > 0 && elapsed() >= o_.max_minutes * 60.0 ? 1.0 : 0.0, compute};
    comm_.allreduce_max(flags);
    agreed_signal_ = static_cast<int>(flags[0]);
    agreed_stop_request_ = flags[1] > 0;
    agreed_out_of_time_ = flags[2] > 0;
    const ReduceTimings& t = reducer_->timings();
    reduce_meter_.compute += t.compute;
    reduce_meter_.slowest += flags[3];  // the others wait for it at the all-reduce: load imbalance
    reduce_meter_.mean += sums[4] / ranks;
    reduce_meter_.exposed += t.exposed;
    reduce_meter_.overlapped += t.overlapped;
  }
  batch_digest_ = digest;
  if (o_.log_batch_times) log_batch_times(mine, batch_seconds);

  bool finite = true;
  if (o_.clip_norm > 0) {
    const float norm = optim::clip_grad_norm(parameters_, o_.clip_norm);
    finite = std::isfinite(norm);
  } else {
    finite = optim::grads_finite(parameters_);
  }
  ++state_.updates;
  if (finite) {
    optimizer_->set_learning_rate(schedule_->at(state_.updates));
    optimizer_->step();
  } else {
    out_ << "warning: update " << state_.updates << ": the gradient is not finite; skipped" << std::endl;
    log_json(JsonLine().add("event", "skipped").add("update", state_.updates).add("reason", "non-finite gradient"));
  }
  optimizer_->zero_grad();

  state_.target_tokens += tokens;
  meter_.loss_sum += loss_sum;
  meter_.nll_sum += nll_sum;
  meter_.tokens += tokens;
  meter_.updates += 1;
  meter_.train_seconds += seconds_since(start);
  return true;
}

// --log-batch-times: one "batches" event per update, [index, rank, rows, source length, target
// length, target tokens, seconds] per batch (every rank's, gathered; rank 0 writes).
void Run::log_batch_times(const std::vector<std::size_t>& mine, const std::vector<double>& seconds) {
  std::ostringstream own;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const corpora::Batch& b = batches_[mine[i]];
    own << (own.tellp() > 0 ? ", " : "") << '[' << mine[i] << ", " << comm_.rank() << ", " << b.batch_size << ", "
        << b.source_length << ", " << b.target_length << ", " << b.target_tokens << ", " << seconds[i] << ']';
  }
  std::string all;
  for (const std::string& part : comm_.allgather(own.str()))
    if (!part.empty()) all += (all.empty() ? "" : ", ") + part;
  log_json(JsonLine().add("event", "batches").add("update", state_.updates + 1).add_raw("batches", "[" + all + "]"));
}

double Run::eta_seconds() const {
  const double spent = seconds_since(run_start_);
  const int64_t done_updates = state_.updates - run_start_update_;
  double eta = std::numeric_limits<double>::infinity();
  if (o_.max_updates > 0 && done_updates > 0)
    eta = std::min(eta, spent / static_cast<double>(done_updates) *
                            static_cast<double>(std::max<int64_t>(o_.max_updates - state_.updates, 0)));
  if (o_.max_epochs > 0 && batcher_->batches_per_epoch() > 0) {
    const auto& s = batcher_->state();
    const double epochs = static_cast<double>(s.epoch) +
                          static_cast<double>(s.batch_index) / static_cast<double>(batcher_->batches_per_epoch());
    const double progressed = epochs - run_start_epoch_;
    if (progressed > 0)
      eta = std::min(eta, spent / progressed * std::max(static_cast<double>(o_.max_epochs) - epochs, 0.0));
  }
  if (o_.max_minutes > 0) eta = std::min(eta, std::max(o_.max_minutes * 60.0 - elapsed(), 0.0));
  return std::isfinite(eta) ? eta : -1;
}

void Run::progress_line() {
  if (meter_.tokens == 0) return;
  const double loss = meter_.loss_sum / static_cast<double>(meter_.tokens);
  const double nll = meter_.nll_sum / static_cast<double>(meter_.tokens);
  const double ppl = std::exp(nll);
  const double speed = meter_.train_seconds > 0 ? static_cast<double>(meter_.tokens) / meter_.train_seconds : 0;
  const double lr = optimizer_->learning_rate();
  const double eta = eta_seconds();
  const int64_t epoch = static_cast<int64_t>(batcher_->state().epoch) + 1;
  out_ << "epoch " << epoch << " | update " << state_.updates << " | loss " << fixed(loss, 3) << " | ppl "
       << fixed(ppl, 2) << " | lr " << scientific(lr) << " | " << fixed(speed, 0) << " tok/s | "
       << format_duration(elapsed()) << " elapsed | " << (eta >= 0 ? format_duration(eta) + " left" : "no budget set")
       << std::endl;
  log_json(JsonLine()
               .add("event", "train")
               .add("epoch", epoch)
               .add("update", state_.updates)
               .add("loss", loss)
               .add("nll", nll)
               .add("ppl", ppl)
               .add("lr", lr)
               .add("target_tokens_per_s", speed)
               .add("target_tokens", state_.target_tokens)
               .add("elapsed_s", elapsed())
               .add("eta_s", eta)
               .add("ranks", static_cast<int64_t>(comm_.size()))
               .add("batch_digest", static_cast<int64_t>(batch_digest_)));
  if (reducer_ && meter_.updates > 0) {
    const double n = static_cast<double>(meter_.updates);
    const double exposed = reduce_meter_.exposed / n;
    // This rank waits at the all-reduce for the slowest rank's compute (load imbalance: batches of
    // equal token budgets take unequal time) and then for the transfer that the backward pass did
    // not hide; the hidden share counts the transfer only.
    const double waiting = std::max(0.0, (reduce_meter_.slowest - reduce_meter_.compute) / n);
    const double transfer = std::max(0.0, exposed - waiting);
    const double hidden = blocking_allreduce_s_ > 0 ? std::clamp(1.0 - transfer / blocking_allreduce_s_, 0.0, 1.0) : 1.0;
    out_ << "  per update: compute " << fixed(reduce_meter_.compute / n * 1000, 1) << " ms (ranks' mean "
         << fixed(reduce_meter_.mean / n * 1000, 1) << " ms, slowest " << fixed(reduce_meter_.slowest / n * 1000, 1)
         << " ms), all-reduce " << fixed(blocking_allreduce_s_ * 1000, 1) << " ms; waited " << fixed(exposed * 1000, 1)
         << " ms: " << fixed(waiting * 1000, 1) << " ms for the slowest rank, " << fixed(transfer * 1000, 1)
         << " ms for the transfer (" << fixed(hidden * 100, 0) << "% hidden behind the backward pass)" << std::endl;
    log_json(JsonLine()
                 .add("event", "allreduce")
                 .add("update", state_.updates)
                 .add("compute_s", reduce_meter_.compute / n)
                 .add("mean_compute_s", reduce_meter_.mean / n)
                 .add("slowest_compute_s", reduce_meter_.slowest / n)
                 .add("allreduce_s", blocking_allreduce_s_)
                 .add("exposed_s", exposed)
                 .add("waiting_for_slowest_s", waiting)
                 .add("overlapped_s", reduce_meter_.overlapped / n)
                 .add("hidden_share", hidden));
  }
  reduce_meter_ = ReduceTimings{};
  meter_.reset();
}

TrainingState Run::current_state() const {
  TrainingState s = state_;
  s.optimizer = optimizer_->state();
  s.batcher = batcher_->state().serialize();
  s.global_generator = global_generator().state();
  s.dropout_generator = model_->dropout_generator().state();
  s.schedule = schedule_->state();
  s.elapsed_seconds = elapsed();
  return s;
}

ModelFileInfo Run::file_info(bool with_state) const {
  ModelFileInfo info;
  info.training_config = recorded_options_;  // no paths of this machine (file_fingerprint.h)
  info.training_config["updates"] = std::to_string(state_.updates);
  info.normalization = data_.normalization;
  info.subword_model = data_.vocabulary->to_bytes();
  info.lexical_table = lexical_table_;
  if (with_state) info.training_state = current_state().serialize();
  return info;
}

void Run::save_checkpoint() {
  if (last_checkpoint_ == state_.updates) return;
  const fs::path path = checkpoint_path(dir_, state_.updates);
  if (leader()) {  // the same on every rank; one writes it
    save_model(path.string(), *model_, file_info(/*with_state=*/true));
    prune_checkpoints(dir_, o_.keep_last);
  }
  last_checkpoint_ = state_.updates;
  last_checkpoint_path_ = path.string();
  log_json(JsonLine().add("event", "checkpoint").add("update", state_.updates).add("path", path.string()));
}

// Summation order aside, the ranks' parameters are the same; a difference means a bug or a broken
// machine, and must stop the run rather than train N different models.
void Run::check_parameters_agree() {
  double sum = 0, weighted = 0;
  for (const Parameter& p : parameters_) {
    const float* v = p.value().f32();
    for (int64_t i = 0, n = p.numel(); i < n; ++i) {
      sum += v[i];
      weighted += v[i] * static_cast<double>(i % 7 + 1);
    }
  }
  double extremes[4] = {sum, -sum, weighted, -weighted};
  comm_.allreduce_max(extremes);
  if (extremes[0] != -extremes[1] || extremes[2] != -extremes[3])
    throw std::runtime_error("data-parallel training: the ranks' parameters differ at update " +
                             std::to_string(state_.updates) + " (checksums " + std::to_string(extremes[0]) +
                             " and " + std::to_string(-extremes[1]) + ")");
}

void Run::validate() {
  if (comm_.size() > 1) check_parameters_agree();
  ValidationScores scores = validator_->run(*model_, comm_);
  ValidationRecord record;
  record.update = state_.updates;
  record.epoch = static_cast<int64_t>(batcher_->state().epoch) + 1;
  record.loss = scores.loss;
  record.perplexity = scores.perplexity;
  record.bleu = scores.bleu;
  const double value = metric_value(o_.valid_metric, scores);
  record.best = !state_.has_best || metric_improves(o_.valid_metric, value, state_.best_metric);
  if (record.best) {
    state_.has_best = true;
    state_.best_metric = value;
    state_.validations_without_improvement = 0;
    if (leader()) save_model((dir_ / "model.bin").string(), *model_, file_info(/*with_state=*/false));
  } else {
    ++state_.validations_without_improvement;
  }
  schedule_->on_validation(record.best);
  state_.history.push_back(record);
  last_validation_ = state_.updates;

  out_ << "validation | update " << state_.updates << " | loss " << fixed(scores.loss, 3) << " | ppl "
       << fixed(scores.perplexity, 2);
  if (scores.bleu >= 0) out_ << " | BLEU " << fixed(scores.bleu, 2);
  out_ << " | " << (record.best ? "best so far, saved model.bin"
                                : "no improvement (" + std::to_string(state_.validations_without_improvement) +
                                      (o_.patience > 0 ? " of " + std::to_string(o_.patience) : "") + ")")
       << " | " << fixed(scores.seconds, 1) << "s" << std::endl;
  JsonLine line;
  line.add("event", "valid")
      .add("update", state_.updates)
      .add("epoch", record.epoch)
      .add("loss", scores.loss)
      .add("ppl", scores.perplexity);
  if (scores.bleu >= 0) line.add("bleu", scores.bleu);
  line.add("metric", o_.valid_metric)
      .add("best", record.best)
      .add("best_metric", state_.best_metric)
      .add("bad_validations", state_.validations_without_improvement)
      .add("translated", static_cast<int64_t>(scores.translated))
      .add("valid_seconds", scores.seconds)
      .add("elapsed_s", elapsed());
  log_json(line);

  save_checkpoint();
  if (o_.patience > 0 && state_.validations_without_improvement >= o_.patience) early_stop_ = true;
}

TrainingResult Run::go() {
  run_start_ = Clock::now();
  prepare();
  run_start_ = Clock::now();  // data preparation does not count against --max-minutes
  run_start_update_ = state_.updates;
  {
    const auto& s = batcher_->state();
    run_start_epoch_ = static_cast<double>(s.epoch) +
                       (batcher_->batches_per_epoch() ? static_cast<double>(s.batch_index) /
                                                            static_cast<double>(batcher_->batches_per_epoch())
                                                      : 0.0);
  }
  TrainingResult result;
  while (true) {
    // Under data-parallel training the ranks stop together, on the conditions they agreed on
    // after the last update (one of them may have got the signal).
    const bool distributed = comm_.size() > 1;
    const int signal = distributed ? agreed_signal_ : stop_signal();
    if (signal != 0) {
      result.stop_reason = "signal";
      result.signal = signal;
      break;
    }
    if (distributed ? agreed_stop_request_ : stop_requested_.load()) {
      result.stop_reason = "stop-request";
      break;
    }
    if (o_.max_updates > 0 && state_.updates >= o_.max_updates) {
      result.stop_reason = "max-updates";
      break;
    }
    if (distributed ? agreed_out_of_time_ : o_.max_minutes > 0 && elapsed() >= o_.max_minutes * 60.0) {
      result.stop_reason = "max-minutes";
      break;
    }
    if (epochs_done_ || !update()) {
      result.stop_reason = "max-epochs";
      break;
    }
    if (state_.updates % o_.log_every == 0) progress_line();
    if (state_.updates % o_.valid_every == 0) validate();
    else if (o_.save_every > 0 && state_.updates % o_.save_every == 0) save_checkpoint();
    if (early_stop_) {
      result.stop_reason = "early-stopping";
      break;
    }
    if (on_update_) on_update_(state_.updates);
  }

  const bool interrupted = result.stop_reason == "signal" || result.stop_reason == "stop-request";
  if (!interrupted && state_.updates > 0 && last_validation_ != state_.updates) {
    progress_line();
    validate();
  }
  save_checkpoint();

  out_ << "stopped at update " << state_.updates << " (" << result.stop_reason << ") after "
       << format_duration(elapsed());
  if (state_.has_best) out_ << "; best " << o_.valid_metric << " " << fixed(state_.best_metric, 3);
  const double peak_tensor_mib =
      static_cast<double>(MemoryPool::global().stats().peak_bytes_in_use) / (1 << 20);
  out_ << "; tensors peaked at " << fixed(peak_tensor_mib, 0) << " MiB; "
       << (interrupted ? "continue with --resume" : "model: " + (dir_ / "model.bin").string()) << std::endl;
  log_json(JsonLine()
               .add("event", "end")
               .add("update", state_.updates)
               .add("reason", result.stop_reason)
               .add("elapsed_s", elapsed())
               .add("best_metric", state_.best_metric)
               .add("peak_tensor_mib", peak_tensor_mib)
               .add("checkpoint", last_checkpoint_path_));

  result.updates = state_.updates;
  result.has_best = state_.has_best;
  result.best_metric = state_.best_metric;
  result.history = state_.history;
  result.last_checkpoint = last_checkpoint_path_;
  return result;
}

}  // namespace

Trainer::Trainer(TrainerOptions options, std::ostream& out) : options_(std::move(options)), out_(out) {
  options_.validate();
}

Trainer::~Trainer() = default;

TrainingResult Trainer::run() {
  Run run(options_, out_, stop_requested_, on_update, model_);
  return run.go();
}

}  // namespace nmt::train
