// nmt-train's options: config file + command line, precedence, errors that name the option.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nmt/train/options.h"
#include "train_test_data.h"

using namespace nmt::train;
using nmt::train::testing::scratch_dir;

namespace {

ParsedCommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "nmt-train");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_train_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string parse_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const OptionsError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::vector<std::string> kData = {"--train-source", "a.de", "--train-target", "a.en", "--valid-source",
                                        "v.de",           "--valid-target", "v.en", "--model-dir", "out"};

std::vector<std::string> with_data(std::vector<std::string> args) {
  args.insert(args.end(), kData.begin(), kData.end());
  return args;
}

}  // namespace

TEST_CASE("defaults, and every option is recorded in the effective configuration") {
  const TrainerOptions o = parse(with_data({})).options;
  CHECK(o.batch_tokens == 4096);
  CHECK(o.vocab_size == 8000);
  CHECK(o.schedule.kind == ScheduleKind::inverse_sqrt);
  CHECK(o.model.d_model == 256);
  CHECK(o.effective.at("batch-tokens") == "4096");
  CHECK(o.effective.at("d-model") == "256");
  CHECK(o.effective.at("model-type") == "transformer");
  CHECK(o.effective.at("train-source") == "a.de");
  CHECK(o.effective.count("valid-metric") == 1);
}

TEST_CASE("the config file sets options; the command line wins") {
  const auto dir = scratch_dir("options-config");
  const std::string config = (dir / "train.ini").string();
  std::ofstream(config) << "# a recipe\n[data]\ntrain-source = file.de\n\n[model]\nd-model = 64\npre-norm = true\n"
                           "[training]\nlr = 0.002\nbatch-tokens = 1000\nschedule = plateau\n";
  const TrainerOptions o = parse(with_data({"--config", config, "--lr", "0.005"})).options;
  CHECK(o.schedule.peak == doctest::Approx(0.005));  // command line beats the file
  CHECK(o.batch_tokens == 1000);                      // from the file
  CHECK(o.schedule.kind == ScheduleKind::plateau);
  CHECK(o.model.d_model == 64);
  CHECK(o.model.pre_norm);
  CHECK(o.train_source == "a.de");  // given on both: the command line's
  CHECK(o.effective.at("lr") == "0.005");
  CHECK(o.effective.at("batch-tokens") == "1000");
}

TEST_CASE("unknown or misspelt options are errors naming them") {
  const auto dir = scratch_dir("options-unknown");
  const std::string config = (dir / "bad.ini").string();
  std::ofstream(config) << "lr = 0.001\n\nbatch-tokns = 100\n";
  std::string error = parse_error(with_data({"--config", config}));
  CHECK(error.find("batch-tokns") != std::string::npos);
  CHECK(error.find(config) != std::string::npos);
  CHECK(error.find("line 3") != std::string::npos);
  CHECK(error.find("did you mean --batch-tokens") != std::string::npos);

  error = parse_error(with_data({"--warmpu", "10"}));
  CHECK(error.find("--warmpu") != std::string::npos);
  CHECK(error.find("command line") != std::string::npos);
  CHECK(error.find("did you mean --warmup") != std::string::npos);

  // No abbreviations: --batch is not silently taken for --batch-tokens.
  CHECK(parse_error(with_data({"--batch", "10"})).find("--batch") != std::string::npos);
  CHECK(parse_error(with_data({"--config", (dir / "missing.ini").string()})).find("missing.ini") != std::string::npos);
}

