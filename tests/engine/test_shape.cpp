// Shape ops: reshape, transpose / permute, concat, stack, slice, split / chunk.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_shape.h"
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

// permute by plain index arithmetic, for comparison.
std::vector<float> naive_permute(const Tensor& x, const std::vector<int>& axes) {
  const Shape& s = x.shape();
  const int r = s.rank();
  Shape out;
  for (int a : axes) out.push_back(s[a]);
  std::vector<float> y(static_cast<std::size_t>(x.numel()));
  std::vector<int64_t> index(r, 0);  // output index
  for (int64_t o = 0; o < x.numel(); ++o) {
    int64_t rem = o;
    for (int i = r - 1; i >= 0; --i) {
      index[i] = rem % out[i];
      rem /= out[i];
    }
    int64_t in = 0;
    for (int j = 0; j < r; ++j) {
      int64_t ij = 0;
      for (int i = 0; i < r; ++i)
        if (axes[i] == j) ij = index[i];
      in = in * s[j] + ij;
    }
    y[o] = x.f32()[in];
  }
  return y;
}

}  // namespace

TEST_CASE("reshape: a view, -1 inferred, errors") {
  Var x(iota({2, 3, 4}));
  Var y = reshape(x, Shape{6, 4});
  CHECK(y.shape() == Shape{6, 4});
  CHECK(y.value().shares_storage(x.value()));
  CHECK(reshape(x, {4, -1}).shape() == Shape{4, 6});
  CHECK(reshape(x, {-1}).shape() == Shape{24});
  CHECK(reshape(x, {2, -1, 2}).shape() == Shape{2, 6, 2});
  CHECK(reshape(x, {2, -1, 2}).value().to_vector() == x.value().to_vector());
  CHECK_THROWS_WITH_AS(reshape(x, Shape{5, 5}), "reshape: element counts differ: [2, 3, 4] and [5, 5]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(reshape(x, {-1, -1}), "reshape: cannot view [2, 3, 4] as {-1, -1}", std::invalid_argument);
  CHECK_THROWS_AS(reshape(x, {5, -1}), std::invalid_argument);
  CHECK_THROWS_AS(reshape(x, {0, -1}), std::invalid_argument);
  CHECK_THROWS_AS(reshape(x, {-2, 12}), std::invalid_argument);
  Generator gen(1);
  gradcheck([](auto& v) { return reshape(v[0], {3, -1}) * reshape(v[0], {3, 4}); }, {random_tensor({2, 6}, gen)});
}

TEST_CASE("transpose and permute: values against index arithmetic") {
  Var m(iota({2, 3}));
  CHECK(transpose(m, 0, 1).value().to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(transpose(m, 0, 1).shape() == Shape{3, 2});
  CHECK(transpose(m, -1, 0).shape() == Shape{3, 2});
  // Every permutation of a 4-D and a 3-D tensor, with and without extents of 1.
  for (Shape s : {Shape{2, 3, 4, 5}, Shape{2, 1, 3, 4}, Shape{1, 3, 1, 2}}) {
    Tensor x = iota(s);
    std::vector<int> axes = {0, 1, 2, 3};
    do {
      CAPTURE(s.str());
      CAPTURE(axes[0] * 1000 + axes[1] * 100 + axes[2] * 10 + axes[3]);
      Var y = permute(Var(x), std::span<const int>(axes));
      CHECK(y.value().to_vector() == naive_permute(x, axes));
    } while (std::next_permutation(axes.begin(), axes.end()));
  }
  Tensor x3 = iota({3, 4, 5});
  std::vector<int> axes = {0, 1, 2};
  do {
    CHECK(permute(Var(x3), std::span<const int>(axes)).value().to_vector() == naive_permute(x3, axes));
  } while (std::next_permutation(axes.begin(), axes.end()));
  // Large: the multi-head attention layout change, a tiled 2-D transpose and a batched one.
  Tensor bthd = iota({4, 50, 8, 64});
  Var heads = permute(Var(bthd), {0, 2, 1, 3});
  CHECK(heads.shape() == Shape{4, 8, 50, 64});
  CHECK(heads.value().to_vector() == naive_permute(bthd, {0, 2, 1, 3}));
  Tensor wide = iota({300, 170});
  CHECK(transpose(Var(wide), 0, 1).value().to_vector() == naive_permute(wide, {1, 0}));
  Tensor batched = iota({5, 70, 130});
  CHECK(transpose(Var(batched), 1, 2).value().to_vector() == naive_permute(batched, {0, 2, 1}));
  CHECK(permute(Var(batched), {2, 0, 1}).value().to_vector() == naive_permute(batched, {2, 0, 1}));
}

TEST_CASE("transpose and permute: gradients and errors") {
  Generator gen(2);
  gradcheck([](auto& v) { return transpose(v[0], 0, 1); }, {random_tensor({3, 4}, gen)});
  gradcheck([](auto& v) { return transpose(v[0], 0, 1); }, {random_tensor({40, 37}, gen)});  // partial tiles
  gradcheck([](auto& v) { return permute(v[0], {0, 2, 1, 3}); }, {random_tensor({2, 3, 4, 5}, gen)});
  gradcheck([](auto& v) { return permute(v[0], {3, 1, 0, 2}); }, {random_tensor({2, 3, 4, 5}, gen)});
  gradcheck([](auto& v) { return permute(v[0], {2, 0, 1}); }, {random_tensor({3, 1, 4}, gen)});
  gradcheck([](auto& v) { return permute(v[0], {0, 2, 1}); }, {random_tensor({2, 3, 5}, gen)});
  gradcheck([](auto& v) { return permute(v[0], {0, 2, 1, 3}); }, {random_tensor({4, 50, 8, 64}, gen)},
            {.max_elements = 40});  // parallel
  gradcheck([](auto& v) { return transpose(v[0], 0, 1); }, {random_tensor({300, 170}, gen)},
            {.max_elements = 40});  // parallel, tiled
  // Accumulation: the input used twice.
  gradcheck([](auto& v) { return transpose(v[0], 0, 1) * transpose(v[0], 1, 0); }, {random_tensor({3, 3}, gen)});
  Var x(Tensor::zeros({2, 3, 4}));
  CHECK_THROWS_WITH_AS(permute(x, {0, 1}), "permute: axes {0, 1} do not fit shape [2, 3, 4]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(permute(x, {0, 1, 1}), "permute: axes {0, 1, 1} are not a permutation for shape [2, 3, 4]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(transpose(x, 0, 3), "transpose: axis 3 out of range for shape [2, 3, 4]", std::invalid_argument);
}

TEST_CASE("concat: values, gradients, errors") {
  Var a(iota({2, 2}));
  Var b = Var(iota({2, 3})) * 10.f + 100.f;
  Var c = concat({a, b}, 1);
  CHECK(c.shape() == Shape{2, 5});
  CHECK(c.value().to_vector() == std::vector<float>{0, 1, 100, 110, 120, 2, 3, 130, 140, 150});
  Var r = concat({a, Var(iota({1, 2}))}, 0);
  CHECK(r.value().to_vector() == std::vector<float>{0, 1, 2, 3, 0, 1});
  CHECK(concat({a}, -1).value().to_vector() == a.value().to_vector());
  Generator gen(4);
  gradcheck([](auto& v) { return concat({v[0], v[1], v[2]}, 1); },
            {random_tensor({2, 3, 4}, gen), random_tensor({2, 1, 4}, gen), random_tensor({2, 5, 4}, gen)});
  gradcheck([](auto& v) { return concat({v[0], v[1]}, 0); }, {random_tensor({3, 4}, gen), random_tensor({2, 4}, gen)});
  gradcheck([](auto& v) { return concat({v[0], v[1]}, -1); }, {random_tensor({3, 4}, gen), random_tensor({3, 2}, gen)});
  gradcheck([](auto& v) { return concat({v[0], v[0], v[1]}, 1); },  // an input twice: accumulates
            {random_tensor({2, 2}, gen), random_tensor({2, 0}, gen)});  // and an empty one
  // Many inputs (more than the 4 inline input slots of a node), some not requiring gradients.
  gradcheck(
      [](auto& v) {
        std::vector<Var> xs;
        for (int i = 0; i < 7; ++i) xs.push_back(i % 3 == 0 ? Var(iota({2, 3})) : v[i % 2] * float(i));
        return concat(std::span<const Var>(xs), 0);
      },
      {random_tensor({2, 3}, gen), random_tensor({2, 3}, gen)});
  CHECK_THROWS_WITH_AS(concat({a, b}, 0), "concat: shapes differ outside axis 0: [2, 2] and [2, 3]",
                       std::invalid_argument);
  CHECK_THROWS_AS(concat({a, Var(Tensor::zeros({2}))}, 0), std::invalid_argument);
  CHECK_THROWS_AS(concat(std::span<const Var>(), 0), std::invalid_argument);
}

TEST_CASE("stack: values, many inputs, gradients") {
  Var a(iota({2, 3}));
  Var b = Var(iota({2, 3})) + 10.f;
  CHECK(stack({a, b}, 0).shape() == Shape{2, 2, 3});
  CHECK(stack({a, b}, 0).value().to_vector() ==
        std::vector<float>{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  CHECK(stack({a, b}, 1).shape() == Shape{2, 2, 3});
  CHECK(stack({a, b}, 1).value().to_vector() ==
        std::vector<float>{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15});
  CHECK(stack({a, b}, -1).shape() == Shape{2, 3, 2});
  CHECK(stack({a, b}, 2).value().to_vector() ==
        std::vector<float>{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});
  Generator gen(6);
  // RNN outputs over time: T steps of [B, H] -> [B, T, H].
  std::vector<Tensor> steps;
  for (int t = 0; t < 9; ++t) steps.push_back(random_tensor({2, 3}, gen));
  for (int axis : {0, 1, 2})
    gradcheck([=](auto& v) { return stack(std::span<const Var>(v), axis); }, steps);
  gradcheck([](auto& v) { return stack({v[0], v[1], v[0]}, 1); }, {random_tensor({4}, gen), random_tensor({4}, gen)});
  CHECK_THROWS_WITH_AS(stack({a, Var(Tensor::zeros({3, 2}))}, 0), "stack: shapes differ: [2, 3] and [3, 2]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(stack({a, b}, 3), "stack: axis 3 out of range for shape [2, 3]", std::invalid_argument);
}

TEST_CASE("slice, split, chunk: values, views, gradients, errors") {
  Var x(iota({3, 4}));
  Var s0 = slice(x, 0, 1, 3);
  CHECK(s0.shape() == Shape{2, 4});
  CHECK(s0.value().shares_storage(x.value()));  // along axis 0: a view
  CHECK(s0.value().to_vector() == std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11});
  Var s1 = slice(x, -1, 1, 3);
  CHECK(s1.value().to_vector() == std::vector<float>{1, 2, 5, 6, 9, 10});
  CHECK(slice(x, 1, 2, 2).shape() == Shape{3, 0});
  auto parts = split(x, 1, {1, 3});
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].value().to_vector() == std::vector<float>{0, 4, 8});
  CHECK(parts[1].shape() == Shape{3, 3});
  auto gates = chunk(Var(iota({2, 8})), 1, 4);
  REQUIRE(gates.size() == 4);
  CHECK(gates[3].value().to_vector() == std::vector<float>{6, 7, 14, 15});

  Generator gen(8);
  Tensor t = random_tensor({3, 5, 4}, gen);
  for (int axis = 0; axis < 3; ++axis) {
    CAPTURE(axis);
    gradcheck([=](auto& v) { return slice(v[0], axis, 1, 3); }, {t});
  }
  gradcheck([](auto& v) { return slice(v[0], 1, 0, 5); }, {t});
  gradcheck([](auto& v) {  // split then reassemble out of order: every part's gradient, accumulated
    auto p = split(v[0], 1, {2, 1, 2});
    return concat({p[2], p[0] * p[2], p[1]}, 1);
  }, {t});
  gradcheck([](auto& v) {
    auto g = chunk(v[0], -1, 2);
    return g[0] * g[1];
  }, {t});
  gradcheck([](auto& v) { return slice(v[0], 1, 100, 30000); }, {random_tensor({2, 40000}, gen)},
            {.max_elements = 60});  // parallel

  CHECK_THROWS_WITH_AS(slice(x, 1, 3, 5), "slice: [3, 5) out of range for axis 1 of shape [3, 4]",
                       std::invalid_argument);
  CHECK_THROWS_AS(slice(x, 1, 2, 1), std::invalid_argument);
  CHECK_THROWS_AS(slice(x, 1, -1, 1), std::invalid_argument);
  CHECK_THROWS_WITH_AS(split(x, 1, {1, 2}), "split: sizes {1, 2} do not add up to axis 1 of shape [3, 4]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(chunk(x, 0, 2), "chunk: axis 0 of shape [3, 4] does not split into 2 equal parts",
                       std::invalid_argument);
}

TEST_CASE("shape ops: the same bits for 1 and 2 threads") {
  Generator gen(9);
  Tensor x = random_tensor({4, 60, 8, 32}, gen);
  Tensor w = random_tensor({4, 8, 60, 64}, gen);
  const int threads = num_threads();
  auto run = [&](int t) {
    set_num_threads(t);
    Var v(x, true);
    Var y = concat({permute(v, {0, 2, 1, 3}), transpose(v, 1, 2)}, 3);
    y.backward(w);
    return v.grad().to_vector();
  };
  auto one = run(1), two = run(2);
  set_num_threads(threads);
  CHECK(one == two);
}
