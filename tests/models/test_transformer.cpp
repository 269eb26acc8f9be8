// The Transformer: gradients of the whole model, incremental decoding against teacher forcing,
// masks, and configuration errors.
#include <doctest/doctest.h>

#include <vector>

#include "nmt/models/transformer.h"
#include "tests/models/model_checks.h"
#include "tokenizer/special_ids.h"

using namespace nmt;
using nmt::testing::ids;

namespace {

ModelConfig tiny_transformer(bool pre_norm, bool tied, std::string activation = "relu") {
  ModelConfig c;
  c.type = "transformer";
  c.vocab_size = 13;
  c.d_model = 8;
  c.heads = 2;
  c.d_ff = 12;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.dropout = 0.f;
  c.pre_norm = pre_norm;
  c.tie_embeddings = tied;
  c.activation = activation;
  c.max_positions = 32;
  return c;
}

// Two sentences, the second padded: source = pieces + eos (3), target input = bos (2) + pieces.
const Tensor kSource = ids({2, 5}, {5, 6, 7, 8, 3, 9, 10, 3, 0, 0});
const Tensor kTargetIn = ids({2, 4}, {2, 11, 12, 4, 2, 4, 0, 0});

}  // namespace

// GELU rather than ReLU here: central differences across a ReLU kink are meaningless, and with
// a few hundred ReLU units one of them always lies within eps of its kink. (relu's own gradient
// is checked in the engine's tests.)
TEST_CASE("transformer: whole-model gradient check (post-norm, tied; pre-norm, untied)") {
  Generator init(1);
  auto post = build_model(tiny_transformer(false, true, "gelu"), init);
  nmt::testing::check_model_gradients(*post, kSource, kTargetIn);
  auto pre = build_model(tiny_transformer(true, false, "gelu"), init);
  nmt::testing::check_model_gradients(*pre, kSource, kTargetIn);
}

TEST_CASE("transformer: incremental decoding with caches equals teacher forcing") {
  Generator init(2);
  for (bool pre_norm : {false, true}) {
    auto model = build_model(tiny_transformer(pre_norm, true), init);
    nmt::testing::check_incremental_decoding(*model, kSource, kTargetIn);
  }
}

TEST_CASE("transformer: every part of the decoder state follows its row when the beam is reordered") {
  Generator init(2);
  for (bool pre_norm : {false, true}) {
    auto model = build_model(tiny_transformer(pre_norm, true), init);
    nmt::testing::check_state_follows_rows(*model, kSource);
  }
}

TEST_CASE("transformer: padding never changes the result of a sentence") {
  Generator init(3);
  auto model = build_model(tiny_transformer(false, true), init);
  NoGradGuard no_grad;
  Tensor alone = model->logits(ids({1, 3}, {9, 10, 3}), ids({1, 2}, {2, 4}), false).value();
  Tensor padded = model->logits(ids({1, 5}, {9, 10, 3, 0, 0}), ids({1, 2}, {2, 4}), false).value();
  REQUIRE(alone.numel() == padded.numel());
  for (int64_t i = 0; i < alone.numel(); ++i) CHECK(alone.f32()[i] == doctest::Approx(padded.f32()[i]).epsilon(1e-5));
}

TEST_CASE("transformer: same seed, same parameters; parameter names are stable") {
  Generator a(7), b(7);
  auto m1 = build_model(tiny_transformer(false, true), a);
  auto m2 = build_model(tiny_transformer(false, true), b);
  REQUIRE(m1->parameters().all().size() == m2->parameters().all().size());
  for (std::size_t i = 0; i < m1->parameters().all().size(); ++i)
    CHECK(m1->parameters().all()[i].value().to_vector() == m2->parameters().all()[i].value().to_vector());
  CHECK(m1->parameters().find("embedding") != nullptr);
  CHECK(m1->parameters().find("decoder.1.cross_attention.kv.weight") != nullptr);
}