TEST_CASE("bad values and missing requirements name the option") {
  CHECK(parse_error(with_data({"--lr", "fast"})).find("--lr") != std::string::npos);
  CHECK(parse_error(with_data({"--batch-tokens", "0"})).find("--batch-tokens") != std::string::npos);
  CHECK(parse_error(with_data({"--schedule", "cosine"})).find("--schedule") != std::string::npos);
  CHECK(parse_error(with_data({"--optimizer", "adagrad"})).find("--optimizer") != std::string::npos);
  CHECK(parse_error(with_data({"--momentum", "1.5"})).find("--momentum") != std::string::npos);
  CHECK(parse_error(with_data({"--weight-decay", "-0.1"})).find("--weight-decay") != std::string::npos);
  CHECK(parse_error(with_data({"--valid-metric", "chrf"})).find("--valid-metric") != std::string::npos);
  CHECK(parse_error(with_data({"--d-model", "big"})).find("--d-model") != std::string::npos);
  CHECK(parse_error(with_data({"--normalization", "nfd"})).find("--normalization") != std::string::npos);
  CHECK(parse_error({"--model-dir", "x"}).find("--train-source") != std::string::npos);
  CHECK(parse_error({"--train-source", "a", "--train-target", "b", "--valid-source", "c", "--valid-target", "d"})
            .find("--model-dir") != std::string::npos);
  CHECK(parse_error(with_data({"--resume", "--init-from", "m.bin"})).find("--init-from") != std::string::npos);
  CHECK(parse_error(with_data({"--schedule", "step"})).find("--decay-start") != std::string::npos);
  CHECK(parse_error(with_data({"--schedule", "step", "--decay-start", "100", "--decay-every", "0"}))
            .find("--decay-every") != std::string::npos);
  CHECK(parse_error(with_data({"--decay-factor", "2"})).find("--decay-factor") != std::string::npos);
}

TEST_CASE("a config file includes another: its own lines win over the included ones, the command line over both") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(NMT_BINARY_DIR) / "train-test-scratch" / "include";
  fs::create_directories(dir / "base");
  std::ofstream(dir / "base" / "common.inc") << "lr = 0.5\nwarmup = 7\nbatch-tokens = 999\n";
  std::ofstream(dir / "recipe.ini") << "# a recipe\ninclude = base/common.inc\n[training]\nwarmup = 9\n";
  const TrainerOptions o =
      parse(with_data({"--config", (dir / "recipe.ini").string(), "--batch-tokens", "123"})).options;
  CHECK(o.schedule.peak == doctest::Approx(0.5f));  // from the included file
  CHECK(o.schedule.warmup == 9);                    // the including file wins
  CHECK(o.batch_tokens == 123);                     // the command line wins
  std::ofstream(dir / "broken.ini") << "include = base/missing.inc\n";
  CHECK(parse_error(with_data({"--config", (dir / "broken.ini").string()})).find("missing.inc") != std::string::npos);
  std::ofstream(dir / "loop.ini") << "include = loop.ini\n";
  CHECK(parse_error(with_data({"--config", (dir / "loop.ini").string()})).find("cycle") != std::string::npos);
}

TEST_CASE("--optimizer adamw with --weight-decay") {
  const TrainerOptions o = parse(with_data({"--optimizer", "adamw", "--weight-decay", "0.01"})).options;
  CHECK(o.optimizer == "adamw");
  CHECK(o.weight_decay == doctest::Approx(0.01f));
  CHECK(o.effective.at("weight-decay") == "0.01");
  CHECK(parse(with_data({})).options.weight_decay == 0.f);
}

TEST_CASE("--schedule step with its three settings") {
  const ParsedCommandLine parsed =
      parse(with_data({"--schedule", "step", "--decay-start", "1601", "--decay-every", "200", "--decay-factor", "0.7"}));
  CHECK(parsed.options.schedule.kind == ScheduleKind::step);
  CHECK(parsed.options.schedule.decay_start == 1601);
  CHECK(parsed.options.schedule.decay_every == 200);
  CHECK(parsed.options.schedule.decay_factor == doctest::Approx(0.7));
}

TEST_CASE("fairseq-style data options resolve to files") {
  const TrainerOptions o = parse({"--data-dir", "/data/m30k", "--train", "train", "--valid", "val", "--source-lang", "de",
                                  "--target-lang", "en", "--model-dir", "out", "--resume"})
                               .options;
  CHECK(o.train_source == "/data/m30k/train.de");
  CHECK(o.train_target == "/data/m30k/train.en");
  CHECK(o.valid_source == "/data/m30k/val.de");
  CHECK(o.valid_target == "/data/m30k/val.en");
  CHECK(o.resume);
}

