// End to end through each RNN model, the loss, Adam and the search: every variant (the vanilla
// encoder-decoder with LSTM and GRU cells, Bahdanau with LSTM and GRU, Luong global with the
// three scores, local-m and local-p, with and without input feeding) memorises 20 Multi30k
// sentence pairs (word-level ids, no tokenizer) to a loss below 0.02, then translates every
// training source exactly with a beam, in one batch (padded) and one sentence at a time,
// keeping attention weights that sum to one over the real source. Bahdanau and Luong also train
// with bf16 GEMMs (nmt-train --gemm-precision bf16, one ParameterScope per step, as the trainer
// does) and translate in float32, as nmt-translate does.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "nmt/autograd/ops.h"
#include "nmt/models/encoder_decoder.h"
#include "nmt/optim/adam.h"
#include "nmt/search/search.h"
#include "nmt/tensor/blas.h"
#include "nmt/tensor/threading.h"
#include "tests/models/memorisation_data.h"

using namespace nmt;

namespace {

constexpr int32_t kPad = 0, kBos = 2, kEos = 3;
constexpr int kPairs = 20;

using testing::pad_rows;
using Words = testing::WordIds;

std::vector<std::string> lines(const std::string& path, int n) { return testing::read_first_lines(path, n); }

// Models this small gain nothing from threads, and on a busy machine waking them costs far more
// than the work (a step ran 30x slower on 2 loaded cores): one thread, restored afterwards.
struct OneThread {
  int before = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(before); }
};

void memorise_and_translate(ModelConfig config, blas::Precision training = blas::Precision::fp32) {
  OneThread one_thread;
  const std::string data = NMT_TEST_DATA_DIR "/multi30k/";
  auto de = lines(data + "train.de", kPairs), en = lines(data + "train.en", kPairs);
  Words words;
  std::vector<std::vector<int32_t>> sources, source_rows, inputs, outputs;
  for (int i = 0; i < kPairs; ++i) {
    sources.push_back(words.encode(de[i]));
    source_rows.push_back(sources.back());
    source_rows.back().push_back(kEos);
    std::vector<int32_t> target = words.encode(en[i]);
    inputs.push_back({kBos});
    inputs.back().insert(inputs.back().end(), target.begin(), target.end());
    outputs.push_back(target);
    outputs.back().push_back(kEos);
  }
  const Tensor source = pad_rows(source_rows), target_in = pad_rows(inputs), target_out = pad_rows(outputs);
  config.vocab_size = static_cast<int>(words.ids.size()) + 4;
  config.embedding_size = 32;
  config.hidden_size = 64;
  config.dropout = 0.f;
  Generator init(3);
  auto model = build_model(config, init);
  optim::Adam adam(model->parameters().all(), optim::AdamOptions{.lr = 1e-2f});
  float loss_value = 0;
  int steps = 0;
  {
    const blas::PrecisionScope precision(training);
    for (; steps < 500 && (steps == 0 || loss_value > 0.01f); ++steps) {
      model->parameters().zero_grad();
      {
        blas::ParameterScope weights_fixed;
        Var loss = cross_entropy(model->logits(source, target_in, true), target_out.reshape({target_out.numel()}),
                                 0.f, kPad, Reduction::mean);
        loss_value = loss.item();
        loss.backward();
      }
      adam.step();
    }
  }
  INFO("loss " << loss_value << " after " << steps << " steps");
  CHECK(loss_value < 0.02f);

  SearchOptions options;
  options.beam = 3;
  options.attention = true;
  auto batch = search(*model, sources, options);
  for (int i = 0; i < kPairs; ++i) {
    std::vector<int32_t> expected(outputs[i].begin(), outputs[i].end() - 1);
    INFO("sentence " << i << ": " << de[i]);
    CHECK(batch[i].best().tokens == expected);
    auto alone = search(*model, std::span(sources).subspan(i, 1), options);
    CHECK(alone[0].best().tokens == batch[i].best().tokens);
    CHECK(alone[0].best().score == doctest::Approx(batch[i].best().score).epsilon(1e-4));
    const Hypothesis& h = batch[i].best();
    for (std::size_t step = 0; step <= h.tokens.size(); ++step) {  // weights on the real source, sum 1
      double sum = 0;
      for (int s = 0; s < h.source_length; ++s) sum += h.attention_at(static_cast<int>(step), s);
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-4));
    }
  }
}

ModelConfig bahdanau(const char* cell) {
  ModelConfig c;
  c.type = "bahdanau";
  c.cell = cell;
  return c;
}

ModelConfig luong(const char* attention, const char* score, int window = 10) {
  ModelConfig c;
  c.type = "luong";
  c.attention = attention;
  c.score = score;
  c.window = window;
  return c;
}

}  // namespace

TEST_CASE("rnn (lstm, 2 layers, reversed source): memorises 20 pairs, then translates them exactly") {
  ModelConfig c;
  c.type = "rnn";
  c.rnn_layers = 2;
  c.reverse_source = true;
  memorise_and_translate(c);
}

TEST_CASE("rnn (gru, reversed source): memorises 20 pairs, then translates them exactly") {
  ModelConfig c;
  c.type = "rnn";
  c.cell = "gru";
  c.reverse_source = true;
  memorise_and_translate(c);
}

TEST_CASE("bahdanau (lstm and gru): memorises 20 pairs, then translates them exactly") {
  for (const char* cell : {"lstm", "gru"}) {
    CAPTURE(cell);
    memorise_and_translate(bahdanau(cell));
  }
}

TEST_CASE("luong global, every score, with input feeding: memorises 20 pairs, then translates them exactly") {
  for (const char* score : {"dot", "general", "concat"}) {
    CAPTURE(score);
    memorise_and_translate(luong("global", score));
  }
}

TEST_CASE("luong local-m and local-p (general), with input feeding: memorise 20 pairs, then translate them exactly") {
  for (const char* attention : {"local-m", "local-p"}) {
    CAPTURE(attention);
    memorise_and_translate(luong(attention, "general", 5));
  }
}

TEST_CASE("luong local-p concat without input feeding: memorises 20 pairs, then translates them exactly") {
  ModelConfig c = luong("local-p", "concat", 3);
  c.input_feeding = false;
  memorise_and_translate(c);
}

TEST_CASE("bf16 GEMMs: bahdanau and luong local-p train with bfloat16 GEMMs, memorise 20 pairs, translate them") {
  if (!blas::bf16_supported()) {
    MESSAGE("this CPU has no AVX512-BF16: skipped");
    return;
  }
  memorise_and_translate(bahdanau("lstm"), blas::Precision::bf16);
  memorise_and_translate(luong("local-p", "general", 5), blas::Precision::bf16);
}
