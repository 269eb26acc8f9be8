// The sentence classifier: see classifier.h.
#include "nmt/classify/classifier.h"

#include <stdexcept>

#include "nmt/tensor/init.h"

namespace nmt::classify {
namespace {

int64_t to_int(const std::map<std::string, std::string>& m, const std::string& key, int64_t fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used != it->second.size() || v < 0) throw std::invalid_argument("");
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument(key + ": '" + it->second + "' is not a non-negative integer");
  }
}

float to_float(const std::map<std::string, std::string>& m, const std::string& key, float fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  try {
    std::size_t used = 0;
    const float v = std::stof(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("");
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument(key + ": '" + it->second + "' is not a number");
  }
}

bool to_bool(const std::map<std::string, std::string>& m, const std::string& key, bool fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  throw std::invalid_argument(key + ": '" + it->second + "' is not true or false");
}

// A copy of ids [B, T] with each non-padding id set to 0 with probability p (word dropout).
Tensor drop_words(const Tensor& ids, float p, Generator& gen) {
  Tensor out = ids.clone();
  for (int64_t i = 0; i < out.numel(); ++i)
    if (out.i32()[i] != 0 && gen.uniform() < p) out.i32()[i] = 0;
  return out;
}

}  // namespace

std::map<std::string, std::string> ClassifierConfig::to_map() const {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return {{"table-size", std::to_string(table_size)},   {"embedding", std::to_string(embedding)},
          {"hidden", std::to_string(hidden)},           {"max-length", std::to_string(max_length)},
          {"bidirectional", b(bidirectional)},          {"pooling", pooling},
          {"mask-padding", b(mask_padding)},            {"position-bias", b(position_bias)},
          {"attention-score", to_string(attention_score)}, {"attention-size", std::to_string(attention_size)},
          {"word-dropout", std::to_string(word_dropout)},
          {"dropout", std::to_string(dropout)},         {"recurrent-dropout", std::to_string(recurrent_dropout)}};
}

ClassifierConfig ClassifierConfig::from_map(const std::map<std::string, std::string>& m) {
  ClassifierConfig c;
  c.table_size = to_int(m, "table-size", c.table_size);
  c.embedding = to_int(m, "embedding", c.embedding);
  c.hidden = to_int(m, "hidden", c.hidden);
  c.max_length = to_int(m, "max-length", c.max_length);
  c.bidirectional = to_bool(m, "bidirectional", c.bidirectional);
  if (auto it = m.find("pooling"); it != m.end()) c.pooling = it->second;
  c.mask_padding = to_bool(m, "mask-padding", c.mask_padding);
  c.position_bias = to_bool(m, "position-bias", c.position_bias);
  if (auto it = m.find("attention-score"); it != m.end()) c.attention_score = parse_attention_score(it->second);
  c.attention_size = to_int(m, "attention-size", c.attention_size);
  c.word_dropout = to_float(m, "word-dropout", c.word_dropout);
  c.dropout = to_float(m, "dropout", c.dropout);
  c.recurrent_dropout = to_float(m, "recurrent-dropout", c.recurrent_dropout);
  if (c.pooling != "last" && c.pooling != "attention" && c.pooling != "last-and-attention")
    throw std::invalid_argument("pooling: unknown '" + c.pooling + "' (last, attention or last-and-attention)");
  if (c.word_dropout < 0 || c.word_dropout >= 1) throw std::invalid_argument("word-dropout must be in [0, 1)");
  if (c.embedding < 1 || c.hidden < 1 || c.max_length < 1)
    throw std::invalid_argument("embedding, hidden and max-length must be at least 1");
  return c;
}

