// Shape ops: reshape, transpose / permute, concat / stack, slice / split (formulas in
// ops_shape.h). Every kernel here is a copy, or, in backward with accumulation, an add;
// each output element is written by one thread, so results never depend on the thread count.
#include "nmt/autograd/ops_shape.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nmt/autograd/parallel.h"
#include "nmt/tensor/kernel_dispatch.h"

namespace nmt {

int normalize_axis(const char* op, const Shape& shape, int axis, bool allow_end) {
  const int r = shape.rank() + (allow_end ? 1 : 0);
  const int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " out of range for shape " +
                                shape.str());
  return a;
}

namespace {

template <class T>
std::string list_str(std::span<const T> values) {
  std::string s = "{";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "}";
}

// dst (=|+=) src, n floats.
NMT_KERNEL void copy_or_add(float* dst, const float* src, int64_t n, bool accumulate) {
  if (accumulate)
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
  else
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}

// dst (=|+=) src for large n, split over threads.
void copy_or_add_parallel(float* dst, const float* src, int64_t n, bool accumulate) {
  parallel_chunks(n, [&](int64_t b, int64_t e) { copy_or_add(dst + b, src + b, e - b, accumulate); });
}

// ---- reshape --------------------------------------------------------------------------------

// dx (=|+=) dy: same elements, another shape.
void reshape_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate))
    copy_or_add_parallel(dx->f32(), node.grad.f32(), dx->numel(), accumulate);
}

// ---- permute --------------------------------------------------------------------------------

// The output's axes after dropping extents of 1 and merging neighbours that are also neighbours
// (in the same order) in the input: extent and input stride of each, row-major.
struct PermutePlan {
  int rank = 0;
  int64_t extent[Shape::kMaxRank];
  int64_t stride[Shape::kMaxRank];

  PermutePlan(const Shape& in, const int* axes) {
    int64_t in_stride[Shape::kMaxRank];
    int64_t s = 1;
    for (int i = in.rank() - 1; i >= 0; --i) {
      in_stride[i] = s;
      s *= in[i];
    }
    for (int i = 0; i < in.rank(); ++i) {
      const int64_t e = in[axes[i]], st = in_stride[axes[i]];
      if (e == 1) continue;
      if (rank > 0 && stride[rank - 1] == st * e) {  // (a, b) -> a * (st * e) + b * st: one axis
        extent[rank - 1] *= e;
        stride[rank - 1] = st;
        continue;
      }
      extent[rank] = e;
      stride[rank] = st;
      ++rank;
    }
    if (rank == 0) {
      rank = 1;
      extent[0] = 1;
      stride[0] = 1;
    }
  }
  // Input offset of output row r, where r counts over the first `leading` merged axes.
  int64_t offset(int64_t r, int leading) const {
    int64_t off = 0;
    for (int i = leading - 1; i >= 0; --i) {
      off += (r % extent[i]) * stride[i];
      r /= extent[i];
    }
    return off;
  }
};

// out[j] (=|+=) in[j * step], j < n: one output row gathered with a stride.
NMT_KERNEL void strided_row(float* out, const float* in, int64_t n, int64_t step, bool accumulate) {
  if (accumulate)
    for (int64_t j = 0; j < n; ++j) out[j] += in[j * step];
  else
    for (int64_t j = 0; j < n; ++j) out[j] = in[j * step];
}

// Output rows [a0, a1) of the transpose of one input block [n, m] (row stride m) into an
// output block [m, n], in tiles of kTile x kTile that keep the rows read and written in cache.
constexpr int64_t kTile = 8;  // 32 or 16 suffer cache-set conflicts at power-of-two strides
NMT_KERNEL void transpose_rows(const float* src, float* dst, int64_t m, int64_t n, int64_t a0, int64_t a1,
                               bool accumulate) {
  for (int64_t b0 = 0; b0 < n; b0 += kTile) {
    const int64_t b1 = std::min(n, b0 + kTile);
    for (int64_t a = a0; a < a1; ++a) {
      float* o = dst + a * n;
      if (accumulate)
        for (int64_t b = b0; b < b1; ++b) o[b] += src[b * m + a];
      else
        for (int64_t b = b0; b < b1; ++b) o[b] = src[b * m + a];
    }
  }
}

