// MockModel: an EncoderDecoder whose next-token distribution is a hand-written function of the
// sentence's source and the prefix generated so far, so the search can be tested against
// known answers. It also checks the search's side of the interface contract: reorder() never
// moves a row into another sentence, the first step feeds BOS, and a row whose prefix ended with
// EOS is only ever fed EOS again (a finished hypothesis is never extended). Every row is computed
// on its own, so results cannot depend on the batch.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nmt/models/encoder_decoder.h"
#include "tokenizer/special_ids.h"

namespace nmt::testing {

using Ids = std::vector<int32_t>;
constexpr int32_t kPad = text::kPadId, kBos = text::kBosId, kEos = text::kEosId;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// log-probabilities [V] for (source with its EOS, prefix without BOS)
using Table = std::function<std::vector<float>(const Ids& source, const Ids& prefix)>;

class MockModel : public EncoderDecoder {
 public:
  MockModel(int vocab, Table table, int max_positions = 1024) : EncoderDecoder(make_config(vocab, max_positions)),
                                                                table_(std::move(table)) {}

  struct State : DecoderState {
    int beam = 1;
    int width = 0;
    int steps = 0;              // step() calls on this state
    std::vector<Ids> sources;   // per row (without padding)
    std::vector<Ids> prefixes;  // per row
    Tensor attention;           // [N, width]
  };

  int steps = 0;                // step() calls, all searches together
  int compactions = 0;           // reorders that dropped sentences
  int violations = 0;           // finished rows fed something other than EOS
  std::vector<std::string> log;  // what went wrong, for messages

  Var logits(const Tensor&, const Tensor&, bool) override { throw std::logic_error("mock: no training"); }

  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override {
    auto state = std::make_unique<State>();
    state->beam = beam;
    state->width = static_cast<int>(source.dim(1));
    const int32_t* ids = source.i32();
    for (int64_t b = 0; b < source.dim(0); ++b) {
      Ids s;
      for (int i = 0; i < state->width && ids[b * state->width + i] != kPad; ++i) s.push_back(ids[b * state->width + i]);
      for (int j = 0; j < beam; ++j) {
        state->sources.push_back(s);
        state->prefixes.emplace_back();
      }
    }
    return state;
  }

  Tensor step(DecoderState& base, const Tensor& previous) override {
    auto& state = static_cast<State&>(base);
    const int rows = static_cast<int>(state.prefixes.size());
    if (previous.numel() != rows) throw std::logic_error("mock: step with wrong row count");
    const int V = config().vocab_size;
    Tensor out = Tensor::empty({rows, V});
    state.attention = Tensor::zeros({rows, state.width});
    for (int r = 0; r < rows; ++r) {
      const int32_t token = previous.i32()[r];
      Ids& prefix = state.prefixes[r];
      if (state.steps == 0) {
        if (token != kBos) throw std::logic_error("mock: first step must feed BOS");
      } else {
        const bool ended = !prefix.empty() && prefix.back() == kEos;
        if (ended && token != kEos) {
          ++violations;
          log.push_back("row " + std::to_string(r) + " extended after EOS with " + std::to_string(token));
        }
        if (token == kPad || token == kBos) {
          ++violations;
          log.push_back("row " + std::to_string(r) + " fed pad/bos");
        }
        prefix.push_back(token);
      }
      const std::vector<float> lp = table_(state.sources[r], prefix);
      std::copy(lp.begin(), lp.end(), out.f32() + static_cast<int64_t>(r) * V);
      state.attention.f32()[static_cast<int64_t>(r) * state.width + attended(state.sources[r], prefix)] = 1.f;
    }
    ++state.steps;
    ++steps;
    return out;
  }

  // Same rows: each stays in its sentence. Fewer rows: whole sentences dropped, the rest in order.
  void reorder(DecoderState& base, std::span<const int32_t> rows) override {
    auto& state = static_cast<State&>(base);
    const int beam = state.beam;
    const bool shrink = rows.size() != state.prefixes.size();
    if (rows.size() > state.prefixes.size() || rows.size() % beam != 0)
      throw std::logic_error("mock: reorder to " + std::to_string(rows.size()) + " rows");
    int last_sentence = -1;
    std::vector<Ids> sources(rows.size()), prefixes(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const int from_sentence = rows[r] / beam, slot = static_cast<int>(r) / beam;
      if (!shrink && from_sentence != slot)
        throw std::logic_error("mock: reorder moves row " + std::to_string(rows[r]) + " to row " + std::to_string(r));
      if (shrink && r % beam == 0) {
        if (from_sentence <= last_sentence) throw std::logic_error("mock: dropping sentences reorders them");
        last_sentence = from_sentence;
      }
      if (shrink && from_sentence != rows[r - r % beam] / beam)
        throw std::logic_error("mock: dropping sentences mixes them");
      sources[r] = state.sources[rows[r]];
      prefixes[r] = state.prefixes[rows[r]];
    }
    compactions += shrink;
    state.sources = std::move(sources);
    state.prefixes = std::move(prefixes);
  }

