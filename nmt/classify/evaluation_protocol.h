// One protocol for every variant, so that their numbers compare:
//
//   article split   train on the first 80 % of the data (amazon then yelp, in file order), test on
//                   the last 20 % (400 sentences: Keras's validation_split = 0.2, which takes the
//                   end of the arrays before any shuffling), once per seed;
//   cross-validation  k folds (k = 10) of one fixed random permutation of the data, the same for
//                   every variant, each trained with every seed: k x seeds accuracies; mean and sd;
//   cross-domain    train on all the data, test on another file (imdb_labelled.txt), per seed.
//
// Paired comparison of variant B against A on the same folds and seeds (d_i = acc_B,i - acc_A,i):
// mean and sd of d over the k x seeds runs, how many of the k folds favour B (seed-averaged), and
// the corrected resampled t statistic of Nadeau & Bengio 2003 (Bouckaert & Frank 2004, for r
// repetitions of k-fold cross-validation), which allows for the folds' training sets overlapping:
//   t = mean(d) / sqrt((1/(k r) + n_test/n_train) * var(d))
// |t| > 2.0 is roughly significant at 5 % (k r - 1 = 29 degrees of freedom).
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "nmt/classify/classifier_training.h"

namespace nmt::classify {

struct ProtocolOptions {
  int folds = 10;
  int seeds = 3;
  int first_seed = 1;         // seeds first_seed .. first_seed + seeds - 1 (one run's share of them)
  uint64_t fold_seed = 2015;  // the permutation behind the folds
  bool article_split = true;
};

struct VariantResult {
  std::string name;
  std::vector<double> article_split;  // one per seed
  std::vector<double> cv;             // cv[fold * seeds + s]
  std::vector<double> cross_domain;   // one per seed (empty without cross-domain data)
  double train_seconds = 0;           // summed over every model trained
  int64_t sentences_seen = 0;
  double sentences_per_second() const { return train_seconds > 0 ? double(sentences_seen) / train_seconds : 0; }
};

struct PairedComparison {
  double mean = 0, sd = 0;  // of d_i = B - A
  int folds_better = 0, folds_worse = 0, folds = 0;
  double corrected_t = 0;
};

// Runs every variant through the protocol; `progress` (may be empty) gets one line per model.
std::vector<VariantResult> run_protocol(const std::vector<Variant>& variants, const std::vector<LabelledSentence>& data,
                                        const std::vector<LabelledSentence>& cross_domain,
                                        const ProtocolOptions& options,
                                        const std::function<void(const std::string&)>& progress = {});

PairedComparison compare(const VariantResult& a, const VariantResult& b, const ProtocolOptions& options,
                         std::size_t data_size);

double mean_of(const std::vector<double>& x);
double sd_of(const std::vector<double>& x);  // sample standard deviation (n - 1)

// Every accuracy of a protocol run as text, so that runs of different variants in different
// processes can be reported together (paired on the same folds and seeds: the folds depend only
// on fold_seed and the data). Tab-separated, one line per number after a header line:
//   # nmt-classify protocol: folds 10 seeds 3 data 2000
//   <variant> article|cv|imdb <accuracy>      in the order measured
//   <variant> seconds|sentences <total>      the training time and sentences seen
void write_raw_results(std::ostream& out, const std::vector<VariantResult>& results, const ProtocolOptions& options,
                       std::size_t data_size);
// Appends the variants of one such file to `results`; its folds, seeds and data size must match
// `options` / `data_size` when those are already set (data_size != 0), else they are set from it.
// A malformed file throws std::runtime_error naming the file and line.
void read_raw_results(const std::string& path, std::vector<VariantResult>& results, ProtocolOptions& options,
                      std::size_t& data_size);

// The results as Markdown tables: per variant, then each variant paired against `baseline`
// and against `attention_baseline` when given (index; negative = none).
void write_report(std::ostream& out, const std::vector<VariantResult>& results, const ProtocolOptions& options,
                  std::size_t data_size, int baseline);

}  // namespace nmt::classify
