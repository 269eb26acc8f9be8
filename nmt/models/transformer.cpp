#include "nmt/models/transformer.h"
#include "nmt/models/model_registry.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "nmt/layers/attention_scores.h"
#include "nmt/layers/positional_encoding.h"
#include "nmt/tensor/init.h"
#include "tokenizer/special_ids.h"

namespace nmt {

static constexpr float kHidden = -std::numeric_limits<float>::infinity();

Tensor causal_mask(int64_t length) {
  Tensor mask = Tensor::empty({length, length});
  for (int64_t i = 0; i < length; ++i)
    for (int64_t j = 0; j < length; ++j) mask.f32()[i * length + j] = j > i ? kHidden : 0.f;
  return mask;
}

namespace {

// The decoder state's entries, per decoder layer: the self-attention cache (keys and values of
// the prefixes, buffers [rows, H, capacity, d_k] written in place, one position per step, never
// moved: DecoderState::prefix_rows says where each hypothesis's positions lie), the encoder
// output's keys and values ([B, H, S, d_k], one row per sentence, shared by its hypotheses) and,
// when asked for, the last step's encoder-decoder attention ([N, H, 1, S]).
struct TransformerState : DecoderState {
  struct Layer {
    int self_keys, self_values, memory_keys, memory_values, attention;
  };
  int source_mask;  // [B, 1, 1, S]
  std::vector<Layer> layers;

  explicit TransformerState(std::size_t decoder_layers) {
    source_mask = add("source_mask", StateRows::shared_per_sentence);
    for (std::size_t l = 0; l < decoder_layers; ++l) {
      const std::string p = "decoder." + std::to_string(l) + ".";
      layers.push_back({add_buffer(p + "self_keys", 2), add_buffer(p + "self_values", 2),
                        add(p + "memory_keys", StateRows::shared_per_sentence),
                        add(p + "memory_values", StateRows::shared_per_sentence),
                        add(p + "attention", StateRows::per_hypothesis)});
    }
  }
};

// The source's padding mask [B, 1, 1, S], broadcast over heads and query positions.
Tensor padding_mask(const Tensor& ids) { return source_padding_mask(ids).reshape({ids.dim(0), 1, 1, ids.dim(1)}); }

// A parameter for embeddings: N(0, d^-1/2) as in the reference implementations, pad row zero.
Tensor embedding_table(int64_t vocab, int64_t d, Generator& init) {
  Tensor table = init::normal({vocab, d}, 0.f, 1.f / std::sqrt(static_cast<float>(d)), init);
  for (int64_t j = 0; j < d; ++j) table.f32()[text::kPadId * d + j] = 0.f;
  return table;
}

// The self-attention cache `cache` ([rows, H, capacity, d_k]), allocated at the first step (the
// decoder state grows and compacts it, DecoderState::prefix_rows).
void allocate_cache(Var& cache, int64_t rows, int64_t heads, int64_t d_k, int64_t capacity) {
  if (!cache.defined()) cache = Var(Tensor::empty({rows, heads, capacity, d_k}));
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
  auto state = std::make_unique<TransformerState>(decoder_.size());
  const Tensor source_mask = padding_mask(source);
  Var memory = encode(source, source_mask, false);
  (*state)[state->source_mask] = Var(source_mask);
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    MultiHeadAttention::KeysValues kv = decoder_[l].cross_attention().project_memory(memory);
    (*state)[state->layers[l].memory_keys] = kv.keys;
    (*state)[state->layers[l].memory_values] = kv.values;
  }
  state->expand(beam);
  return state;
}

Tensor Transformer::step(DecoderState& base, const Tensor& previous_tokens) {
  NoGradGuard no_grad;
  auto& state = static_cast<TransformerState&>(base);
  const int64_t n = previous_tokens.dim(0);
  const Tensor& source_mask = state[state.source_mask].value();
  Var y = embed(target_embedding_, previous_tokens.reshape({n, 1}), state.position, false);
  const int64_t t = state.position;
  const DecoderState::PrefixRows prefix = state.prefix_rows(n);
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    const TransformerState::Layer& slots = state.layers[l];
    Var& keys = state[slots.self_keys];
    Var& values = state[slots.self_values];
    allocate_cache(keys, n, config_.heads, config_.d_model / config_.heads, prefix.stride);
    allocate_cache(values, n, config_.heads, config_.d_model / config_.heads, prefix.stride);
    Tensor weights;
    y = decoder_[l].step(y, keys.mutable_value(), values.mutable_value(), t, {prefix.rows, prefix.stride, prefix.home},
                         {state[slots.memory_keys], state[slots.memory_values]}, source_mask, state.beam(),
                         state.keep_attention ? &weights : nullptr);
    if (state.keep_attention) state[slots.attention] = Var(std::move(weights));
  }
  if (config_.pre_norm) y = decoder_norm_(y);
  state.position++;
  y = reshape(y, {n, config_.d_model});
  return state.output_log_probs(y, [this](const Var& x) { return project_output(x); });
}

void Transformer::select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask) {
  state.select_outputs(config_.tie_embeddings
                           ? std::make_shared<const SelectedOutput>(target_embedding_.value(), true, nullptr, ids)
                           : output_.select(ids),
                       mask);
}

Tensor Transformer::last_attention(const DecoderState& base, int layer, int head) const {
  const auto& state = static_cast<const TransformerState&>(base);
  if (state.layers.empty()) return Tensor();
  const int l = layer < 0 ? static_cast<int>(state.layers.size()) - 1 : layer;
  const Var& kept = state[state.layers.at(l).attention];
  if (!kept.defined()) return Tensor();
  const Tensor& a = kept.value();  // [N, H, 1, S]
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
          {model_setting("d_model", "model width", at_least(1)),
           // Each head attends in d_model / heads dimensions (Vaswani et al. 2017, section 3.2.2).
           model_setting("heads", "attention heads (must divide --d-model)",
                         with(at_least(1),
                              [](const ModelConfig& c) -> std::optional<RuleBreach> {
                                if (c.d_model % c.heads == 0) return std::nullopt;
                                return RuleBreach{"must divide", "d_model"};
                              })),
           model_setting("d_ff", "feed-forward inner width", at_least(1)),
           model_setting("encoder_layers", "encoder layers", at_least(1)),
           model_setting("decoder_layers", "decoder layers", at_least(1)),
           model_setting("dropout", "dropout probability", below_one()),
           model_setting("pre_norm", "layer norm before each sublayer (default: after, as the paper)"),
           model_setting("activation", "relu | gelu", one_of({"relu", "gelu"})),
           model_setting("tie_embeddings", "share the source, target and output embeddings")},
          [](const ModelConfig& c, Generator& init) { return std::make_unique<Transformer>(c, init); },
          [](const ModelConfig& c) {
            return " (d_model " + std::to_string(c.d_model) + ", " + std::to_string(c.encoder_layers) + "+" +
                   std::to_string(c.decoder_layers) + " layers, " + std::to_string(c.heads) + " heads)";
          }};
}

}  // namespace nmt