TEST_CASE("transformer: configuration errors name the setting") {
  Generator init(1);
  ModelConfig c = tiny_transformer(false, true);
  c.heads = 3;
  CHECK_THROWS_WITH_AS(build_model(c, init), "transformer model setting 'heads' = 3: must divide d_model = 8",
                       std::invalid_argument);
  c.heads = 0;  // once a division by zero (SIGFPE)
  CHECK_THROWS_WITH_AS(build_model(c, init), "transformer model setting 'heads' = 0: must be an integer >= 1",
                       std::invalid_argument);
  c = tiny_transformer(false, true);
  c.encoder_layers = 0;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("'encoder_layers' = 0: must be an integer >= 1"),
                       std::invalid_argument);
  c = tiny_transformer(false, true);
  c.dropout = 1.5f;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("must be a number in [0, 1)"), std::invalid_argument);
  c = tiny_transformer(false, true);
  c.max_positions = 1;
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("'max_positions' = 1: must be an integer >= 2"),
                       std::invalid_argument);
  c = tiny_transformer(false, true, "swish");
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("'activation' = swish: must be one of relu, gelu"), std::invalid_argument);
  c.type = "lstm-lm";
  CHECK_THROWS_WITH_AS(build_model(c, init), doctest::Contains("unknown model type 'lstm-lm'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"d_modle", "3"}}), "unknown model setting 'd_modle'", std::invalid_argument);
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"d_model", "x"}}), doctest::Contains("invalid value 'x'"), std::invalid_argument);
  // The whole text is the value: 64.9 is not the integer 64, 0.1x not the number 0.1.
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"d_model", "64.9"}}),
                       "model setting 'd_model': invalid value '64.9' (expected an integer)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(ModelConfig::from_map({{"dropout", "0.1x"}}), doctest::Contains("(expected a number)"),
                       std::invalid_argument);
}

// The self-attention caches are never copied on a reorder (DecoderState::prefix_rows): a row
// reads each earlier position from the buffer row that wrote it, and the buffers are compacted
// when they grow (16 positions, then 32). 3 sentences x beam 2 decoded for 30 steps, the rows
// shuffled within their sentence at every step, the middle sentence dropped at step 9, the first
// at step 20 (after the growth at 16): every step's log-probabilities are teacher forcing's on
// the row's own prefix.
TEST_CASE("transformer: caches reordered by index and compacted as they grow equal teacher forcing") {
  Generator init(4);
  auto model = build_model(tiny_transformer(true, true), init);
  NoGradGuard no_grad;
  const Tensor source = ids({3, 4}, {5, 6, 3, 0, 9, 10, 11, 3, 7, 3, 0, 0});
  const int beam = 2, steps = 30;
  auto state = model->start(source, beam);
  std::vector<int64_t> sentence_of = {0, 0, 1, 1, 2, 2};         // per state row
  std::vector<std::vector<int32_t>> prefix(6, {text::kBosId});  // per state row: bos + its tokens
  for (int t = 0; t < steps; ++t) {
    CAPTURE(t);
    const int64_t n = static_cast<int64_t>(sentence_of.size());
    std::vector<int32_t> fed(static_cast<std::size_t>(n));
    for (int64_t r = 0; r < n; ++r) fed[r] = prefix[r].back();
    const Tensor got = model->step(*state, Tensor::from_ids({n}, fed));
    const int64_t v = got.dim(1);
    for (int64_t r = 0; r < n; ++r) {
      const int64_t s = sentence_of[r];
      const Tensor one_source = ids({1, 4}, std::vector<int32_t>(source.i32() + s * 4, source.i32() + s * 4 + 4));
      const int64_t length = static_cast<int64_t>(prefix[r].size());
      const Tensor full = log_softmax(model->logits(one_source, ids({1, length}, prefix[r]), false)).value();
      for (int64_t j = 0; j < v; ++j)
        REQUIRE(got.f32()[r * v + j] == doctest::Approx(full.f32()[(length - 1) * v + j]).epsilon(1e-4));
    }
    // Each row takes a token, then the rows of a sentence swap (or one row's prefix is copied to
    // both); sentences are dropped at steps 9 and 20.
    for (int64_t r = 0; r < n; ++r) prefix[r].push_back(static_cast<int32_t>(4 + (5 * r + 3 * t + sentence_of[r]) % 9));
    std::vector<int32_t> rows;
    std::vector<int64_t> next_sentence;
    std::vector<std::vector<int32_t>> next_prefix;
    for (int64_t i = 0; i < n / beam; ++i) {
      const int64_t s = sentence_of[i * beam];
      if ((t == 9 && s == 1) || (t == 20 && s == 0)) continue;
      for (int k = 0; k < beam; ++k) {
        const int32_t from = static_cast<int32_t>(i * beam + (t % 3 == 2 ? 0 : (k + 1) % beam));
        rows.push_back(from);
        next_sentence.push_back(s);
        next_prefix.push_back(prefix[from]);
      }
    }
    state->reorder(rows);
    sentence_of = next_sentence;
    prefix = next_prefix;
  }
  CHECK(sentence_of == std::vector<int64_t>{2, 2});
}
