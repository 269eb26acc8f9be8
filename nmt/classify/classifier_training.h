// Training and applying a sentence classifier: the article's recipe (Adam, binary
// cross-entropy, batch 100, 10 epochs, L2 0.001 on the embeddings) as a function.
//
// Loss of one batch of B sentences with labels y and logits z (ops_logistic_loss.h):
//   L = (1/B) sum_b BCE(z_b, y_b) + l2 * sum(E^2)
// The L2 term goes through the engine's ops (sum_all of E * E) into the loss, as Keras's
// embeddings_regularizer adds it to the loss, so its gradient 2 l2 E reaches Adam with the
// rest (coupled, not AdamW's decoupled decay). The sentences are shuffled every epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nmt/classify/classifier.h"
#include "nmt/classify/labelled_sentences.h"
#include "nmt/classify/sentence_encoder.h"

namespace nmt::classify {

struct TrainingOptions {
  int epochs = 10;
  int batch_size = 100;
  float lr = 1e-3f;
  float adam_eps = 1e-7f;  // Keras's default
  float l2 = 1e-3f;        // on the embedding table
};

// One model to train: the classifier's architecture, how sentences become ids, how it trains.
struct Variant {
  std::string name;
  ClassifierConfig model;  // table_size is set from the vocabulary at training time
  Segmentation segmentation = Segmentation::words;
  int subword_vocab_size = 2000;
  TrainingOptions training;

  // Every setting as `key = value` text (model files record it) and back. Unknown keys throw
  // std::invalid_argument naming them.
  std::map<std::string, std::string> to_map() const;
  static Variant from_map(const std::string& name, const std::map<std::string, std::string>& settings);
};

struct TrainedClassifier {
  Variant variant;
  SentenceEncoder encoder;
  std::unique_ptr<Classifier> model;
  double seconds = 0;         // training wall-clock time (vocabulary included)
  int64_t sentences_seen = 0; // sentences x epochs
};

// Trains on `train` from scratch with `seed` (initialisation, dropout, order). `on_epoch` (may be
// empty) gets the epoch number and its mean training loss.
TrainedClassifier train_classifier(const Variant& variant, const std::vector<LabelledSentence>& train, uint64_t seed,
                                   const std::function<void(int, double)>& on_epoch = {});

// P(positive) per sentence (inference: no dropout). With `attention` (pooling "attention"),
// also each sentence's weights over its max_length positions.
std::vector<float> predict(const TrainedClassifier& classifier, const std::vector<std::string>& sentences,
                           std::vector<std::vector<float>>* attention = nullptr);

// Share of sentences whose label is (P(positive) >= 0.5).
double accuracy(const TrainedClassifier& classifier, const std::vector<LabelledSentence>& test);

}  // namespace nmt::classify
