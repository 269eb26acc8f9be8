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
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if ((arg == "-o" || arg == "--output") && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--x" && i + 1 < argc) {
      const std::string x = argv[++i];
      if (x == "minutes") axis = nmt::train::CurveAxis::minutes;
      else if (x != "updates") {
        std::cerr << "nmt-plot: --x must be updates or minutes, not '" << x << "'\n";
        return 2;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "nmt-plot: unknown option '" << arg << "'\n" << kUsage;
      return 2;
    } else {
      logs.push_back(arg);
    }
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
