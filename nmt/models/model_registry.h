// The model types: each one registration (its name, the ModelConfig settings it reads with their
// defaults and help, and a factory), so that the rest of the toolkit (build_model, model files,
// nmt-train's options and --help, the trainer's summary line) asks the registry instead of
// listing the models itself.
//
// Adding a model is one new file plus one line: the file defines the model and a function
// `ModelType <name>_model_type()` returning its registration; the line is `X(<name>)` in
// NMT_MODEL_TYPES (model_registry.cpp). The registry calls those functions itself, so nothing
// depends on static initialisation (which a static library's linker may drop).
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nmt/models/encoder_decoder.h"

namespace nmt {

// A rule that a setting broke: what it requires, and the other setting the requirement names
// ("must divide", "d_model"), if any.
struct RuleBreach {
  std::string requirement;
  std::string other_key;
};

// Which values a setting takes. Numbers (integer or not, as ModelConfig declares the setting)
// lie in [min, max], or [min, max) when max_exclusive; text is one of `choices` (when given);
// `relation` ties the setting to others (heads must divide d_model) and says what broke, if
// anything.
struct SettingRule {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool max_exclusive = false;
  std::vector<std::string> choices;
  std::function<std::optional<RuleBreach>(const ModelConfig&)> relation;
};

// The usual rules: a count or width (an integer >= min), a probability in [0, 1), one of a list.
SettingRule at_least(double min);
SettingRule below_one();
SettingRule one_of(std::vector<std::string> choices);
// `rule` plus a relation to other settings.
SettingRule with(SettingRule rule, std::function<std::optional<RuleBreach>(const ModelConfig&)> relation);

// One ModelConfig setting: its key (nmt-train's option is --key with '-' for '_'), its default
// as text (as ModelConfig::to_map writes it), a line of help and the values it takes.
struct SettingSpec {
  std::string key;
  std::string default_value;
  std::string help;
  SettingRule rule;
};

// A setting with ModelConfig's default (the usual case; a model may give its own default).
inline SettingSpec model_setting(const std::string& key, std::string help, SettingRule rule = {}) {
  return {key, ModelConfig().get(key), std::move(help), std::move(rule)};
}

// What is wrong with the value of `spec`'s setting in `config`, if anything.
std::optional<RuleBreach> check_setting(const SettingSpec& spec, const ModelConfig& config);
// The requirement as a model file or an error reads it: "must be an integer >= 1".
std::string describe_rule(const SettingSpec& spec);

struct ModelType {
  std::string name;     // ModelConfig::type, --model-type
  std::string summary;  // one line: what the model is (for --help)
  // The settings the model reads besides the common ones (common_model_settings), in --help order.
  std::vector<SettingSpec> settings;
  std::function<std::unique_ptr<EncoderDecoder>(const ModelConfig&, Generator&)> build;
  // Optional: what the trainer's summary line adds after "N parameters", e.g. " (d_model 256, ...)".
  std::function<std::string(const ModelConfig&)> describe;

  // Whether the model reads `key` (a common setting or one of its own).
  bool reads(const std::string& key) const;
  const SettingSpec* setting(const std::string& key) const;  // own settings only; nullptr if none
};

// Every setting that config's model type reads (the common ones included), checked against its
// rules; throws std::invalid_argument naming the first setting that breaks one, its value and the
// rule ("model setting 'heads' = 3: must divide d_model (256)"). build_model checks this first.
void check_model_config(const ModelConfig& config);

// The settings every model file records whatever its type: type, vocab_size, max_positions.
const std::vector<SettingSpec>& common_model_settings();
bool is_common_model_setting(const std::string& key);

// Every registered model type, in registration order.
const std::vector<ModelType>& model_types();
// nullptr for an unknown name.
const ModelType* find_model_type(const std::string& name);
// Throws std::invalid_argument("unknown model type 'x' (known: transformer, rnn, ...)").
const ModelType& model_type(const std::string& name);
// The registered names joined by `separator`: "transformer, rnn, bahdanau, luong".
std::string model_type_names(const std::string& separator = ", ");

}  // namespace nmt
