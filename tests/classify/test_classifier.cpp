// The sentence classifier end to end: data reading, the article's word tokenizer, memorising a
// tiny set (article and improved variants), model files, and `nmt-classify predict` on malformed
// input (one line out per line in).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "nmt/classify/classifier_file.h"
#include "nmt/classify/classifier_training.h"
#include "nmt/classify/evaluation_protocol.h"
#include "nmt/classify/settings_file.h"
#include "nmt/models/model_file.h"
#include "tests/tools/subprocess.h"

using namespace nmt;
using namespace nmt::classify;

namespace {

const std::string kSample = NMT_TEST_DATA_DIR "/uci-sentiment/sample_labelled.txt";

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::path(NMT_BINARY_DIR) / "classify_tests_scratch";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

Variant tiny(bool article) {
  std::map<std::string, std::string> s = {{"embedding", "16"}, {"hidden", "16"},   {"max-length", "12"},
                                          {"pooling", "attention"}, {"dropout", "0"}, {"recurrent-dropout", "0"},
                                          {"epochs", "40"},   {"batch-size", "8"}, {"lr", "0.01"}};
  if (!article) s.insert({{"mask-padding", "true"}, {"position-bias", "false"}, {"bidirectional", "true"}});
  return Variant::from_map(article ? "article" : "improved", s);
}

}  // namespace

TEST_CASE("labelled sentences: CRLF, split on the last tab, errors name file and line") {
  const std::vector<LabelledSentence> data = read_labelled_sentences(kSample);
  REQUIRE(data.size() == 120);
  CHECK(data[1].text == "Good case, Excellent value.");
  CHECK(data[1].label == 1);
  CHECK(data[0].label == 0);
  const std::string bad = scratch("bad.txt");
  std::ofstream(bad) << "fine\t1\nno tab here\n";
  CHECK_THROWS_WITH_AS(read_labelled_sentences(bad), doctest::Contains("bad.txt:2: no tab"), DataError);
  std::ofstream(bad) << "a\t1\nb\t2\n";
  CHECK_THROWS_WITH_AS(read_labelled_sentences(bad), doctest::Contains("bad.txt:2: label '2'"), DataError);
}

TEST_CASE("the article's word tokenizer: lowercase, Keras's punctuation filter, frequency order") {
  CHECK(split_words("Wow... Loved this place.") == std::vector<std::string>{"wow", "loved", "this", "place"});
  CHECK(split_words("Don't   BUY-it!!") == std::vector<std::string>{"don't", "buy", "it"});
  const SentenceEncoder e = SentenceEncoder::fit(Segmentation::words, {"b a", "a c", "a b"}, 0);
  CHECK(e.encode("A b c d") == std::vector<int32_t>{1, 2, 3});  // a (3), b (2), c (1); d unknown: dropped
  CHECK(e.table_size() == 4);
  CHECK(e.encode_padded("c a", 4) == std::vector<int32_t>{3, 1, 0, 0});
  CHECK(e.encode_padded("a b c a b", 3) == std::vector<int32_t>{1, 2, 3});
  CHECK(SentenceEncoder::from_bytes(e.to_bytes()).encode("c b a") == std::vector<int32_t>{3, 2, 1});
}

TEST_CASE("settings files: name = value, sections ignored, unknown names name file and line") {
  const std::string ini = scratch("variant.ini");
  std::ofstream(ini) << "[model]\npooling = attention   # the article's layer\n\nhidden=50\n";
  std::map<std::string, std::string> s;
  read_settings_file(ini, variant_setting_names(), s);
  CHECK(s["pooling"] == "attention");
  CHECK(s["hidden"] == "50");
  std::ofstream(ini) << "hiden = 3\n";
  CHECK_THROWS_WITH_AS(read_settings_file(ini, variant_setting_names(), s),
                       doctest::Contains("variant.ini:1: unknown setting 'hiden'"), SettingsError);
}

TEST_CASE("the classifier memorises a tiny set (article and improved variants)") {
  std::vector<LabelledSentence> data = read_labelled_sentences(kSample);
  data.resize(16);
  for (bool article : {true, false}) {
    CAPTURE(article);
    TrainedClassifier c = train_classifier(tiny(article), data, 1);
    CHECK(accuracy(c, data) == 1.0);
    // Attention weights: one row per sentence over max_length positions, summing to 1.
    std::vector<std::vector<float>> weights;
    predict(c, {data[0].text}, &weights);
    REQUIRE(weights.size() == 1);
    REQUIRE(weights[0].size() == 12);
    float total = 0;
    for (float w : weights[0]) total += w;
    CHECK(total == doctest::Approx(1.f));
  }
}

