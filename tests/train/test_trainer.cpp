// The Trainer on a tiny Transformer and 300 Multi30k pairs: resume == uninterrupted bit for bit,
// the files it writes, early stopping, --init-from, and the vocabulary coverage check.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "nmt/models/model_file.h"
#include "nmt/train/run_directory.h"
#include "nmt/train/trainer.h"
#include "train_test_data.h"

using namespace nmt;
using namespace nmt::train;
using namespace nmt::train::testing;
namespace fs = std::filesystem;

namespace {

struct Snapshot {
  std::vector<std::string> names;
  std::vector<std::vector<float>> values;
};

Snapshot snapshot(EncoderDecoder& model) {
  Snapshot s;
  for (const Parameter& p : model.parameters().all()) {
    s.names.push_back(p.name());
    s.values.push_back(p.value().to_vector());
  }
  return s;
}

// Bitwise comparison (== on floats would call -0 and 0 equal and NaN unequal).
bool bitwise_equal(const Snapshot& a, const Snapshot& b) {
  if (a.names != b.names) return false;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (a.values[i].size() != b.values[i].size() ||
        std::memcmp(a.values[i].data(), b.values[i].data(), a.values[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Plain SGD at a constant learning rate.
void use_sgd(TrainerOptions& options, float lr) {
  options.optimizer = "sgd";
  options.schedule.kind = ScheduleKind::constant;
  options.schedule.warmup = 0;
  options.schedule.peak = lr;
}

}  // namespace

// Trains `options` for 12 updates straight, and again with a stop after update 7 and --resume;
// checks both end with bitwise identical parameters and validation results.
void check_resume_is_exact(TrainerOptions options, const std::string& name) {
  options.model_dir = scratch_dir(name + "-straight").string();
  std::ostringstream log_a;
  Trainer straight(options, log_a);
  const TrainingResult a = straight.run();
  CHECK(a.updates == 12);
  CHECK(a.stop_reason == "max-updates");
  const Snapshot expected = snapshot(*straight.model());

  options.model_dir = scratch_dir(name + "-interrupted").string();
  std::ostringstream log_b;
  Trainer first(options, log_b);
  first.on_update = [&](int64_t update) {
    if (update == 7) first.request_stop();
  };
  const TrainingResult b = first.run();
  CHECK(b.updates == 7);
  CHECK(b.stop_reason == "stop-request");
  CHECK(fs::exists(checkpoint_path(options.model_dir, 7)));
  CHECK_FALSE(bitwise_equal(snapshot(*first.model()), expected));  // the comparison can fail

  options.resume = true;
  std::ostringstream log_c;
  Trainer second(options, log_c);
  const TrainingResult c = second.run();
  CHECK(c.updates == 12);
  CHECK(log_c.str().find("resumed from") != std::string::npos);
  CHECK(bitwise_equal(snapshot(*second.model()), expected));

  // The validations after the interruption saw the same model.
  REQUIRE(a.history.size() == 3);
  REQUIRE(c.history.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(a.history[i].update == c.history[i].update);
    CHECK(a.history[i].loss == c.history[i].loss);
    CHECK(a.history[i].bleu == c.history[i].bleu);
  }
}

TEST_CASE("an interrupted and resumed run ends with the same parameters, bit for bit") {
  // 12 updates of 2 accumulated batches: crosses epoch boundaries, validates at 5 and 10, dropout on.
  TrainerOptions options = tiny_options(scratch_dir("resume"));
  options.accumulate = 2;
  options.clip_norm = 1.0f;
  SUBCASE("transformer") { check_resume_is_exact(options, "resume-transformer"); }
  SUBCASE("bahdanau, plateau schedule") {
    options.model.type = "bahdanau";
    options.model.embedding_size = 24;
    options.model.hidden_size = 32;
    options.model.dropout = 0.3f;
    options.schedule.kind = ScheduleKind::plateau;
    options.schedule.plateau_patience = 1;
    options.valid_metric = "loss";
    check_resume_is_exact(options, "resume-bahdanau");
  }
  SUBCASE("luong local-p, SGD with momentum (its momentum buffers are in the checkpoint)") {
    options.model.type = "luong";
    options.model.attention = "local-p";
    options.model.score = "general";
    options.model.window = 2;
    options.model.embedding_size = 24;
    options.model.hidden_size = 32;
    options.model.dropout = 0.3f;
    use_sgd(options, 0.5f);
    options.momentum = 0.9f;
    check_resume_is_exact(options, "resume-luong-sgd");
  }
}

TEST_CASE("--optimizer sgd trains; resuming its checkpoint with another optimizer is an error naming the option") {
  const fs::path dir = scratch_dir("sgd");
  TrainerOptions options = tiny_options(dir);
  use_sgd(options, 1.0f);
  options.clip_norm = 5.0f;
  options.max_updates = 10;
  options.valid_every = 5;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  std::ostringstream log_sgd;
  Trainer sgd(options, log_sgd);
  const TrainingResult r = sgd.run();
  REQUIRE(r.history.size() == 2);
  CHECK(r.history[1].loss < r.history[0].loss);  // it learns

  options.optimizer = "adam";
  options.resume = true;
  options.max_updates = 12;
  std::ostringstream log_adam;
  try {
    Trainer resumed(options, log_adam);
    resumed.run();
    FAIL("resuming an SGD checkpoint with Adam must fail");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    CHECK(message.find("--optimizer sgd") != std::string::npos);
    CHECK(message.find("--optimizer adam") != std::string::npos);
  }
}

TEST_CASE("--optimizer adamw: with no decay it is Adam bit for bit; with decay it shrinks the weights") {
  auto run = [](const std::string& name, const std::string& optimizer, float decay) {
    const fs::path dir = scratch_dir(name);
    TrainerOptions options = tiny_options(dir);
    options.optimizer = optimizer;
    options.weight_decay = decay;
    options.max_updates = 6;
    options.valid_every = 6;
    options.valid_bleu = false;
    options.valid_metric = "loss";
    std::ostringstream log;
    Trainer(options, log).run();
    return load_model(checkpoint_path(dir, 6).string());
  };
  const LoadedModel adam = run("adam", "adam", 0.f), adamw0 = run("adamw-0", "adamw", 0.f),
                    adamw = run("adamw", "adamw", 0.5f);
  CHECK(train::TrainingState::deserialize(adamw.info.training_state).optimizer.algorithm == "adamw");
  double norm_adam = 0, norm_adamw = 0;
  const auto& a = adam.model->parameters().all();
  const auto& z = adamw0.model->parameters().all();
  const auto& w = adamw.model->parameters().all();
  bool identical = true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const float *pa = a[i].value().f32(), *pz = z[i].value().f32(), *pw = w[i].value().f32();
    for (int64_t k = 0; k < a[i].numel(); ++k) {
      identical = identical && pa[k] == pz[k];
      norm_adam += double(pa[k]) * pa[k];
      norm_adamw += double(pw[k]) * pw[k];
    }
  }
  CHECK(identical);
  CHECK(norm_adamw < norm_adam);  // decay 0.5 at lr 3e-3 for 6 updates: about 1 % smaller
}

TEST_CASE("--resume skips a damaged newest checkpoint and continues from the one before") {
  const fs::path dir = scratch_dir("resume-damaged");
  TrainerOptions options = tiny_options(dir);
  options.max_updates = 10;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  std::ostringstream out;
  Trainer(options, out).run();  // checkpoints at 5 and 10
  {
    std::ofstream damage(checkpoint_path(dir, 10), std::ios::binary | std::ios::trunc);
    damage << "NMTMODEL";
  }
  options.resume = true;
  options.max_updates = 11;
  std::ostringstream log;
  const TrainingResult r = Trainer(options, log).run();
  CHECK(log.str().find("checkpoint-00000010.bin") != std::string::npos);
  CHECK(log.str().find("trying the previous checkpoint") != std::string::npos);
  CHECK(log.str().find("resumed from " + checkpoint_path(dir, 5).string() + ": update 5") != std::string::npos);
  CHECK(r.updates == 11);

  // With no good checkpoint left, the error names the file.
  for (const auto& [update, path] : list_checkpoints(dir)) std::ofstream(path, std::ios::trunc) << "junk";
  CHECK_THROWS_WITH(Trainer(options, log).run(), doctest::Contains("not an nmt model file"));
}

TEST_CASE("one run per --model-dir (a lock), and the leftovers of killed writes are removed at start") {
  const fs::path dir = scratch_dir("lock");
  TrainerOptions options = tiny_options(dir);
  options.max_updates = 2;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  std::ofstream(dir / ".checkpoint-00000005.bin.tmp-Ab12Cd") << "half a checkpoint";
  std::ofstream(dir / "notes.tmp-Ab12Cd") << "not ours: kept";
  std::ostringstream out;
  {
    const RunDirectoryLock other_run(dir);
    CHECK_THROWS_WITH(Trainer(options, out).run(), doctest::Contains("another nmt-train (process "));
    CHECK(fs::exists(dir / ".checkpoint-00000005.bin.tmp-Ab12Cd"));  // untouched while another run holds it
  }
  Trainer(options, out).run();
  CHECK(out.str().find("removed 1 unfinished temporary file(s)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / ".checkpoint-00000005.bin.tmp-Ab12Cd"));
  CHECK(fs::exists(dir / "notes.tmp-Ab12Cd"));
  // Released when the run ends: the next one starts.
  options.resume = true;
  options.max_updates = 3;
  CHECK(Trainer(options, out).run().updates == 3);
}

TEST_CASE("a run writes the best model, checkpoints, a JSON log and readable progress") {
  const fs::path dir = scratch_dir("run-files");
  TrainerOptions options = tiny_options(dir);
  options.max_updates = 16;
  options.valid_every = 4;
  options.keep_last = 2;
  options.valid_metric = "loss";
  std::ostringstream out;
  Trainer trainer(options, out);
  const TrainingResult result = trainer.run();
  CHECK(result.updates == 16);
  REQUIRE(result.history.size() == 4);
  CHECK(result.history.back().loss < result.history.front().loss);  // it learns
  CHECK(result.history.front().bleu >= 0);
  CHECK(result.history.front().perplexity == doctest::Approx(std::exp(result.history.front().loss)));

  CHECK(fs::exists(dir / "model.bin"));
  auto checkpoints = list_checkpoints(dir);
  REQUIRE(checkpoints.size() == 2);
  CHECK(checkpoints[0].first == 12);
  CHECK(checkpoints[1].first == 16);

  // The best model is the best validation's, and it translates with its own vocabulary.
  LoadedModel best = load_model((dir / "model.bin").string());
  CHECK(best.info.training_config.at("test") == "tiny");
  CHECK(best.info.training_state.empty());
  CHECK(best.tokenizer().model().vocab_size() == 500);

  const std::string log = read_text(dir / "log.jsonl");
  CHECK(count_of(log, "\"event\": \"train\"") == 4);
  CHECK(count_of(log, "\"event\": \"valid\"") == 4);
  CHECK(count_of(log, "\"event\": \"start\"") == 1);
  CHECK(log.find("\"target_tokens_per_s\"") != std::string::npos);
  CHECK(log.find("\"bleu\"") != std::string::npos);

  const std::string progress = out.str();
  CHECK(progress.find("training data: read 300 pairs") != std::string::npos);
  CHECK(progress.find("vocabulary coverage") != std::string::npos);
  CHECK(progress.find("epoch 1 | update 4 | loss") != std::string::npos);
  CHECK(progress.find("tok/s") != std::string::npos);
  CHECK(progress.find("left") != std::string::npos);
  CHECK(progress.find("validation | update 4") != std::string::npos);

  // A second run into the same folder without --resume is refused (it would mix two runs).
  CHECK_THROWS_WITH(Trainer(options, out).run(), doctest::Contains("--resume"));
}

TEST_CASE("early stopping, epoch limits and --init-from") {
  SUBCASE("patience") {
    TrainerOptions options = tiny_options(scratch_dir("early-stop"));
    options.max_updates = 100;
    options.valid_every = 1;
    options.valid_bleu = false;
    options.valid_metric = "loss";
    options.schedule.peak = 0;  // the model never changes, so the loss never improves
    options.patience = 2;
    options.model.dropout = 0;
    std::ostringstream out;
    const TrainingResult r = Trainer(options, out).run();
    CHECK(r.stop_reason == "early-stopping");
    CHECK(r.updates < 20);
  }
  SUBCASE("max epochs") {
    TrainerOptions options = tiny_options(scratch_dir("max-epochs"));
    options.max_updates = 0;
    options.max_epochs = 1;
    options.valid_every = 1000;
    options.valid_bleu = false;
    options.valid_metric = "perplexity";
    std::ostringstream out;
    const TrainingResult r = Trainer(options, out).run();
    CHECK(r.stop_reason == "max-epochs");
    CHECK(r.updates > 3);
    CHECK(r.history.size() == 1);  // one final validation
  }
  SUBCASE("wall-clock budget") {
    TrainerOptions options = tiny_options(scratch_dir("max-minutes"));
    options.max_updates = 0;
    options.max_minutes = 0.3 / 60;  // 0.3 s
    options.valid_every = 1000000;
    options.valid_bleu = false;
    options.valid_metric = "loss";
    std::ostringstream out;
    const auto start = std::chrono::steady_clock::now();
    const TrainingResult r = Trainer(options, out).run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.stop_reason == "max-minutes");
    CHECK(r.updates >= 1);
    CHECK(seconds < 30);
  }
  SUBCASE("init-from") {
    const fs::path source_dir = scratch_dir("init-source");
    TrainerOptions options = tiny_options(source_dir);
    options.max_updates = 3;
    options.valid_bleu = false;
    options.valid_metric = "loss";
    std::ostringstream out;
    Trainer(options, out).run();

    TrainerOptions next = tiny_options(scratch_dir("init-target"));
    next.init_from = (source_dir / "model.bin").string();
    next.vocabulary.clear();  // taken from the model file
    next.max_updates = 1;
    next.valid_bleu = false;
    next.valid_metric = "loss";
    Trainer trainer(next, out);
    trainer.on_update = [&](int64_t) { trainer.request_stop(); };
    trainer.run();
    CHECK(out.str().find("initialised the weights from " + next.init_from) != std::string::npos);
  }
}

TEST_CASE("training is refused when the vocabulary does not cover the data") {
  const fs::path dir = scratch_dir("unk-coverage");
  // A vocabulary without byte fallback that has seen only part of the English characters.
  text::SubwordTrainingOptions spm;
  spm.vocab_size = 60;
  spm.byte_fallback = false;
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i)  // SentencePiece refuses to train on 100 lines or fewer
    for (const char* line : {"a man is here", "a man and a woman", "the man is on a boat"}) lines.push_back(line);
  const text::SubwordModel narrow = text::SubwordModel::train_on_lines(lines, spm, text::Normalizer());
  const std::string vocabulary = (dir / "narrow.model").string();
  narrow.save(vocabulary);

  TrainerOptions options = tiny_options(dir / "run");
  options.vocabulary = vocabulary;
  options.max_unk = 0.01;
  std::ostringstream out;
  CHECK_THROWS_WITH(Trainer(options, out).run(), doctest::Contains("--allow-unk-coverage"));
  CHECK(out.str().find("vocabulary coverage: <unk> is") != std::string::npos);

  options.allow_unk_coverage = true;
  options.max_updates = 1;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  CHECK(Trainer(options, out).run().updates == 1);
}

TEST_CASE("pairs longer than --max-positions allows are dropped at start, whatever --max-length says") {
  // A 32-position Transformer takes 31 pieces and EOS; some of the 300 pairs are longer. Before,
  // the run stopped at the first batch holding one ("position 33 beyond max_positions 32").
  for (const std::size_t max_length : {std::size_t{0}, std::size_t{250}}) {
    CAPTURE(max_length);
    TrainerOptions options = tiny_options(scratch_dir("max-positions-" + std::to_string(max_length)));
    options.model.max_positions = 32;
    options.max_length = max_length;
    options.max_length_ratio = 0;
    options.max_updates = 30;  // more than one epoch: every pair is seen
    options.valid_every = 30;
    options.valid_bleu = false;
    options.valid_metric = "loss";
    std::ostringstream out;
    CHECK(Trainer(options, out).run().updates == 30);
    const std::string progress = out.str();
    CHECK(progress.find("note: pairs with more than 31 pieces on a side are dropped") != std::string::npos);
    const std::size_t summary = progress.find("training data: read 300 pairs");
    REQUIRE(summary != std::string::npos);
    const std::string line = progress.substr(summary, progress.find('\n', summary) - summary);
    CHECK_MESSAGE(line.find(", 0 too long") == std::string::npos, line);
    CHECK_MESSAGE(line.find(" too long") != std::string::npos, line);
  }
}

TEST_CASE("the corpus files are checked before the vocabulary is trained") {
  const fs::path dir = scratch_dir("corpus-check");
  TrainerOptions options = tiny_options(dir / "run");
  options.vocabulary.clear();  // would train one
  options.vocab_size = 500;
  options.train_target = head_of("train.en", 299, dir);
  std::ostringstream out;
  CHECK_THROWS_WITH(Trainer(options, out).run(),
                    doctest::Contains(("has 300 lines but --train-target '" + options.train_target + "' has 299").c_str()));
  CHECK(out.str().find("training a joint") == std::string::npos);

  options.train_target = small_corpus().train_en;
  options.valid_target = (dir / "missing.en").string();
  CHECK_THROWS_WITH(Trainer(options, out).run(),
                    doctest::Contains(("--valid-target: cannot open '" + options.valid_target +
                                       "': No such file or directory")
                                          .c_str()));
  options.valid_target = dir.string();
  CHECK_THROWS_WITH(Trainer(options, out).run(), doctest::Contains("Is a directory"));
  CHECK(out.str().find("training a joint") == std::string::npos);
}

TEST_CASE("--vocab with --vocab-size or --subword-type: they are ignored, with a warning") {
  TrainerOptions options = tiny_options(scratch_dir("vocab-given"));
  options.max_updates = 1;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  options.vocab_size = 8000;
  options.given = {"vocab-size", "subword-type"};
  std::ostringstream out;
  Trainer(options, out).run();
  CHECK(out.str().find("warning: --vocab-size 8000 is ignored: --vocab " + options.vocabulary + " has 500 pieces") !=
        std::string::npos);
  CHECK(out.str().find("warning: --subword-type unigram is ignored") != std::string::npos);
}

TEST_CASE("vocab.model is written atomically; a write error names the file and the reason") {
  const fs::path dir = scratch_dir("vocab-write");
  TrainerOptions options = tiny_options(dir);
  options.vocabulary.clear();
  options.vocab_size = 500;
  fs::create_directories(dir / "vocab.model");  // rename() cannot replace a folder
  std::ostringstream out;
  CHECK_THROWS_WITH(Trainer(options, out).run(),
                    doctest::Contains(("cannot write '" + (dir / "vocab.model").string() + "': Is a directory").c_str()));
  for (const auto& entry : fs::directory_iterator(dir))  // no temporary file left behind
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());

  // A disk that fills up mid-write: no vocab.model at all (it was left with 0 bytes before).
  fs::remove(dir / "vocab.model");
  set_write_failure_for_testing(1000);
  CHECK_THROWS_WITH(Trainer(options, out).run(),
                    doctest::Contains(("cannot write '" + (dir / "vocab.model").string() +
                                       "': No space left on device")
                                          .c_str()));
  set_write_failure_for_testing(-1);
  CHECK_FALSE(fs::exists(dir / "vocab.model"));
}

TEST_CASE("a log.jsonl that cannot be written stops the run with the reason") {
  const fs::path dir = scratch_dir("log-write");
  fs::create_symlink("/dev/full", dir / "log.jsonl");  // every write: ENOSPC
  TrainerOptions options = tiny_options(dir);
  options.max_updates = 3;
  std::ostringstream out;
  CHECK_THROWS_WITH(Trainer(options, out).run(),
                    doctest::Contains(("cannot write '" + (dir / "log.jsonl").string() +
                                       "': No space left on device; training stopped")
                                          .c_str()));
}

TEST_CASE("a resumed run's log: each update once, and only the options that took effect") {
  const fs::path dir = scratch_dir("resume-log");
  TrainerOptions options = tiny_options(dir);
  options.log_every = 1;
  options.valid_every = 5;
  options.valid_bleu = false;
  options.valid_metric = "loss";
  options.effective = {{"d-model", "32"}, {"lr", "0.003"}, {"vocab-size", "500"}};
  options.max_updates = 7;  // checkpoints at 5 and 7
  std::ostringstream out;
  Trainer(options, out).run();
  // A killed run's records after its last checkpoint, the last one torn by the kill.
  fs::remove(checkpoint_path(dir, 7));
  std::ofstream(dir / "log.jsonl", std::ios::app) << "{\"event\": \"train\", \"update\": 8, \"loss\": 123456}\n"
                                                  << "{\"event\": \"train\", \"upd";
  options.resume = true;
  options.max_updates = 9;
  options.effective["d-model"] = "64";  // ignored: the checkpoint's model goes on
  options.effective["lr"] = "0.002";
  options.given = {"d-model", "lr"};
  std::ostringstream resumed;
  Trainer(options, resumed).run();
  CHECK(resumed.str().find("record(s) after update 5 (the checkpoint's") != std::string::npos);
  CHECK(resumed.str().find("ignored: --d-model 64") != std::string::npos);

  const std::string log = read_text(dir / "log.jsonl");
  std::map<std::string, int> train_records;  // "update": N -> how many train records hold it
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.find("\"event\": \"train\"") != std::string::npos) {
      const std::size_t at = line.find("\"update\": ");
      ++train_records[line.substr(at, line.find(',', at) - at)];
    }
  CHECK(train_records.size() == 9);
  for (int update = 1; update <= 9; ++update)
    CHECK_MESSAGE(train_records["\"update\": " + std::to_string(update)] == 1, update);
  CHECK(log.find("123456") == std::string::npos);
  CHECK(log.find("\"upd\n") == std::string::npos);
  const std::size_t resume = log.find("\"event\": \"resume\"");
  REQUIRE(resume != std::string::npos);
  const std::string record = log.substr(resume, log.find('\n', resume) - resume);
  CHECK_MESSAGE(record.find("\"d-model\"") == std::string::npos, record);
  CHECK_MESSAGE(record.find("\"vocab-size\"") == std::string::npos, record);
  CHECK_MESSAGE(record.find("\"lr\": \"0.002\"") != std::string::npos, record);
}

TEST_CASE("truncate_log keeps the records up to an update, and those without one") {
  const fs::path dir = scratch_dir("truncate-log");
  const fs::path log = dir / "log.jsonl";
  CHECK(truncate_log(log, 5) == 0);
  CHECK_FALSE(fs::exists(log));
  std::ofstream(log) << "{\"event\": \"start\", \"update\": 0}\n{\"event\": \"train\", \"update\": 5}\n"
                        "{\"note\": 1}\n{\"event\": \"train\", \"update\": 6}\n{\"event\": \"end\", \"update\": 6}\n";
  CHECK(truncate_log(log, 5) == 2);
  CHECK(read_text(log) == "{\"event\": \"start\", \"update\": 0}\n{\"event\": \"train\", \"update\": 5}\n{\"note\": 1}\n");
  CHECK(truncate_log(log, 5) == 0);
}

TEST_CASE("a Trainer refuses model settings that break the model's rules before reading anything") {
  TrainerOptions options = tiny_options(scratch_dir("model-rules"));
  options.model.heads = 0;
  options.train_source = "/nonexistent";  // not reached
  std::ostringstream out;
  CHECK_THROWS_AS_MESSAGE(Trainer(options, out), OptionsError, "heads 0");
  CHECK_THROWS_WITH(Trainer(options, out), "transformer model setting 'heads' = 0: must be an integer >= 1");
}
