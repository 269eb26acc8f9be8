// The model registry: each model type's settings, what its configuration map holds, reading
// maps of earlier versions (every setting of every model), and the errors that name the model.
#include <doctest/doctest.h>

#include <set>

#include "nmt/models/model_registry.h"

using namespace nmt;

namespace {

std::set<std::string> keys_of(const std::map<std::string, std::string>& map) {
  std::set<std::string> keys;
  for (const auto& [key, value] : map) keys.insert(key);
  return keys;
}

// What a model file of an earlier version held: every setting of every model.
std::map<std::string, std::string> old_style_map(const std::string& type) {
  return {{"type", type},           {"vocab_size", "13"},      {"max_positions", "64"},   {"d_model", "16"},
          {"heads", "2"},           {"d_ff", "32"},            {"encoder_layers", "1"},   {"decoder_layers", "1"},
          {"dropout", "0.000000"},  {"pre_norm", "false"},     {"activation", "relu"},    {"tie_embeddings", "true"},
          {"cell", "gru"},          {"embedding_size", "6"},   {"hidden_size", "8"},      {"rnn_layers", "1"},
          {"reverse_source", "false"}, {"attention", "local-p"}, {"score", "concat"},     {"input_feeding", "false"},
          {"window", "3"}};
}

}  // namespace

TEST_CASE("registry: every model type once, with its own settings, and the common ones") {
  std::set<std::string> names;
  for (const ModelType& type : model_types()) {
    CAPTURE(type.name);
    CHECK(names.insert(type.name).second);
    CHECK(find_model_type(type.name) == &type);
    CHECK(type.build);
    CHECK_FALSE(type.summary.empty());
    for (const SettingSpec& s : type.settings) {
      CAPTURE(s.key);
      CHECK_FALSE(is_common_model_setting(s.key));
      CHECK_FALSE(s.help.empty());
      ModelConfig c;
      CHECK_NOTHROW(c.set(s.key, s.default_value));  // a default of the right type
    }
    // A configuration map holds exactly the common settings and the model's own.
    ModelConfig c;
    c.type = type.name;
    std::set<std::string> expected = {"type", "vocab_size", "max_positions"};
    for (const SettingSpec& s : type.settings) expected.insert(s.key);
    CHECK(keys_of(c.to_map()) == expected);
    CHECK(ModelConfig::from_map(c.to_map(), ModelConfig::Unread::reject).to_map() == c.to_map());
  }
  CHECK(names == std::set<std::string>{"transformer", "rnn", "bahdanau", "luong"});
  CHECK(model_type_names() == "transformer, rnn, bahdanau, luong");
}

TEST_CASE("registry: a model file's map holds only what the model reads") {
  ModelConfig c;
  c.type = "bahdanau";
  auto map = c.to_map();
  for (const char* key : {"window", "score", "attention", "input_feeding", "tie_embeddings", "d_model", "heads"})
    CHECK_MESSAGE(map.count(key) == 0, key);
  for (const char* key : {"cell", "hidden_size", "reverse_source", "dropout", "max_positions", "vocab_size"})
    CHECK_MESSAGE(map.count(key) == 1, key);
  c.type = "transformer";
  map = c.to_map();
  for (const char* key : {"cell", "embedding_size", "hidden_size", "rnn_layers", "reverse_source", "window"})
    CHECK_MESSAGE(map.count(key) == 0, key);
  CHECK(map.count("tie_embeddings") == 1);
  c.type = "rnn";
  CHECK(c.to_map().count("tie_embeddings") == 0);  // the RNN models have no embedding to tie
  c.type = "luong";
  CHECK(c.to_map().count("window") == 1);
}

TEST_CASE("registry: maps of earlier versions (every setting) still read; a user's unread setting is an error") {
  for (const ModelType& type : model_types()) {
    CAPTURE(type.name);
    const auto old = old_style_map(type.name);
    const ModelConfig c = ModelConfig::from_map(old);  // what reading a model file does
    for (const auto& [key, value] : c.to_map()) CHECK(old.at(key) == value);  // every read setting as written
    CHECK(c.to_map().size() < old.size());
    Generator init(1);
    CHECK_NOTHROW(build_model(c, init));
  }
  // Settings a model does not read keep the defaults: the bahdanau map's score does not get in.
  CHECK(ModelConfig::from_map(old_style_map("bahdanau")).score == ModelConfig().score);

  // The same map as a user's request: an error naming the model, the setting and the model's settings.
  try {
    ModelConfig::from_map(old_style_map("bahdanau"), ModelConfig::Unread::reject);
    FAIL("no error");
  } catch (const std::invalid_argument& e) {
    const std::string error = e.what();
    CHECK(error.find("bahdanau model does not read it") != std::string::npos);
    CHECK(error.find("hidden_size") != std::string::npos);  // one of its settings, listed
  }
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"type", "rnn"}, {"window", "3"}}, ModelConfig::Unread::reject),
                       doctest::Contains("'window': the rnn model does not read it"), std::invalid_argument);
  // Unknown keys stay errors either way.
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"type", "rnn"}, {"windw", "3"}}), "unknown model setting 'windw'",
                       std::invalid_argument);
}

TEST_CASE("registry: an unknown type is an error listing the registered ones") {
  const std::string expected = "unknown model type 'lstm' (known: " + model_type_names() + ")";
  Generator init(1);
  ModelConfig c;
  c.type = "lstm";
  CHECK_THROWS_WITH_AS(build_model(c, init), expected.c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"type", "lstm"}}), expected.c_str(), std::invalid_argument);
}

TEST_CASE("registry: a model's own default applies when reading a map without the setting") {
  // Every default is ModelConfig's today; a registration may give its own, and from_map uses it.
  for (const ModelType& type : model_types())
    for (const SettingSpec& s : type.settings)
      CHECK(ModelConfig::from_map({{"type", type.name}}).get(s.key) == s.default_value);
}
