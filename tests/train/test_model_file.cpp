// Model files: round trip, every kind of bad file, atomic writes, checkpoint state.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <sys/stat.h>

#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>

#include "nmt/autograd/var.h"
#include "nmt/models/checkpoint_averaging.h"
#include "nmt/models/model_file.h"
#include "nmt/train/checkpoint.h"
#include "tests/engine/allocation_counter.h"
#include "train_test_data.h"

using namespace nmt;
using namespace nmt::train::testing;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<EncoderDecoder> tiny_model(uint64_t seed, int d_model = 32) {
  ModelConfig config = tiny_transformer();
  config.d_model = d_model;
  Generator init(seed);
  return build_model(config, init);
}

ModelFileInfo sample_info() {
  ModelFileInfo info;
  info.training_config = {{"lr", "0.001"}, {"batch-tokens", "4096"}};
  info.normalization.form = text::NormalizationForm::nfc;
  std::ifstream in(small_corpus().vocabulary, std::ios::binary);
  info.subword_model.assign(std::istreambuf_iterator<char>(in), {});
  return info;
}

bool same_parameters(const EncoderDecoder& a, const EncoderDecoder& b) {
  const auto& pa = a.parameters().all();
  const auto& pb = b.parameters().all();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].name() != pb[i].name() || pa[i].shape() != pb[i].shape()) return false;
    if (std::memcmp(pa[i].value().f32(), pb[i].value().f32(), pa[i].numel() * sizeof(float)) != 0) return false;
  }
  return true;
}

std::vector<float> logits_of(EncoderDecoder& model) {
  NoGradGuard no_grad;
  const std::vector<int32_t> src = {5, 9, 17, 3, 0, 44, 8, 3}, tin = {2, 7, 11, 2, 13, 0};
  return model.logits(Tensor::from_ids({2, 4}, src), Tensor::from_ids({2, 3}, tin), false).value().to_vector();
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string load_error(const fs::path& path) {
  try {
    load_model(path.string());
  } catch (const ModelFileError& e) {
    return e.what();
  }
  return "(no error)";
}

// A model file as version 1 of the format writes it (model_file.h), with `config` as its model
// configuration: how the files of earlier versions, which recorded every setting of every model,
// are made here.
void write_model_file_with_config(const fs::path& path, const EncoderDecoder& model,
                                  std::map<std::string, std::string> config) {
  std::ostringstream out(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(out);
    std::map<std::string, std::string> training_config;
    std::string normalization = text::NormalizerSettings().serialize(), subword_model, training_state;
    ar << config << training_config << normalization << subword_model;
    uint64_t count = model.parameters().all().size();
    ar << count;
    for (const Parameter& p : model.parameters().all()) {
      std::string name = p.name();
      std::vector<int64_t> dims;
      for (int i = 0; i < p.shape().rank(); ++i) dims.push_back(p.shape()[i]);
      uint64_t n = static_cast<uint64_t>(p.numel());
      ar << name << dims << n;
      ar << boost::serialization::make_array(p.value().f32(), n);
    }
    ar << training_state;
  }
  const std::string payload = std::move(out).str();
  uint64_t sum = 0xcbf29ce484222325ULL;  // FNV-1a over 64-bit words, then the tail bytes
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, payload.data() + i, 8);
    sum = (sum ^ word) * 0x100000001b3ULL;
  }
  for (; i < payload.size(); ++i) sum = (sum ^ static_cast<unsigned char>(payload[i])) * 0x100000001b3ULL;
  std::string header(28, '\0');
  const uint32_t version = 1;
  const uint64_t size = payload.size();
  std::memcpy(header.data(), "NMTMODEL", 8);
  std::memcpy(header.data() + 8, &version, 4);
  std::memcpy(header.data() + 12, &size, 8);
  std::memcpy(header.data() + 20, &sum, 8);
  write_bytes(path, header + payload);
}

}  // namespace

