// Layers: gradient checks through each building block, with respect to its input.
#include <doctest/doctest.h>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/multi_head_attention.h"
#include "nmt/layers/transformer_layers.h"
#include "nmt/models/transformer.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

TEST_CASE("layers: gradients with respect to the input") {
  Generator gen(5);
  ParameterStore store;
  MultiHeadAttention self(store, "self", 8, 2, true, gen);
  MultiHeadAttention cross(store, "cross", 8, 2, false, gen);
  const Tensor mask =
      source_padding_mask(Tensor::from_ids({2, 4}, std::vector<int32_t>{5, 6, 3, 0, 7, 3, 0, 0})).reshape({2, 1, 1, 4});
  const Tensor x = random_tensor({2, 4, 8}, gen);
  const Tensor y = random_tensor({2, 3, 8}, gen);
  SUBCASE("self-attention, no mask") { gradcheck([&](auto& v) { return self.self_attend(v[0], Tensor()); }, {x}); }
  SUBCASE("self-attention, padding mask") { gradcheck([&](auto& v) { return self.self_attend(v[0], mask); }, {x}); }
  SUBCASE("self-attention, causal mask") {
    gradcheck([&](auto& v) { return self.self_attend(v[0], causal_mask(4)); }, {x});
  }
  SUBCASE("encoder-decoder attention") {
    gradcheck([&](auto& v) { return cross.attend(v[1], cross.project_memory(v[0]), mask); }, {x, y});
  }
  SUBCASE("linear on 3-D input") {
    Linear lin(store, "lin", 8, 5, gen);
    gradcheck([&](auto& v) { return lin(v[0]); }, {x});
  }
  SUBCASE("layer norm") {
    LayerNorm ln(store, "ln", 8);
    gradcheck([&](auto& v) { return ln(v[0]); }, {x});
  }
}
