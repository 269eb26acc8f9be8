#include "nmt/models/model_config.h"

#include <cmath>
#include <functional>
#include <stdexcept>

#include "nmt/models/model_registry.h"

namespace nmt {
namespace {

// One table of (key, reader, writer) serves both directions.
struct Field {
  const char* key;
  std::function<std::string(const ModelConfig&)> get;
  std::function<void(ModelConfig&, const std::string&)> set;
  ModelConfig::SettingKind kind;
};

template <class T>
Field field(const char* key, T ModelConfig::*member) {
  return {key,
          [member](const ModelConfig& c) {
            if constexpr (std::is_same_v<T, std::string>) return c.*member;
            else if constexpr (std::is_same_v<T, bool>) return std::string(c.*member ? "true" : "false");
            else return std::to_string(c.*member);
          },
          [member, key](ModelConfig& c, const std::string& v) {
            // The whole text must be the value: "64.9" is not an integer, "0.1x" not a number.
            std::size_t used = 0;
            try {
              if constexpr (std::is_same_v<T, std::string>) c.*member = v, used = v.size();
              else if constexpr (std::is_same_v<T, bool>) {
                if (v == "true" || v == "1") c.*member = true;
                else if (v == "false" || v == "0") c.*member = false;
                else throw std::invalid_argument(v);
                used = v.size();
              } else if constexpr (std::is_same_v<T, float>) {
                const float f = std::stof(v, &used);
                if (!std::isfinite(f)) used = 0;
                c.*member = f;
              } else c.*member = std::stoi(v, &used);
            } catch (const std::logic_error&) {
              used = 0;
            }
            if (v.empty() || used != v.size())
              throw std::invalid_argument(std::string("model setting '") + key + "': invalid value '" + v +
                                          "' (expected " + ModelConfig::expected(key) + ")");
          },
          std::is_same_v<T, std::string> ? ModelConfig::SettingKind::text
          : std::is_same_v<T, bool>      ? ModelConfig::SettingKind::flag
          : std::is_same_v<T, float>     ? ModelConfig::SettingKind::number
                                         : ModelConfig::SettingKind::integer};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      field("type", &ModelConfig::type),
      field("vocab_size", &ModelConfig::vocab_size),
      field("max_positions", &ModelConfig::max_positions),
      field("d_model", &ModelConfig::d_model),
      field("heads", &ModelConfig::heads),
      field("d_ff", &ModelConfig::d_ff),
      field("encoder_layers", &ModelConfig::encoder_layers),
      field("decoder_layers", &ModelConfig::decoder_layers),
      field("dropout", &ModelConfig::dropout),
      field("pre_norm", &ModelConfig::pre_norm),
      field("activation", &ModelConfig::activation),
      field("tie_embeddings", &ModelConfig::tie_embeddings),
      field("cell", &ModelConfig::cell),
      field("embedding_size", &ModelConfig::embedding_size),
      field("hidden_size", &ModelConfig::hidden_size),
      field("rnn_layers", &ModelConfig::rnn_layers),
      field("reverse_source", &ModelConfig::reverse_source),
      field("attention", &ModelConfig::attention),
      field("score", &ModelConfig::score),
      field("input_feeding", &ModelConfig::input_feeding),
      field("window", &ModelConfig::window),
  };
  return table;
}

const Field& find_field(const std::string& key) {
  for (const Field& f : fields())
    if (key == f.key) return f;
  throw std::invalid_argument("unknown model setting '" + key + "'");
}

std::string option_list(const ModelType& type) {
  std::string list;
  for (const SettingSpec& s : common_model_settings())
    if (s.key != "type" && s.key != "vocab_size") list += (list.empty() ? "" : ", ") + s.key;
  for (const SettingSpec& s : type.settings) list += (list.empty() ? "" : ", ") + s.key;
  return list;
}

}  // namespace

std::string ModelConfig::get(const std::string& key) const { return find_field(key).get(*this); }

void ModelConfig::set(const std::string& key, const std::string& value) { find_field(key).set(*this, value); }

ModelConfig::SettingKind ModelConfig::kind(const std::string& key) { return find_field(key).kind; }

std::string ModelConfig::expected(const std::string& key) {
  switch (kind(key)) {
    case SettingKind::integer: return "an integer";
    case SettingKind::number: return "a number";
    case SettingKind::flag: return "true or false";
    case SettingKind::text: break;
  }
  return "text";
}

const std::vector<std::string>& ModelConfig::keys() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> k;
    for (const Field& f : fields()) k.push_back(f.key);
    return k;
  }();
  return all;
}

std::map<std::string, std::string> ModelConfig::to_map() const {
  const ModelType* model = find_model_type(type);
  std::map<std::string, std::string> out;
  for (const Field& f : fields())
    if (!model || model->reads(f.key)) out[f.key] = f.get(*this);
  return out;
}

ModelConfig ModelConfig::from_map(const std::map<std::string, std::string>& values, Unread unread) {
  ModelConfig c;
  if (auto it = values.find("type"); it != values.end()) c.type = it->second;
  const ModelType& model = model_type(c.type);
  for (const SettingSpec& s : model.settings) c.set(s.key, s.default_value);
  for (const auto& [key, value] : values) {
    const Field& f = find_field(key);
    if (model.reads(key)) f.set(c, value);
    else if (unread == Unread::reject)
      throw std::invalid_argument("model setting '" + key + "': the " + model.name +
                                  " model does not read it (its settings: " + option_list(model) + ")");
  }
  return c;
}

}  // namespace nmt
