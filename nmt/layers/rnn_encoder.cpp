// Stacked, optionally bidirectional recurrent encoder: see rnn_encoder.h.
#include "nmt/layers/rnn_encoder.h"

namespace nmt {

RnnEncoder::RnnEncoder(ParameterStore& store, const std::string& name, CellType cell, int64_t input, int64_t hidden,
                       int layers, bool bidirectional, Generator& init)
    : hidden_(hidden), bidirectional_(bidirectional) {
  for (int l = 0; l < layers; ++l) {
    const int64_t in = l == 0 ? input : output_size();
    const std::string prefix = name + "." + std::to_string(l);
    forward_.emplace_back(store, prefix + ".forward", cell, in, hidden, init);
    if (bidirectional) backward_.emplace_back(store, prefix + ".backward", cell, in, hidden, init);
  }
}

RnnEncoder::Output RnnEncoder::operator()(const Var& x, const std::vector<Tensor>& masks, float dropout_p,
                                          Generator& gen, bool training) const {
  Output out;
  const int64_t batch = x.dim(1);
  Var input = x;  // [S, B, in]
  for (std::size_t l = 0; l < forward_.size(); ++l) {
    if (l > 0) input = dropout(input, dropout_p, gen, training);
    RecurrentState f = forward_[l].zero_state(batch);
    Var h = forward_[l].run(forward_[l].project(input), f, masks, /*reverse=*/false);
    out.forward.push_back(f);
    if (bidirectional_) {
      RecurrentState b = backward_[l].zero_state(batch);
      Var hb = backward_[l].run(backward_[l].project(input), b, masks, /*reverse=*/true);
      out.backward.push_back(b);
      h = concat({h, hb}, 2);
    }
    input = h;
  }
  out.annotations = permute(input, {1, 0, 2});  // [S, B, .] -> [B, S, .]
  return out;
}

}  // namespace nmt
