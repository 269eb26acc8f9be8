// Luong et al. 2015 attention: see luong.h.
#include "nmt/models/luong.h"
#include "nmt/models/model_registry.h"
#include "nmt/models/rnn_seq2seq.h"

#include <stdexcept>

namespace nmt {

Luong::Luong(const ModelConfig& c, Generator& init) : EncoderDecoder(c) {
  require_positive("luong", "embedding_size", c.embedding_size);
  require_positive("luong", "hidden_size", c.hidden_size);
  require_positive("luong", "rnn_layers", c.rnn_layers);
  if (c.attention == "global") window_ = Window::global;
  else if (c.attention == "local-m") window_ = Window::local_m;
  else if (c.attention == "local-p") window_ = Window::local_p;
  else throw std::invalid_argument("luong: unknown attention '" + c.attention + "' (global, local-m or local-p)");
  if (window_ != Window::global) require_positive("luong", "window (D of local attention)", c.window);
  const CellType cell = parse_cell(c.cell);
  const int64_t e = c.embedding_size, h = c.hidden_size;
  embedding_size_ = e;
  hidden_ = h;
  source_embedding_ = parameters_.add("source_embedding", rnn_embedding_table(c.vocab_size, e, init));
  target_embedding_ = parameters_.add("target_embedding", rnn_embedding_table(c.vocab_size, e, init));
  encoder_ = RnnEncoder(parameters_, "encoder", cell, e, h, c.rnn_layers, false, init);
  for (int l = 0; l < c.rnn_layers; ++l) {
    const int64_t in = l > 0 ? h : c.input_feeding ? e + h : e;
    decoder_.emplace_back(parameters_, "decoder." + std::to_string(l), cell, in, h, init);
  }
  score_ = AttentionScore(parameters_, "attention", parse_score(c.score), h, h, h, init);
  if (window_ == Window::local_p) position_ = PredictivePosition(parameters_, "attention.position", h, init);
  combine_ = Linear(parameters_, "attentional", 2 * h, h, init, /*bias=*/false);
  output_ = Linear(parameters_, "output", h, c.vocab_size, init);
}

static Var lengths_as_var(std::span<const int32_t> lengths) {
  Tensor t = Tensor::empty({static_cast<int64_t>(lengths.size()), 1, 1});
  for (std::size_t i = 0; i < lengths.size(); ++i) t.f32()[i] = static_cast<float>(lengths[i]);
  return Var(t);
}

void Luong::encode(const Tensor& source, RnnState& state, bool training) {
  const RnnSource src(config_.reverse_source ? reverse_source(source) : source);
  const float p = config_.dropout;
  Var x = dropout(embedding(source_embedding_, src.time_major), p, dropout_generator_, training);
  RnnEncoder::Output out = encoder_(x, src.masks, p, dropout_generator_, training);
  state.values() = dropout(out.annotations, p, dropout_generator_, training);  // h_s [B, S, H]
  state.keys() = score_.prepare(state.values());
  state.padding() = Var(src.padding);
  state.set_lengths(src.lengths);
  if (window_ == Window::local_p) state.length_values() = lengths_as_var(src.lengths);
  for (std::size_t l = 0; l < out.forward.size(); ++l) state.set_layer(l, out.forward[l]);
  state.position = 0;
}

Var Luong::attentional(const Var& h, const RnnState& state, int64_t first_t, Var* weights, Var* positions) {
  const int64_t source_len = state.values().dim(1);
  Var scores = score_(h, state.keys());  // [B, T, S]
  Attended a;
  switch (window_) {
    case Window::global: a = attend(scores, state.padding(), state.values()); break;
    case Window::local_m:
      a = attend(scores, local_m_mask(state.lengths(), first_t, h.dim(1), source_len, config_.window),
                 state.values());
      break;
    case Window::local_p: {
      Var p = position_(h, state.length_values());  // [B, T, 1]
      Var w = softmax(scores, local_p_mask(p.value(), state.lengths(), source_len, config_.window)) *
              gaussian_window(p, source_len, config_.window);
      a = {batched_matmul(w, state.values()), w};
      if (positions) *positions = p;
      break;
    }
  }
  *weights = a.weights;
  return tanh(combine_(concat({a.context, h}, -1)));  // h~_t = tanh(W_c [c_t; h_t])
}

Var Luong::decode_step(const Var& e_proj, RnnState& state, bool training, Var* weights) {
  const float p = config_.dropout;
  Var x = e_proj;
  if (config_.input_feeding)
    x = x + decoder_[0].project_rows(state.feed(), embedding_size_, embedding_size_ + hidden_);
  Var h;
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    if (l > 0) x = decoder_[l].project(dropout(h, p, dropout_generator_, training));
    const RecurrentState s = decoder_[l].step(x, state.layer(l));
    state.set_layer(l, s);
    h = s.h;
  }
  h = dropout(h, p, dropout_generator_, training);
  const int64_t n = h.dim(0);
  Var positions;
  Var attended =
      reshape(attentional(reshape(h, {n, 1, hidden_}), state, state.position, weights, &positions), {n, hidden_});
  if (state.keep_attention && positions.defined()) state.positions() = reshape(positions, {n});  // for the search
  state.position++;
  if (config_.input_feeding) state.feed() = attended;
  return attended;
}