TEST_CASE("--help lists every group and option with its default") {
  CHECK(parse({"--help"}).help);
  const std::string help = train_help_text();
  for (const char* group : {"data:", "model:", "training:", "validation:", "output:"})
    CHECK(help.find(group) != std::string::npos);
  for (const char* option : {"--batch-tokens arg (=4096)", "--lr", "--warmup", "--d-model arg (=256)", "--heads",
                             "--encoder-layers", "--tie-embeddings", "--vocab-size arg (=8000)", "--normalization",
                             "--accumulate", "--label-smoothing", "--clip-norm", "--max-minutes", "--valid-every",
                             "--valid-metric", "--keep-last", "--patience", "--beam", "--valid-max-sentences",
                             "--resume", "--init-from", "--log-every", "--config", "--threads", "--seed"})
    CHECK_MESSAGE(help.find(option) != std::string::npos, option);
}

TEST_CASE("every Multi30k recipe parses; the Luong ones train with SGD and halving as the paper did") {
  int recipes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(NMT_SOURCE_DIR "/recipes/multi30k")) {
    if (entry.path().extension() != ".ini") continue;
    const std::string name = entry.path().stem().string();
    CAPTURE(name);
    ++recipes;
    TrainerOptions o;
    try {
      o = parse({"--config", entry.path().string(), "--data-dir", NMT_TEST_DATA_DIR "/multi30k",
                 "--model-dir", "out"})
              .options;
    } catch (const std::exception& e) {
      FAIL_CHECK(e.what());
      continue;
    }
    const bool luong = name.rfind("luong-", 0) == 0;
    CHECK(o.model.type == (luong ? std::string("luong") : name));
    CHECK(o.optimizer == (luong ? "sgd" : "adam"));
    if (luong) {
      CHECK(o.schedule.peak * o.clip_norm == doctest::Approx(5.0));  // the paper's largest step
      // Their schedule's shape: constant, then halved every epoch (~200 updates) to the end.
      CHECK(o.schedule.kind == ScheduleKind::step);
      CHECK(o.schedule.decay_factor == doctest::Approx(0.5));
      CHECK(o.schedule.decay_start < o.max_updates);
    }
  }
  CHECK(recipes == 8);
}

TEST_CASE("a model setting the chosen model does not read is an error naming the model and where it was set") {
  std::string error = parse_error(with_data({"--model-type", "bahdanau", "--window", "5"}));
  CHECK(error.find("--window") != std::string::npos);
  CHECK(error.find("the bahdanau model does not read it") != std::string::npos);
  CHECK(error.find("command line") != std::string::npos);
  CHECK(error.find("--hidden-size") != std::string::npos);  // its settings, listed
  CHECK(parse_error(with_data({"--model-type", "rnn", "--tie-embeddings", "false"})).find("the rnn model") !=
        std::string::npos);
  CHECK(parse_error(with_data({"--cell", "gru"})).find("the transformer model does not read it") != std::string::npos);

  const auto dir = scratch_dir("options-unread");
  const std::string config = (dir / "bahdanau.ini").string();
  std::ofstream(config) << "[model]\nmodel-type = bahdanau\nhidden-size = 64\n\nscore = dot\n";
  error = parse_error(with_data({"--config", config}));
  CHECK(error.find("--score") != std::string::npos);
  CHECK(error.find("the bahdanau model does not read it") != std::string::npos);
  CHECK(error.find(config) != std::string::npos);
  CHECK(error.find("line 5") != std::string::npos);
  // The type given on the command line decides for the file's settings too.
  std::ofstream(config) << "window = 4\n";
  CHECK(parse_error(with_data({"--config", config, "--model-type", "rnn"})).find("the rnn model") != std::string::npos);
  CHECK(parse(with_data({"--config", config, "--model-type", "luong"})).options.model.window == 4);

  // The list of types comes from the registry.
  CHECK(parse_error(with_data({"--model-type", "lstm"})).find("one of transformer, rnn, bahdanau, luong") !=
        std::string::npos);
}