TEST_CASE("the masked classifier's gradient matches finite differences (bi-LSTM, last-and-attention, additive)") {
  // The whole model as trained, padding masked (LSTM state kept, attention masked), without
  // dropout: d(loss)/d(every parameter) against central differences of the loss.
  ClassifierConfig config;
  config.table_size = 9;
  config.embedding = 4;
  config.hidden = 3;
  config.max_length = 5;
  config.bidirectional = true;
  config.pooling = "last-and-attention";
  config.mask_padding = true;
  config.position_bias = false;
  config.attention_score = AttentionScore::additive;
  config.attention_size = 3;
  config.dropout = config.recurrent_dropout = 0;
  Generator init(21), unused(1);
  Classifier model(config, init);
  const Tensor ids = Tensor::from_ids({3, 5}, std::vector<int32_t>{4, 7, 1, 8, 2, 5, 3, 0, 0, 0, 6, 0, 0, 0, 0});
  const Tensor labels = Tensor::from_vector({3}, std::vector<float>{1, 0, 1});
  auto loss = [&] {
    return binary_cross_entropy_with_logits(model(ids, true, unused).logits, labels, Reduction::mean);
  };
  model.parameters().zero_grad();
  loss().backward();
  for (Parameter& p : model.parameters().all()) {
    CAPTURE(p.name());
    REQUIRE(p.grad().defined());
    for (int64_t j = 0; j < p.numel(); j += 1 + p.numel() / 12) {
      float& x = p.mutable_value().f32()[j];
      const float original = x;
      NoGradGuard no_grad;
      x = original + 1e-2f;
      const double plus = loss().item();
      x = original - 1e-2f;
      const double minus = loss().item();
      x = original;
      CHECK(p.grad().f32()[j] == doctest::Approx((plus - minus) / 2e-2).epsilon(0.02).scale(0.01));
    }
  }
  // Padding has no effect: sentence 1 padded to 5 in the batch or alone padded to 7 gives the
  // same logit (the masked model reads only the words).
  const Tensor logits = model(ids, false, unused).logits.value();
  ClassifierConfig longer = config;
  longer.max_length = 7;
  Generator init2(21);
  Classifier same(longer, init2);
  const Tensor padded = Tensor::from_ids({1, 7}, std::vector<int32_t>{5, 3, 0, 0, 0, 0, 0});
  CHECK(same(padded, false, unused).logits.value().f32()[0] == doctest::Approx(logits.f32()[1]).epsilon(1e-5));
}

TEST_CASE("word dropout: when training, dropped words are skipped as padding; never at inference") {
  ClassifierConfig config;
  config.table_size = 9;
  config.embedding = 4;
  config.hidden = 3;
  config.max_length = 4;
  config.pooling = "attention";
  config.mask_padding = true;
  config.position_bias = false;
  config.dropout = config.recurrent_dropout = 0;
  config.word_dropout = 0.999f;  // every word dropped (for this seed)
  Generator init(3), gen(4), unused(1);
  Classifier model(config, init);
  const Tensor ids = Tensor::from_ids({1, 4}, std::vector<int32_t>{4, 7, 1, 0});
  const Tensor empty = Tensor::from_ids({1, 4}, std::vector<int32_t>{0, 0, 0, 0});
  const float dropped = model(ids, true, gen).logits.value().f32()[0];
  CHECK(dropped == model(empty, false, unused).logits.value().f32()[0]);
  CHECK(model(ids, false, unused).logits.value().f32()[0] != dropped);
}

TEST_CASE("classifier files: round trip, and a flipped byte is named corrupt") {
  std::vector<LabelledSentence> data = read_labelled_sentences(kSample);
  data.resize(16);
  Variant v = tiny(false);
  v.training.epochs = 2;
  const TrainedClassifier c = train_classifier(v, data, 1);
  const std::string path = scratch("tiny.classifier");
  save_classifier(path, c);
  const TrainedClassifier back = load_classifier(path);
  const std::vector<std::string> texts = {data[0].text, data[5].text, ""};
  CHECK(predict(back, texts) == predict(c, texts));
  CHECK(back.variant.model.mask_padding);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() / 2] ^= 0x20;
  std::ofstream(path, std::ios::binary) << bytes;
  CHECK_THROWS_WITH_AS(load_classifier(path), doctest::Contains("corrupt"), ModelFileError);
}

