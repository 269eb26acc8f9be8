// The list of model types: see model_registry.h.
#include "nmt/models/model_registry.h"

#include <algorithm>
#include <cmath>
#include <sstream>
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
      {"type", ModelConfig().type, "the model: " + model_type_names(" | ") + " (each one's settings below)", {}},
      {"vocab_size", ModelConfig().get("vocab_size"), "joint vocabulary size (nmt-train: the vocabulary's)",
       at_least(1)},
      // Two: a target of one piece is BOS + piece in, piece + EOS out.
      {"max_positions", ModelConfig().get("max_positions"),
       "longest sequence the model accepts, EOS or BOS included (also caps the search's output length)",
       at_least(2)},
  };
  return common;
}

SettingRule at_least(double min) {
  SettingRule rule;
  rule.min = min;
  return rule;
}

SettingRule below_one() {
  SettingRule rule;
  rule.min = 0;
  rule.max = 1;
  rule.max_exclusive = true;
  return rule;
}

SettingRule one_of(std::vector<std::string> choices) {
  SettingRule rule;
  rule.choices = std::move(choices);
  return rule;
}

SettingRule with(SettingRule rule, std::function<std::optional<RuleBreach>(const ModelConfig&)> relation) {
  rule.relation = std::move(relation);
  return rule;
}

namespace {

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string joined(const std::vector<std::string>& items) {
  std::string list;
  for (const std::string& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

}  // namespace

std::string describe_rule(const SettingSpec& spec) {
  const SettingRule& r = spec.rule;
  const bool integer = ModelConfig::kind(spec.key) == ModelConfig::SettingKind::integer;
  const std::string kind = integer ? "an integer" : "a number";
  if (!r.choices.empty()) return "must be one of " + joined(r.choices);
  if (std::isfinite(r.min) && std::isfinite(r.max))
    return "must be " + kind + " in [" + number_text(r.min) + ", " + number_text(r.max) + (r.max_exclusive ? ")" : "]");
  if (std::isfinite(r.min)) return "must be " + kind + " >= " + number_text(r.min);
  if (std::isfinite(r.max)) return "must be " + kind + (r.max_exclusive ? " < " : " <= ") + number_text(r.max);
  return "must be " + ModelConfig::expected(spec.key);
}

std::optional<RuleBreach> check_setting(const SettingSpec& spec, const ModelConfig& config) {
  const SettingRule& r = spec.rule;
  const std::string value = config.get(spec.key);
  const ModelConfig::SettingKind kind = ModelConfig::kind(spec.key);
  if (kind == ModelConfig::SettingKind::integer || kind == ModelConfig::SettingKind::number) {
    const double v = std::stod(value);
    if (v < r.min || v > r.max || (r.max_exclusive && v >= r.max)) return RuleBreach{describe_rule(spec), ""};
  }
  if (!r.choices.empty() && std::find(r.choices.begin(), r.choices.end(), value) == r.choices.end())
    return RuleBreach{describe_rule(spec), ""};
  if (r.relation) return r.relation(config);
  return std::nullopt;
}

void check_model_config(const ModelConfig& config) {
  const ModelType& type = model_type(config.type);
  std::vector<const SettingSpec*> specs;
  for (const SettingSpec& s : common_model_settings()) specs.push_back(&s);
  for (const SettingSpec& s : type.settings) specs.push_back(&s);
  for (const SettingSpec* s : specs)
    if (std::optional<RuleBreach> breach = check_setting(*s, config)) {
      std::string message = "model setting '" + s->key + "' = " + config.get(s->key) + ": " + breach->requirement;
      if (!breach->other_key.empty())
        message += " " + breach->other_key + " = " + config.get(breach->other_key);
      throw std::invalid_argument(type.name + " " + message);
    }
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
