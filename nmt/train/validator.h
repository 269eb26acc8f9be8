// Validation: how good the model is now, on held-out data.
//   loss        mean negative log-likelihood per target token (teacher forcing, no dropout, no label
//               smoothing), over every validation pair
//   perplexity  exp(loss)
//   BLEU        the validation sources translated by beam search (nmt/search), detokenised, and
//               scored against the raw references with sacreBLEU's corpus BLEU (nmt/metrics; 13a,
//               mixed case, exp smoothing: the numbers sacrebleu prints)
// Validation draws no random numbers, so it never changes the course of training.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corpora/parallel_corpus.h"
#include "nmt/models/encoder_decoder.h"
#include "nmt/train/distributed.h"
#include "tokenizer/tokenizer.h"

namespace nmt::train {

struct ValidationScores {
  double loss = 0;
  double perplexity = 0;
  double bleu = -1;  // -1: not computed
  int64_t tokens = 0;
  std::size_t translated = 0;
  double seconds = 0;
};

// "bleu" | "loss" | "perplexity": the value of that metric, and whether a is better than b.
double metric_value(const std::string& metric, const ValidationScores& scores);
bool metric_improves(const std::string& metric, double candidate, double best);

class Validator {
 public:
  // Everything must outlive the validator. Empty `sources` skips BLEU.
  Validator(const corpora::ParallelCorpus& corpus, const std::vector<std::vector<int32_t>>& sources,
            const std::vector<std::string>& references, const text::Tokenizer& tokenizer, int beam,
            std::size_t batch_tokens);

  // Under data-parallel training every rank calls it: the batches (the same ones a single process
  // makes) are dealt out round-robin, the loss sums are all-reduced and the hypotheses gathered,
  // so every rank gets the single-process scores and hypotheses, in about 1/N of the time.
  ValidationScores run(EncoderDecoder& model, Communicator& ranks = communicator());

  // The hypotheses of the last run, in validation order.
  const std::vector<std::string>& hypotheses() const { return hypotheses_; }

 private:
  const corpora::ParallelCorpus& corpus_;
  const std::vector<std::vector<int32_t>>& sources_;
  const std::vector<std::string>& references_;
  const text::Tokenizer& tokenizer_;
  int beam_;
  std::size_t batch_tokens_;
  std::vector<std::size_t> by_length_;  // source indices, longest first
  std::vector<std::string> hypotheses_;
};

}  // namespace nmt::train
