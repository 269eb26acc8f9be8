// The vanilla encoder-decoder (Sutskever et al. 2014; Cho et al. 2014): see rnn_seq2seq.h.
#include "nmt/models/rnn_seq2seq.h"
#include "nmt/models/model_registry.h"

#include <algorithm>

#include "nmt/layers/local_attention.h"
#include "tokenizer/special_ids.h"

namespace nmt {

Tensor reverse_source(const Tensor& ids) {
  constexpr int32_t eos = text::kEosId, pad = text::kPadId;
  Tensor out = ids.clone();
  const int64_t b = ids.dim(0), s = ids.dim(1);
  for (int64_t i = 0; i < b; ++i) {
    int32_t* row = out.i32() + i * s;
    int64_t end = 0;
    while (end < s && row[end] != pad) ++end;
    if (end > 0 && row[end - 1] == eos) --end;
    std::reverse(row, row + end);
  }
  return out;
}

Tensor source_order_weights(const Tensor& weights, std::span<const int32_t> lengths) {
  if (!weights.defined()) return weights;
  const int64_t s = weights.dim(weights.rank() - 1), n = weights.numel() / s;
  Tensor out = weights.clone();
  for (int64_t i = 0; i < n && i < static_cast<int64_t>(lengths.size()); ++i) {
    const int64_t reversed = std::min<int64_t>(lengths[i], s) - 1;  // the positions before the eos
    if (reversed > 1) std::reverse(out.f32() + i * s, out.f32() + i * s + reversed);
  }
  return out;
}

Tensor source_order_positions(const Tensor& positions, std::span<const int32_t> lengths) {
  if (!positions.defined()) return positions;
  Tensor out = positions.clone();
  for (int64_t i = 0; i < out.numel() && i < static_cast<int64_t>(lengths.size()); ++i) {
    const float last = static_cast<float>(lengths[i]) - 2.f;  // the last position before the eos
    float& p = out.f32()[i];
    if (p < last + 0.5f) p = std::max(0.f, last - p);
  }
  return out;
}

RnnSeq2Seq::RnnSeq2Seq(const ModelConfig& c, Generator& init) : EncoderDecoder(c) {
  require_positive("rnn", "embedding_size", c.embedding_size);
  require_positive("rnn", "hidden_size", c.hidden_size);
  require_positive("rnn", "rnn_layers", c.rnn_layers);
  const CellType cell = parse_cell(c.cell);
  source_embedding_ = parameters_.add("source_embedding", rnn_embedding_table(c.vocab_size, c.embedding_size, init));
  target_embedding_ = parameters_.add("target_embedding", rnn_embedding_table(c.vocab_size, c.embedding_size, init));
  encoder_ = RnnEncoder(parameters_, "encoder", cell, c.embedding_size, c.hidden_size, c.rnn_layers, false, init);
  for (int l = 0; l < c.rnn_layers; ++l)
    decoder_.emplace_back(parameters_, "decoder." + std::to_string(l), cell, l == 0 ? c.embedding_size : c.hidden_size,
                          c.hidden_size, init);
  output_ = Linear(parameters_, "output", c.hidden_size, c.vocab_size, init);
}

std::vector<RecurrentState> RnnSeq2Seq::encode(const Tensor& source, bool training) {
  const RnnSource src(config_.reverse_source ? reverse_source(source) : source);
  Var x = dropout(embedding(source_embedding_, src.time_major), config_.dropout, dropout_generator_, training);
  return encoder_(x, src.masks, config_.dropout, dropout_generator_, training).forward;
}

Var RnnSeq2Seq::logits(const Tensor& source, const Tensor& target_input, bool training) {
  if (source.rank() != 2 || target_input.rank() != 2 || source.dim(0) != target_input.dim(0))
    shape_error("rnn", "needs source [B, S] and target [B, T], got", source.shape(), target_input.shape());
  std::vector<RecurrentState> states = encode(source, training);
  const float p = config_.dropout;
  Var y = dropout(embedding(target_embedding_, transpose_ids(target_input)), p, dropout_generator_, training);
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    if (l > 0) y = dropout(y, p, dropout_generator_, training);
    y = decoder_[l].run(decoder_[l].project(y), states[l], {}, false);  // [T, B, H]
  }
  y = dropout(permute(y, {1, 0, 2}), p, dropout_generator_, training);  // [B, T, H]
  return output_(reshape(y, {y.dim(0) * y.dim(1), y.dim(2)}));
}

std::unique_ptr<DecoderState> RnnSeq2Seq::start(const Tensor& source, int beam) {
  NoGradGuard no_grad;
  auto state = std::make_unique<RnnState>(decoder_.size());
  const std::vector<RecurrentState> layers = encode(source, false);
  for (std::size_t l = 0; l < layers.size(); ++l) state->set_layer(l, layers[l]);
  state->set_lengths(sentence_lengths(source));
  state->source_width = source.dim(1);
  state->expand(beam);
  return state;
}

Tensor RnnSeq2Seq::step(DecoderState& base, const Tensor& previous_tokens) {
  NoGradGuard no_grad;
  auto& state = static_cast<RnnState&>(base);
  Var y = embedding(target_embedding_, previous_tokens);  // [N, E]
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    const RecurrentState s = decoder_[l].step(decoder_[l].project(y), state.layer(l));
    state.set_layer(l, s);
    y = s.h;
  }
  state.position++;
  const Var features = y;
  return base.output_log_probs(features, output_);
}

void RnnSeq2Seq::select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask) {
  state.select_outputs(output_.select(ids), mask);
}

// No attention: when asked for, weights spread evenly over each row's real source positions.
Tensor RnnSeq2Seq::last_attention(const DecoderState& base, int, int) const {
  const auto& state = static_cast<const RnnState&>(base);
  return state.keep_attention ? uniform_attention(state.lengths(), state.source_width) : Tensor();
}

// The registration (model_registry.h).
ModelType rnn_model_type() {
  return {"rnn",
          "no attention, Sutskever et al. 2014",
          {model_setting("cell", "rnn | gru | lstm", one_of({"rnn", "gru", "lstm"})),
           model_setting("embedding_size", "embedding width", at_least(1)),
           model_setting("hidden_size", "hidden state width", at_least(1)),
           model_setting("rnn_layers", "stacked layers", at_least(1)),
           model_setting("dropout", "dropout probability", below_one()),
           model_setting("reverse_source", "read the source backwards (Sutskever et al. 2014)")},
          [](const ModelConfig& c, Generator& init) { return std::make_unique<RnnSeq2Seq>(c, init); },
          [](const ModelConfig& c) {
            return " (" + c.cell + ", " + std::to_string(c.rnn_layers) + (c.rnn_layers == 1 ? " layer" : " layers") +
                   ", hidden " + std::to_string(c.hidden_size) + (c.reverse_source ? ", reversed source)" : ")");
          }};
}

}  // namespace nmt