TEST_CASE("each model records its own settings: the defaults of the chosen model, nothing it does not read") {
  TrainerOptions o = parse(with_data({"--model-type", "bahdanau", "--hidden-size", "64"})).options;
  CHECK(o.model.type == "bahdanau");
  CHECK(o.model.hidden_size == 64);
  CHECK(o.effective.at("hidden-size") == "64");
  CHECK(o.effective.at("cell") == "lstm");
  CHECK(o.effective.at("max-positions") == "1024");
  for (const char* unread : {"window", "score", "attention", "input-feeding", "tie-embeddings", "d-model"})
    CHECK_MESSAGE(o.effective.count(unread) == 0, unread);
  o = parse(with_data({})).options;
  CHECK(o.effective.count("cell") == 0);
  CHECK(o.effective.at("tie-embeddings") == "true");
}

TEST_CASE("--reverse-source applies to every RNN model, attention ones included (Luong et al., Table 1)") {
  for (const char* type : {"rnn", "bahdanau", "luong"}) {
    CAPTURE(type);
    const TrainerOptions o = parse(with_data({"--model-type", type, "--reverse-source"})).options;
    CHECK(o.model.reverse_source);
    CHECK(o.effective.at("reverse-source") == "true");
  }
  CHECK(parse_error(with_data({"--reverse-source"})).find("the transformer model does not read it") !=
        std::string::npos);
}

TEST_CASE("--help lists each model type with its settings, defaults and help") {
  const std::string help = train_help_text();
  for (const char* text : {"--model-type transformer (", "--model-type rnn (", "--model-type bahdanau (",
                           "--model-type luong (", "--window arg (=10)", "--score arg (=general)",
                           "--cell arg (=lstm)", "gru | lstm", "--hidden-size arg (=512)",
                           "--max-positions arg (=1024)",
                           "local attention: half-width D"})
    CHECK_MESSAGE(help.find(text) != std::string::npos, text);
  // Shared settings are listed under every model that reads them.
  int cells = 0;
  for (std::size_t at = help.find("--cell "); at != std::string::npos; at = help.find("--cell ", at + 1)) ++cells;
  CHECK(cells == 3);
  // Within the luong group: its settings, not the Transformer's.
  const std::size_t from = help.find("--model-type luong (");
  const std::string luong = help.substr(from, help.find("training:") - from);
  CHECK(luong.find("--window") != std::string::npos);
  CHECK(luong.find("--d-model") == std::string::npos);
}

