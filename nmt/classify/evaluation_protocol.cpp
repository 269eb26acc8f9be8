// The evaluation protocol: see evaluation_protocol.h.
#include "nmt/classify/evaluation_protocol.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "nmt/tensor/random.h"

namespace nmt::classify {
namespace {

std::string percent(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100 * x);
  return b;
}

std::string mean_sd(const std::vector<double>& x) {
  if (x.empty()) return "-";
  return percent(mean_of(x)) + " ± " + percent(sd_of(x));
}

void record(VariantResult& r, const TrainedClassifier& c) {
  r.train_seconds += c.seconds;
  r.sentences_seen += c.sentences_seen;
}

}  // namespace

double mean_of(const std::vector<double>& x) {
  return x.empty() ? 0 : std::accumulate(x.begin(), x.end(), 0.0) / double(x.size());
}

double sd_of(const std::vector<double>& x) {
  if (x.size() < 2) return 0;
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / double(x.size() - 1));
}

std::vector<VariantResult> run_protocol(const std::vector<Variant>& variants, const std::vector<LabelledSentence>& data,
                                        const std::vector<LabelledSentence>& cross_domain,
                                        const ProtocolOptions& options,
                                        const std::function<void(const std::string&)>& progress) {
  // The folds: one permutation for every variant.
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  Generator shuffle(options.fold_seed);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.next() % i]);
  const std::size_t cut = data.size() * 8 / 10;
  const std::vector<LabelledSentence> article_train(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(cut));
  const std::vector<LabelledSentence> article_test(data.begin() + static_cast<std::ptrdiff_t>(cut), data.end());

  std::vector<VariantResult> results;
  for (const Variant& v : variants) {
    VariantResult r;
    r.name = v.name;
    auto say = [&](const std::string& what, double acc, const TrainedClassifier& c) {
      if (progress)
        progress(v.name + " " + what + ": " + percent(acc) + " % (" + std::to_string(c.seconds).substr(0, 5) + " s)");
    };
    const int first = options.first_seed, last = options.first_seed + options.seeds - 1;
    for (int s = first; s <= last && options.article_split; ++s) {
      TrainedClassifier c = train_classifier(v, article_train, static_cast<uint64_t>(s));
      r.article_split.push_back(accuracy(c, article_test));
      record(r, c);
      say("article split, seed " + std::to_string(s), r.article_split.back(), c);
    }
    for (int f = 0; f < options.folds; ++f) {
      std::vector<LabelledSentence> train, test;
      for (std::size_t i = 0; i < order.size(); ++i)
        (static_cast<int>(i * options.folds / order.size()) == f ? test : train).push_back(data[order[i]]);
      for (int s = first; s <= last; ++s) {
        TrainedClassifier c = train_classifier(v, train, static_cast<uint64_t>(s));
        r.cv.push_back(accuracy(c, test));
        record(r, c);
        say("fold " + std::to_string(f + 1) + ", seed " + std::to_string(s), r.cv.back(), c);
      }
    }
    for (int s = first; s <= last && !cross_domain.empty(); ++s) {
      TrainedClassifier c = train_classifier(v, data, static_cast<uint64_t>(s));
      r.cross_domain.push_back(accuracy(c, cross_domain));
      record(r, c);
      say("cross-domain, seed " + std::to_string(s), r.cross_domain.back(), c);
    }
    results.push_back(std::move(r));
  }
  return results;
}

PairedComparison compare(const VariantResult& a, const VariantResult& b, const ProtocolOptions& options,
                         std::size_t data_size) {
  PairedComparison p;
  std::vector<double> d;
  for (std::size_t i = 0; i < a.cv.size() && i < b.cv.size(); ++i) d.push_back(b.cv[i] - a.cv[i]);
  p.mean = mean_of(d);
  p.sd = sd_of(d);
  p.folds = options.folds;
  for (int f = 0; f < options.folds; ++f) {
    double fold = 0;
    for (int s = 0; s < options.seeds; ++s) {
      const std::size_t i = static_cast<std::size_t>(f * options.seeds + s);
      if (i < d.size()) fold += d[i];
    }
    if (fold > 1e-12) p.folds_better++;
    if (fold < -1e-12) p.folds_worse++;
  }
  const double n_test = double(data_size) / options.folds, n_train = double(data_size) - n_test;
  const double scale = std::sqrt((1.0 / double(d.size()) + n_test / n_train) * p.sd * p.sd);
  p.corrected_t = scale > 0 ? p.mean / scale : 0;
  return p;
}

