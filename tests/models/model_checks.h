// Checks shared by every model's tests: a whole-model finite-difference gradient check, and
// incremental decoding (start/step/reorder) against teacher forcing.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
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
    model.reorder(*state, swap);
    Tensor attention = model.last_attention(*state);
    REQUIRE(attention.shape() == Shape{b * beam, source.dim(1)});
    for (int64_t r = 0; r < b * beam; ++r) {
      double sum = 0;
      for (int64_t j = 0; j < source.dim(1); ++j) sum += attention.f32()[r * source.dim(1) + j];
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}

}  // namespace nmt::testing
