// ModelConfig: every architectural setting of every model, with the defaults of the papers'
// base configurations scaled to Multi30k. Stored in model files as key = value text, so a model
// can be rebuilt from its file alone. Each model type reads only some of the settings; which ones
// its registration says (model_registry.h), and a model file holds only those.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nmt {

struct ModelConfig {
  // Which model: a registered model type (model_registry.h)
  std::string type = "transformer";
  int vocab_size = 8000;  // joint vocabulary (source and target share ids)
  int max_positions = 1024;

  // Transformer (Vaswani et al. 2017)
  int d_model = 256;
  int heads = 4;
  int d_ff = 1024;
  int encoder_layers = 3;
  int decoder_layers = 3;
  float dropout = 0.1f;
  bool pre_norm = false;            // post-norm as in the paper unless set
  std::string activation = "relu";  // relu | gelu
  bool tie_embeddings = true;       // source, target and output embeddings share one matrix

  // The RNN family (Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015)
  std::string cell = "lstm";        // rnn | gru | lstm
  int embedding_size = 256;
  int hidden_size = 512;
  int rnn_layers = 1;
  bool reverse_source = false;
  std::string attention = "global"; // global | local-m | local-p
  std::string score = "general";    // dot | general | concat (Luong; Bahdanau is always additive)
  bool input_feeding = true;
  int window = 10;                  // D of local attention

  // What to do with a setting that exists but that the configuration's model type does not read.
  enum class Unread {
    ignore,  // drop it: model files of earlier versions record every setting of every model
    reject,  // an error naming the model and the setting (what a user asked for)
  };

  // The settings the model type reads (model_registry.h) plus type, vocab_size and
  // max_positions; every setting for a type that is not registered.
  std::map<std::string, std::string> to_map() const;
  // Starts from the defaults of the type that `values` names (default: transformer). Unknown keys
  // and unknown types are errors naming them; missing keys keep their defaults.
  static ModelConfig from_map(const std::map<std::string, std::string>& values, Unread unread = Unread::ignore);

  // One setting by key, as text. Throws std::invalid_argument naming the key for unknown keys and
  // (set) values that do not parse as a whole ("64.9" is not an integer). Which values a model
  // accepts is its registration's business (check_model_config, model_registry.h).
  std::string get(const std::string& key) const;
  void set(const std::string& key, const std::string& value);
  // What kind of value a setting holds, and how an error says so ("an integer", "a number",
  // "true or false", "text"). Throws std::invalid_argument for unknown keys.
  enum class SettingKind { integer, number, flag, text };
  static SettingKind kind(const std::string& key);
  static std::string expected(const std::string& key);
  // Every setting's key, in declaration order.
  static const std::vector<std::string>& keys();
};

}  // namespace nmt