// out (=|+=) x permuted as described by the plan; `total` elements.
void permute_into(const float* in, const PermutePlan& p, float* out, int64_t total, bool accumulate) {
  if (total == 0) return;
  const int r = p.rank;
  const int64_t n = p.extent[r - 1], step = p.stride[r - 1];
  if (step == 1) {
    // The last axis stays last: copy whole rows (e.g. [B, T, H, D] -> [B, H, T, D]).
    parallel_for(total / n, total, [&](int64_t row) {
      copy_or_add(out + row * n, in + p.offset(row, r - 1), n, accumulate);
    });
  } else if (r >= 2 && p.stride[r - 2] == 1 && step == p.extent[r - 2]) {
    // A batch of 2-D transposes: input blocks [n, m] -> output blocks [m, n], tiled.
    const int64_t m = p.extent[r - 2];
    const int64_t tiles = (m + kTile - 1) / kTile;
    parallel_for(total / (m * n) * tiles, total, [&](int64_t t) {
      const int64_t batch = t / tiles, a0 = (t % tiles) * kTile;
      transpose_rows(in + p.offset(batch, r - 2), out + batch * m * n, m, n, a0, std::min(m, a0 + kTile),
                     accumulate);
    });
  } else {
    // General: each output row gathers with a stride.
    parallel_for(total / n, total, [&](int64_t row) {
      strided_row(out + row * n, in + p.offset(row, r - 1), n, step, accumulate);
    });
  }
}

// What the backward reads: the permutation (output axis i is input axis axes[i]) and the rank.
struct PermuteRecord {
  int8_t axes[Shape::kMaxRank];
  int rank;
};

void permute_backward(Node& node) {
  bool accumulate;
  if (Tensor* dx = node.input_grad(0, &accumulate)) {
    const PermuteRecord& record = node.record<PermuteRecord>();
    const int r = record.rank;
    int inverse[Shape::kMaxRank];
    for (int i = 0; i < r; ++i) inverse[record.axes[i]] = i;
    PermutePlan plan(node.grad.shape(), inverse);
    permute_into(node.grad.f32(), plan, dx->f32(), dx->numel(), accumulate);
  }
}

Var permute_impl(const char* name, const Var& x, std::span<const int> axes) {
  const Shape& in = x.shape();
  const int r = in.rank();
  if (static_cast<int>(axes.size()) != r)
    throw std::invalid_argument(std::string(name) + ": axes " + list_str(axes) + " do not fit shape " + in.str());
  int norm[Shape::kMaxRank];
  bool seen[Shape::kMaxRank] = {};
  for (int i = 0; i < r; ++i) {
    norm[i] = normalize_axis(name, in, axes[i]);
    if (seen[norm[i]])
      throw std::invalid_argument(std::string(name) + ": axes " + list_str(axes) + " are not a permutation for shape " +
                                  in.str());
    seen[norm[i]] = true;
  }
  Shape out_shape;
  for (int i = 0; i < r; ++i) out_shape.push_back(in[norm[i]]);
  Tensor out = Tensor::empty(out_shape);
  PermutePlan plan(in, norm);
  permute_into(x.value().f32(), plan, out.f32(), out.numel(), false);
  Var y = Var::make_result(name, std::move(out), {x}, permute_backward, ValueReads::none);
  if (Node* node = y.recording()) {
    PermuteRecord& record = node->emplace_record<PermuteRecord>();
    for (int i = 0; i < r; ++i) record.axes[i] = static_cast<int8_t>(norm[i]);
    record.rank = r;
  }
  return y;
}

// ---- concat and stack -----------------------------------------------------------------------

// Both view the output as `outer` rows of `row` elements, each made of one piece per input:
// input k contributes its own rows of numel_k / outer elements (concat: n_k * inner;
// stack: inner). The backward reads `outer` and `row` from its record.
struct JoinRecord {
  int64_t outer, row;
};

Var join(const char* name, std::span<const Var> xs, int64_t outer, Shape out_shape, BackwardFn backward) {
  Tensor out = Tensor::empty(out_shape);
  const int64_t total = out.numel();
  const int64_t row = outer > 0 ? total / outer : 0;
  float* o = out.f32();
  parallel_for(outer, total, [&](int64_t r) {
    int64_t offset = 0;
    for (const Var& x : xs) {
      const Tensor& v = x.value();
      const int64_t len = v.numel() / outer;
      std::memcpy(o + r * row + offset, v.f32() + r * len, static_cast<std::size_t>(len) * sizeof(float));
      offset += len;
    }
  });
  Var y = Var::make_result(name, std::move(out), xs, backward, ValueReads::none);
  if (Node* node = y.recording()) node->emplace_record<JoinRecord>(outer, row);
  return y;
}

