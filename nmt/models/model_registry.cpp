// The list of model types: see model_registry.h.
#include "nmt/models/model_registry.h"

#include <algorithm>
#include <stdexcept>

// Every model type, one line each, in the order --help lists them. Each X(name) names the
// function `ModelType name_model_type()` that the model's own file defines.
#define NMT_MODEL_TYPES(X) \
  X(transformer)           \
  X(rnn)                   \
  X(bahdanau)              \
  X(luong)

namespace nmt {

#define NMT_DECLARE_MODEL_TYPE(name) ModelType name##_model_type();
NMT_MODEL_TYPES(NMT_DECLARE_MODEL_TYPE)
#undef NMT_DECLARE_MODEL_TYPE

const std::vector<ModelType>& model_types() {
#define NMT_LIST_MODEL_TYPE(name) name##_model_type(),
  static const std::vector<ModelType> types = {NMT_MODEL_TYPES(NMT_LIST_MODEL_TYPE)};
#undef NMT_LIST_MODEL_TYPE
  return types;
}

const std::vector<SettingSpec>& common_model_settings() {
  static const std::vector<SettingSpec> common = {
      {"type", ModelConfig().type, "the model: " + model_type_names(" | ") + " (each one's settings below)"},
      {"vocab_size", ModelConfig().get("vocab_size"), "joint vocabulary size (nmt-train: the vocabulary's)"},
      {"max_positions", ModelConfig().get("max_positions"),
       "longest sequence the model accepts (also caps the search's output length)"},
  };
  return common;
}

bool is_common_model_setting(const std::string& key) {
  const auto& common = common_model_settings();
  return std::any_of(common.begin(), common.end(), [&](const SettingSpec& s) { return s.key == key; });
}

const SettingSpec* ModelType::setting(const std::string& key) const {
  for (const SettingSpec& s : settings)
    if (s.key == key) return &s;
  return nullptr;
}

bool ModelType::reads(const std::string& key) const { return is_common_model_setting(key) || setting(key); }

const ModelType* find_model_type(const std::string& name) {
  for (const ModelType& t : model_types())
    if (t.name == name) return &t;
  return nullptr;
}

const ModelType& model_type(const std::string& name) {
  if (const ModelType* t = find_model_type(name)) return *t;
  throw std::invalid_argument("unknown model type '" + name + "' (known: " + model_type_names() + ")");
}

std::string model_type_names(const std::string& separator) {
  std::string names;
  for (const ModelType& t : model_types()) names += (names.empty() ? "" : separator) + t.name;
  return names;
}

}  // namespace nmt
