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
#include <memory>
#include <string>
#include <vector>

#include "nmt/models/encoder_decoder.h"

namespace nmt {

// One ModelConfig setting: its key (nmt-train's option is --key with '-' for '_'), its default
// as text (as ModelConfig::to_map writes it) and a line of help.
struct SettingSpec {
  std::string key;
  std::string default_value;
  std::string help;
};

// A setting with ModelConfig's default (the usual case; a model may give its own default).
inline SettingSpec model_setting(const std::string& key, std::string help) {
  return {key, ModelConfig().get(key), std::move(help)};
}

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
