// nmt-classify: sentence classification on the engine (nmt/classify), the founding article's
// attention demo. A thin main: train, predict, attention pictures and the evaluation protocol.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "command_line.h"
#include "nmt/classify/attention_picture.h"
#include "nmt/classify/classifier_file.h"
#include "nmt/classify/evaluation_protocol.h"
#include "nmt/classify/settings_file.h"
#include "nmt/tensor/threading.h"
#include "tokenizer/utf8.h"
#include "version_option.h"

namespace {

using namespace nmt::classify;
using nmt::tools::CommandLine;
using nmt::tools::UsageError;

const char* kUsage =
    "Usage:\n"
    "  nmt-classify train --config FILE [--SETTING VALUE ...] --train FILE... --model OUT\n"
    "                     [--valid-split 0.2] [--seed 1] [--threads 1]\n"
    "      trains one model (settings: see recipes/uci-sentiment/*.ini); with --valid-split, the last\n"
    "      share of the data is held out (Keras's validation_split) and its accuracy printed\n"
    "  nmt-classify predict --model FILE [--threads 1]\n"
    "      stdin: one sentence per line; stdout: label<TAB>P(positive), one line per line in\n"
    "  nmt-classify attention --model FILE --input LABELLED_FILE --svg OUT [--lines 1,2,...]\n"
    "      the sentences (1-based line numbers; default the first 8) shaded by attention weight\n"
    "  nmt-classify protocol --variant FILE.ini... --data FILE... [--cross-domain FILE]\n"
    "                        [--folds 10] [--seeds 3] [--first-seed 1] [--report OUT.md] [--raw OUT.tsv]\n"
    "                        [--threads 1]\n"
    "      every variant through the article split, k-fold CV x seeds and the cross-domain test\n"
    "      (recipes/uci-sentiment/run.sh); the first variant is the paired baseline; --raw keeps\n"
    "      every accuracy for `report`\n"
    "  nmt-classify report --raw FILE.tsv... [--report OUT.md]\n"
    "      the tables of several protocol runs' --raw files together (same folds and seeds); the\n"
    "      first file's first variant is the paired baseline\n";

std::vector<std::string> values(CommandLine& cl, const std::string& option, std::vector<std::string>& rest) {
  std::vector<std::string> out;
  while (!cl.empty()) {
    std::string a = cl.next();
    if (CommandLine::is_option(a)) {
      rest.push_back(a);
      break;
    }
    out.push_back(a);
  }
  if (out.empty()) throw UsageError(option + " needs a value");
  return out;
}

Variant variant_of(const std::string& config, const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> settings;
  if (!config.empty()) read_settings_file(config, variant_setting_names(), settings);
  for (const auto& [k, v] : overrides) settings[k] = v;
  try {
    return Variant::from_map(config.empty() ? "model" : std::filesystem::path(config).stem().string(), settings);
  } catch (const std::invalid_argument& e) {
    throw SettingsError((config.empty() ? "command line" : config) + ": " + e.what());
  }
}

int train(CommandLine& cl) {
  std::string config, model;
  std::vector<std::string> files;
  std::map<std::string, std::string> overrides;
  double valid_split = 0;
  int seed = 1;
  std::vector<std::string> pending;
  while (!cl.empty() || !pending.empty()) {
    std::string a = pending.empty() ? cl.next() : pending.back();
    pending.clear();
    if (a == "--config") config = cl.value(a);
    else if (a == "--model") model = cl.value(a);
    else if (a == "--train") files = values(cl, a, pending);
    else if (a == "--valid-split") valid_split = std::stod(cl.value(a));
    else if (a == "--seed") seed = cl.positive_integer(a);
    else if (a == "--threads") nmt::set_num_threads(cl.positive_integer(a));
    else if (a.rfind("--", 0) == 0 && variant_setting_names().count(a.substr(2))) overrides[a.substr(2)] = cl.value(a);
    else throw CommandLine::unknown(a);
  }
  if (files.empty() || model.empty()) throw UsageError("train needs --train and --model");
  const Variant variant = variant_of(config, overrides);
  std::vector<LabelledSentence> data = read_labelled_sentences(files), held_out;
  if (valid_split > 0) {
    const std::size_t cut = data.size() - static_cast<std::size_t>(valid_split * data.size());
    held_out.assign(data.begin() + static_cast<std::ptrdiff_t>(cut), data.end());
    data.resize(cut);
  }
  TrainedClassifier c = train_classifier(variant, data, static_cast<uint64_t>(seed), [](int epoch, double loss) {
    std::fprintf(stderr, "epoch %d: training loss %.4f\n", epoch, loss);
  });
  std::fprintf(stderr, "trained on %zu sentences in %.2f s (%.0f sentences/s)\n", data.size(), c.seconds,
               double(c.sentences_seen) / c.seconds);
  if (!held_out.empty()) std::printf("held-out accuracy: %.2f %% (%zu sentences)\n", 100 * accuracy(c, held_out), held_out.size());
  save_classifier(model, c);
  return 0;
}

int predict(CommandLine& cl) {
  std::string model;
  while (!cl.empty()) {
    std::string a = cl.next();
    if (a == "--model") model = cl.value(a);
    else if (a == "--threads") nmt::set_num_threads(cl.positive_integer(a));
    else throw CommandLine::unknown(a);
  }
  if (model.empty()) throw UsageError("predict needs --model");
  const TrainedClassifier c = load_classifier(model);
  const nmt::text::Utf8Checker utf8;
  std::string line;
  for (std::size_t number = 1; std::getline(std::cin, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    utf8.check(line, {"<stdin>", number});
    const float p = predict(c, {line})[0];
    std::printf("%d\t%.4f\n", p >= 0.5f ? 1 : 0, p);
    std::fflush(stdout);
  }
  return 0;
}

int attention(CommandLine& cl) {
  std::string model, input, svg;
  std::vector<std::size_t> lines;
  while (!cl.empty()) {
    std::string a = cl.next();
    if (a == "--model") model = cl.value(a);
    else if (a == "--input") input = cl.value(a);
    else if (a == "--svg") svg = cl.value(a);
    else if (a == "--lines") {
      std::string list = cl.value(a);
      for (std::size_t i = 0; i < list.size();) {
        std::size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        lines.push_back(std::stoul(list.substr(i, j - i)));
        i = j + 1;
      }
    } else throw CommandLine::unknown(a);
  }
  if (model.empty() || input.empty() || svg.empty()) throw UsageError("attention needs --model, --input and --svg");
  const TrainedClassifier c = load_classifier(model);
  if (!c.model->has_attention()) throw UsageError(model + ": this model has no attention (pooling = last)");
  const std::vector<LabelledSentence> data = read_labelled_sentences(input);
  if (lines.empty())
    for (std::size_t i = 1; i <= 8 && i <= data.size(); ++i) lines.push_back(i);
  std::vector<std::string> texts;
  std::vector<AttendedSentence> shown;
  for (std::size_t n : lines) {
    if (n < 1 || n > data.size()) throw UsageError("--lines: " + std::to_string(n) + " is not a line of " + input);
    texts.push_back(data[n - 1].text);
  }
  std::vector<std::vector<float>> weights;
  const std::vector<float> p = predict(c, texts, &weights);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<std::string> pieces = c.encoder.pieces(texts[i]);
    pieces.resize(std::min<std::size_t>(pieces.size(), weights[i].size()));
    shown.push_back({pieces, weights[i], p[i], data[lines[i] - 1].label});
  }
  std::ofstream out(svg);
  write_attention_words_svg(out, shown, c.variant.name + ": attention weight of each word");
  if (!out) throw UsageError("cannot write " + svg);
  return 0;
}

int protocol(CommandLine& cl) {
  std::vector<std::string> variant_files, data_files, pending;
  std::string cross_domain, report, raw;
  ProtocolOptions options;
  while (!cl.empty() || !pending.empty()) {
    std::string a = pending.empty() ? cl.next() : pending.back();
    pending.clear();
    if (a == "--variant") variant_files = values(cl, a, pending);
    else if (a == "--data") data_files = values(cl, a, pending);
    else if (a == "--cross-domain") cross_domain = cl.value(a);
    else if (a == "--report") report = cl.value(a);
    else if (a == "--raw") raw = cl.value(a);
    else if (a == "--folds") options.folds = cl.positive_integer(a);
    else if (a == "--seeds") options.seeds = cl.positive_integer(a);
    else if (a == "--first-seed") options.first_seed = cl.positive_integer(a);
    else if (a == "--threads") nmt::set_num_threads(cl.positive_integer(a));
    else throw CommandLine::unknown(a);
  }
  if (variant_files.empty() || data_files.empty()) throw UsageError("protocol needs --variant and --data");
  std::vector<Variant> variants;
  for (const std::string& f : variant_files) variants.push_back(variant_of(f, {}));
  const std::vector<LabelledSentence> data = read_labelled_sentences(data_files);
  const std::vector<LabelledSentence> other =
      cross_domain.empty() ? std::vector<LabelledSentence>() : read_labelled_sentences(cross_domain);
  const std::vector<VariantResult> results =
      run_protocol(variants, data, other, options, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  write_report(std::cout, results, options, data.size(), 0);
  if (!report.empty()) {
    std::ofstream out(report);
    write_report(out, results, options, data.size(), 0);
  }
  if (!raw.empty()) {
    std::ofstream out(raw);
    write_raw_results(out, results, options, data.size());
    if (!out) throw UsageError("cannot write " + raw);
  }
  return 0;
}

int report(CommandLine& cl) {
  std::vector<std::string> raw_files, pending;
  std::string report_file;
  while (!cl.empty() || !pending.empty()) {
    std::string a = pending.empty() ? cl.next() : pending.back();
    pending.clear();
    if (a == "--raw") raw_files = values(cl, a, pending);
    else if (a == "--report") report_file = cl.value(a);
    else throw CommandLine::unknown(a);
  }
  if (raw_files.empty()) throw UsageError("report needs --raw");
  std::vector<VariantResult> results;
  ProtocolOptions options;
  std::size_t data_size = 0;
  for (const std::string& f : raw_files) read_raw_results(f, results, options, data_size);
  write_report(std::cout, results, options, data_size, 0);
  if (!report_file.empty()) {
    std::ofstream out(report_file);
    write_report(out, results, options, data_size, 0);
    if (!out) throw UsageError("cannot write " + report_file);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-classify")) return 0;
  CommandLine cl(argc, argv);
  try {
    if (cl.empty()) throw UsageError("no command");
    const std::string command = cl.next();
    if (command == "--help" || command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (command == "train") return train(cl);
    if (command == "predict") return predict(cl);
    if (command == "attention") return attention(cl);
    if (command == "protocol") return protocol(cl);
    if (command == "report") return report(cl);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "nmt-classify: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nmt-classify: %s\n", e.what());
    return 1;
  }
}