TEST_CASE("every model setting is checked with the model's own rules before any data is read") {
  // Each of these was accepted, or failed only later (--heads 0 with SIGFPE, no message).
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"--heads", "0"}, "--heads 0 (command line): must be an integer >= 1"},
      {{"--heads", "3"}, "--heads 3 (command line): must divide --d-model 256 (default)"},
      {{"--d-model", "66"}, "--heads 4 (default): must divide --d-model 66 (command line)"},
      {{"--encoder-layers", "-1"}, "--encoder-layers -1 (command line): must be an integer >= 1"},
      {{"--encoder-layers", "0"}, "--encoder-layers 0"},
      {{"--decoder-layers", "0"}, "--decoder-layers 0"},
      {{"--d-ff", "0"}, "--d-ff 0"},
      {{"--d-model", "64.9"}, "--d-model: invalid value '64.9' (expected an integer)"},
      {{"--d-model", "-128"}, "--d-model -128 (command line): must be an integer >= 1"},
      {{"--d-model", "0"}, "--d-model 0"},
      {{"--dropout", "1.5"}, "--dropout 1.5 (command line): must be a number in [0, 1)"},
      {{"--dropout", "1"}, "--dropout 1 (command line)"},
      {{"--dropout", "0.1x"}, "--dropout: invalid value '0.1x' (expected a number)"},
      {{"--max-positions", "1"}, "--max-positions 1 (command line): must be an integer >= 2"},
      {{"--activation", "tanh"}, "--activation tanh (command line): must be one of relu, gelu"},
      {{"--model-type", "bahdanau", "--hidden-size", "31"}, "--hidden-size 31 (command line): must be even"},
      {{"--model-type", "bahdanau", "--cell", "rnn"}, "--cell rnn (command line): must be one of gru, lstm"},
      {{"--model-type", "luong", "--rnn-layers", "0"}, "--rnn-layers 0"},
      {{"--model-type", "luong", "--attention", "local-p", "--window", "0"},
       "--window 0 (command line): must be at least 1 with --attention local-p (command line)"},
      {{"--model-type", "rnn", "--embedding-size", "0"}, "--embedding-size 0"},
  };
  for (const auto& [args, message] : refused)
    CHECK_MESSAGE(parse_error(with_data(args)).find(message) != std::string::npos, parse_error(with_data(args)));
  // Global attention ignores the window, so 0 is fine there.
  CHECK(parse(with_data({"--model-type", "luong", "--window", "0"})).options.model.window == 0);

  // From a config file: the file and the line.
  const auto dir = scratch_dir("options-rules");
  const std::string config = (dir / "model.ini").string();
  std::ofstream(config) << "[model]\nd-model = 64\n\nheads = 5\n";
  CHECK(parse_error(with_data({"--config", config})) ==
        "--heads 5 (config file '" + config + "' line 4): must divide --d-model 64 (config file '" + config +
            "' line 2)");
  std::ofstream(config) << "# widths\nd-model = 64.9\n";
  CHECK(parse_error(with_data({"--config", config})) ==
        "--d-model (config file '" + config + "' line 2): invalid value '64.9' (expected an integer)");
  // Any option's bad value names its line.
  std::ofstream(config) << "lr = 0.001\nbatch-tokens = many\n";
  CHECK(parse_error(with_data({"--config", config})) ==
        "--batch-tokens (config file '" + config + "' line 2): invalid value 'many' (expected an integer)");
}

TEST_CASE("config files: a folder is an error, a byte order mark is skipped, a key set twice names both lines") {
  const auto dir = scratch_dir("options-config-files");
  CHECK(parse_error(with_data({"--config", dir.string()})) ==
        "--config: '" + dir.string() + "' is a directory, not a config file");
  CHECK(parse_error(with_data({"--config", (dir / "missing.ini").string()})).find("No such file or directory") !=
        std::string::npos);

  const std::string bom = (dir / "bom.ini").string();
  std::ofstream(bom) << "\xEF\xBB\xBFwarmup = 17\nlr = 0.25\n";
  const TrainerOptions o = parse(with_data({"--config", bom})).options;
  CHECK(o.schedule.warmup == 17);
  CHECK(o.schedule.peak == doctest::Approx(0.25));

  const std::string twice = (dir / "twice.ini").string();
  std::ofstream(twice) << "[training]\nwarmup = 10\nlr = 0.1\n[more]\nwarmup = 20\n";
  CHECK(parse_error(with_data({"--config", twice})) ==
        "config file '" + twice + "' line 5: 'warmup' is set again (first on line 2)");
  // An included file may set what the including one sets (the including one wins), as before.
  std::ofstream(dir / "base.inc") << "warmup = 5\n";
  std::ofstream(twice) << "include = base.inc\nwarmup = 20\n";
  CHECK(parse(with_data({"--config", twice})).options.schedule.warmup == 20);
}

TEST_CASE("the options given, apart from their defaults") {
  const TrainerOptions o = parse(with_data({"--warmup", "7"})).options;
  CHECK(o.given.count("warmup") == 1);
  CHECK(o.given.count("train-source") == 1);
  CHECK(o.given.count("lr") == 0);
  CHECK(o.given.count("d-model") == 0);
}
