#include "nmt/models/transformer.h"
#include "nmt/models/model_registry.h"

#include <cmath>
#include <limits>

#include "nmt/layers/positional_encoding.h"
#include "nmt/tensor/init.h"

namespace nmt {

static constexpr int32_t kPad = 0;
static constexpr float kHidden = -std::numeric_limits<float>::infinity();

Tensor padding_mask(const Tensor& ids) {
  const int64_t b = ids.dim(0), s = ids.dim(1);
  Tensor mask = Tensor::empty({b, 1, 1, s});
  for (int64_t i = 0; i < b * s; ++i) mask.f32()[i] = ids.i32()[i] == kPad ? kHidden : 0.f;
  return mask;
}

Tensor causal_mask(int64_t length) {
  Tensor mask = Tensor::empty({length, length});
  for (int64_t i = 0; i < length; ++i)
    for (int64_t j = 0; j < length; ++j) mask.f32()[i * length + j] = j > i ? kHidden : 0.f;
  return mask;
}

namespace {

struct TransformerState : DecoderState {
  int64_t position = 0;
  Tensor source_mask;                                      // [N, 1, 1, S]
  std::vector<MultiHeadAttention::KeysValues> memory;      // per decoder layer, [N, H, S, d_k]
  std::vector<MultiHeadAttention::KeysValues> self_cache;  // per decoder layer, [N, H, t, d_k]
  std::vector<Tensor> attention;                           // per decoder layer, [N, H, 1, S]
};

// A parameter for embeddings: N(0, d^-1/2) as in the reference implementations, pad row zero.
Tensor embedding_table(int64_t vocab, int64_t d, Generator& init) {
  Tensor table = init::normal({vocab, d}, 0.f, 1.f / std::sqrt(static_cast<float>(d)), init);
  for (int64_t j = 0; j < d; ++j) table.f32()[kPad * d + j] = 0.f;
  return table;
}

Tensor row_indices(std::span<const int32_t> rows) {
  return Tensor::from_ids({static_cast<int64_t>(rows.size())}, rows);
}

}  // namespace

Transformer::Transformer(const ModelConfig& c, Generator& init) : EncoderDecoder(c) {
  if (c.activation != "relu" && c.activation != "gelu")
    throw std::invalid_argument("transformer: unknown activation '" + c.activation + "' (relu or gelu)");
  const TransformerLayerSettings s{c.d_model, c.heads, c.d_ff, c.dropout, c.pre_norm, c.activation == "gelu"};
  if (c.tie_embeddings) {
    source_embedding_ = target_embedding_ = parameters_.add("embedding", embedding_table(c.vocab_size, c.d_model, init));
  } else {
    source_embedding_ = parameters_.add("source_embedding", embedding_table(c.vocab_size, c.d_model, init));
    target_embedding_ = parameters_.add("target_embedding", embedding_table(c.vocab_size, c.d_model, init));
    output_ = Linear(parameters_, "output", c.d_model, c.vocab_size, init, /*bias=*/false);
  }
  for (int l = 0; l < c.encoder_layers; ++l)
    encoder_.emplace_back(parameters_, "encoder." + std::to_string(l), s, init);
  for (int l = 0; l < c.decoder_layers; ++l)
    decoder_.emplace_back(parameters_, "decoder." + std::to_string(l), s, init);
  if (c.pre_norm) {
    encoder_norm_ = LayerNorm(parameters_, "encoder.norm", c.d_model);
    decoder_norm_ = LayerNorm(parameters_, "decoder.norm", c.d_model);
  }
  positions_ = sinusoidal_positions(c.max_positions, c.d_model);
}

Var Transformer::embed(const Parameter& table, const Tensor& ids, int64_t offset, bool training) {
  const int64_t length = ids.dim(1);
  if (offset + length > config_.max_positions)
    throw std::invalid_argument("transformer: position " + std::to_string(offset + length) +
                                " beyond max_positions " + std::to_string(config_.max_positions));
  Var x = embedding(table, ids) * std::sqrt(static_cast<float>(config_.d_model));
  x = x + Var(positions_.rows(offset, offset + length));
  return dropout(x, config_.dropout, dropout_generator_, training);
}

Var Transformer::encode(const Tensor& source, const Tensor& source_mask, bool training) {
  Var x = embed(source_embedding_, source, 0, training);
  for (auto& layer : encoder_) x = layer(x, source_mask, dropout_generator_, training);
  return config_.pre_norm ? encoder_norm_(x) : x;
}

Var Transformer::project_output(const Var& y) const {
  if (config_.tie_embeddings) return matmul(y, target_embedding_, false, true);
  return output_(y);
}

Var Transformer::logits(const Tensor& source, const Tensor& target_input, bool training) {
  if (source.rank() != 2 || target_input.rank() != 2 || source.dim(0) != target_input.dim(0))
    shape_error("transformer", "needs source [B, S] and target [B, T], got", source.shape(), target_input.shape());
  const Tensor source_mask = padding_mask(source);
  Var memory = encode(source, source_mask, training);
  const Tensor future = causal_mask(target_input.dim(1));
  Var y = embed(target_embedding_, target_input, 0, training);
  for (auto& layer : decoder_)
    y = layer(y, future, layer.cross_attention().project_memory(memory), source_mask, dropout_generator_, training);
  if (config_.pre_norm) y = decoder_norm_(y);
  y = reshape(y, {y.dim(0) * y.dim(1), y.dim(2)});
  return project_output(y);
}

std::unique_ptr<DecoderState> Transformer::start(const Tensor& source, int beam) {
  NoGradGuard no_grad;
  auto state = std::make_unique<TransformerState>();
  const int64_t b = source.dim(0);
  std::vector<int32_t> expand(static_cast<std::size_t>(b * beam));
  for (int64_t i = 0; i < b * beam; ++i) expand[i] = static_cast<int32_t>(i / beam);
  const Tensor rows = row_indices(expand);

  const Tensor source_mask = padding_mask(source);
  Var memory = encode(source, source_mask, false);
  state->source_mask = beam == 1 ? source_mask : select_rows(Var(source_mask), rows).value();
  for (auto& layer : decoder_) {
    MultiHeadAttention::KeysValues kv = layer.cross_attention().project_memory(memory);
    if (beam != 1) kv = {select_rows(kv.keys, rows), select_rows(kv.values, rows)};
    state->memory.push_back(kv);
    layer.cross_attention().keep_weights(true);
  }
  state->self_cache.resize(decoder_.size());
  state->attention.resize(decoder_.size());
  return state;
}

Tensor Transformer::step(DecoderState& base, const Tensor& previous_tokens) {
  NoGradGuard no_grad;
  auto& state = static_cast<TransformerState&>(base);
  const int64_t n = previous_tokens.dim(0);
  Var y = embed(target_embedding_, previous_tokens.reshape({n, 1}), state.position, false);
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    y = decoder_[l].step(y, state.self_cache[l], state.memory[l], state.source_mask);
    state.attention[l] = decoder_[l].cross_attention().last_weights();
  }
  if (config_.pre_norm) y = decoder_norm_(y);
  state.position++;
  return log_softmax(project_output(reshape(y, {n, config_.d_model}))).value();
}

