#include "nmt/models/ensemble.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nmt {
namespace {

// The members' states; reordering the ensemble's reorders each of them.
struct EnsembleState : DecoderState {
  std::vector<std::unique_ptr<DecoderState>> members;

  void reorder(std::span<const int32_t> rows) override {
    for (auto& m : members) m->reorder(rows);
  }
};

ModelConfig first_config(const std::vector<EncoderDecoder*>& members) {
  if (members.empty()) throw std::invalid_argument("ensemble: no models");
  ModelConfig c = members.front()->config();
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (members[i]->config().vocab_size != c.vocab_size)
      throw std::invalid_argument("ensemble: model " + std::to_string(i + 1) + " has a vocabulary of " +
                                  std::to_string(members[i]->config().vocab_size) + " pieces, model 1 of " +
                                  std::to_string(c.vocab_size) + ": an ensemble needs one vocabulary");
    c.max_positions = std::min(c.max_positions, members[i]->config().max_positions);
  }
  return c;
}

}  // namespace

Ensemble::Ensemble(std::vector<EncoderDecoder*> members) : EncoderDecoder(first_config(members)), members_(std::move(members)) {}

Var Ensemble::logits(const Tensor&, const Tensor&, bool) {
  throw std::logic_error("ensemble: decoding only (train its members one by one)");
}

std::unique_ptr<DecoderState> Ensemble::start(const Tensor& source, int beam) {
  auto state = std::make_unique<EnsembleState>();
  for (EncoderDecoder* m : members_) state->members.push_back(m->start(source, beam));
  return state;
}

Tensor Ensemble::step(DecoderState& base, const Tensor& previous_tokens) {
  auto& state = static_cast<EnsembleState&>(base);
  Tensor sum;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    DecoderState& s = *state.members[i];
    s.keep_attention = state.keep_attention;
    s.max_length = state.max_length;
    Tensor lp = members_[i]->step(s, previous_tokens);
    if (i == 0) {
      sum = lp.clone();
      continue;
    }
    float* out = sum.f32();
    const float* in = lp.f32();
    for (int64_t j = 0; j < sum.numel(); ++j) out[j] += in[j];
  }
  state.position = state.members.front()->position;
  if (members_.size() > 1) {
    const float scale = 1.0f / static_cast<float>(members_.size());
    float* out = sum.f32();
    for (int64_t j = 0; j < sum.numel(); ++j) out[j] *= scale;
  }
  return sum;
}

void Ensemble::select_outputs(DecoderState& base, std::span<const int32_t> ids, const Tensor& mask) {
  auto& state = static_cast<EnsembleState&>(base);
  for (std::size_t i = 0; i < members_.size(); ++i) members_[i]->select_outputs(*state.members[i], ids, mask);
}

Tensor Ensemble::last_attention(const DecoderState& base, int layer, int head) const {
  const auto& state = static_cast<const EnsembleState&>(base);
  return members_.front()->last_attention(*state.members.front(), layer, head);
}

Tensor Ensemble::last_positions(const DecoderState& base) const {
  const auto& state = static_cast<const EnsembleState&>(base);
  return members_.front()->last_positions(*state.members.front());
}

}  // namespace nmt
