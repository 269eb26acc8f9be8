// nmt-train end to end: options from a config file and the command line, errors with exit codes,
// a short run on 300 Multi30k pairs that trains its own vocabulary, and SIGINT + --resume.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nmt/models/model_file.h"
#include "subprocess.h"

using namespace nmt;
using namespace nmt::testing;
namespace fs = std::filesystem;

namespace {

const std::string kTrain = NMT_BINARY_DIR "/bin/nmt-train";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh(const std::string& name) {
  const fs::path dir = fs::path(NMT_BINARY_DIR) / "tool_tests_scratch" / "train" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// 300 training and 30 validation pairs as data/{train,val}.{de,en}.
const fs::path& data_dir() {
  static const fs::path dir = [] {
    const fs::path d = fresh("data");
    for (const auto& [name, lines] : std::vector<std::pair<std::string, int>>{
             {"train.de", 300}, {"train.en", 300}, {"val.de", 30}, {"val.en", 30}}) {
      std::ifstream in(std::string(NMT_TEST_DATA_DIR "/multi30k/") + name);
      REQUIRE(in.good());
      std::ofstream out(d / name);
      std::string line;
      for (int i = 0; i < lines && std::getline(in, line); ++i) out << line << '\n';
    }
    return d;
  }();
  return dir;
}

// The options every run here shares: a 1-layer, 32-wide Transformer on one thread.
std::vector<std::string> tiny_run(const fs::path& model_dir) {
  return {kTrain,         "--data-dir",     data_dir().string(), "--valid", "val", "--source-lang", "de",
          "--target-lang", "en",           "--model-dir",       model_dir.string(), "--d-model", "32", "--heads", "2",
          "--d-ff",        "64",           "--encoder-layers",  "1", "--decoder-layers", "1", "--batch-tokens", "400",
          "--threads",     "1",            "--beam",            "2", "--valid-max-sentences", "10", "--log-every", "1"};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("nmt-train --help lists the options by group, with defaults") {
  const ToolResult r = run_tool({kTrain, "--help"}, "");
  CHECK(r.status == 0);
  for (const char* text : {"data:", "model:", "training:", "validation:", "output:", "--batch-tokens arg (=4096)",
                           "--resume", "--max-minutes", "130"})
    CHECK_MESSAGE(r.out.find(text) != std::string::npos, text);
}

TEST_CASE("nmt-train: bad options are errors that name them, with exit status 2") {
  const fs::path dir = fresh("bad-options");
  ToolResult r = run_tool({kTrain, "--batch-tokenz", "10"}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("unknown option '--batch-tokenz'") != std::string::npos);
  CHECK(r.err.find("--batch-tokens") != std::string::npos);

  const std::string config = (dir / "recipe.ini").string();
  std::ofstream(config) << "[training]\nlr = 0.001\nwarm-up = 100\n";
  r = run_tool({kTrain, "--config", config}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("warm-up") != std::string::npos);
  CHECK(r.err.find(config) != std::string::npos);
  CHECK(r.err.find("line 3") != std::string::npos);

  r = run_tool(plus(tiny_run(dir / "m"), {"--lr", "-1"}), "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--lr") != std::string::npos);

  // Once killed by SIGFPE (exit 136, no message); now refused before any data is read.
  std::vector<std::string> zero_heads = tiny_run(dir / "m");
  *(std::find(zero_heads.begin(), zero_heads.end(), "--heads") + 1) = "0";
  r = run_tool(zero_heads, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--heads 0 (command line): must be an integer >= 1") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "m"));

  r = run_tool({kTrain, "--train-source", (dir / "missing.de").string(), "--train-target", "x.en", "--valid-source",
                "v.de", "--valid-target", "v.en", "--vocab-size", "300", "--model-dir", (dir / "m2").string()},
               "");
  CHECK(r.status == 1);
  CHECK(r.err.find("missing.de") != std::string::npos);
}

TEST_CASE("nmt-train: a setting the chosen model does not read is an error naming the model, exit status 2") {
  const fs::path dir = fresh("unread-setting");
  ToolResult r = run_tool(plus(tiny_run(dir / "m"), {"--cell", "gru"}), "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--cell (command line): the transformer model does not read it") != std::string::npos);
  const std::string config = (dir / "bahdanau.ini").string();
  std::ofstream(config) << "model-type = bahdanau\nattention = local-p\n";
  r = run_tool({kTrain, "--config", config}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--attention (config file '" + config + "' line 2): the bahdanau model does not read it") !=
        std::string::npos);
}

TEST_CASE("nmt-train and nmt-translate: a luong model with --reverse-source, output in the source's own order") {
  const fs::path dir = fresh("luong-reversed");
  const fs::path model_dir = dir / "model";
  const ToolResult r = run_tool(
      {kTrain, "--data-dir", data_dir().string(), "--valid", "val", "--source-lang", "de", "--target-lang", "en",
       "--model-dir", model_dir.string(), "--vocab-size", "500", "--model-type", "luong", "--attention", "local-p",
       "--window", "2", "--reverse-source", "--embedding-size", "16", "--hidden-size", "16", "--batch-tokens", "400",
       "--threads", "1", "--beam", "2", "--valid-max-sentences", "5", "--max-updates", "3", "--valid-every", "3",
       "--log-every", "1"},
      "", 120);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK((r.out + r.err).find("model: luong") != std::string::npos);
  CHECK((r.out + r.err).find("reversed source") != std::string::npos);
  const auto config = inspect_model_file((model_dir / "model.bin").string()).model_config;
  CHECK(config.at("reverse_source") == "true");
  CHECK(config.count("tie_embeddings") == 0);

  // Alignments and p_t refer to the source as written: within its pieces + eos.
  const ToolResult t = run_tool({NMT_BINARY_DIR "/bin/nmt-translate", "-m", (model_dir / "model.bin").string(),
                                 "--threads", "1", "--max-length", "6", "--alignment", "--positions"},
                                "Ein Hund.\n", 60);
  INFO(t.err);
  REQUIRE(t.status == 0);
  const std::string line = t.out.substr(0, t.out.find('\n'));
  const auto first = line.find(" ||| "), second = line.find(" ||| ", first + 5);
  REQUIRE(second != std::string::npos);
  std::istringstream positions(line.substr(second + 5));
  int count = 0;
  for (double p; positions >> p; ++count) {
    CHECK(p >= 0);
    CHECK(p <= 8);
  }
  CHECK(count > 0);
}

TEST_CASE("nmt-train end to end: own vocabulary, validation, model file, config precedence") {
  const fs::path dir = fresh("run");
  const std::string config = (dir / "recipe.ini").string();
  std::ofstream(config) << "# tiny recipe\n[training]\nmax-updates = 500\nwarmup = 4\nlr = 0.003\n"
                           "[validation]\nvalid-every = 3\nvalid-metric = loss\n";
  const fs::path model_dir = dir / "model";
  const ToolResult r = run_tool(plus(tiny_run(model_dir), {"--config", config, "--max-updates", "6", "--vocab-size",
                                                           "500", "--normalization", "nfc"}),
                                "", 120);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("training a joint unigram vocabulary of 500 pieces") != std::string::npos);
  CHECK(r.err.find("training data: read 300 pairs, kept") != std::string::npos);
  CHECK(r.err.find("vocabulary coverage") != std::string::npos);
  CHECK(r.err.find("validation | update 3") != std::string::npos);
  CHECK(r.err.find("validation | update 6") != std::string::npos);
  CHECK(r.err.find("stopped at update 6 (max-updates)") != std::string::npos);  // the command line won

  CHECK(fs::exists(model_dir / "model.bin"));
  CHECK(fs::exists(model_dir / "checkpoint-00000006.bin"));
  const std::string log = read_text(model_dir / "log.jsonl");
  CHECK(log.find("\"event\": \"valid\"") != std::string::npos);
  CHECK(log.find("\"event\": \"train\"") != std::string::npos);

  LoadedModel model = load_model((model_dir / "model.bin").string());
  CHECK(model.info.normalization.form == text::NormalizationForm::nfc);
  CHECK(model.info.training_config.at("max-updates") == "6");
  CHECK(model.info.training_config.at("warmup") == "4");  // from the file
  CHECK(model.info.training_config.at("valid-metric") == "loss");
  CHECK(model.info.training_config.at("updates") == "6");
  // The data is identified by file name, line count and checksum; no path of this machine is kept.
  CHECK(model.info.training_config.at("train-source") == "train.de");
  CHECK(model.info.training_config.at("train-source-lines") == "300");
  CHECK(model.info.training_config.at("valid-target-lines") == "30");
  CHECK(model.info.training_config.at("train-target-fnv1a64").size() == 16);
  CHECK(model.info.training_config.at("config") == "recipe.ini");
  CHECK(model.info.training_config.count("model-dir") == 0);
  CHECK(model.info.training_config.count("data-dir") == 0);
  const std::string bytes = read_text(model_dir / "model.bin");
  for (const fs::path& machine_path : {dir, data_dir(), fs::path(NMT_BINARY_DIR)})
    CHECK_MESSAGE(bytes.find(machine_path.string()) == std::string::npos, machine_path);
  CHECK(model.model->config().d_model == 32);
  CHECK(model.vocabulary->vocab_size() == 500);
}

TEST_CASE("nmt-train: SIGINT, SIGTERM or SIGHUP (a closed terminal) saves a checkpoint and exits 128+N; --resume continues") {
  for (const int signal_number : {SIGINT, SIGHUP}) {
  CAPTURE(signal_number);
  const fs::path dir = fresh("signal-" + std::to_string(signal_number));
  const fs::path model_dir = dir / "model";
  std::vector<std::string> args =
      plus(tiny_run(model_dir), {"--vocab-size", "500", "--max-updates", "100000", "--valid-every", "100000",
                                 "--valid-bleu", "false", "--valid-metric", "loss"});
  const std::string err_path = (dir / "stderr.txt").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::dup2(fd, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Wait for a few updates, then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  int status = 0;
  bool exited = false;
  while (read_text(model_dir / "log.jsonl").find("\"update\": 3,") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline && !(exited = ::waitpid(pid, &status, WNOHANG) == pid))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!exited) ::kill(pid, signal_number);
  while (!exited && ::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string err = read_text(err_path);
  INFO(err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + signal_number);
  CHECK(err.find("stop requested") != std::string::npos);
  CHECK(err.find("continue with --resume") != std::string::npos);
  REQUIRE(!fs::is_empty(model_dir));
  int64_t stopped_at = 0;
  for (const auto& entry : fs::directory_iterator(model_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0) stopped_at = std::stoll(name.substr(11, 8));
  }
  CHECK(stopped_at >= 3);

  const ToolResult resumed = run_tool(
      plus(tiny_run(model_dir), {"--resume", "--max-updates", std::to_string(stopped_at + 2), "--valid-bleu", "false",
                                 "--valid-metric", "loss"}),
      "", 120);
  INFO(resumed.err);
  CHECK(resumed.status == 0);
  CHECK(resumed.err.find("resumed from") != std::string::npos);
  CHECK(resumed.err.find("stopped at update " + std::to_string(stopped_at + 2)) != std::string::npos);
  }
}

TEST_CASE("nmt-train --save-every writes checkpoints between validations; nmt-average averages the last K") {
  const fs::path dir = fresh("average");
  const fs::path model_dir = dir / "model";
  ToolResult r = run_tool(plus(tiny_run(model_dir), {"--vocab-size", "500", "--max-updates", "8", "--valid-every", "8",
                                                     "--save-every", "2", "--keep-last", "3"}),
                          "", 120);
  INFO(r.err);
  REQUIRE(r.status == 0);
  // Checkpoints at 2, 4, 6 and 8 (the validation); the last 3 kept.
  CHECK_FALSE(fs::exists(model_dir / "checkpoint-00000002.bin"));
  for (const char* name : {"checkpoint-00000004.bin", "checkpoint-00000006.bin", "checkpoint-00000008.bin"})
    CHECK_MESSAGE(fs::exists(model_dir / name), name);

  const std::string kAverage = NMT_BINARY_DIR "/bin/nmt-average";
  const fs::path averaged = dir / "averaged.bin";
  r = run_tool({kAverage, "-o", averaged.string(), "--last", "2", model_dir.string()}, "");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("mean of checkpoint-00000006.bin checkpoint-00000008.bin") != std::string::npos);
  LoadedModel a = load_model(averaged.string());
  LoadedModel c6 = load_model((model_dir / "checkpoint-00000006.bin").string());
  LoadedModel c8 = load_model((model_dir / "checkpoint-00000008.bin").string());
  CHECK(a.info.training_state.empty());
  const auto& pa = a.model->parameters().all();
  const float mean = 0.5f * (c6.model->parameters().all()[0].value().f32()[0] +
                             c8.model->parameters().all()[0].value().f32()[0]);
  CHECK(pa[0].value().f32()[0] == doctest::Approx(mean).epsilon(1e-6));

  const ToolResult t = run_tool({NMT_BINARY_DIR "/bin/nmt-translate", "-m", averaged.string()}, "Ein Mann.\n", 60);
  CHECK(t.status == 0);
  CHECK(std::count(t.out.begin(), t.out.end(), '\n') == 1);

  // Errors: no checkpoints, a missing file, an unknown option.
  r = run_tool({kAverage, "-o", (dir / "x.bin").string(), "--last", "2", dir.string()}, "");
  CHECK(r.status == 1);
  CHECK(r.err.find("no checkpoint-*.bin in") != std::string::npos);
  r = run_tool({kAverage, "-o", (dir / "x.bin").string(), (dir / "missing.bin").string()}, "");
  CHECK(r.status == 1);
  CHECK(r.err.find("missing.bin") != std::string::npos);
  r = run_tool({kAverage, "--frobnicate"}, "");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(dir / "x.bin"));
}
