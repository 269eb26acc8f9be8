// Embedding lookup, select_rows (gather rows by id, scatter-add gradients) and dropout.
#include <doctest/doctest.h>

#include <vector>

#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_dropout.h"
#include "nmt/autograd/ops_embedding.h"
#include "nmt/tensor/threading.h"
#include "tests/engine/gradcheck.h"

using namespace nmt;
using nmt::testing::gradcheck;
using nmt::testing::random_tensor;

namespace {

Tensor iota(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = static_cast<float>(i);
  return t;
}

Tensor ids(const Shape& shape, std::vector<int32_t> values) { return Tensor::from_ids(shape, values); }

}  // namespace

TEST_CASE("embedding: lookup values and the scatter-add gradient") {
  Var table(iota({4, 3}), true);
  Tensor tokens = ids({2, 2}, {3, 0, 0, 2});
  Var y = embedding(table, tokens);
  CHECK(y.shape() == Shape{2, 2, 3});
  CHECK(y.value().to_vector() == std::vector<float>{9, 10, 11, 0, 1, 2, 0, 1, 2, 6, 7, 8});
  y.backward(Tensor::full(y.shape(), 1.f));
  // Row 0 was looked up twice, row 1 never.
  CHECK(table.grad().to_vector() == std::vector<float>{2, 2, 2, 0, 0, 0, 1, 1, 1, 1, 1, 1});

  // padding_id: its row is still looked up, but gets no gradient.
  Var table2(iota({4, 3}), true);
  Var p = embedding(table2, tokens, /*padding_id=*/0);
  CHECK(p.value().to_vector() == y.value().to_vector());
  p.backward(Tensor::full(p.shape(), 1.f));
  CHECK(table2.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1});

  // A parameter table accumulates over lookups and over backward calls.
  Parameter w(iota({3, 2}), "embeddings");
  Var loss = embedding(w, ids({3}, {1, 2, 1})) + embedding(w, ids({3}, {1, 1, 0})) * 2.f;
  loss.backward(Tensor::full({3, 2}, 1.f));
  CHECK(w.grad().to_vector() == std::vector<float>{2, 2, 6, 6, 1, 1});
}

TEST_CASE("embedding: gradients by finite differences") {
  Generator gen(12);
  Tensor t = random_tensor({7, 5}, gen);
  for (Tensor tok : {ids({1}, {6}), ids({3, 4}, {0, 1, 3, 3, 4, 5, 6, 0, 0, 0, 6, 3}),
                     ids({2, 2, 2}, {1, 1, 0, 1, 1, 1, 1, 1})}) {
    CAPTURE(tok.shape().str());
    gradcheck([=](auto& v) { return embedding(v[0], tok); }, {t});
    // With padding id 1: zero the padded positions, so that the true gradient of row 1 is 0 too.
    Shape ms = tok.shape();
    ms.push_back(1);
    Tensor keep = Tensor::empty(ms);
    for (int64_t k = 0; k < tok.numel(); ++k) keep.f32()[k] = tok.i32()[k] == 1 ? 0.f : 1.f;
    gradcheck([=](auto& v) { return embedding(v[0], tok, 1) * Var(keep); }, {t});
    gradcheck([=](auto& v) { return embedding(v[0], tok, 2); }, {random_tensor({7, 5}, gen)});
  }
}

TEST_CASE("embedding: the parallel scatter-add equals the sequential loop, for 1 and 2 threads") {
  Generator gen(21);
  const int64_t vocabulary = 50, d = 24, m = 6000;  // m * d > kParallelThreshold
  Tensor table = random_tensor({vocabulary, d}, gen);
  std::vector<int32_t> values(m);
  for (auto& v : values) v = static_cast<int32_t>(gen.next() % 7 == 0 ? 3 : gen.next() % vocabulary);  // skewed
  Tensor tokens = ids({2, m / 2}, values);
  Tensor dy = random_tensor({2, m / 2, d}, gen);
  // The sequential reference, same order of additions.
  std::vector<float> expected(vocabulary * d, 0.f);
  for (int64_t k = 0; k < m; ++k)
    if (values[k] != 5)
      for (int64_t i = 0; i < d; ++i) expected[values[k] * d + i] += dy.f32()[k * d + i];
  const int threads = num_threads();
  for (int t : {1, 2}) {
    set_num_threads(t);
    Var w(table, true);
    embedding(w, tokens, 5).backward(dy);
    CHECK(w.grad().to_vector() == expected);
  }
  set_num_threads(threads);
}

