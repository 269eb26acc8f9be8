// End to end through the model, the loss, Adam and the search: a Transformer memorises 20
// Multi30k sentence pairs (word-level ids, so that no tokenizer is involved), reaches near-zero
// loss, and then translates every training source exactly, greedy and with a beam, in one batch
// and one sentence at a time.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "nmt/autograd/ops.h"
#include "nmt/models/encoder_decoder.h"
#include "nmt/optim/optimizer.h"
#include "nmt/optim/adam.h"
#include "nmt/search/search.h"
#include "tests/models/memorisation_data.h"

using namespace nmt;

namespace {

constexpr int32_t kPad = 0, kBos = 2, kEos = 3;

using testing::pad_rows;
using testing::read_first_lines;
using WordVocabulary = testing::WordIds;

}  // namespace

TEST_CASE("transformer: memorises 20 pairs, then translates them exactly") {
  const std::string data = NMT_TEST_DATA_DIR "/multi30k/";
  auto de = read_first_lines(data + "train.de", 20), en = read_first_lines(data + "train.en", 20);
  WordVocabulary vocab;
  std::vector<std::vector<int32_t>> sources, source_rows, inputs, outputs;
  for (int i = 0; i < 20; ++i) {
    sources.push_back(vocab.encode(de[i]));
    source_rows.push_back(sources.back());
    source_rows.back().push_back(kEos);
    std::vector<int32_t> target = vocab.encode(en[i]);
    inputs.push_back({kBos});
    inputs.back().insert(inputs.back().end(), target.begin(), target.end());
    outputs.push_back(target);
    outputs.back().push_back(kEos);
  }
  const Tensor source = pad_rows(source_rows), target_in = pad_rows(inputs), target_out = pad_rows(outputs);

  ModelConfig config;
  config.vocab_size = static_cast<int>(vocab.ids.size()) + 4;
  config.d_model = 64;
  config.heads = 4;
  config.d_ff = 128;
  config.encoder_layers = 2;
  config.decoder_layers = 2;
  config.dropout = 0.f;
  Generator init(3);
  auto model = build_model(config, init);
  optim::Adam adam(model->parameters().all(), optim::AdamOptions{.lr = 3e-3f});

  float loss_value = 0;
  for (int step = 0; step < 300; ++step) {
    model->parameters().zero_grad();
    Var loss = cross_entropy(model->logits(source, target_in, true), target_out.reshape({target_out.numel()}),
                             0.f, kPad, Reduction::mean);
    loss_value = loss.item();
    loss.backward();
    adam.step();
    if (loss_value < 0.01f) break;
  }
  CHECK(loss_value < 0.02f);

  SearchOptions greedy;
  greedy.beam = 1;
  SearchOptions beam;
  beam.beam = 4;
  for (const SearchOptions& options : {greedy, beam}) {
    CAPTURE(options.beam);
    auto batch = search(*model, sources, options);
    for (int i = 0; i < 20; ++i) {
      std::vector<int32_t> expected(outputs[i].begin(), outputs[i].end() - 1);
      INFO("sentence " << i << ": " << de[i] << " | got " << batch[i].best().tokens.size() << " pieces, score "
                        << batch[i].best().score << ", expected " << expected.size());
      CHECK(batch[i].best().tokens == expected);
      CHECK_FALSE(batch[i].hit_length_limit());
      auto alone = search(*model, std::span(sources).subspan(i, 1), options);
      CHECK(alone[0].best().tokens == batch[i].best().tokens);
      CHECK(alone[0].best().score == doctest::Approx(batch[i].best().score).epsilon(1e-4));
    }
  }
}