// dx_k[r, :] (=|+=) dy[r, offset_k : offset_k + len_k].
void join_backward(Node& node) {
  const JoinRecord& record = node.record<JoinRecord>();
  const int64_t outer = record.outer, row = record.row;
  if (outer == 0) return;
  const float* g = node.grad.f32();
  int64_t offset = 0;
  for (int k = 0; k < node.input_count; ++k) {
    const int64_t len = node.input(k)->value.numel() / outer;
    bool accumulate;
    if (Tensor* dx = node.input_grad(k, &accumulate)) {
      float* d = dx->f32();
      parallel_for(outer, outer * len, [&](int64_t r) { copy_or_add(d + r * len, g + r * row + offset, len, accumulate); });
    }
    offset += len;
  }
}

// ---- slice ----------------------------------------------------------------------------------

// What the backward reads: x viewed as [outer, row], and the slice as `len` elements of each
// row starting at `offset`.
struct SliceRecord {
  int64_t outer, row, offset, len;
};

// dx[r, offset : offset + len] (=|+=) dy[r, :], and = 0 elsewhere when not accumulating.
void slice_backward(Node& node) {
  bool accumulate;
  Tensor* dx = node.input_grad(0, &accumulate);
  if (!dx) return;
  const SliceRecord& record = node.record<SliceRecord>();
  const int64_t outer = record.outer, row = record.row, offset = record.offset, len = record.len;
  const float* g = node.grad.f32();
  float* d = dx->f32();
  parallel_for(outer, outer * row, [&](int64_t r) {
    float* dr = d + r * row;
    if (!accumulate) {
      std::memset(dr, 0, static_cast<std::size_t>(offset) * sizeof(float));
      std::memset(dr + offset + len, 0, static_cast<std::size_t>(row - offset - len) * sizeof(float));
    }
    copy_or_add(dr + offset, g + r * len, len, accumulate);
  });
}

}  // namespace

// ---- public ops -----------------------------------------------------------------------------

Var reshape(const Var& x, const Shape& shape) {
  if (shape.numel() != x.numel()) shape_error("reshape", "element counts differ:", x.shape(), shape);
  Var y = Var::make_result("reshape", x.value().reshape(shape), {x}, reshape_backward, ValueReads::none);
  y.node()->views_parameter = x.node()->views_parameter;  // a view
  return y;
}

Var reshape(const Var& x, std::span<const int64_t> dims) {
  auto fail = [&]() {
    throw std::invalid_argument("reshape: cannot view " + x.shape().str() + " as " + list_str(dims));
  };
  if (dims.size() > static_cast<std::size_t>(Shape::kMaxRank)) fail();
  int inferred = -1;
  int64_t known = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1 && inferred < 0)
      inferred = static_cast<int>(i);
    else if (dims[i] < 0)
      fail();
    else
      known *= dims[i];
  }
  Shape shape;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (static_cast<int>(i) != inferred) {
      shape.push_back(dims[i]);
    } else {
      if (known == 0 || x.numel() % known != 0) fail();
      shape.push_back(x.numel() / known);
    }
  }
  if (shape.numel() != x.numel()) fail();
  return reshape(x, shape);
}

Var reshape(const Var& x, std::initializer_list<int64_t> dims) {
  return reshape(x, std::span<const int64_t>(dims.begin(), dims.size()));
}

Var transpose(const Var& x, int a, int b) {
  const int r = x.rank();
  const int na = normalize_axis("transpose", x.shape(), a), nb = normalize_axis("transpose", x.shape(), b);
  int axes[Shape::kMaxRank];
  for (int i = 0; i < r; ++i) axes[i] = i;
  std::swap(axes[na], axes[nb]);
  return permute_impl("transpose", x, std::span<const int>(axes, r));
}

Var permute(const Var& x, std::span<const int> axes) { return permute_impl("permute", x, axes); }
Var permute(const Var& x, std::initializer_list<int> axes) {
  return permute_impl("permute", x, std::span<const int>(axes.begin(), axes.size()));
}

