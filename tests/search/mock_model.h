// MockModel: an EncoderDecoder whose next-token distribution is a hand-written function of the
// sentence's source and the prefix generated so far, so the search can be tested against
// known answers. Its state is an ordinary DecoderState (reordered by the same code as every
// model's), and it checks the search's side of the interface contract at every step: a
// reorder never moves a row into another sentence, dropping sentences drops whole ones and keeps
// their order, the first step feeds BOS, and a row whose prefix ended with EOS is only ever fed
// EOS again (a finished hypothesis is never extended). Every row is computed on its own, so
// results cannot depend on the batch.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
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

  // Entries: the sentence of each row twice, per sentence and per hypothesis (they differ when
  // a reorder moved a row into another sentence), and the row's prefix as a node of `prefixes`.
  struct State : DecoderState {
    int beam = 1;
    int width = 0;
    int steps = 0;                 // step() calls on this state
    int64_t rows = 0;              // rows at the last step
    std::vector<Ids> sources;      // per sentence (without padding)
    std::vector<std::pair<int32_t, int32_t>> prefixes{{-1, -1}};  // (parent, token); 0 = empty
    int sentence = add("sentence", StateRows::per_sentence);        // int32 [N]
    int row_sentence = add("row_sentence", StateRows::per_hypothesis);  // int32 [N]
    int prefix = add("prefix", StateRows::per_hypothesis);              // int32 [N]
    int attention = add("attention", StateRows::per_hypothesis);        // [N, width]

    Ids prefix_of(int32_t node) const {
      Ids out;
      for (; node > 0; node = prefixes[node].first) out.push_back(prefixes[node].second);
      return {out.rbegin(), out.rend()};
    }
  };

  int steps = 0;                 // step() calls, all searches together
  int compactions = 0;           // reorders that dropped sentences
  int violations = 0;            // finished rows fed something other than EOS
  std::vector<std::string> log;  // what went wrong, for messages
  // [sentences, padded width] of every start() (every search call's source batch)
  std::vector<std::pair<int64_t, int64_t>> batches;

  Var logits(const Tensor&, const Tensor&, bool) override { throw std::logic_error("mock: no training"); }

  std::unique_ptr<DecoderState> start(const Tensor& source, int beam) override {
    auto state = std::make_unique<State>();
    state->beam = beam;
    state->width = static_cast<int>(source.dim(1));
    batches.emplace_back(source.dim(0), source.dim(1));
    const int32_t* ids = source.i32();
    const int64_t b = source.dim(0);
    std::vector<int32_t> sentence(static_cast<std::size_t>(b));
    for (int64_t i = 0; i < b; ++i) {
      Ids s;
      for (int j = 0; j < state->width && ids[i * state->width + j] != kPad; ++j) s.push_back(ids[i * state->width + j]);
      state->sources.push_back(s);
      sentence[i] = static_cast<int32_t>(i);
    }
    (*state)[state->sentence] = Var(Tensor::from_ids({b}, sentence));
    (*state)[state->row_sentence] = Var(Tensor::from_ids({b}, sentence));
    (*state)[state->prefix] = Var(Tensor::zeros({b}, DType::i32));
    state->expand(beam);
    state->rows = b * beam;
    return state;
  }

  Tensor step(DecoderState& base, const Tensor& previous) override {
    auto& state = static_cast<State&>(base);
    check_rows(state);
    const int rows = static_cast<int>(state.rows);
    if (previous.numel() != rows) throw std::logic_error("mock: step with wrong row count");
    const int V = config().vocab_size;
    Tensor out = Tensor::empty({rows, V});
    Tensor attention = Tensor::zeros({rows, state.width});
    Tensor next_prefix = Tensor::empty({rows}, DType::i32);
    const int32_t* sentence = state[state.sentence].value().i32();
    const int32_t* prefix_node = state[state.prefix].value().i32();
    for (int r = 0; r < rows; ++r) {
      const int32_t token = previous.i32()[r];
      int32_t node = prefix_node[r];
      if (state.steps == 0) {
        if (token != kBos) throw std::logic_error("mock: first step must feed BOS");
      } else {
        const bool ended = node > 0 && state.prefixes[node].second == kEos;
        if (ended && token != kEos) {
          ++violations;
          log.push_back("row " + std::to_string(r) + " extended after EOS with " + std::to_string(token));
        }
        if (token == kPad || token == kBos) {
          ++violations;
          log.push_back("row " + std::to_string(r) + " fed pad/bos");
        }
        state.prefixes.emplace_back(node, token);
        node = static_cast<int32_t>(state.prefixes.size()) - 1;
      }
      next_prefix.i32()[r] = node;
      const Ids& source = state.sources[sentence[r]];
      const Ids prefix = state.prefix_of(node);
      const std::vector<float> lp = table_(source, prefix);
      std::copy(lp.begin(), lp.end(), out.f32() + static_cast<int64_t>(r) * V);
      attention.f32()[static_cast<int64_t>(r) * state.width + attended(source, prefix)] = 1.f;
    }
    state[state.prefix] = Var(std::move(next_prefix));
    state[state.attention] = Var(std::move(attention));
    ++state.steps;
    ++steps;
    return out;
  }

  // What the search did to the rows since the last step. Same rows: each stays in its sentence.
  // Fewer rows: whole sentences dropped, the rest in order.
  void check_rows(State& state) {
    const int64_t rows = state[state.prefix].dim(0);
    const int beam = state.beam;
    if (rows > state.rows || rows % beam != 0)
      throw std::logic_error("mock: reorder from " + std::to_string(state.rows) + " to " + std::to_string(rows) + " rows");
    const int32_t* sentence = state[state.sentence].value().i32();
    const int32_t* row_sentence = state[state.row_sentence].value().i32();
    for (int64_t r = 0; r < rows; ++r) {
      if (row_sentence[r] != sentence[r])
        throw std::logic_error("mock: reorder moves a row of sentence " + std::to_string(row_sentence[r]) +
                               " to row " + std::to_string(r) + " (sentence " + std::to_string(sentence[r]) + ")");
      if (sentence[r] != sentence[r - r % beam]) throw std::logic_error("mock: dropping sentences mixes them");
      if (r >= beam && r % beam == 0 && sentence[r] <= sentence[r - beam])
        throw std::logic_error("mock: dropping sentences reorders them");
    }
    compactions += rows < state.rows;
    state.rows = rows;
  }

  Tensor last_attention(const DecoderState& base, int, int) const override {
    const auto& state = static_cast<const State&>(base);
    return state.keep_attention ? state[state.attention].value() : Tensor();
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
