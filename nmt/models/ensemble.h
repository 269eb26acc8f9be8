// An ensemble of models decoding as one: every step, each member takes the step on its own
// state and the ensemble's log-probabilities are the members' average (the same beam search
// over the average, as Marian and fairseq ensemble independently trained models and checkpoints).
// Members must share the target vocabulary (the same vocab_size; callers with vocabulary files
// also compare the pieces, as nmt-translate does). Decoding only: logits() throws.
#pragma once

#include <memory>
#include <vector>

#include "nmt/models/encoder_decoder.h"

namespace nmt {

class Ensemble : public EncoderDecoder {
 public:
  // Non-owning: the members must outlive the ensemble. Throws std::invalid_argument when there are
  // none or their vocab_size differ. Its config is the first member's, with the smallest
  // max_positions of all.
  explicit Ensemble(std::vector<EncoderDecoder*> members);

  Var logits(const Tensor& source, const Tensor& target_input, bool training) override;
  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override;
  Tensor step(DecoderState& state, const Tensor& previous_tokens) override;
  // The first member's.
  Tensor last_attention(const DecoderState& state, int layer = -1, int head = -1) const override;
  Tensor last_positions(const DecoderState& state) const override;
  // Every member's output layer.
  void select_outputs(DecoderState& state, std::span<const int32_t> ids, const Tensor& mask = Tensor()) override;

  std::size_t size() const { return members_.size(); }

 private:
  std::vector<EncoderDecoder*> members_;
};

}  // namespace nmt