Var concat(std::span<const Var> xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("concat: no inputs");
  const Shape& first = xs[0].shape();
  if (first.rank() == 0) shape_error("concat", "needs at least one axis, got", first);
  const int a = normalize_axis("concat", first, axis);
  Shape out_shape = first;
  out_shape[a] = 0;
  for (const Var& x : xs) {
    const Shape& s = x.shape();
    bool fits = s.rank() == first.rank();
    for (int i = 0; fits && i < s.rank(); ++i) fits = i == a || s[i] == first[i];
    if (!fits) shape_error("concat", "shapes differ outside axis " + std::to_string(a) + ":", first, s);
    out_shape[a] += s[a];
  }
  return join("concat", xs, first.outer(a), out_shape, join_backward);
}
Var concat(std::initializer_list<Var> xs, int axis) { return concat(std::span<const Var>(xs.begin(), xs.size()), axis); }

Var stack(std::span<const Var> xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("stack: no inputs");
  const Shape& first = xs[0].shape();
  if (first.rank() == Shape::kMaxRank) shape_error("stack", "cannot add an axis to", first);
  const int a = normalize_axis("stack", first, axis, /*allow_end=*/true);
  for (const Var& x : xs)
    if (x.shape() != first) shape_error("stack", "shapes differ:", first, x.shape());
  Shape out_shape;
  int64_t outer = 1;
  for (int i = 0; i < first.rank(); ++i) {
    if (i == a) out_shape.push_back(static_cast<int64_t>(xs.size()));
    out_shape.push_back(first[i]);
    if (i < a) outer *= first[i];
  }
  if (a == first.rank()) out_shape.push_back(static_cast<int64_t>(xs.size()));
  return join("stack", xs, outer, out_shape, join_backward);
}
Var stack(std::initializer_list<Var> xs, int axis) { return stack(std::span<const Var>(xs.begin(), xs.size()), axis); }

Var slice(const Var& x, int axis, int64_t begin, int64_t end) {
  const Shape& s = x.shape();
  const int a = normalize_axis("slice", s, axis);
  if (begin < 0 || end < begin || end > s[a])
    throw std::invalid_argument("slice: [" + std::to_string(begin) + ", " + std::to_string(end) +
                                ") out of range for axis " + std::to_string(a) + " of shape " + s.str());
  const int64_t outer = s.outer(a), inner = s.inner(a), row = s[a] * inner, len = (end - begin) * inner;
  Tensor out;
  if (a == 0) {
    out = x.value().rows(begin, end);  // a view
  } else {
    Shape out_shape = s;
    out_shape[a] = end - begin;
    out = Tensor::empty(out_shape);
    const float* in = x.value().f32();
    float* o = out.f32();
    parallel_for(outer, outer * len, [&](int64_t r) {
      std::memcpy(o + r * len, in + r * row + begin * inner, static_cast<std::size_t>(len) * sizeof(float));
    });
  }
  Var y = Var::make_result("slice", std::move(out), {x}, slice_backward, ValueReads::none);
  y.node()->views_parameter = a == 0 && x.node()->views_parameter;  // a view only along axis 0
  if (Node* node = y.recording()) node->emplace_record<SliceRecord>(outer, row, begin * inner, len);
  return y;
}

std::vector<Var> split(const Var& x, int axis, std::span<const int64_t> sizes) {
  const int a = normalize_axis("split", x.shape(), axis);
  int64_t total = 0;
  bool valid = true;
  for (int64_t s : sizes) {
    valid = valid && s >= 0;
    total += s;
  }
  if (!valid || total != x.dim(a))
    throw std::invalid_argument("split: sizes " + list_str(sizes) + " do not add up to axis " + std::to_string(a) +
                                " of shape " + x.shape().str());
  std::vector<Var> parts;
  parts.reserve(sizes.size());
  int64_t begin = 0;
  for (int64_t s : sizes) {
    parts.push_back(slice(x, a, begin, begin + s));
    begin += s;
  }
  return parts;
}
std::vector<Var> split(const Var& x, int axis, std::initializer_list<int64_t> sizes) {
  return split(x, axis, std::span<const int64_t>(sizes.begin(), sizes.size()));
}

std::vector<Var> chunk(const Var& x, int axis, int64_t parts) {
  const int a = normalize_axis("chunk", x.shape(), axis);
  if (parts <= 0 || x.dim(a) % parts != 0)
    throw std::invalid_argument("chunk: axis " + std::to_string(a) + " of shape " + x.shape().str() +
                                " does not split into " + std::to_string(parts) + " equal parts");
  const int64_t size = x.dim(a) / parts;
  std::vector<Var> out;
  out.reserve(static_cast<std::size_t>(parts));
  for (int64_t p = 0; p < parts; ++p) out.push_back(slice(x, a, p * size, (p + 1) * size));
  return out;
}

}  // namespace nmt