Var Luong::logits(const Tensor& source, const Tensor& target_input, bool training) {
  if (source.rank() != 2 || target_input.rank() != 2 || source.dim(0) != target_input.dim(0))
    shape_error("luong", "needs source [B, S] and target [B, T], got", source.shape(), target_input.shape());
  RnnState state(decoder_.size());
  encode(source, state, training);
  const float p = config_.dropout;
  const int64_t b = source.dim(0), steps = target_input.dim(1);
  Var e = dropout(embedding(target_embedding_, transpose_ids(target_input)), p, dropout_generator_, training);
  Var attended, weights;  // h~ [B, T, H]
  if (!config_.input_feeding) {
    Var y = e;  // every layer over all steps at once, then attention for all steps at once
    for (std::size_t l = 0; l < decoder_.size(); ++l) {
      if (l > 0) y = dropout(y, p, dropout_generator_, training);
      RecurrentState s = state.layer(l);
      y = decoder_[l].run(decoder_[l].project(y), s, {}, false);
      state.set_layer(l, s);
    }
    y = dropout(permute(y, {1, 0, 2}), p, dropout_generator_, training);  // [B, T, H]
    attended = attentional(y, state, 0, &weights, nullptr);
  } else {
    state.feed() = Var(Tensor::zeros({b, hidden_}));  // h~_0 = 0
    Var e_proj = decoder_[0].project_rows(e, 0, embedding_size_, /*bias=*/true);  // [T, B, G]
    std::vector<Var> outputs(static_cast<std::size_t>(steps));
    for (int64_t t = 0; t < steps; ++t)
      outputs[t] = decode_step(reshape(slice(e_proj, 0, t, t + 1), {b, e_proj.dim(2)}), state, training, &weights);
    attended = stack(outputs, 1);  // [B, T, H]
  }
  attended = dropout(attended, p, dropout_generator_, training);
  return output_(reshape(attended, {b * steps, hidden_}));
}

std::unique_ptr<DecoderState> Luong::start(const Tensor& source, int beam) {
  NoGradGuard no_grad;
  auto state = std::make_unique<RnnState>(decoder_.size());
  encode(source, *state, false);
  if (config_.input_feeding) state->feed() = Var(Tensor::zeros({source.dim(0), hidden_}));  // h~_0 = 0
  state->expand(beam);
  return state;
}

Tensor Luong::step(DecoderState& base, const Tensor& previous_tokens) {
  NoGradGuard no_grad;
  auto& state = static_cast<RnnState&>(base);
  Var e = embedding(target_embedding_, previous_tokens);  // [N, E]
  Var weights;
  Var attended = decode_step(decoder_[0].project_rows(e, 0, embedding_size_, true), state, false, &weights);
  if (state.keep_attention) {
    const Tensor w = reshape(weights, {weights.dim(0), weights.dim(2)}).value();
    state.attention() = Var(window_ == Window::local_p ? normalized_rows(w) : w);
  }
  const Var features = attended;
  return base.output_log_probs(features, output_);
}

void Luong::select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask) {
  state.select_outputs(output_.select(ids), mask);
}

Tensor Luong::last_attention(const DecoderState& base, int, int) const {
  const auto& state = static_cast<const RnnState&>(base);
  const Var& a = state.attention();
  if (!a.defined()) return Tensor();
  return config_.reverse_source ? source_order_weights(a.value(), state.lengths()) : a.value();
}

Tensor Luong::last_positions(const DecoderState& base) const {
  const auto& state = static_cast<const RnnState&>(base);
  const Var& p = state.positions();
  if (!p.defined()) return Tensor();
  return config_.reverse_source ? source_order_positions(p.value(), state.lengths()) : p.value();
}

// The registration (model_registry.h).
ModelType luong_model_type() {
  return {"luong",
          "global or local attention, Luong et al. 2015",
          {model_setting("cell", "rnn | gru | lstm", one_of({"rnn", "gru", "lstm"})),
           model_setting("embedding_size", "embedding width", at_least(1)),
           model_setting("hidden_size", "hidden state width", at_least(1)),
           model_setting("rnn_layers", "stacked layers", at_least(1)),
           model_setting("dropout", "dropout probability", below_one()),
           model_setting("reverse_source",
                         "read the source backwards, as Luong et al. trained every model (their Table 1); "
                         "attention, alignments and positions still refer to the source as written"),
           model_setting("attention", "global | local-m | local-p", one_of({"global", "local-m", "local-p"})),
           model_setting("score", "dot | general | concat", one_of({"dot", "general", "concat"})),
           model_setting("input_feeding", "feed the attentional vector to the next step"),
           // The window [p - D, p + D] holds at least the aligned position p (Luong et al. 2015, 3.2).
           model_setting("window", "local attention: half-width D (global ignores it)",
                         with(at_least(0),
                              [](const ModelConfig& c) -> std::optional<RuleBreach> {
                                if (c.attention == "global" || c.window >= 1) return std::nullopt;
                                return RuleBreach{"must be at least 1 with", "attention"};
                              }))},
          [](const ModelConfig& c, Generator& init) { return std::make_unique<Luong>(c, init); },
          [](const ModelConfig& c) {
            return " (" + c.cell + ", " + std::to_string(c.rnn_layers) + (c.rnn_layers == 1 ? " layer" : " layers") +
                   ", hidden " + std::to_string(c.hidden_size) + ", " + c.attention + " attention, " + c.score +
                   " score" +
                   (c.input_feeding ? ", input feeding" : "") + (c.reverse_source ? ", reversed source)" : ")");
          }};
}

}  // namespace nmt
