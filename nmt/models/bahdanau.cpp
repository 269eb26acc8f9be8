// RNNsearch (Bahdanau et al. 2015): see bahdanau.h.
#include "nmt/models/bahdanau.h"
#include "nmt/models/model_registry.h"
#include "nmt/models/rnn_seq2seq.h"

#include <stdexcept>

namespace nmt {

Bahdanau::Bahdanau(const ModelConfig& c, Generator& init) : EncoderDecoder(c) {
  require_positive("bahdanau", "embedding_size", c.embedding_size);
  require_positive("bahdanau", "rnn_layers", c.rnn_layers);
  if (c.hidden_size < 2 || c.hidden_size % 2 != 0)
    throw std::invalid_argument("bahdanau: hidden_size must be even (H/2 per encoder direction), got " +
                                std::to_string(c.hidden_size));
  const CellType cell = parse_cell(c.cell);
  if (cell == CellType::rnn) throw std::invalid_argument("bahdanau: cell must be lstm or gru, got 'rnn'");
  const int64_t e = c.embedding_size, h = c.hidden_size, he = h / 2;
  embedding_size_ = e;
  context_size_ = 2 * he;
  source_embedding_ = parameters_.add("source_embedding", rnn_embedding_table(c.vocab_size, e, init));
  target_embedding_ = parameters_.add("target_embedding", rnn_embedding_table(c.vocab_size, e, init));
  encoder_ = RnnEncoder(parameters_, "encoder", cell, e, he, c.rnn_layers, true, init);
  bridge_h_ = Linear(parameters_, "bridge_h", he, h, init);
  if (cell == CellType::lstm) bridge_c_ = Linear(parameters_, "bridge_c", he, h, init);
  score_ = AttentionScore(parameters_, "attention", ScoreType::additive, h, context_size_, h, init);
  decoder_ = RecurrentLayer(parameters_, "decoder", cell, e + context_size_, h, init);
  readout_ = Linear(parameters_, "readout", h + context_size_ + e, h / 2, init);
  output_ = Linear(parameters_, "output", h / 2, c.vocab_size, init);
}

void Bahdanau::encode(const Tensor& source, RnnState& state, bool training) {
  const RnnSource src(config_.reverse_source ? reverse_source(source) : source);
  const float p = config_.dropout;
  Var x = dropout(embedding(source_embedding_, src.time_major), p, dropout_generator_, training);
  RnnEncoder::Output out = encoder_(x, src.masks, p, dropout_generator_, training);
  state.values() = dropout(out.annotations, p, dropout_generator_, training);  // h_j [B, S, 2 H_e]
  state.keys() = score_.prepare(state.values());                                // U_a h_j, once
  state.padding() = Var(src.padding);
  state.set_lengths(src.lengths);
  const RecurrentState& backward = out.backward.back();  // h<-_1: the backward RNN's last state
  RecurrentState s0{tanh(bridge_h_(backward.h)), Var()};
  if (backward.c.defined()) s0.c = tanh(bridge_c_(backward.c));
  state.set_layer(0, s0);
}

Var Bahdanau::attend_and_step(const Var& e_proj, RnnState& state, Var* weights) {
  const RecurrentState s = state.layer(0);
  const int64_t n = s.h.dim(0);
  Var scores = score_(reshape(s.h, {n, 1, s.h.dim(1)}), state.keys());  // e_ij from s_{i-1}: [N, 1, S]
  Attended a = attend(scores, state.padding().value(), state.values());
  Var c = reshape(a.context, {n, context_size_});
  state.set_layer(0, decoder_.step(e_proj + decoder_.project_rows(c, embedding_size_, embedding_size_ + context_size_), s));
  *weights = a.weights;
  return c;
}

Var Bahdanau::readout(const Var& s, const Var& c, const Var& e, bool training) {
  return dropout(tanh(readout_(concat({s, c, e}, -1))), config_.dropout, dropout_generator_, training);
}

Var Bahdanau::logits(const Tensor& source, const Tensor& target_input, bool training) {
  if (source.rank() != 2 || target_input.rank() != 2 || source.dim(0) != target_input.dim(0))
    shape_error("bahdanau", "needs source [B, S] and target [B, T], got", source.shape(), target_input.shape());
  RnnState state(1);
  encode(source, state, training);
  const int64_t steps = target_input.dim(1);
  // E y_{i-1} for every step, and its part of the decoder's input projection in one GEMM.
  Var e = dropout(embedding(target_embedding_, transpose_ids(target_input)), config_.dropout, dropout_generator_,
                  training);  // [T, B, E]
  Var e_proj = decoder_.project_rows(e, 0, embedding_size_, /*bias=*/true);
  std::vector<Var> s(static_cast<std::size_t>(steps)), c(static_cast<std::size_t>(steps));
  Var weights;
  for (int64_t i = 0; i < steps; ++i) {
    const Var xp = reshape(slice(e_proj, 0, i, i + 1), {e_proj.dim(1), e_proj.dim(2)});
    c[i] = attend_and_step(xp, state, &weights);
    s[i] = state.layer(0).h;
  }
  // The readout and output of every step at once: [T, B, .] -> [B, T, .] -> [B * T, V].
  Var r = readout(stack(s, 0), stack(c, 0), e, training);
  r = permute(r, {1, 0, 2});
  return output_(reshape(r, {r.dim(0) * r.dim(1), r.dim(2)}));
}

std::unique_ptr<DecoderState> Bahdanau::start(const Tensor& source, int beam) {
  NoGradGuard no_grad;
  auto state = std::make_unique<RnnState>(1);
  encode(source, *state, false);
  state->expand(beam);
  return state;
}

Tensor Bahdanau::step(DecoderState& base, const Tensor& previous_tokens) {
  NoGradGuard no_grad;
  auto& state = static_cast<RnnState&>(base);
  Var e = embedding(target_embedding_, previous_tokens);  // [N, E]
  Var weights;
  Var c = attend_and_step(decoder_.project_rows(e, 0, embedding_size_, true), state, &weights);
  if (state.keep_attention) state.attention() = reshape(weights, {weights.dim(0), weights.dim(2)});
  state.position++;
  const Var features = readout(state.layer(0).h, c, e, false);
  return base.output_log_probs(features, output_);
}

void Bahdanau::select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask) {
  state.select_outputs(output_.select(ids), mask);
}

