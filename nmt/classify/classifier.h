// A sentence classifier on the engine: embedding -> (bi-)LSTM -> last state or attention
// pooling -> one logistic output, the model of the founding article's attention demo.
//
//   x_t = E[id_t]                                  Embedding(table, 32), E ~ U(-0.05, 0.05)
//   (h_t, c_t) = LSTM(x_t * m_x, h_{t-1} * m_h, c_{t-1})     t = 1 .. T (T = 32)
//   s = h_T  (pooling "last")   or   s = sum_t a_t h_t  (pooling "attention", attention_pooling.h)
//   or s = [h_T; sum_t a_t h_t]  (pooling "last-and-attention": the final summary and the pooled
//   states side by side, so that masked attention need not stand in for the last state)
//   P(positive) = sigmoid(s . v + b_v)             Dense(1, sigmoid)
//
// Dropout as Keras's LSTM(dropout=0.3, recurrent_dropout=0.2) applies it (Gal & Ghahramani 2016,
// "A Theoretically Grounded Application of Dropout in Recurrent Neural Networks"): one mask m_x
// on the inputs and one m_h on the recurrent state per sequence, the same at every time step.
// The forget-gate bias starts at 1 (Keras's unit_forget_bias; Jozefowicz et al. 2015).
//
// mask_padding = false is the article: the LSTM also reads the padding after the sentence (id 0
// has an embedding row like any word) and h_T is the state after 32 steps. mask_padding = true
// keeps the state over padding (nmt/layers/recurrent.h), so h_T is the state at the sentence's
// last word, the backward direction of a bi-LSTM starts there, and attention ignores padding.
// Bidirectional: h_t = [h->_t; h<-_t], and "last" is [h->_T; h<-_1] (both directions' finals).
//
// Word dropout (Iyyer et al. 2015, "Deep Unordered Composition Rivals Syntactic Methods for Text
// Classification", sec. 3.2): when training, each word's id is replaced by the padding id 0 with
// probability word_dropout, so with mask_padding the word is skipped as if it were not there.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "nmt/classify/attention_pooling.h"
#include "nmt/layers/linear.h"
#include "nmt/layers/recurrent.h"

namespace nmt::classify {

struct ClassifierConfig {
  int64_t table_size = 0;   // embedding rows: vocabulary + 1 (id 0 = padding)
  int64_t embedding = 32;
  int64_t hidden = 100;     // per direction
  int64_t max_length = 32;  // T: every sequence is padded/truncated to it
  bool bidirectional = false;
  std::string pooling = "last";  // last | attention | last-and-attention
  bool mask_padding = false;     // false: the article (padding read and attended to)
  bool position_bias = true;     // attention: one bias per position (the article) or one shared
  AttentionScore attention_score = AttentionScore::tanh;  // tanh (the article) | linear | additive
  int64_t attention_size = 100;  // the additive score's units A
  float word_dropout = 0.f;      // training: P(a word's id becomes padding)
  float dropout = 0.3f;          // on the LSTM inputs
  float recurrent_dropout = 0.2f;

  // Text form for model files; from_map throws std::invalid_argument naming a bad key or value.
  std::map<std::string, std::string> to_map() const;
  static ClassifierConfig from_map(const std::map<std::string, std::string>& map);
};

class Classifier {
 public:
  struct Output {
    Var logits;     // [B]: log-odds of the positive class
    Var attention;  // [B, T] (pooling with attention only)
  };

  Classifier(const ClassifierConfig& config, Generator& init);
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  // ids [B, T] int32, post-padded with 0. `gen` draws the dropout masks when training.
  Output operator()(const Tensor& ids, bool training, Generator& gen) const;

  // sum of the squared embedding weights: the article's L2(0.001) is 0.001 times this, added to
  // the loss (Keras's embeddings_regularizer).
  Var embedding_square_sum() const;

  bool has_attention() const { return config_.pooling != "last"; }
  const ClassifierConfig& config() const { return config_; }
  ParameterStore& parameters() { return store_; }
  const ParameterStore& parameters() const { return store_; }

 private:
  Var run_direction(const RecurrentLayer& layer, const Var& x, const std::vector<Tensor>& masks, bool reverse,
                    bool training, Generator& gen, Var& final_h) const;

  ClassifierConfig config_;
  ParameterStore store_;
  Parameter embedding_;
  RecurrentLayer forward_, backward_;
  AttentionPooling attention_;
  Linear output_;
};

}  // namespace nmt::classify
