// EncoderDecoder: what the trainer and the search need from a translation model, and nothing
// more. Every model (Transformer, RNN seq2seq, Bahdanau, Luong) implements it; the trainer and
// the beam search never ask which model they have.
//
// Token ids follow one convention everywhere (tokenizer/special_ids): pad 0, unk 1, bos 2,
// eos 3. A source row is pieces + [eos], padded with pad; the decoder reads [bos] + pieces and
// predicts pieces + [eos].
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "nmt/autograd/var.h"
#include "nmt/layers/parameter_store.h"
#include "nmt/models/decoder_state.h"
#include "nmt/models/model_config.h"
#include "nmt/tensor/random.h"

namespace nmt {

class EncoderDecoder {
 public:
  virtual ~EncoderDecoder() = default;

  // Teacher forcing: logits [B * T, V] for source ids [B, S] and target input ids [B, T]
  // (int32, padded with pad). `training` turns dropout on.
  virtual Var logits(const Tensor& source, const Tensor& target_input, bool training) = 0;

  // Encodes source ids [B, S] and returns the decoder state for B * beam rows: row b * beam + k
  // is hypothesis k of sentence b (rows of one sentence stay together for the whole search).
  // The search follows the beam with DecoderState::reorder, the same for every model.
  virtual std::unique_ptr<DecoderState> start(const Tensor& source, int beam) = 0;

  // One decoding step: the previous token of every row (int32 [N]) -> log-probabilities [N, V].
  // Caches what it can, so that step t costs one new position, not the whole prefix again.
  virtual Tensor step(DecoderState& state, const Tensor& previous_tokens) = 0;

  // Attention weights of the last step, [N, S] (for alignments and heatmaps), when
  // state.keep_attention was set before the step; an undefined Tensor otherwise. For
  // multi-layer, multi-head attention: `layer` (-1 = last) and `head` (-1 = average over heads).
  virtual Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const = 0;

  // The source positions that the last step's attention was centred on, [N] (float, counted
  // from 0), for models that predict one (Luong's local-p: p_t) when state.keep_attention was
  // set; an undefined Tensor otherwise.
  virtual Tensor last_positions(const DecoderState&) const { return Tensor(); }

  // Restricts the steps that follow to the target words `ids` (ascending, the special ids 0-3
  // first, so that they keep their numbers as positions): step() then returns [N, ids.size()]
  // log-probabilities, normalised over those words only (a vocabulary shortlist,
  // nmt/search/shortlist.h). `mask` (optional, [N, ids.size()], 0 or -inf, the same for the rows
  // of a sentence) narrows each row further: its log-probabilities are normalised over its own
  // words. Models whose output layer cannot be restricted throw std::logic_error.
  virtual void select_outputs(DecoderState&, std::span<const int32_t>, const Tensor& = Tensor()) {
    throw std::logic_error("model type '" + config_.type + "' cannot restrict its output layer to a shortlist");
  }

  ParameterStore& parameters() { return parameters_; }
  const ParameterStore& parameters() const { return parameters_; }
  const ModelConfig& config() const { return config_; }
  // The generator behind dropout; checkpoints save and restore its state.
  Generator& dropout_generator() { return dropout_generator_; }

 protected:
  explicit EncoderDecoder(ModelConfig config) : config_(std::move(config)) {}

  ModelConfig config_;
  ParameterStore parameters_;
  Generator dropout_generator_{12345};
};

// Builds the model that `config.type` names, with freshly initialised parameters drawn from
// `init` (same seed, same parameters). Unknown types are an error naming the type.
std::unique_ptr<EncoderDecoder> build_model(const ModelConfig& config, Generator& init);

}  // namespace nmt
