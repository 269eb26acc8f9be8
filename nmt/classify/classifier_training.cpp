// Training and applying a sentence classifier: see classifier_training.h.
#include "nmt/classify/classifier_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>

#include "nmt/autograd/ops.h"
#include "nmt/optim/adam.h"

namespace nmt::classify {
namespace {

Tensor batch_ids(const SentenceEncoder& encoder, const std::vector<std::string>& sentences, std::size_t begin,
                 std::size_t end, int max_length) {
  Tensor ids = Tensor::empty({static_cast<int64_t>(end - begin), max_length}, DType::i32);
  for (std::size_t i = begin; i < end; ++i) {
    std::vector<int32_t> row = encoder.encode_padded(sentences[i], max_length);
    std::copy(row.begin(), row.end(), ids.i32() + (i - begin) * max_length);
  }
  return ids;
}

}  // namespace

std::map<std::string, std::string> Variant::to_map() const {
  std::map<std::string, std::string> m = model.to_map();
  m.erase("table-size");
  m["segmentation"] = to_string(segmentation);
  m["subword-vocab-size"] = std::to_string(subword_vocab_size);
  m["epochs"] = std::to_string(training.epochs);
  m["batch-size"] = std::to_string(training.batch_size);
  m["lr"] = std::to_string(training.lr);
  m["adam-eps"] = std::to_string(training.adam_eps);
  m["l2"] = std::to_string(training.l2);
  return m;
}

Variant Variant::from_map(const std::string& name, const std::map<std::string, std::string>& settings) {
  static const std::set<std::string> known = {"embedding", "hidden", "max-length", "bidirectional", "pooling",
                                              "mask-padding", "position-bias", "attention-score",
                                              "attention-size", "word-dropout", "dropout", "recurrent-dropout",
                                              "segmentation", "subword-vocab-size", "epochs", "batch-size", "lr",
                                              "adam-eps", "l2", "table-size"};
  for (const auto& [key, value] : settings)
    if (!known.count(key)) throw std::invalid_argument("unknown setting '" + key + "'");
  Variant v;
  v.name = name;
  v.model = ClassifierConfig::from_map(settings);
  auto number = [&](const std::string& key, double fallback) {
    auto it = settings.find(key);
    if (it == settings.end()) return fallback;
    try {
      std::size_t used = 0;
      const double x = std::stod(it->second, &used);
      if (used == it->second.size() && x >= 0) return x;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(key + ": '" + it->second + "' is not a non-negative number");
  };
  auto count = [&](const std::string& key, int fallback) {  // an int: larger values are errors, not UB
    const double x = number(key, fallback);
    if (x > std::numeric_limits<int>::max())
      throw std::invalid_argument(key + ": '" + settings.at(key) + "' is too large (at most " +
                                  std::to_string(std::numeric_limits<int>::max()) + ")");
    return static_cast<int>(x);
  };
  if (auto it = settings.find("segmentation"); it != settings.end()) v.segmentation = parse_segmentation(it->second);
  v.subword_vocab_size = count("subword-vocab-size", v.subword_vocab_size);
  v.training.epochs = count("epochs", v.training.epochs);
  v.training.batch_size = count("batch-size", v.training.batch_size);
  v.training.lr = static_cast<float>(number("lr", v.training.lr));
  v.training.adam_eps = static_cast<float>(number("adam-eps", v.training.adam_eps));
  v.training.l2 = static_cast<float>(number("l2", v.training.l2));
  if (v.training.batch_size < 1) throw std::invalid_argument("batch-size must be at least 1");
  return v;
}

TrainedClassifier train_classifier(const Variant& variant, const std::vector<LabelledSentence>& train, uint64_t seed,
                                   const std::function<void(int, double)>& on_epoch) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> texts;
  for (const LabelledSentence& s : train) texts.push_back(s.text);
  TrainedClassifier out;
  out.variant = variant;
  out.encoder = SentenceEncoder::fit(variant.segmentation, texts, variant.subword_vocab_size,
                                     static_cast<unsigned>(seed));
  ClassifierConfig config = variant.model;
  config.table_size = out.encoder.table_size();
  out.variant.model.table_size = config.table_size;
  Generator init(seed), gen(seed * 7919 + 1);
  out.model = std::make_unique<Classifier>(config, init);
  optim::Adam adam(out.model->parameters().all(), {.lr = variant.training.lr, .eps = variant.training.adam_eps});

  const int length = static_cast<int>(config.max_length);
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> batch_texts;
  for (int epoch = 1; epoch <= variant.training.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.next() % i]);  // Fisher-Yates
    double loss_sum = 0;
    int batches = 0;
    for (std::size_t begin = 0; begin < order.size(); begin += variant.training.batch_size) {
      const std::size_t end = std::min(order.size(), begin + variant.training.batch_size);
      batch_texts.clear();
      Tensor labels = Tensor::empty({static_cast<int64_t>(end - begin)});
      for (std::size_t i = begin; i < end; ++i) {
        batch_texts.push_back(train[order[i]].text);
        labels.f32()[i - begin] = static_cast<float>(train[order[i]].label);
      }
      const Tensor ids = batch_ids(out.encoder, batch_texts, 0, batch_texts.size(), length);
      adam.zero_grad();
      Var loss = binary_cross_entropy_with_logits((*out.model)(ids, true, gen).logits, labels, Reduction::mean);
      if (variant.training.l2 > 0) loss = loss + out.model->embedding_square_sum() * variant.training.l2;
      loss_sum += loss.item();
      ++batches;
      loss.backward();
      adam.step();
      out.sentences_seen += static_cast<int64_t>(end - begin);
    }
    if (on_epoch) on_epoch(epoch, batches ? loss_sum / batches : 0.0);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<float> predict(const TrainedClassifier& c, const std::vector<std::string>& sentences,
                           std::vector<std::vector<float>>* attention) {
  NoGradGuard no_grad;
  Generator unused(1);
  const int length = static_cast<int>(c.model->config().max_length);
  std::vector<float> p;
  if (attention) attention->clear();
  for (std::size_t begin = 0; begin < sentences.size(); begin += 100) {
    const std::size_t end = std::min(sentences.size(), begin + 100);
    Classifier::Output out = (*c.model)(batch_ids(c.encoder, sentences, begin, end, length), false, unused);
    for (int64_t b = 0; b < out.logits.numel(); ++b) p.push_back(1.f / (1.f + std::exp(-out.logits.value().f32()[b])));
    if (attention && out.attention.defined())
      for (int64_t b = 0; b < out.attention.dim(0); ++b)
        attention->emplace_back(out.attention.value().f32() + b * length, out.attention.value().f32() + (b + 1) * length);
  }
  return p;
}

double accuracy(const TrainedClassifier& c, const std::vector<LabelledSentence>& test) {
  if (test.empty()) return 0;
  std::vector<std::string> texts;
  for (const LabelledSentence& s : test) texts.push_back(s.text);
  const std::vector<float> p = predict(c, texts);
  int64_t right = 0;
  for (std::size_t i = 0; i < test.size(); ++i) right += (p[i] >= 0.5f) == (test[i].label == 1);
  return double(right) / double(test.size());
}

}  // namespace nmt::classify
