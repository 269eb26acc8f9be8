// The output layer restricted to some words of the vocabulary (a vocabulary shortlist,
// nmt/search/shortlist.h): logits = y W[:, ids] (+ b[ids]) for the ids only. The weight's columns
// (or, for tied embeddings, the embedding's rows) and the bias are gathered once, when a batch's
// shortlist is chosen, into a contiguous matrix; in int8 decoding (blas::Precision::int8) the
// weight's int8 copy's columns are gathered instead (the same integers and scales). Every logit
// is computed exactly as the whole layer computes it, so with every word selected the result is
// the whole layer's, bit for bit.
#pragma once

#include <cstdint>
#include <span>

#include "nmt/autograd/ops.h"
#include "nmt/tensor/blas.h"

namespace nmt {

class SelectedOutput {
 public:
  // weight: [d, V] (a Linear layer's, words_are_rows false) or [V, d] (a tied embedding, true);
  // bias: [V] or nullptr. ids: the selected words, each < V.
  SelectedOutput(const Tensor& weight, bool words_are_rows, const Tensor* bias, std::span<const int32_t> ids)
      : words_are_rows_(words_are_rows) {
    const int64_t d = words_are_rows ? weight.dim(1) : weight.dim(0);
    const int64_t vocab = words_are_rows ? weight.dim(0) : weight.dim(1);
    const int64_t count = static_cast<int64_t>(ids.size());
    for (int32_t id : ids)
      if (id < 0 || id >= vocab)
        throw std::out_of_range("selected output: word " + std::to_string(id) + " of a vocabulary of " + std::to_string(vocab));
    int8_ = blas::precision() == blas::Precision::int8;
    if (int8_) {
      const blas::int8::PackedB& whole = blas::int8_weight(words_are_rows, d, vocab, weight.f32());
      blas::int8::gather_columns(whole, ids.data(), count, packed_);
    } else {
      weight_ = Tensor::empty(words_are_rows ? Shape{count, d} : Shape{d, count});
      const float* w = weight.f32();
      float* out = weight_.f32();
      for (int64_t j = 0; j < count; ++j)
        if (words_are_rows)
          std::copy(w + ids[j] * d, w + (ids[j] + 1) * d, out + j * d);
        else
          for (int64_t k = 0; k < d; ++k) out[k * count + j] = w[k * vocab + ids[j]];
    }
    if (bias) {
      bias_ = Tensor::empty({count});
      for (int64_t j = 0; j < count; ++j) bias_.f32()[j] = bias->f32()[ids[j]];
    }
  }

  // y [N, d] -> logits [N, ids.size()]
  Var operator()(const Var& y) const {
    Var logits;
    if (int8_) {
      Tensor out = Tensor::empty({y.dim(0), packed_.n});
      blas::gemm_int8_packed(y.dim(0), y.value().f32(), packed_, out.f32());
      logits = Var(std::move(out));
    } else {
      logits = matmul(y, Var(weight_), false, words_are_rows_);
    }
    return bias_.defined() ? logits + Var(bias_) : logits;
  }

 private:
  bool words_are_rows_ = false, int8_ = false;
  Tensor weight_;  // float32: the selected rows [count, d] or columns [d, count]
  blas::int8::PackedB packed_;
  Tensor bias_;
};

}  // namespace nmt
