// Checks shared by every model's tests: a whole-model finite-difference gradient check,
// incremental decoding (start/step/reorder) against teacher forcing, and every part of the
// decoder state following its row through the beam's reorders.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nmt/autograd/ops.h"
#include "nmt/models/encoder_decoder.h"

namespace nmt::testing {

inline Tensor ids(const Shape& shape, std::vector<int32_t> values) { return Tensor::from_ids(shape, values); }

// L = sum(R * logits) for a fixed random R: d L / d theta from backward(R) against central
// differences, for a spread of elements of every parameter.
inline void check_model_gradients(EncoderDecoder& model, const Tensor& source, const Tensor& target_input,
                                  int per_parameter = 6, float eps = 1e-2f, float tolerance = 1e-2f) {
  Generator gen(11);
  model.parameters().zero_grad();
  Var logits = model.logits(source, target_input, false);
  Tensor weights = Tensor::empty(logits.shape());
  for (int64_t i = 0; i < weights.numel(); ++i) weights.f32()[i] = gen.uniform(-1.f, 1.f);
  logits.backward(weights);

  auto loss = [&]() {
    NoGradGuard no_grad;
    Var y = model.logits(source, target_input, false);
    double sum = 0;
    for (int64_t i = 0; i < y.numel(); ++i) sum += double(y.value().f32()[i]) * weights.f32()[i];
    return sum;
  };
  int checked = 0;
  for (Parameter& p : model.parameters().all()) {
    Tensor& value = p.mutable_value();
    const int64_t n = value.numel();
    for (int k = 0; k < per_parameter; ++k) {
      const int64_t j = (static_cast<int64_t>(gen.next() % static_cast<uint64_t>(n)));
      const float original = value.f32()[j];
      value.f32()[j] = original + eps;
      const double plus = loss();
      value.f32()[j] = original - eps;
      const double minus = loss();
      value.f32()[j] = original;
      const double numeric = (plus - minus) / (2.0 * eps);
      const double analytic = p.grad().f32()[j];
      INFO("parameter " << p.name() << " element " << j);
      CHECK(std::abs(analytic - numeric) <= tolerance * (1.0 + std::abs(numeric)));
      ++checked;
    }
  }
  CHECK(checked > 0);
}

// Decoding step by step (with caches, beam rows, reordering) must give the same log-probabilities
// as teacher forcing on the same prefix.
inline void check_incremental_decoding(EncoderDecoder& model, const Tensor& source, const Tensor& target_input) {
  NoGradGuard no_grad;
  const int64_t b = source.dim(0), t = target_input.dim(1);
  Tensor full = log_softmax(model.logits(source, target_input, false)).value();  // [B*T, V]
  const int64_t v = full.dim(1);
  const int beam = 2;
  auto state = model.start(source, beam);
  state->keep_attention = true;
  for (int64_t step = 0; step < t; ++step) {
    // Row b*beam + k holds sentence b; feed the same prefix to both rows, swap them each step.
    std::vector<int32_t> previous(b * beam), swap(b * beam);
    for (int64_t r = 0; r < b * beam; ++r) {
      previous[r] = target_input.i32()[(r / beam) * t + step];
      swap[r] = static_cast<int32_t>((r / beam) * beam + (beam - 1 - r % beam));
    }
    Tensor logp = model.step(*state, Tensor::from_ids({b * beam}, previous));
    REQUIRE(logp.shape() == Shape{b * beam, v});
    for (int64_t r = 0; r < b * beam; ++r)
      for (int64_t j = 0; j < v; ++j) {
        const float expected = full.f32()[((r / beam) * t + step) * v + j];
        REQUIRE(logp.f32()[r * v + j] == doctest::Approx(expected).epsilon(1e-4));
      }
    state->reorder(swap);
    Tensor attention = model.last_attention(*state);
    REQUIRE(attention.shape() == Shape{b * beam, source.dim(1)});
    for (int64_t r = 0; r < b * beam; ++r) {
      double sum = 0;
      for (int64_t j = 0; j < source.dim(1); ++j) sum += attention.f32()[r * source.dim(1) + j];
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}

namespace detail {

// Row `row` of an entry or output (f32 or i32, rows on axis 0) as doubles.
inline std::vector<double> row_values(const Tensor& t, int64_t row) {
  const int64_t d = t.shape().inner(0);
  std::vector<double> out(static_cast<std::size_t>(d));
  for (int64_t j = 0; j < d; ++j)
    out[j] = t.dtype() == DType::i32 ? t.i32()[row * d + j] : t.f32()[row * d + j];
  return out;
}

}  // namespace detail

// Every entry of the decoder state follows its row. Two states of the same source take the
// same steps, every row fed its own tokens (no two hypotheses of a sentence hold the same
// prefix); then one of them is reordered - by a permutation within each sentence, or cut to the
// rows of some sentences as the search drops finished ones - and from then on its row r must be
// row rows[r] of the other: every entry holds that row, and the next steps give that row's
// log-probabilities, attention weights and positions. An entry that does not follow the beam,
// or a part of the state kept outside the entries, fails this.
inline void check_state_follows_rows(EncoderDecoder& model, const Tensor& source) {
  NoGradGuard no_grad;
  const int beam = 3;
  const int64_t b = source.dim(0), n = b * beam;
  REQUIRE(b >= 2);
  const int32_t vocab = model.config().vocab_size;
  REQUIRE(vocab - 4 > beam);
  // The token of (original) row r at step t: never pad or bos; different rows of a sentence
  // get different tokens.
  auto token = [&](int32_t r, int t) { return static_cast<int32_t>(4 + (7 * r + 3 * t) % (vocab - 4)); };
  auto tokens = [&](std::span<const int32_t> rows, int t) {
    std::vector<int32_t> out;
    for (int32_t r : rows) out.push_back(token(r, t));
    return Tensor::from_ids({static_cast<int64_t>(out.size())}, out);
  };
  std::vector<int32_t> all(static_cast<std::size_t>(n));
  for (int32_t r = 0; r < n; ++r) all[r] = r;
  // Hypothesis k of sentence s comes from hypothesis (k + s + 1) % beam: a different
  // permutation in every sentence, none of them the identity.
  auto shuffled = [&](std::vector<int64_t> sentences) {
    std::vector<int32_t> rows;
    for (int64_t s : sentences)
      for (int k = 0; k < beam; ++k) rows.push_back(static_cast<int32_t>(s * beam + (k + s + 1) % beam));
    return rows;
  };
  std::vector<int64_t> every(static_cast<std::size_t>(b)), without_first, without_last;
  for (int64_t s = 0; s < b; ++s) every[s] = s;
  without_first.assign(every.begin() + 1, every.end());
  without_last.assign(every.begin(), every.end() - 1);
  const std::vector<std::pair<std::string, std::vector<int32_t>>> cases{
      {"permuted within sentences", shuffled(every)},
      {"first sentence dropped", shuffled(without_first)},
      {"last sentence dropped", shuffled(without_last)}};

  const int before = 3, after = 2;
  for (const auto& [what, rows] : cases) {
    CAPTURE(what);
    auto reference = model.start(source, beam);
    auto moved = model.start(source, beam);
    reference->keep_attention = moved->keep_attention = true;
    Tensor last;
    for (int t = 0; t < before; ++t) {
      last = model.step(*reference, tokens(all, t));
      model.step(*moved, tokens(all, t));
    }
    // The rows of a sentence differ before the reorder (otherwise it could not be detected).
    const int64_t v = last.dim(1);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t other = r + 1; other < (r / beam + 1) * beam; ++other) {
        double difference = 0;
        for (int64_t j = 0; j < v; ++j) difference += std::abs(last.f32()[r * v + j] - last.f32()[other * v + j]);
        CHECK(difference > 1e-3);
      }

    moved->reorder(rows);
    const int64_t m = static_cast<int64_t>(rows.size());
    REQUIRE(moved->entries().size() == reference->entries().size());
    // Every entry as one row per hypothesis (shared rows repeated, buffers' positions gathered
    // from where the prefix table says they lie).
    for (std::size_t i = 0; i < moved->entries().size(); ++i) {
      const Tensor got = moved->hypothesis_rows(static_cast<int>(i));
      const Tensor original = reference->hypothesis_rows(static_cast<int>(i));
      CAPTURE(moved->entries()[i].name);
      REQUIRE(got.defined() == original.defined());
      if (!got.defined()) continue;
      REQUIRE(got.dim(0) == m);
      for (int64_t r = 0; r < m; ++r) CHECK(detail::row_values(got, r) == detail::row_values(original, rows[r]));
    }

    for (int t = before; t < before + after; ++t) {
      CAPTURE(t);
      const Tensor expected = model.step(*reference, tokens(all, t));
      const Tensor got = model.step(*moved, tokens(rows, t));
      const Tensor expected_attention = model.last_attention(*reference), got_attention = model.last_attention(*moved);
      const Tensor expected_positions = model.last_positions(*reference), got_positions = model.last_positions(*moved);
      REQUIRE(got.shape() == Shape{m, expected.dim(1)});
      REQUIRE(got_attention.defined());
      REQUIRE(got_positions.defined() == expected_positions.defined());
      for (int64_t r = 0; r < m; ++r) {
        CAPTURE(r);
        auto close = [&](const Tensor& a, const Tensor& want) {
          const std::vector<double> x = detail::row_values(a, r), y = detail::row_values(want, rows[r]);
          REQUIRE(x.size() == y.size());
          for (std::size_t j = 0; j < x.size(); ++j) CHECK(x[j] == doctest::Approx(y[j]).epsilon(1e-5));
        };
        close(got, expected);
        close(got_attention, expected_attention);
        if (got_positions.defined()) close(got_positions, expected_positions);
      }
    }
  }
}

}  // namespace nmt::testing