TEST_CASE("a model file holds only the settings its model reads; files with every setting still load") {
  const fs::path dir = scratch_dir("model-config-keys");
  ModelConfig config;
  config.type = "bahdanau";
  config.vocab_size = 500;
  config.embedding_size = 8;
  config.hidden_size = 16;
  config.cell = "gru";
  Generator init(3);
  auto model = build_model(config, init);
  save_model((dir / "bahdanau.bin").string(), *model, sample_info());
  const auto saved = inspect_model_file((dir / "bahdanau.bin").string()).model_config;
  for (const char* key : {"window", "score", "attention", "input_feeding", "tie_embeddings", "d_model"})
    CHECK_MESSAGE(saved.count(key) == 0, key);
  CHECK(saved.at("cell") == "gru");
  CHECK(saved.at("hidden_size") == "16");
  save_model((dir / "transformer.bin").string(), *tiny_model(3), sample_info());
  const auto transformer = inspect_model_file((dir / "transformer.bin").string()).model_config;
  for (const char* key : {"cell", "embedding_size", "hidden_size", "rnn_layers", "reverse_source", "window"})
    CHECK_MESSAGE(transformer.count(key) == 0, key);
  CHECK(transformer.at("d_model") == "32");

  // A file of an earlier version: all 21 settings, most of them for other models.
  std::map<std::string, std::string> every = {
      {"type", "bahdanau"},     {"vocab_size", "500"},     {"max_positions", "1024"}, {"d_model", "256"},
      {"heads", "4"},           {"d_ff", "1024"},          {"encoder_layers", "3"},   {"decoder_layers", "3"},
      {"dropout", "0.100000"},  {"pre_norm", "false"},     {"activation", "relu"},    {"tie_embeddings", "true"},
      {"cell", "gru"},          {"embedding_size", "8"},   {"hidden_size", "16"},     {"rnn_layers", "1"},
      {"reverse_source", "false"}, {"attention", "global"}, {"score", "general"},     {"input_feeding", "true"},
      {"window", "10"}};
  REQUIRE(every.size() == ModelConfig::keys().size());
  const fs::path old = dir / "old.bin";
  write_model_file_with_config(old, *model, every);
  LoadedModel loaded = load_model(old.string());
  CHECK(loaded.model->config().to_map() == model->config().to_map());
  CHECK(same_parameters(*model, *loaded.model));
  CHECK(logits_of(*model) == logits_of(*loaded.model));
  CHECK(read_model_config(old.string()).to_map() == saved);
  // The writer above writes what save_model does (the comparison above can fail).
  save_model((dir / "plain.bin").string(), *model, ModelFileInfo());
  write_model_file_with_config(dir / "written.bin", *model, saved);
  CHECK(bytes_of(dir / "written.bin") == bytes_of(dir / "plain.bin"));
}

TEST_CASE("a saved model loads with identical parameters, logits, configuration and vocabulary") {
  const fs::path dir = scratch_dir("model-round-trip");
  auto model = tiny_model(3);
  const ModelFileInfo info = sample_info();
  save_model((dir / "model.bin").string(), *model, info);

  LoadedModel loaded = load_model((dir / "model.bin").string());
  CHECK(loaded.model->config().to_map() == model->config().to_map());
  CHECK(same_parameters(*model, *loaded.model));
  CHECK(logits_of(*model) == logits_of(*loaded.model));
  CHECK(loaded.info.training_config == info.training_config);
  CHECK(loaded.info.normalization == info.normalization);
  CHECK(loaded.info.subword_model == info.subword_model);
  CHECK(loaded.info.training_state.empty());
  REQUIRE(loaded.vocabulary);
  CHECK(loaded.vocabulary->vocab_size() == 500);
  CHECK(loaded.tokenizer().decode(loaded.tokenizer().encode("Zwei Männer")) == "Zwei Männer");

  // A differently initialised model really differs (the comparison above can fail).
  auto other = tiny_model(4);
  CHECK_FALSE(same_parameters(*model, *other));
  CHECK(logits_of(*model) != logits_of(*other));
}