void write_report(std::ostream& out, const std::vector<VariantResult>& results, const ProtocolOptions& options,
                  std::size_t data_size, int baseline) {
  out << "| variant | article split (mean ± sd, " << options.seeds << " seeds) | " << options.folds << "-fold CV x "
      << options.seeds << " seeds (mean ± sd) | cross-domain imdb (mean ± sd) | training sentences/s |\n"
      << "|---|---|---|---|---|\n";
  for (const VariantResult& r : results)
    out << "| " << r.name << " | " << mean_sd(r.article_split) << " | " << mean_sd(r.cv) << " | "
        << mean_sd(r.cross_domain) << " | " << static_cast<int64_t>(r.sentences_per_second()) << " |\n";
  if (baseline < 0 || static_cast<std::size_t>(baseline) >= results.size()) return;
  out << "\nPaired against **" << results[baseline].name << "** on the same folds and seeds (d = variant - it):\n\n"
      << "| variant | mean d (pp) | sd of d (pp) | folds better / worse (of " << options.folds
      << ") | corrected t |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (static_cast<int>(i) == baseline) continue;
    const PairedComparison p = compare(results[baseline], results[i], options, data_size);
    char t[32];
    std::snprintf(t, sizeof t, "%.2f", p.corrected_t);
    out << "| " << results[i].name << " | " << (p.mean >= 0 ? "+" : "") << percent(p.mean) << " | " << percent(p.sd)
        << " | " << p.folds_better << " / " << p.folds_worse << " | " << t << " |\n";
  }
}

void write_raw_results(std::ostream& out, const std::vector<VariantResult>& results, const ProtocolOptions& options,
                       std::size_t data_size) {
  out << "# nmt-classify protocol: folds " << options.folds << " seeds " << options.seeds << " data " << data_size
      << "\n";
  char number[40];
  auto line = [&](const std::string& name, const char* part, double value) {
    std::snprintf(number, sizeof number, "%.17g", value);
    out << name << '\t' << part << '\t' << number << '\n';
  };
  for (const VariantResult& r : results) {
    for (double a : r.article_split) line(r.name, "article", a);
    for (double a : r.cv) line(r.name, "cv", a);
    for (double a : r.cross_domain) line(r.name, "imdb", a);
    line(r.name, "seconds", r.train_seconds);
    line(r.name, "sentences", double(r.sentences_seen));
  }
}

void read_raw_results(const std::string& path, std::vector<VariantResult>& results, ProtocolOptions& options,
                      std::size_t& data_size) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open results file '" + path + "'");
  std::string text;
  int folds = 0, seeds = 0;
  std::size_t size = 0;
  if (!std::getline(in, text) ||
      std::sscanf(text.c_str(), "# nmt-classify protocol: folds %d seeds %d data %zu", &folds, &seeds, &size) != 3)
    throw std::runtime_error(path + ":1: not a results file of nmt-classify protocol --raw");
  if (data_size != 0 && (folds != options.folds || seeds != options.seeds || size != data_size))
    throw std::runtime_error(path + ":1: folds, seeds or data size differ from the first results file's");
  options.folds = folds;
  options.seeds = seeds;
  data_size = size;
  const std::size_t first_new = results.size();
  for (int number = 2; std::getline(in, text); ++number) {
    std::istringstream fields(text);
    std::string name, part;
    double value = 0;
    if (!(fields >> name >> part >> value))
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected variant, part and number");
    if (results.size() == first_new || results.back().name != name) {
      results.emplace_back();
      results.back().name = name;
    }
    VariantResult& r = results.back();
    if (part == "article") r.article_split.push_back(value);
    else if (part == "cv") r.cv.push_back(value);
    else if (part == "imdb") r.cross_domain.push_back(value);
    else if (part == "seconds") r.train_seconds = value;
    else if (part == "sentences") r.sentences_seen = static_cast<int64_t>(value);
    else throw std::runtime_error(path + ":" + std::to_string(number) + ": unknown part '" + part + "'");
  }
}

}  // namespace nmt::classify