TEST_CASE("nmt-classify predict: one line out per line in, even empty lines and invalid UTF-8") {
  std::vector<LabelledSentence> data = read_labelled_sentences(kSample);
  data.resize(16);
  Variant v = tiny(true);
  v.training.epochs = 2;
  const std::string path = scratch("predict.classifier");
  save_classifier(path, train_classifier(v, data, 1));
  const std::string input = std::string("Great phone.\n\n\xff\xfe bad \xc3(\r\n   \nunknownword\n") +
                            std::string(400, 'x') + " good\nno final newline";
  const nmt::testing::ToolResult r =
      nmt::testing::run_tool({NMT_BINARY_DIR "/bin/nmt-classify", "predict", "--model", path}, input);
  CHECK(r.status == 0);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < r.out.size();) {
    const std::size_t j = r.out.find('\n', i);
    lines.push_back(r.out.substr(i, j - i));
    i = j + 1;
  }
  REQUIRE(lines.size() == 7);
  for (const std::string& line : lines) {
    CAPTURE(line);
    CHECK((line.rfind("0\t", 0) == 0 || line.rfind("1\t", 0) == 0));
  }
  CHECK(r.err.find("<stdin>:3") != std::string::npos);  // the invalid UTF-8 is named
}

TEST_CASE("paired comparison: mean and sd of differences, folds favouring, corrected t") {
  VariantResult a, b;
  a.cv = {0.80, 0.80, 0.70, 0.70};
  b.cv = {0.85, 0.81, 0.70, 0.66};
  ProtocolOptions options;
  options.folds = 2;
  options.seeds = 2;
  const PairedComparison p = compare(a, b, options, 100);
  CHECK(p.mean == doctest::Approx(0.005));
  CHECK(p.folds_better == 1);
  CHECK(p.folds_worse == 1);
  CHECK(p.sd == doctest::Approx(sd_of({0.05, 0.01, 0.0, -0.04})));
}

TEST_CASE("raw protocol results: several runs reported together as if run at once; errors name file and line") {
  VariantResult a, b, c;
  a.name = "baseline";
  a.article_split = {0.7675, 0.77};
  a.cv = {0.80, 0.80, 0.70, 0.70};
  a.cross_domain = {0.70, 0.71};
  a.train_seconds = 12.5;
  a.sentences_seen = 16000;
  b = a;
  b.name = "second";
  b.cv = {0.85, 0.81, 0.70, 0.66};
  c = b;
  c.name = "third";
  ProtocolOptions options;
  options.folds = 2;
  options.seeds = 2;
  std::ostringstream together;
  write_report(together, {a, b, c}, options, 100, 0);
  const std::string first = scratch("first.tsv"), second = scratch("second.tsv");
  std::ofstream(first) << [&] { std::ostringstream o; write_raw_results(o, {a, b}, options, 100); return o.str(); }();
  std::ofstream(second) << [&] { std::ostringstream o; write_raw_results(o, {c}, options, 100); return o.str(); }();
  std::vector<VariantResult> read;
  ProtocolOptions read_options;
  std::size_t size = 0;
  read_raw_results(first, read, read_options, size);
  read_raw_results(second, read, read_options, size);
  REQUIRE(read.size() == 3);
  CHECK(read[1].cv == b.cv);
  std::ostringstream merged;
  write_report(merged, read, read_options, size, 0);
  CHECK(merged.str() == together.str());
  std::ofstream(second) << "# nmt-classify protocol: folds 3 seeds 2 data 100\n";
  CHECK_THROWS_WITH_AS(read_raw_results(second, read, read_options, size), doctest::Contains("second.tsv:1: folds"),
                       std::runtime_error);
  std::ofstream(second) << "# nmt-classify protocol: folds 2 seeds 2 data 100\nthird\tcv\n";
  CHECK_THROWS_WITH_AS(read_raw_results(second, read, read_options, size), doctest::Contains("second.tsv:2:"),
                       std::runtime_error);
}

TEST_CASE("protocol --first-seed: a run of seed 2 alone gives the seed-2 accuracies of a run of seeds 1-2") {
  std::vector<LabelledSentence> data = read_labelled_sentences(kSample);
  data.resize(60);
  Variant v = tiny(false);
  v.training.epochs = 3;
  v.model.dropout = 0.3f;  // seeds then differ in the dropout masks too
  ProtocolOptions both;
  both.folds = 2;
  both.seeds = 2;
  ProtocolOptions second = both;
  second.seeds = 1;
  second.first_seed = 2;
  const VariantResult all = run_protocol({v}, data, {}, both)[0];
  const VariantResult alone = run_protocol({v}, data, {}, second)[0];
  REQUIRE(alone.cv.size() == 2);
  REQUIRE(all.cv[0] != all.cv[1]);  // the seeds differ, so the check below can fail
  CHECK(alone.cv[0] == all.cv[1]);  // fold 1, seed 2
  CHECK(alone.cv[1] == all.cv[3]);  // fold 2, seed 2
  CHECK(alone.article_split[0] == all.article_split[1]);
}
