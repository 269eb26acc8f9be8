// nmt-model-info: what a model or checkpoint file holds, without building the model: the
// architecture and its settings, the parameters, the vocabulary and its normalisation, and the
// training options and update count. Text for people, --json for programs.
//   nmt-model-info FILE [--json] [--parameters]
// Exit status: 0; 1 when the file cannot be read (the message says why); 2 bad options.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <string>

#include "nmt/models/model_file.h"
#include "nmt/search/shortlist.h"
#include "nmt/train/progress.h"
#include "tokenizer/subword_model.h"
#include "command_line.h"
#include "version_option.h"

namespace {

constexpr const char* kUsage =
    "usage: nmt-model-info FILE [--json] [--parameters]\n"
    "Shows what a model or checkpoint file holds without loading it for translation: architecture\n"
    "and settings, parameters (--parameters: every tensor's name and shape), vocabulary size and\n"
    "normalisation, training options and update count. --json: one JSON object. --version: the version.\n";

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

std::string json_object(const std::map<std::string, std::string>& values) {
  nmt::train::JsonLine object;
  for (const auto& [key, value] : values) object.add(key, value);
  return object.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-model-info")) return 0;
  std::string path;
  bool json = false, list_parameters = false;
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "--json") {
        json = true;
      } else if (arg == "--parameters") {
        list_parameters = true;
      } else if (nmt::tools::CommandLine::is_option(arg)) {
        throw nmt::tools::CommandLine::unknown(arg);
      } else if (!path.empty()) {
        throw nmt::tools::UsageError("one file at a time ('" + path + "' and '" + arg + "')");
      } else {
        path = arg;
      }
    }
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-model-info: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (path.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    const nmt::ModelFileSummary file = nmt::inspect_model_file(path);
    const int vocabulary = file.info.subword_model.empty()
                               ? 0
                               : nmt::text::SubwordModel::from_bytes(file.info.subword_model).vocab_size();
    std::string normalization = file.info.normalization.serialize();
    while (!normalization.empty() && std::isspace(static_cast<unsigned char>(normalization.back())))
      normalization.pop_back();
    std::replace(normalization.begin(), normalization.end(), '\n', ' ');  // "form=nfkc invisible=delete"
    const bool checkpoint = !file.info.training_state.empty();
    const auto updates = file.info.training_config.find("updates");
    const std::string model_type = file.model_config.count("type") ? file.model_config.at("type") : "?";
    // The lexical table (vocabulary shortlists) and the stored int8 weights (nmt-quantize).
    nmt::LexicalTable table;
    if (!file.info.lexical_table.empty()) table = nmt::LexicalTable::from_bytes(file.info.lexical_table);
    int64_t int8_values = 0;
    for (const nmt::Int8Weight& w : file.info.int8_weights) int8_values += w.k * w.n;
    const std::string weights = file.info.int8_weights.empty() ? "float32" : "int8";
    if (json) {
      std::string shapes = "[";
      for (std::size_t i = 0; i < file.parameters.size() && list_parameters; ++i)
        shapes += (i ? ", " : "") + nmt::train::JsonLine()
                                        .add("name", file.parameters[i].name)
                                        .add_raw("shape", shape_text(file.parameters[i].dims))
                                        .str();
      shapes += "]";
      nmt::train::JsonLine parameters;
      parameters.add("count", file.parameter_count()).add("tensors", static_cast<int64_t>(file.parameters.size()));
      if (list_parameters) parameters.add_raw("shapes", shapes);
      std::cout << nmt::train::JsonLine()
                       .add("file", path)
                       .add("format_version", static_cast<int64_t>(file.format_version))
                       .add("bytes", static_cast<int64_t>(file.file_bytes))
                       .add("checkpoint", checkpoint)
                       .add("type", model_type)
                       .add_raw("model", json_object(file.model_config))
                       .add_raw("parameters", parameters.str())
                       .add_raw("vocabulary", nmt::train::JsonLine()
                                                  .add("size", vocabulary)
                                                  .add("normalization", normalization)
                                                  .str())
                       .add_raw("training", json_object(file.info.training_config))
                       .add_raw("weights", nmt::train::JsonLine()
                                               .add("precision", weights)
                                               .add("int8_tensors", static_cast<int64_t>(file.info.int8_weights.size()))
                                               .add("int8_values", int8_values)
                                               .str())
                       .add_raw("lexical_table", nmt::train::JsonLine()
                                                     .add("present", !table.empty())
                                                     .add("source_pieces", table.empty() ? 0 : table.source_pieces())
                                                     .add("top_k", table.top_k())
                                                     .add("pairs", static_cast<int64_t>(table.pairs_counted()))
                                                     .str())
                       .str()
                << "\n";
      return 0;
    }
    std::printf("%s: nmt %s, format version %u, %.1f MB\n", path.c_str(), checkpoint ? "checkpoint" : "model file",
                file.format_version, double(file.file_bytes) / 1e6);
    std::printf("architecture: %s\n", model_type.c_str());
    for (const auto& [key, value] : file.model_config)
      if (key != "type") std::printf("  %s = %s\n", key.c_str(), value.c_str());
    std::printf("parameters: %lld in %zu tensors\n", static_cast<long long>(file.parameter_count()),
                file.parameters.size());
    if (file.info.int8_weights.empty())
      std::printf("weights: float32\n");
    else
      std::printf("weights: int8 (nmt-quantize): %zu tensors, %lld values stored as int8 with a float scale per "
                  "output unit; decodes with --precision int8\n",
                  file.info.int8_weights.size(), static_cast<long long>(int8_values));
    if (table.empty())
      std::printf("lexical table: none (no vocabulary shortlist; nmt-shortlist adds one)\n");
    else
      std::printf("lexical table: %d source pieces, up to %d target pieces each, counted from %zu sentence pairs "
                  "(vocabulary shortlists)\n",
                  table.source_pieces(), table.top_k(), table.pairs_counted());
    if (list_parameters)
      for (const auto& p : file.parameters) std::printf("  %s %s\n", p.name.c_str(), shape_text(p.dims).c_str());
    if (vocabulary > 0)
      std::printf("vocabulary: %d SentencePiece pieces (joint, source and target); normalisation: %s\n", vocabulary,
                  normalization.c_str());
    else
      std::printf("vocabulary: none in this file\n");
    std::printf("training: %s updates\n", updates == file.info.training_config.end() ? "?" : updates->second.c_str());
    for (const auto& [key, value] : file.info.training_config)
      if (key != "updates") std::printf("  %s = %s\n", key.c_str(), value.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nmt-model-info: " << e.what() << std::endl;
    return 1;
  }
}
