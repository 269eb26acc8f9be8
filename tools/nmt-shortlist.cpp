// nmt-shortlist: adds a vocabulary shortlist's lexical table (nmt/search/shortlist.h) to a model
// file, counted from a parallel corpus, for models trained before nmt-train stored one (or to
// count it from other data). The model is unchanged; -o may name the input file (written
// atomically).
//   nmt-shortlist -m MODEL --train-source FILE --train-target FILE -o OUT [--top-k K] [--max-pairs N]
// Exit status: 0; 1 when a file cannot be read or written (the message says why); 2 bad options.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "command_line.h"
#include "corpora/token_sequences.h"
#include "nmt/models/model_file.h"
#include "nmt/search/shortlist.h"
#include "version_option.h"

namespace {

constexpr const char* kUsage =
    "usage: nmt-shortlist -m MODEL --train-source FILE --train-target FILE -o OUT [--top-k K] [--max-pairs N]\n"
    "Counts which target pieces co-occur with each source piece in the sentence pairs of the two\n"
    "line-aligned files (raw text, tokenised with the model's own vocabulary), and writes the model\n"
    "with this lexical table to OUT (which may be MODEL). nmt-translate --shortlist then computes each\n"
    "batch's output layer only for the pieces the table makes plausible.\n"
    "  --top-k K      target pieces kept per source piece (default 100; decoding takes up to K)\n"
    "  --max-pairs N  larger corpora are sampled evenly down to N pairs (default 1000000)\n";

// Every line of `path`, tokenised.
nmt::corpora::TokenSequences read_side(const std::string& path, const nmt::text::Tokenizer& tokenizer) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path + "'");
  nmt::corpora::TokenSequences out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number)
    out.push_back(tokenizer.encode(line, nmt::text::TextLocation{path, number}));
  if (in.bad()) throw std::runtime_error("cannot read '" + path + "'");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-shortlist")) return 0;
  std::string model_path, source_path, target_path, out_path;
  nmt::LexicalTable::BuildSettings settings;
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "-m" || arg == "--model") {
        model_path = args.value(arg);
      } else if (arg == "--train-source") {
        source_path = args.value(arg);
      } else if (arg == "--train-target") {
        target_path = args.value(arg);
      } else if (arg == "-o" || arg == "--output") {
        out_path = args.value(arg);
      } else if (arg == "--top-k") {
        settings.top_k = args.positive_integer(arg);
      } else if (arg == "--max-pairs") {
        settings.max_pairs = static_cast<std::size_t>(args.positive_integer(arg));
      } else if (nmt::tools::CommandLine::is_option(arg)) {
        throw nmt::tools::CommandLine::unknown(arg);
      } else {
        throw nmt::tools::UsageError("unexpected argument '" + arg + "'");
      }
    }
    if (model_path.empty()) throw nmt::tools::UsageError("-m MODEL is required");
    if (source_path.empty() || target_path.empty())
      throw nmt::tools::UsageError("--train-source and --train-target are required");
    if (out_path.empty()) throw nmt::tools::UsageError("-o OUT is required (it may be the model file itself)");
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-shortlist: " << e.what() << "\n" << kUsage;
    return 2;
  }
  try {
    nmt::LoadedModel loaded = nmt::load_model(model_path);
    const nmt::text::Tokenizer tokenizer = loaded.tokenizer();
    const nmt::corpora::TokenSequences source = read_side(source_path, tokenizer);
    const nmt::corpora::TokenSequences target = read_side(target_path, tokenizer);
    if (source.size() != target.size())
      throw std::runtime_error("'" + source_path + "' has " + std::to_string(source.size()) + " lines, '" +
                               target_path + "' " + std::to_string(target.size()) + ": the files must be line-aligned");
    const nmt::LexicalTable table = nmt::LexicalTable::build(
        source.size(), [&](std::size_t i) { return source[i]; }, [&](std::size_t i) { return target[i]; },
        loaded.model->config().vocab_size, settings);
    loaded.info.lexical_table = table.to_bytes();
    nmt::save_model(out_path, *loaded.model, loaded.info);
    std::cout << out_path << ": lexical table of " << table.source_pieces() << " source pieces (up to "
              << table.top_k() << " target pieces each), counted from " << table.pairs_counted() << " sentence pairs"
              << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nmt-shortlist: " << e.what() << std::endl;
    return 1;
  }
}