TEST_CASE("embedding: wrong use throws") {
  Var table(Tensor::zeros({7, 3}));
  CHECK_THROWS_WITH_AS(embedding(table, ids({2}, {1, 9})), "embedding: id 9 out of range for a vocabulary of 7",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(embedding(table, ids({2}, {-1, 0})), "embedding: id -1 out of range for a vocabulary of 7",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(embedding(table, Tensor::zeros({2})), "embedding: ids must be int32, got float32",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(embedding(Var(Tensor::zeros({7})), ids({1}, {0})), "embedding: needs a table [V, D], got [7]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(embedding(table, ids({1}, {0}), 7), "embedding: padding id 7 out of range for a vocabulary of 7",
                       std::out_of_range);
}

TEST_CASE("select_rows: values, gradients, errors") {
  Var x(iota({3, 2}));
  Var y = select_rows(x, ids({4}, {2, 0, 2, 1}));
  CHECK(y.shape() == Shape{4, 2});
  CHECK(y.value().to_vector() == std::vector<float>{4, 5, 0, 1, 4, 5, 2, 3});
  CHECK(select_rows(x, Tensor::empty({0}, DType::i32)).shape() == Shape{0, 2});
  Generator gen(13);
  Tensor beams = random_tensor({4, 2, 3}, gen);
  gradcheck([](auto& v) { return select_rows(v[0], ids({5}, {3, 3, 0, 1, 3})); }, {beams});  // row 2 unused
  gradcheck([](auto& v) { return select_rows(v[0], ids({2}, {1, 0})) * select_rows(v[0], ids({2}, {1, 1})); },
            {random_tensor({2, 3}, gen)});  // accumulation
  gradcheck([](auto& v) { return select_rows(v[0], ids({3}, {0, 0, 0})); }, {random_tensor({1}, gen)});
  CHECK_THROWS_WITH_AS(select_rows(x, ids({1}, {3})), "select_rows: id 3 out of range for 3 rows of shape [3, 2]",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(select_rows(x, ids({1, 1}, {0})), "select_rows: needs ids of shape [M], got [1, 1]",
                       std::invalid_argument);
  CHECK_THROWS_AS(select_rows(x, Tensor::zeros({1})), std::invalid_argument);
}

TEST_CASE("dropout: identity when not training or p = 0, same seed same mask") {
  Generator gen(1);
  Var x(random_tensor({50, 40}, gen), true);
  CHECK(dropout(x, 0.5f, gen, false).node() == x.node());
  CHECK(dropout(x, 0.0f, gen, true).node() == x.node());
  Generator a(42), b(42), c(43);
  Var ya = dropout(x, 0.3f, a, true), yb = dropout(x, 0.3f, b, true), yc = dropout(x, 0.3f, c, true);
  CHECK(ya.value().to_vector() == yb.value().to_vector());
  CHECK(ya.value().to_vector() != yc.value().to_vector());
  CHECK(a.state() == b.state());
  // A second call continues the sequence: another mask.
  CHECK(dropout(x, 0.3f, a, true).value().to_vector() != ya.value().to_vector());
  clear_tape();
  CHECK_THROWS_WITH_AS(dropout(x, 1.5f, gen, true), doctest::Contains("dropout: p must be in [0, 1]"),
                       std::invalid_argument);
  CHECK_THROWS_AS(dropout(x, -0.1f, gen, true), std::invalid_argument);
}

TEST_CASE("dropout: inverted scaling, drop rate, gradient = the same mask") {
  Generator gen(7);
  const int64_t n = 200001;  // odd: the last element takes half a draw
  Var x(Tensor::full({n}, 2.f), true);
  Var y = dropout(x, 0.3f, gen, true);
  int64_t dropped = 0;
  double total = 0;
  bool values_ok = true;
  for (float v : y.value().to_vector()) {
    dropped += v == 0.f;
    total += v;
    values_ok = values_ok && (v == 0.f || v == 2.f / 0.7f);
  }
  CHECK(values_ok);
  CHECK(double(dropped) / n == doctest::Approx(0.3).epsilon(0.02));
  CHECK(total / n == doctest::Approx(2.0).epsilon(0.01));  // the expectation is preserved
  Tensor dy = random_tensor({n}, gen);
  y.backward(dy);
  bool grad_ok = true;
  for (int64_t i = 0; i < n; ++i)
    grad_ok = grad_ok && x.grad().f32()[i] == (y.value().f32()[i] == 0.f ? 0.f : dy.f32()[i] * (1.f / 0.7f));
  CHECK(grad_ok);
  // p = 1 drops everything.
  Var all = dropout(Var(Tensor::full({5}, 1.f), true), 1.f, gen, true);
  CHECK(all.value().to_vector() == std::vector<float>(5, 0.f));
  clear_tape();
  // Finite differences (a fixed seed inside f, so every evaluation draws the same mask).
  for (Shape s : {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}})
    gradcheck([](auto& v) {
      Generator g(5);
      return dropout(v[0], 0.4f, g, true) * v[0];
    }, {random_tensor(s, gen)});
}