TEST_CASE("bad model files get errors naming the file and the problem") {
  const fs::path dir = scratch_dir("model-bad-files");
  auto model = tiny_model(3);
  const fs::path good = dir / "model.bin";
  save_model(good.string(), *model, sample_info());
  const std::string bytes = bytes_of(good);

  SUBCASE("truncated") {
    const fs::path path = dir / "truncated.bin";
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    const std::string error = load_error(path);
    CHECK(error.find(path.string()) != std::string::npos);
    CHECK(error.find("truncated") != std::string::npos);
    write_bytes(path, bytes.substr(0, 12));
    CHECK(load_error(path).find("truncated") != std::string::npos);
  }
  SUBCASE("corrupt") {
    const fs::path path = dir / "corrupt.bin";
    std::string damaged = bytes;
    damaged[damaged.size() / 2] ^= 0x5a;
    write_bytes(path, damaged);
    const std::string error = load_error(path);
    CHECK(error.find(path.string()) != std::string::npos);
    CHECK(error.find("corrupt") != std::string::npos);
    write_bytes(path, bytes + "extra");
    CHECK(load_error(path).find("unexpected bytes") != std::string::npos);
  }
  SUBCASE("another kind of file") {
    const fs::path path = dir / "vocab.model";
    const std::string error = load_error(small_corpus().vocabulary);
    CHECK(error.find(small_corpus().vocabulary) != std::string::npos);
    CHECK(error.find("not an nmt model file") != std::string::npos);
    write_bytes(path, "");
    CHECK(load_error(path).find("not an nmt model file") != std::string::npos);
  }
  SUBCASE("newer format version") {
    const fs::path path = dir / "newer.bin";
    std::string newer = bytes;
    const uint32_t version = kModelFileVersion + 1;
    std::memcpy(newer.data() + 8, &version, 4);
    write_bytes(path, newer);
    const std::string error = load_error(path);
    CHECK(error.find(path.string()) != std::string::npos);
    CHECK(error.find("newer version") != std::string::npos);
  }
  SUBCASE("missing") {
    const std::string error = load_error(dir / "nothing-here.bin");
    CHECK(error.find("nothing-here.bin") != std::string::npos);
    CHECK(error.find("cannot open") != std::string::npos);
  }
  SUBCASE("parameters of another shape") {
    auto wider = tiny_model(3, 48);
    try {
      load_parameters_into(good.string(), *wider);
      FAIL("no error");
    } catch (const ModelFileError& e) {
      const std::string error = e.what();
      CHECK(error.find(good.string()) != std::string::npos);
      CHECK(error.find("shape") != std::string::npos);
      CHECK(error.find("[500, 32]") != std::string::npos);
    }
  }
}

namespace {

// `bytes` with the 8 bytes at `at` replaced by `value`.
std::string with_length_field(std::string bytes, std::size_t at, uint64_t value) {
  REQUIRE(at + 8 <= bytes.size());
  std::memcpy(bytes.data() + at, &value, 8);
  return bytes;
}

// Loads a crafted file: it must fail with a message naming the file and "corrupt", without ever
// asking for more memory at once than the file's size (allocation_counter.h).
void check_fails_without_allocating(const fs::path& path, uint64_t file_bytes) {
  testing::ScopedAllocationCount counter;
  const std::string error = load_error(path);
  const uint64_t largest = counter.largest();
  counter.stop();
  CHECK(error.find(path.string()) != std::string::npos);
  CHECK_MESSAGE(error.find("corrupt") != std::string::npos, error);
  // (reading the file takes its size plus a string's terminator)
  if (testing::counting_available())
    CHECK_MESSAGE(largest <= file_bytes + 1, "largest allocation ", largest, " bytes for a file of ", file_bytes);
}

}  // namespace