Tensor Bahdanau::last_attention(const DecoderState& base, int, int) const {
  const auto& state = static_cast<const RnnState&>(base);
  const Var& a = state.attention();
  if (!a.defined()) return Tensor();
  return config_.reverse_source ? source_order_weights(a.value(), state.lengths()) : a.value();
}

// The registration (model_registry.h).
ModelType bahdanau_model_type() {
  return {"bahdanau",
          "RNNsearch, Bahdanau et al. 2015",
          {model_setting("cell", "gru | lstm", one_of({"gru", "lstm"})),
           model_setting("embedding_size", "embedding width", at_least(1)),
           model_setting("hidden_size", "decoder state width; even: each encoder direction has half",
                         with(at_least(2),
                              [](const ModelConfig& c) -> std::optional<RuleBreach> {
                                if (c.hidden_size % 2 == 0) return std::nullopt;
                                return RuleBreach{"must be even (each encoder direction has half)", ""};
                              })),
           model_setting("rnn_layers", "stacked bidirectional encoder layers", at_least(1)),
           model_setting("dropout", "dropout probability", below_one()),
           model_setting("reverse_source",
                         "read the source backwards (attention, alignments and positions still refer to the "
                         "source as written)")},
          [](const ModelConfig& c, Generator& init) { return std::make_unique<Bahdanau>(c, init); },
          [](const ModelConfig& c) {
            return " (" + c.cell + ", hidden " + std::to_string(c.hidden_size) + ", " +
                   std::to_string(c.rnn_layers) + (c.rnn_layers == 1 ? " encoder layer" : " encoder layers") +
                   (c.reverse_source ? ", reversed source)" : ")");
          }};
}

}  // namespace nmt
