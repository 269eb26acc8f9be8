// nmt-plot: training curves (training loss, validation BLEU) of one or more nmt-train runs as an
// SVG chart, so that runs and models can be compared at a glance.
//
//   nmt-plot -o curves.svg runs/transformer/log.jsonl runs/bahdanau/log.jsonl [--x minutes]
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "nmt/train/training_curves.h"
#include "command_line.h"
#include "version_option.h"

namespace {
constexpr const char* kUsage =
    "usage: nmt-plot -o OUT.svg [--x updates|minutes] LOG.jsonl [LOG.jsonl ...]\n"
    "Draws the training loss and validation BLEU of nmt-train runs (their log.jsonl) as one SVG;\n"
    "each run is labelled with its folder's name. --version: the version.\n";
}

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-plot")) return 0;
  std::string output;
  auto axis = nmt::train::CurveAxis::updates;
  std::vector<std::string> logs;
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "-o" || arg == "--output") {
        output = args.value(arg);
      } else if (arg == "--x") {
        const std::string x = args.value(arg);
        if (x != "updates" && x != "minutes")
          throw nmt::tools::UsageError("--x must be updates or minutes, not '" + x + "'");
        axis = x == "minutes" ? nmt::train::CurveAxis::minutes : nmt::train::CurveAxis::updates;
      } else if (nmt::tools::CommandLine::is_option(arg)) {
        throw nmt::tools::CommandLine::unknown(arg);
      } else {
        logs.push_back(arg);
      }
    }
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-plot: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (output.empty() || logs.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    std::vector<nmt::train::TrainingCurve> runs;
    for (const std::string& log : logs) {
      const std::filesystem::path path(log);
      const std::string label = path.has_parent_path() ? path.parent_path().filename().string() : log;
      runs.push_back(nmt::train::read_training_log(log, label));
    }
    // Runs from folders of the same name (runs/a/transformer, runs/b/transformer) get the
    // folder above too.
    for (std::size_t i = 0; i < runs.size(); ++i)
      for (std::size_t j = 0; j < runs.size(); ++j)
        if (i != j && runs[i].label == runs[j].label) {
          for (std::size_t k : {i, j}) {
            const std::filesystem::path dir = std::filesystem::path(logs[k]).parent_path();
            if (dir.has_parent_path()) runs[k].label = (dir.parent_path().filename() / dir.filename()).string();
          }
        }
    std::ofstream out(output);
    out << nmt::train::training_curves_svg(runs, axis);
    if (!out) throw std::runtime_error(output + ": cannot write");
    std::cerr << "nmt-plot: wrote " << output << "\n";
  } catch (const std::exception& e) {
    std::cerr << "nmt-plot: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