TEST_CASE("a length field changed in a model file (checksum recomputed) fails at once, allocating nothing for it") {
  const fs::path dir = scratch_dir("model-crafted-lengths");
  auto model = tiny_model(3);
  const ModelFileInfo info = sample_info();
  const fs::path good = dir / "model.bin";
  save_model(good.string(), *model, info);
  const std::string payload = bytes_of(good).substr(kFrameHeaderBytes);
  const uint64_t file_bytes = kFrameHeaderBytes + payload.size();
  // Where the fields lie (model_file.h): ... subword model (length, bytes), parameter count, then
  // per parameter: name (length, bytes), shape (a vector: count, values), value count, values.
  const std::size_t vocabulary_at = payload.find(info.subword_model);
  REQUIRE(vocabulary_at != std::string::npos);
  const std::size_t count_at = vocabulary_at + info.subword_model.size();
  const Parameter& first = model->parameters().all().front();
  const std::size_t name_at = payload.find(first.name(), count_at);
  REQUIRE(name_at == count_at + 16);  // the count, then the name's length
  std::string shape_bytes;  // the shape's count and values, as the archive writes them
  const uint64_t rank = static_cast<uint64_t>(first.shape().rank());
  shape_bytes.append(reinterpret_cast<const char*>(&rank), 8);
  for (int i = 0; i < first.shape().rank(); ++i) {
    const int64_t d = first.shape()[i];
    shape_bytes.append(reinterpret_cast<const char*>(&d), 8);
  }
  const std::size_t shape_at = payload.find(shape_bytes, name_at);
  REQUIRE(shape_at != std::string::npos);

  const FileFormat format{"NMTMODEL", kModelFileVersion, "model file"};
  const struct {
    const char* field;
    std::size_t at;
  } fields[] = {{"vocabulary length", vocabulary_at - 8},
                {"parameter count", count_at},
                {"parameter name length", name_at - 8},
                {"shape size", shape_at}};
  for (const auto& f : fields) {
    // A count just within the payload's size (the kind a check against the file's size lets
    // through: 80-byte records x that is gigabytes) and one of 2^40.
    for (const uint64_t value : {static_cast<uint64_t>(payload.size() / 2), uint64_t{1} << 40}) {
      const std::string field = f.field;
      CAPTURE(field);
      CAPTURE(value);
      const fs::path path = dir / "crafted.bin";
      write_framed_file(path.string(), format, with_length_field(payload, f.at, value));
      check_fails_without_allocating(path, file_bytes);
    }
  }
}

TEST_CASE("a length field changed in a checkpoint's training state fails at once, allocating nothing for it") {
  train::TrainingState s;
  s.optimizer.algorithm = "adam";
  s.optimizer.names = {"a", "b"};
  s.optimizer.slots = 2;
  s.optimizer.buffers = std::vector<std::vector<float>>(4, std::vector<float>(1000, 0.5f));
  s.history = {{10, 1, 4.5, 90.0, 3.25, true}};
  const std::string bytes = s.serialize();
  auto bytes_of_values = [](auto... values) {
    std::string out;
    ((out.append(reinterpret_cast<const char*>(&values), sizeof values)), ...);
    return out;
  };
  // A name's length (1, then "a"), a buffer's size (1000, then 0.5f ...), and the history's size:
  // the last 1 before its record (10, 1, 4.5 ...), class information lying between them.
  const std::size_t name_at = bytes.find(bytes_of_values(uint64_t{1}) + "a");
  const std::size_t buffer_at = bytes.find(bytes_of_values(uint64_t{1000}, 0.5f));
  const std::size_t record_at = bytes.find(bytes_of_values(int64_t{10}, int64_t{1}, 4.5));
  REQUIRE(name_at != std::string::npos);
  REQUIRE(buffer_at != std::string::npos);
  REQUIRE(record_at != std::string::npos);
  std::size_t history_at = record_at - 8;
  while (history_at > record_at - 24 && bytes.compare(history_at, 8, bytes_of_values(uint64_t{1})) != 0) --history_at;
  REQUIRE(bytes.compare(history_at, 8, bytes_of_values(uint64_t{1})) == 0);
  for (const std::size_t at : {name_at, buffer_at, history_at}) {
    for (const uint64_t value : {static_cast<uint64_t>(bytes.size() / 2), uint64_t{1} << 40}) {
      CAPTURE(at);
      CAPTURE(value);
      const std::string crafted = with_length_field(bytes, at, value);
      testing::ScopedAllocationCount counter;
      CHECK_THROWS_WITH_AS(train::TrainingState::deserialize(crafted), doctest::Contains("corrupt"),
                           std::invalid_argument);
      const uint64_t largest = counter.largest();
      counter.stop();
      if (testing::counting_available()) CHECK(largest <= bytes.size() + 1);
    }
  }
}

