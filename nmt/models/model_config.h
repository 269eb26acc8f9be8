// ModelConfig: every architectural setting of every model, with the defaults of the papers'
// base configurations scaled to Multi30k. Stored in model files as key = value text, so a model
// can be rebuilt from its file alone.
#pragma once

#include <map>
#include <string>

namespace nmt {

struct ModelConfig {
  // Which model: transformer | rnn | bahdanau | luong
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
  std::string score = "general";    // dot | general | concat (Luong); additive (Bahdanau)
  bool input_feeding = true;
  int window = 10;                  // D of local attention

  std::map<std::string, std::string> to_map() const;
  // Unknown keys are an error naming the key; missing keys keep their defaults.
  static ModelConfig from_map(const std::map<std::string, std::string>& values);
};

}  // namespace nmt