void Transformer::reorder(DecoderState& base, std::span<const int32_t> rows) {
  NoGradGuard no_grad;
  auto& state = static_cast<TransformerState&>(base);
  const Tensor index = row_indices(rows);
  if (static_cast<int64_t>(rows.size()) != state.source_mask.dim(0)) {  // sentences dropped
    state.source_mask = select_rows(Var(state.source_mask), index).value();
    for (auto& kv : state.memory) kv = {select_rows(kv.keys, index), select_rows(kv.values, index)};
  }
  for (auto& cache : state.self_cache) {
    if (!cache.keys.defined()) continue;
    cache.keys = select_rows(cache.keys, index);
    cache.values = select_rows(cache.values, index);
  }
  for (auto& a : state.attention)
    if (a.defined()) a = select_rows(Var(a), index).value();
}

Tensor Transformer::last_attention(const DecoderState& base, int layer, int head) const {
  const auto& state = static_cast<const TransformerState&>(base);
  if (state.attention.empty() || !state.attention.back().defined()) return Tensor();
  const int l = layer < 0 ? static_cast<int>(state.attention.size()) - 1 : layer;
  const Tensor& a = state.attention.at(l);  // [N, H, 1, S]
  const int64_t n = a.dim(0), h = a.dim(1), s = a.dim(3);
  Tensor out = Tensor::zeros({n, s});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < h; ++k) {
      if (head >= 0 && k != head) continue;
      const float w = head >= 0 ? 1.f : 1.f / static_cast<float>(h);
      for (int64_t j = 0; j < s; ++j) out.f32()[i * s + j] += w * a.f32()[(i * h + k) * s + j];
    }
  return out;
}

// The registration (model_registry.h).
ModelType transformer_model_type() {
  return {"transformer",
          "Vaswani et al. 2017",
          {model_setting("d_model", "model width"),
           model_setting("heads", "attention heads"),
           model_setting("d_ff", "feed-forward inner width"),
           model_setting("encoder_layers", "encoder layers"),
           model_setting("decoder_layers", "decoder layers"),
           model_setting("dropout", "dropout probability"),
           model_setting("pre_norm", "layer norm before each sublayer (default: after, as the paper)"),
           model_setting("activation", "relu | gelu"),
           model_setting("tie_embeddings", "share the source, target and output embeddings")},
          [](const ModelConfig& c, Generator& init) { return std::make_unique<Transformer>(c, init); },
          [](const ModelConfig& c) {
            return " (d_model " + std::to_string(c.d_model) + ", " + std::to_string(c.encoder_layers) + "+" +
                   std::to_string(c.decoder_layers) + " layers, " + std::to_string(c.heads) + " heads)";
          }};
}

}  // namespace nmt