TEST_CASE("a failed write leaves the previous file intact and no temporary file behind") {
  const fs::path dir = scratch_dir("model-atomic");
  const fs::path path = dir / "model.bin";
  auto first = tiny_model(3);
  auto second = tiny_model(4);
  save_model(path.string(), *first, sample_info());

  set_write_failure_for_testing(1000);  // a "full disk" after 1000 bytes
  std::string error;
  try {
    save_model(path.string(), *second, sample_info());
  } catch (const ModelFileError& e) {
    error = e.what();
  }
  set_write_failure_for_testing(-1);
  CHECK(error.find(path.string()) != std::string::npos);
  CHECK(error.find("unchanged") != std::string::npos);
  CHECK(same_parameters(*first, *load_model(path.string()).model));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);

  // An unwritable place: an error naming it, nothing else happens.
  const std::string nowhere = (dir / "no-such-dir" / "model.bin").string();
  CHECK_THROWS_WITH_AS(save_model(nowhere, *first, sample_info()), doctest::Contains("no-such-dir"), ModelFileError);

  // And a successful write replaces the file.
  save_model(path.string(), *second, sample_info());
  CHECK(same_parameters(*second, *load_model(path.string()).model));
}

TEST_CASE("model files get the permissions the umask gives any new file, not mkstemp's 0600") {
  const fs::path dir = scratch_dir("model-umask");
  auto model = tiny_model(3);
  for (const mode_t mask : {mode_t(022), mode_t(077), mode_t(002)}) {
    CAPTURE(mask);
    const mode_t previous = ::umask(mask);
    const fs::path path = dir / ("model-" + std::to_string(mask) + ".bin");
    save_model(path.string(), *model, sample_info());
    ::umask(previous);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~mask));
  }
}

