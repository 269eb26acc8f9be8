// A stacked, optionally bidirectional recurrent encoder over embedded source sentences.
//
//   layer 1:   h_t^1 = RNN^1(x_t, h_{t-1}^1)
//   layer l:   h_t^l = RNN^l(dropout(h_t^{l-1}), h_{t-1}^l)
//   bidirectional (Bahdanau et al. 2015, section 3.2): a forward RNN reads x_1 .. x_S, a
//   backward RNN reads x_S .. x_1, and the annotation h_j = [h->_j; h<-_j] concatenates them
//   (the next layer reads the concatenation).
// Each sentence's recurrences see only its own tokens: at padded steps the state is kept
// (RecurrentLayer's masks), so the forward final state is the one at the sentence's last token
// and the backward direction starts at it.
#pragma once

#include <string>
#include <vector>

#include "nmt/layers/recurrent.h"

namespace nmt {

class RnnEncoder {
 public:
  struct Output {
    Var annotations;                      // [B, S, H] (2H when bidirectional), top layer
    std::vector<RecurrentState> forward;  // final state of each layer's forward direction
    std::vector<RecurrentState> backward; // ... and of its backward direction (h<-_1)
  };

  RnnEncoder() = default;
  // Parameters <name>.<l>.forward.* and <name>.<l>.backward.* (see RecurrentLayer).
  RnnEncoder(ParameterStore& store, const std::string& name, CellType cell, int64_t input, int64_t hidden,
             int layers, bool bidirectional, Generator& init);

  // x: embedded source, time-major [S, B, input]; masks: step_masks of the source ids [S, B].
  // `dropout` applies between layers (not to x or to the output: the caller owns those).
  Output operator()(const Var& x, const std::vector<Tensor>& masks, float dropout, Generator& gen,
                    bool training) const;

  int64_t output_size() const { return bidirectional_ ? 2 * hidden_ : hidden_; }

 private:
  int64_t hidden_ = 0;
  bool bidirectional_ = false;
  std::vector<RecurrentLayer> forward_, backward_;
};

}  // namespace nmt