Classifier::Classifier(const ClassifierConfig& config, Generator& init) : config_(config) {
  if (config.table_size < 1) throw std::invalid_argument("classifier: table-size must be at least 1");
  embedding_ = store_.add("embedding", init::uniform({config.table_size, config.embedding}, 0.05f, init));
  auto unit_forget_bias = [&](const std::string& name) {
    Tensor& b = const_cast<Parameter*>(store_.find(name))->mutable_value();
    for (int64_t j = config.hidden; j < 2 * config.hidden; ++j) b.f32()[j] = 1.f;  // gates i, f, g, o
  };
  forward_ = RecurrentLayer(store_, "lstm.forward", CellType::lstm, config.embedding, config.hidden, init);
  unit_forget_bias("lstm.forward.b");
  if (config.bidirectional) {
    backward_ = RecurrentLayer(store_, "lstm.backward", CellType::lstm, config.embedding, config.hidden, init);
    unit_forget_bias("lstm.backward.b");
  }
  const int64_t states = config.bidirectional ? 2 * config.hidden : config.hidden;
  if (has_attention())
    attention_ = AttentionPooling(store_, "attention", states, config.max_length, config.position_bias, init,
                                  config.attention_score, config.attention_size);
  output_ = Linear(store_, "output", config.pooling == "last-and-attention" ? 2 * states : states, 1, init);
}

Var Classifier::run_direction(const RecurrentLayer& layer, const Var& x, const std::vector<Tensor>& masks,
                              bool reverse, bool training, Generator& gen, Var& final_h) const {
  const int64_t steps = x.dim(0), batch = x.dim(1), hidden = config_.hidden;
  // One dropout mask per sequence for the inputs and one for the recurrent state (Gal & Ghahramani).
  Var input = x;
  if (training && config_.dropout > 0)
    input = x * dropout(Var(Tensor::full({batch, x.dim(2)}, 1.f)), config_.dropout, gen, true);
  Var recurrent_mask;
  if (training && config_.recurrent_dropout > 0)
    recurrent_mask = dropout(Var(Tensor::full({batch, hidden}, 1.f)), config_.recurrent_dropout, gen, true);
  const Var xproj = layer.project(input);  // [T, B, 4H]: one GEMM for every step
  RecurrentState state = layer.zero_state(batch);
  std::vector<Var> outputs(static_cast<std::size_t>(steps));
  for (int64_t i = 0; i < steps; ++i) {
    const int64_t t = reverse ? steps - 1 - i : i;
    const Var xt = reshape(slice(xproj, 0, t, t + 1), {batch, xproj.dim(2)});
    RecurrentState read = state;
    if (recurrent_mask.defined()) read.h = state.h * recurrent_mask;
    RecurrentState next = layer.step(xt, read);
    if (!masks.empty() && masks[t].defined()) {  // padding: keep the state
      const Var m(masks[t]);
      next.h = state.h + m * (next.h - state.h);
      next.c = state.c + m * (next.c - state.c);
    }
    state = next;
    outputs[t] = state.h;
  }
  final_h = state.h;
  return stack(outputs, 0);
}

Classifier::Output Classifier::operator()(const Tensor& ids, bool training, Generator& gen) const {
  if (ids.rank() != 2 || ids.dtype() != DType::i32)
    shape_error("classifier", "ids must be int32 [batch, length];", ids.shape());
  const int64_t batch = ids.dim(0);
  const Tensor kept = training && config_.word_dropout > 0 ? drop_words(ids, config_.word_dropout, gen) : ids;
  const Tensor time_major = transpose_ids(kept);  // [T, B]
  const std::vector<Tensor> masks = config_.mask_padding ? step_masks(time_major) : std::vector<Tensor>();
  const Var x = embedding(embedding_, time_major, config_.mask_padding ? 0 : -1);  // [T, B, E]
  Var final_forward, final_backward;
  Var h = run_direction(forward_, x, masks, false, training, gen, final_forward);
  if (config_.bidirectional) h = concat({h, run_direction(backward_, x, masks, true, training, gen, final_backward)}, 2);
  Output out;
  Var last;  // the final state(s), unless the pooling is attention alone
  if (config_.pooling != "attention")
    last = config_.bidirectional ? concat({final_forward, final_backward}, 1) : final_forward;
  Var features = last;
  if (has_attention()) {
    AttentionPooling::Output pooled =
        attention_(permute(h, {1, 0, 2}), config_.mask_padding ? padding_mask(kept) : Tensor());
    features = config_.pooling == "attention" ? pooled.context : concat({last, pooled.context}, 1);
    out.attention = pooled.weights;
  }
  out.logits = reshape(output_(features), {batch});
  return out;
}

Var Classifier::embedding_square_sum() const { return sum_all(embedding_ * embedding_); }

}  // namespace nmt::classify
