// nmt-average: averages the parameters of several checkpoints (or models) of one training run
// into one model file, as Vaswani et al. (2017) did with their last five checkpoints.
//
//   nmt-average -o averaged.bin runs/m/checkpoint-00002000.bin runs/m/checkpoint-00002500.bin ...
//   nmt-average -o averaged.bin --last 5 runs/m        (the newest 5 checkpoints of a model dir)
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "nmt/models/checkpoint_averaging.h"
#include "nmt/train/checkpoint.h"
#include "command_line.h"
#include "version_option.h"

namespace {
constexpr const char* kUsage =
    "usage: nmt-average -o OUT.bin FILE.bin [FILE.bin ...]\n"
    "       nmt-average -o OUT.bin --last K MODEL_DIR\n"
    "Writes a model whose parameters are the mean of the given checkpoints or models (one\n"
    "architecture and vocabulary); --last K takes the newest K checkpoints of an nmt-train\n"
    "--model-dir. The output is a model file for nmt-translate -m. --version: the version.\n";
}

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-average")) return 0;
  std::string output;
  int last = 0;
  std::vector<std::string> inputs;
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "-o" || arg == "--output") {
        output = args.value(arg);
      } else if (arg == "--last") {
        last = args.positive_integer(arg);
      } else if (nmt::tools::CommandLine::is_option(arg)) {
        throw nmt::tools::CommandLine::unknown(arg);
      } else {
        inputs.push_back(arg);
      }
    }
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-average: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (output.empty() || inputs.empty() || (last > 0 && inputs.size() != 1)) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    if (last > 0) {
      const std::string dir = inputs.front();
      if (!std::filesystem::is_directory(dir)) {
        std::cerr << "nmt-average: " << dir << " is not a directory\n";
        return 1;
      }
      const auto checkpoints = nmt::train::list_checkpoints(dir);
      if (checkpoints.empty()) {
        std::cerr << "nmt-average: no checkpoint-*.bin in " << dir << "\n";
        return 1;
      }
      if (static_cast<int>(checkpoints.size()) < last)
        std::cerr << "nmt-average: warning: " << dir << " has " << checkpoints.size() << " checkpoints, not "
                  << last << "; averaging those\n";
      inputs.clear();
      const std::size_t from = checkpoints.size() > static_cast<std::size_t>(last) ? checkpoints.size() - last : 0;
      for (std::size_t i = from; i < checkpoints.size(); ++i) inputs.push_back(checkpoints[i].second.string());
    }
    nmt::LoadedModel averaged = nmt::average_model_files(inputs);
    nmt::save_model(output, *averaged.model, averaged.info);
    std::cerr << "nmt-average: " << output << " = mean of";
    for (const std::string& f : inputs) std::cerr << " " << std::filesystem::path(f).filename().string();
    std::cerr << "\n";
  } catch (const std::exception& e) {
    std::cerr << "nmt-average: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
