#include "nmt/train/validator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>

#include "corpora/batcher.h"
#include "nmt/autograd/ops_loss.h"
#include "nmt/metrics/bleu.h"
#include "nmt/search/search.h"
#include "tokenizer/special_ids.h"

namespace nmt::train {

double metric_value(const std::string& metric, const ValidationScores& scores) {
  if (metric == "bleu") return scores.bleu;
  if (metric == "perplexity") return scores.perplexity;
  return scores.loss;
}

bool metric_improves(const std::string& metric, double candidate, double best) {
  return metric == "bleu" ? candidate > best : candidate < best;
}

Validator::Validator(const corpora::ParallelCorpus& corpus, const std::vector<std::vector<int32_t>>& sources,
                     const std::vector<std::string>& references, const text::Tokenizer& tokenizer, int beam,
                     std::size_t batch_tokens)
    : corpus_(corpus), sources_(sources), references_(references), tokenizer_(tokenizer), beam_(beam),
      batch_tokens_(batch_tokens) {
  by_length_.resize(sources_.size());
  std::iota(by_length_.begin(), by_length_.end(), 0);
  std::stable_sort(by_length_.begin(), by_length_.end(),
                   [&](std::size_t a, std::size_t b) { return sources_[a].size() > sources_[b].size(); });
}

ValidationScores Validator::run(EncoderDecoder& model, Communicator& ranks) {
  const std::size_t rank = static_cast<std::size_t>(ranks.rank()), size = static_cast<std::size_t>(ranks.size());
  const auto start = std::chrono::steady_clock::now();
  NoGradGuard no_grad;
  ValidationScores scores;

  // Loss and perplexity: teacher forcing over the whole validation corpus, in corpus order.
  corpora::BatcherOptions batching;
  batching.max_target_tokens = batch_tokens_;
  batching.shuffle = false;
  corpora::Batcher batcher(corpus_, batching);
  double nll = 0;
  std::size_t batch_index = 0;
  while (auto batch = batcher.next()) {
    if (batch_index++ % size != rank) continue;
    const int64_t b = static_cast<int64_t>(batch->batch_size);
    Tensor source = Tensor::from_ids({b, static_cast<int64_t>(batch->source_length)}, batch->source);
    Tensor input = Tensor::from_ids({b, static_cast<int64_t>(batch->target_length)}, batch->target_input);
    Tensor output = Tensor::from_ids({b * static_cast<int64_t>(batch->target_length)}, batch->target_output);
    Var logits = model.logits(source, input, /*training=*/false);
    CrossEntropyResult r = cross_entropy_with_stats(logits, output, 0.f, text::kPadId, Reduction::sum);
    nll += r.nll_sum;
    scores.tokens += r.tokens;
  }
  if (size > 1) {
    double sums[2] = {nll, static_cast<double>(scores.tokens)};
    ranks.allreduce_sum(sums);
    nll = sums[0];
    scores.tokens = static_cast<int64_t>(sums[1]);
  }
  scores.loss = scores.tokens ? nll / static_cast<double>(scores.tokens) : 0.0;
  scores.perplexity = std::exp(scores.loss);

  // BLEU: beam search in batches of similar length, longest first.
  if (!sources_.empty()) {
    hypotheses_.assign(sources_.size(), std::string());
    SearchOptions search_options;
    search_options.beam = beam_;
    std::vector<std::vector<int32_t>> batch;
    std::vector<std::size_t> members;
    std::size_t search_batches = 0;
    auto flush = [&] {
      if (batch.empty()) return;
      if (search_batches++ % size != rank) {
        batch.clear();
        members.clear();
        return;
      }
      std::vector<SentenceResult> results = search(model, batch, search_options);
      for (std::size_t i = 0; i < members.size(); ++i)
        hypotheses_[members[i]] = tokenizer_.decode(results[i].best().tokens);
      batch.clear();
      members.clear();
    };
    // A beam of k over a source of n pieces holds about k * (2n + 10) target positions.
    std::size_t budget = 0;
    for (std::size_t index : by_length_) {
      const std::size_t cost = static_cast<std::size_t>(beam_) * (2 * sources_[index].size() + 10);
      if (!batch.empty() && budget + cost > batch_tokens_ * 4) {
        flush();
        budget = 0;
      }
      batch.push_back(sources_[index]);
      members.push_back(index);
      budget += cost;
    }
    flush();
    if (size > 1) {  // every rank gets all the hypotheses: (index, length, text) records
      std::string mine;
      for (std::size_t i = 0; i < hypotheses_.size(); ++i) {
        if (hypotheses_[i].empty()) continue;
        const uint64_t header[2] = {i, hypotheses_[i].size()};
        mine.append(reinterpret_cast<const char*>(header), sizeof header);
        mine += hypotheses_[i];
      }
      for (const std::string& theirs : ranks.allgather(mine)) {
        std::size_t at = 0;
        while (at + 2 * sizeof(uint64_t) <= theirs.size()) {
          uint64_t header[2];
          std::memcpy(header, theirs.data() + at, sizeof header);
          at += sizeof header;
          hypotheses_[header[0]] = theirs.substr(at, header[1]);
          at += header[1];
        }
      }
    }
    metrics::Bleu bleu(metrics::BleuConfig{});
    std::vector<std::string_view> hypotheses(hypotheses_.begin(), hypotheses_.end());
    std::vector<std::vector<std::string_view>> references(1);
    references[0].assign(references_.begin(), references_.end());
    scores.bleu = bleu.corpus_score(hypotheses, references).score;
    scores.translated = sources_.size();
  }
  scores.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return scores;
}

}  // namespace nmt::train