TEST_CASE("the training state of a checkpoint round-trips exactly") {
  train::TrainingState s;
  s.optimizer.algorithm = "adam";
  s.optimizer.steps = 17;
  s.optimizer.learning_rate = 0.00042f;
  s.optimizer.names = {"a", "b"};
  s.optimizer.slots = 2;
  s.optimizer.buffers = {{1.f, 2.f}, {3.f, 4.f}, {5.f}, {6.5f}};
  s.updates = 17;
  s.batcher = "seed=7 epoch=1 batch=3";
  s.global_generator = {1, 2, 3, 4};
  s.dropout_generator = {5, 6, 7, 0xffffffffffffffffULL};
  s.schedule = {2, 1};
  s.has_best = true;
  s.best_metric = 12.5;
  s.validations_without_improvement = 1;
  s.history = {{10, 1, 4.5, 90.0, 3.25, true}, {15, 2, 4.6, 99.5, 3.0, false}};
  s.elapsed_seconds = 12.75;
  s.target_tokens = 123456;

  const train::TrainingState t = train::TrainingState::deserialize(s.serialize());
  CHECK(t.optimizer.algorithm == "adam");
  CHECK(t.optimizer.steps == 17);
  CHECK(t.optimizer.learning_rate == s.optimizer.learning_rate);
  CHECK(t.optimizer.names == s.optimizer.names);
  CHECK(t.optimizer.buffers == s.optimizer.buffers);
  CHECK(t.updates == 17);
  CHECK(t.batcher == s.batcher);
  CHECK(t.global_generator == s.global_generator);
  CHECK(t.dropout_generator == s.dropout_generator);
  CHECK(t.schedule.reductions == 2);
  CHECK(t.schedule.bad_validations == 1);
  CHECK(t.has_best);
  CHECK(t.best_metric == 12.5);
  CHECK(t.validations_without_improvement == 1);
  REQUIRE(t.history.size() == 2);
  CHECK(t.history[1].perplexity == 99.5);
  CHECK(t.history[0].best);
  CHECK(t.elapsed_seconds == 12.75);
  CHECK(t.target_tokens == 123456);

  CHECK_THROWS_AS(train::TrainingState::deserialize(""), std::invalid_argument);
  CHECK_THROWS_WITH_AS(train::TrainingState::deserialize("garbage bytes"), doctest::Contains("corrupt"),
                       std::invalid_argument);
  const std::string bytes = s.serialize();
  CHECK_THROWS_AS(train::TrainingState::deserialize(bytes.substr(0, bytes.size() / 2)), std::invalid_argument);
}

TEST_CASE("checkpoints are listed by update and pruned to the last K") {
  const fs::path dir = scratch_dir("checkpoint-list");
  for (int64_t u : {5, 100, 20, 7})
    write_bytes(train::checkpoint_path(dir, u), "x");
  write_bytes(dir / "model.bin", "x");
  write_bytes(dir / "checkpoint-notanumber.bin", "x");
  auto found = train::list_checkpoints(dir);
  REQUIRE(found.size() == 4);
  CHECK(found.front().first == 5);
  CHECK(found.back().first == 100);
  train::prune_checkpoints(dir, 2);
  found = train::list_checkpoints(dir);
  REQUIRE(found.size() == 2);
  CHECK(found[0].first == 20);
  CHECK(found[1].first == 100);
  CHECK(fs::exists(dir / "model.bin"));
}

TEST_CASE("checkpoint averaging: the mean of every parameter, and clear errors for files that do not match") {
  const fs::path dir = scratch_dir("checkpoint-average");
  std::vector<std::unique_ptr<EncoderDecoder>> models;
  std::vector<std::string> paths;
  ModelFileInfo info = sample_info();
  for (uint64_t seed : {3, 4, 5}) {
    models.push_back(tiny_model(seed));
    paths.push_back((dir / ("checkpoint-" + std::to_string(seed) + ".bin")).string());
    info.training_state = "state of " + std::to_string(seed);  // checkpoints carry one
    save_model(paths.back(), *models.back(), info);
  }
  LoadedModel averaged = average_model_files(paths);
  CHECK(averaged.info.training_state.empty());  // a model file, not a checkpoint
  CHECK(averaged.info.subword_model == info.subword_model);
  const auto& out = averaged.model->parameters().all();
  REQUIRE(out.size() == models[0]->parameters().all().size());
  double worst = 0;
  for (std::size_t p = 0; p < out.size(); ++p)
    for (int64_t i = 0; i < out[p].numel(); ++i) {
      double mean = 0;
      for (const auto& m : models) mean += m->parameters().all()[p].value().f32()[i];
      mean /= 3.0;
      worst = std::max(worst, std::abs(mean - out[p].value().f32()[i]));
    }
  CHECK(worst < 1e-6);
  CHECK_FALSE(same_parameters(*averaged.model, *models[0]));

  // One file is the average of itself.
  CHECK(same_parameters(*average_model_files({paths[0]}).model, *models[0]));

  // Another architecture, another vocabulary, a missing file: errors naming the file.
  const std::string wide = (dir / "wide.bin").string();
  save_model(wide, *tiny_model(6, 48), sample_info());
  CHECK_THROWS_WITH_AS(average_model_files({paths[0], wide}), doctest::Contains("wide.bin: another architecture"),
                       ModelFileError);
  ModelFileInfo other_vocab = sample_info();
  other_vocab.subword_model.clear();
  const std::string no_vocab = (dir / "no-vocab.bin").string();
  save_model(no_vocab, *tiny_model(7), other_vocab);
  CHECK_THROWS_WITH_AS(average_model_files({paths[0], no_vocab}),
                       doctest::Contains("no-vocab.bin: another vocabulary"), ModelFileError);
  CHECK_THROWS_AS(average_model_files({paths[0], (dir / "missing.bin").string()}), ModelFileError);
  CHECK_THROWS_AS(average_model_files({}), ModelFileError);
}