  Tensor last_attention(const DecoderState& base, int, int) const override {
    return static_cast<const State&>(base).attention;
  }

  // The source position the mock attends to while producing the token after `prefix`.
  static int attended(const Ids& source, const Ids& prefix) {
    int64_t sum = static_cast<int64_t>(prefix.size());
    for (int32_t t : prefix) sum += t;
    return static_cast<int>(sum % static_cast<int64_t>(source.size()));
  }

 private:
  static ModelConfig make_config(int vocab, int max_positions) {
    ModelConfig c;
    c.type = "mock";
    c.vocab_size = vocab;
    c.max_positions = max_positions;
    return c;
  }
  Table table_;
};

// A pseudo-random table: logits hashed from (source, prefix, token) in [-3, 3], EOS made likelier
// as the prefix grows, normalised over everything but pad and bos.
inline Table random_table(uint64_t seed, int vocab, float eos_bias = 0.6f) {
  return [=](const Ids& source, const Ids& prefix) {
    uint64_t h = seed * 0x9E3779B97F4A7C15ull + 1;
    auto mix = [&](uint64_t x) {
      h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
      h *= 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    };
    for (int32_t t : source) mix(static_cast<uint64_t>(t) + 11);
    mix(999);
    for (int32_t t : prefix) mix(static_cast<uint64_t>(t) + 17);
    std::vector<float> logits(vocab);
    for (int v = 0; v < vocab; ++v) {
      uint64_t x = h ^ (static_cast<uint64_t>(v) * 0xD6E8FEB86659FD93ull);
      x ^= x >> 32;
      x *= 0xD6E8FEB86659FD93ull;
      x ^= x >> 32;
      logits[v] = -3.f + 6.f * static_cast<float>(x % 1000000) / 1e6f;
    }
    logits[kEos] += eos_bias * static_cast<float>(prefix.size()) - 2.f;
    double total = 0;
    for (int v = 0; v < vocab; ++v)
      if (v != kPad && v != kBos) total += std::exp(static_cast<double>(logits[v]));
    std::vector<float> lp(vocab);
    for (int v = 0; v < vocab; ++v)
      lp[v] = (v == kPad || v == kBos) ? kNegInf : static_cast<float>(logits[v] - std::log(total));
    return lp;
  };
}

// A table written out by hand: for each prefix, the probabilities of some tokens. The rest of the
// mass is spread evenly over the "junk" tokens [junk_from, V); a prefix containing a junk token
// continues with junk uniformly (EOS almost never), so junk hypotheses never finish early.
// EOS, where not listed, has probability 1e-6 (finite: the limit can still force it).
struct HandTable {
  int vocab = 64;
  int junk_from = 8;
  std::map<Ids, std::map<int32_t, double>> entries;

  std::vector<float> operator()(const Ids&, const Ids& prefix) const {
    std::vector<double> p(vocab, 0.0);
    bool junk = false;
    for (int32_t t : prefix) junk |= t >= junk_from;
    auto it = entries.find(prefix);
    p[kEos] = 1e-6;
    if (!junk && it != entries.end())
      for (auto [token, prob] : it->second) p[token] = prob;
    double listed = 0;
    for (double x : p) listed += x;
    const int junk_count = vocab - junk_from;
    for (int v = junk_from; v < vocab; ++v) p[v] += (1.0 - listed) / junk_count;
    std::vector<float> lp(vocab);
    for (int v = 0; v < vocab; ++v) lp[v] = p[v] > 0 ? static_cast<float>(std::log(p[v])) : kNegInf;
    return lp;
  }
};

// Sum of the table's log-probabilities of tokens + EOS, as the search should score them.
inline double sequence_score(const Table& table, const Ids& source_with_eos, const Ids& tokens) {
  double total = 0;
  Ids prefix;
  for (int32_t t : tokens) {
    total += table(source_with_eos, prefix)[t];
    prefix.push_back(t);
  }
  return total + table(source_with_eos, prefix)[kEos];
}

}  // namespace nmt::testing
