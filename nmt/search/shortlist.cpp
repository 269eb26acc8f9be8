// The lexical table and the batch shortlists (see shortlist.h).
#include "nmt/search/shortlist.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "tokenizer/special_ids.h"

namespace nmt {
namespace {

constexpr uint32_t kMagic = 0x4C534D4E;  // "NMSL" as little-endian bytes
constexpr uint32_t kVersion = 1;
constexpr int32_t kFirstPiece = text::kEosId + 1;  // ids below are the special pieces

// The distinct ids of a sentence that are pieces (specials and ids out of range left out).
void distinct_pieces(std::span<const int32_t> ids, int vocab_size, std::vector<int32_t>& out) {
  out.clear();
  for (int32_t id : ids)
    if (id >= kFirstPiece && id < vocab_size) out.push_back(id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace

LexicalTable LexicalTable::build(std::size_t pairs, const std::function<std::span<const int32_t>(std::size_t)>& source,
                                 const std::function<std::span<const int32_t>(std::size_t)>& target, int vocab_size,
                                 const BuildSettings& settings) {
  if (vocab_size <= kFirstPiece) throw std::invalid_argument("lexical table: vocabulary of " + std::to_string(vocab_size) + " pieces");
  if (settings.top_k < 1) throw std::invalid_argument("lexical table: top-k must be at least 1");
  const std::size_t stride = settings.max_pairs > 0 && pairs > settings.max_pairs
                                 ? (pairs + settings.max_pairs - 1) / settings.max_pairs
                                 : 1;
  std::vector<uint64_t> target_tokens(vocab_size, 0);
  std::unordered_map<uint64_t, uint32_t> together;  // (s << 32 | t): the pairs that co-occur
  std::vector<int32_t> s_ids, t_ids;
  LexicalTable table;
  for (std::size_t i = 0; i < pairs; i += stride) {
    const std::span<const int32_t> tgt = target(i);
    for (int32_t t : tgt)
      if (t >= kFirstPiece && t < vocab_size) ++target_tokens[t];
    distinct_pieces(source(i), vocab_size, s_ids);
    distinct_pieces(tgt, vocab_size, t_ids);
    for (int32_t s : s_ids)
      for (int32_t t : t_ids) together.try_emplace((static_cast<uint64_t>(s) << 32) | static_cast<uint32_t>(t), 0);
    ++table.pairs_counted_;
  }
  // IBM Model 1 (Brown et al. 1993, "The Mathematics of Statistical Machine Translation", section
  // 4): t(t | s) over the pairs that co-occur, plus a NULL source (id 0) that explains target
  // pieces no source piece accounts for; uniform start, then EM. E-step, for target token t_j of
  // a pair with source tokens s_0 = NULL, s_1..s_m: count(s_i, t_j) += t(t_j | s_i) / sum_i'
  // t(t_j | s_i'); M-step: t(t | s) = count(s, t) / sum_t' count(s, t').
  for (std::size_t i = 0; i < pairs; i += stride)
    for (int32_t t : target(i))
      if (t >= kFirstPiece && t < vocab_size) together.try_emplace(static_cast<uint64_t>(t), 0);  // (NULL, t)
  std::vector<uint32_t> support(vocab_size, 0);
  std::vector<std::pair<int32_t, int32_t>> cell;  // (s, t) of each index
  cell.reserve(together.size());
  for (auto& [key, index] : together) {
    const int32_t s = static_cast<int32_t>(key >> 32), t = static_cast<int32_t>(key & 0xFFFFFFFFu);
    index = static_cast<uint32_t>(cell.size());
    cell.push_back({s, t});
    ++support[s];
  }
  std::vector<float> prob(cell.size()), count(cell.size());
  for (std::size_t c = 0; c < cell.size(); ++c) prob[c] = 1.f / static_cast<float>(support[cell[c].first]);
  std::vector<uint32_t> cells;  // of one pair: [target token][source token], NULL first
  std::vector<double> total(vocab_size);
  for (int iteration = 0; iteration < settings.iterations; ++iteration) {
    std::fill(count.begin(), count.end(), 0.f);
    for (std::size_t i = 0; i < pairs; i += stride) {
      s_ids.clear();
      s_ids.push_back(text::kPadId);  // NULL
      for (int32_t s : source(i))
        if (s >= kFirstPiece && s < vocab_size) s_ids.push_back(s);
      for (int32_t t : target(i)) {
        if (t < kFirstPiece || t >= vocab_size) continue;
        cells.clear();
        float sum = 0.f;
        for (int32_t s : s_ids) {
          cells.push_back(together.at((static_cast<uint64_t>(s) << 32) | static_cast<uint32_t>(t)));
          sum += prob[cells.back()];
        }
        for (uint32_t c : cells) count[c] += prob[c] / sum;
      }
    }
    std::fill(total.begin(), total.end(), 0.0);
    for (std::size_t c = 0; c < cell.size(); ++c) total[cell[c].first] += count[c];
    for (std::size_t c = 0; c < cell.size(); ++c)
      prob[c] = total[cell[c].first] > 0 ? static_cast<float>(count[c] / total[cell[c].first]) : 0.f;
  }
  // t(t | s) per source piece, best first (NULL's own list is not kept).
  std::vector<std::vector<std::pair<float, int32_t>>> ranked(vocab_size);
  for (std::size_t c = 0; c < cell.size(); ++c)
    if (cell[c].first >= kFirstPiece) ranked[cell[c].first].push_back({prob[c], cell[c].second});
  auto better = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  table.vocab_size_ = vocab_size;
  table.top_k_ = settings.top_k;
  table.offsets_.assign(static_cast<std::size_t>(vocab_size) + 1, 0);
  for (int32_t s = 0; s < vocab_size; ++s) {
    auto& r = ranked[s];
    const std::size_t keep = std::min<std::size_t>(r.size(), static_cast<std::size_t>(settings.top_k));
    std::partial_sort(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(keep), r.end(), better);
    for (std::size_t j = 0; j < keep; ++j) table.translations_.push_back(r[j].second);
    table.offsets_[s + 1] = static_cast<uint32_t>(table.translations_.size());
  }
  for (int32_t t = kFirstPiece; t < vocab_size; ++t)
    if (target_tokens[t] > 0) table.frequent_.push_back(t);
  std::stable_sort(table.frequent_.begin(), table.frequent_.end(),
                   [&](int32_t a, int32_t b) { return target_tokens[a] > target_tokens[b]; });
  return table;
}

std::span<const int32_t> LexicalTable::translations(int32_t source_id) const {
  if (source_id < 0 || source_id >= vocab_size_) return {};
  return std::span<const int32_t>(translations_).subspan(offsets_[source_id], offsets_[source_id + 1] - offsets_[source_id]);
}

int LexicalTable::source_pieces() const {
  int n = 0;
  for (int32_t s = 0; s < vocab_size_; ++s) n += offsets_[s + 1] > offsets_[s];
  return n;
}

// Words of 32 bits: magic, version, vocab_size, top_k, pairs (low, high), frequent count,
// frequent ids, then per source id: its count and its ids.
std::string LexicalTable::to_bytes() const {
  std::vector<uint32_t> words = {kMagic,
                                 kVersion,
                                 static_cast<uint32_t>(vocab_size_),
                                 static_cast<uint32_t>(top_k_),
                                 static_cast<uint32_t>(pairs_counted_ & 0xFFFFFFFFu),
                                 static_cast<uint32_t>(static_cast<uint64_t>(pairs_counted_) >> 32),
                                 static_cast<uint32_t>(frequent_.size())};
  words.insert(words.end(), frequent_.begin(), frequent_.end());
  for (int32_t s = 0; s < vocab_size_; ++s) {
    const std::span<const int32_t> t = translations(s);
    words.push_back(static_cast<uint32_t>(t.size()));
    words.insert(words.end(), t.begin(), t.end());
  }
  std::string bytes(words.size() * sizeof(uint32_t), '\0');
  std::memcpy(bytes.data(), words.data(), bytes.size());
  return bytes;
}

LexicalTable LexicalTable::from_bytes(std::string_view bytes) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("lexical table: " + what); };
  if (bytes.size() % 4 != 0 || bytes.size() < 7 * 4) fail("too short");
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  if (words[0] != kMagic) fail("not a lexical table");
  if (words[1] != kVersion) fail("version " + std::to_string(words[1]) + " (this program reads version 1)");
  LexicalTable table;
  table.vocab_size_ = static_cast<int>(words[2]);
  table.top_k_ = static_cast<int>(words[3]);
  table.pairs_counted_ = static_cast<std::size_t>(words[4] | (static_cast<uint64_t>(words[5]) << 32));
  std::size_t at = 7;
  auto take = [&](std::size_t n, std::vector<int32_t>& into) {
    if (n > words.size() - at) fail("truncated");
    for (std::size_t j = 0; j < n; ++j) {
      const uint32_t id = words[at + j];
      if (id >= static_cast<uint32_t>(table.vocab_size_)) fail("piece id " + std::to_string(id) + " out of range");
      into.push_back(static_cast<int32_t>(id));
    }
    at += n;
  };
  take(words[6], table.frequent_);
  table.offsets_.assign(static_cast<std::size_t>(table.vocab_size_) + 1, 0);
  for (int32_t s = 0; s < table.vocab_size_; ++s) {
    if (at >= words.size()) fail("truncated");
    const uint32_t n = words[at++];
    take(n, table.translations_);
    table.offsets_[s + 1] = static_cast<uint32_t>(table.translations_.size());
  }
  if (at != words.size()) fail("unexpected bytes at the end");
  return table;
}

Shortlist::Shortlist(LexicalTable table, ShortlistSettings settings) : table_(std::move(table)), settings_(settings) {
  if (settings_.top_k < 0) throw std::invalid_argument("shortlist: top-k must not be negative");
  if (settings_.frequent < 0) throw std::invalid_argument("shortlist: the number of frequent pieces must not be negative");
}

void Shortlist::mark(std::span<const int32_t> source, std::vector<uint8_t>& chosen) const {
  const int vocab = table_.vocab_size();
  for (int32_t id = 0; id < std::min(vocab, kFirstPiece); ++id) chosen[id] = 1;
  const std::span<const int32_t> frequent = table_.frequent();
  for (std::size_t j = 0; j < frequent.size() && j < static_cast<std::size_t>(settings_.frequent); ++j) chosen[frequent[j]] = 1;
  for (int32_t s : source) {
    if (s < 0 || s >= vocab) continue;
    chosen[s] = 1;
    const std::span<const int32_t> t = table_.translations(s);
    for (std::size_t j = 0; j < t.size() && j < static_cast<std::size_t>(settings_.top_k); ++j) chosen[t[j]] = 1;
  }
}

std::vector<int32_t> Shortlist::for_sentence(std::span<const int32_t> source) const {
  std::vector<uint8_t> chosen(static_cast<std::size_t>(table_.vocab_size()), 0);
  mark(source, chosen);
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < table_.vocab_size(); ++id)
    if (chosen[id]) ids.push_back(id);
  return ids;
}

Tensor Shortlist::Batch::mask(int beam) const {
  if (same_for_all || words.empty()) return Tensor();
  const int64_t width = static_cast<int64_t>(words.size());
  const int64_t sentences = static_cast<int64_t>(allowed.size()) / width;
  Tensor out = Tensor::empty({sentences * beam, width});
  float* m = out.f32();
  for (int64_t b = 0; b < sentences; ++b)
    for (int k = 0; k < beam; ++k)
      for (int64_t j = 0; j < width; ++j)
        m[(b * beam + k) * width + j] = allowed[b * width + j] ? 0.f : -std::numeric_limits<float>::infinity();
  return out;
}

Shortlist::Batch Shortlist::for_batch(std::span<const std::vector<int32_t>> sources) const {
  const std::size_t vocab = static_cast<std::size_t>(table_.vocab_size());
  std::vector<uint8_t> own(sources.size() * vocab, 0), any(vocab, 0);
  int64_t own_total = 0;
  for (std::size_t b = 0; b < sources.size(); ++b) {
    std::vector<uint8_t> chosen(vocab, 0);
    mark(sources[b], chosen);
    for (std::size_t id = 0; id < vocab; ++id) {
      own[b * vocab + id] = chosen[id];
      any[id] |= chosen[id];
      own_total += chosen[id];
    }
  }
  Batch batch;
  for (std::size_t id = 0; id < vocab; ++id)
    if (any[id]) batch.words.push_back(static_cast<int32_t>(id));
  const std::size_t width = batch.words.size();
  batch.allowed.resize(sources.size() * width);
  for (std::size_t b = 0; b < sources.size(); ++b)
    for (std::size_t j = 0; j < width; ++j) {
      batch.allowed[b * width + j] = own[b * vocab + static_cast<std::size_t>(batch.words[j])];
      batch.same_for_all &= batch.allowed[b * width + j] != 0;
    }
  batches_.fetch_add(1);
  total_size_.fetch_add(static_cast<int64_t>(width));
  sentences_.fetch_add(static_cast<int64_t>(sources.size()));
  total_sentence_size_.fetch_add(own_total);
  return batch;
}

std::shared_ptr<const Shortlist> shortlist_for_model(const std::string& path, const std::string& lexical_table,
                                                     int vocab_size, const std::string& mode, ShortlistSettings settings) {
  if (mode != "on" && mode != "off" && mode != "auto")
    throw std::invalid_argument("shortlist: on, off or auto (got '" + mode + "')");
  if (mode == "off") return nullptr;
  if (lexical_table.empty()) {
    if (mode == "auto") return nullptr;
    throw std::runtime_error("--shortlist on: model file '" + path +
                             "' holds no lexical table (add one with nmt-shortlist -m MODEL --train-source FILE "
                             "--train-target FILE -o MODEL, or use --shortlist off)");
  }
  LexicalTable table;
  try {
    table = LexicalTable::from_bytes(lexical_table);
  } catch (const std::exception& e) {
    throw std::runtime_error("model file '" + path + "': " + e.what());
  }
  if (table.vocab_size() != vocab_size)
    throw std::runtime_error("model file '" + path + "': its lexical table is for " + std::to_string(table.vocab_size()) +
                             " pieces, the model has " + std::to_string(vocab_size));
  return std::make_shared<const Shortlist>(std::move(table), settings);
}

}  // namespace nmt