TEST_CASE("format version 2: a lexical table and int8 weights round trip; files without them stay version 1") {
  const fs::path dir = scratch_dir("model-version-2");
  auto model = tiny_model(11);
  const fs::path plain = dir / "plain.bin", extended = dir / "extended.bin";
  save_model(plain.string(), *model, sample_info());
  CHECK(inspect_model_file(plain.string()).format_version == 1);  // readable by older programs

  ModelFileInfo info = sample_info();
  info.lexical_table = std::string("a table's bytes\0with a zero", 27);
  // One weight stored as int8 only (its float values are q * s on load), one kept as float too.
  const Parameter* stored = nullptr;
  for (const Parameter& p : model->parameters().all())
    if (p.shape().rank() == 2 && p.name().find("embedding") == std::string::npos) {
      stored = &p;
      break;
    }
  REQUIRE(stored != nullptr);
  Int8Weight w;
  w.name = stored->name();
  w.k = stored->shape()[0];
  w.n = stored->shape()[1];
  for (int64_t j = 0; j < w.n; ++j) {
    w.scales.push_back(0.01f * static_cast<float>(j + 1));
    for (int64_t k = 0; k < w.k; ++k) w.values.push_back(static_cast<int8_t>((j * 7 + k * 3) % 255 - 127));
  }
  info.int8_weights.push_back(w);
  save_model(extended.string(), *model, info);
  CHECK(inspect_model_file(extended.string()).format_version == 2);
  CHECK(fs::file_size(extended) < fs::file_size(plain) + info.lexical_table.size());  // no float values for w

  LoadedModel loaded = load_model(extended.string());
  CHECK(loaded.info.lexical_table == info.lexical_table);
  REQUIRE(loaded.info.int8_weights.size() == 1);
  CHECK(loaded.info.int8_weights[0].values == w.values);
  CHECK(loaded.info.int8_weights[0].scales == w.scales);
  const Parameter* back = loaded.model->parameters().find(w.name);
  REQUIRE(back != nullptr);
  for (int64_t k = 0; k < w.k; ++k)
    for (int64_t j = 0; j < w.n; ++j)
      CHECK(back->value().f32()[k * w.n + j] == static_cast<float>(w.values[j * w.k + k]) * w.scales[j]);
  // every other parameter as saved
  for (const Parameter& p : model->parameters().all()) {
    if (p.name() == w.name) continue;
    const Parameter* q = loaded.model->parameters().find(p.name());
    REQUIRE(q != nullptr);
    CHECK(std::memcmp(p.value().f32(), q->value().f32(), p.numel() * sizeof(float)) == 0);
  }
  // an int8 weight of the wrong shape is refused, naming the parameter
  info.int8_weights[0].n -= 1;
  info.int8_weights[0].scales.pop_back();
  info.int8_weights[0].values.resize(static_cast<std::size_t>(w.k * (w.n - 1)));
  save_model((dir / "wrong.bin").string(), *model, info);
  CHECK(load_error(dir / "wrong.bin").find(w.name) != std::string::npos);
}
