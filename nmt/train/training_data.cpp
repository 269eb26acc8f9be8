#include "nmt/train/training_data.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "nmt/models/model_file.h"
#include "tokenizer/special_ids.h"

namespace nmt::train {
namespace {

// Opens a corpus file for reading; the error names the file and the system's reason.
std::ifstream open_for_reading(const std::string& option, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(option + ": cannot read '" + path + "': Is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(option + ": cannot open '" + path + "': " + std::strerror(errno));
  return in;
}

// Lines as std::getline counts them: a last line without '\n' counts too.
std::size_t count_lines(const std::string& option, const std::string& path) {
  std::ifstream in = open_for_reading(option, path);
  std::vector<char> buffer(1 << 20);
  std::size_t lines = 0;
  char last = '\n';
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    lines += static_cast<std::size_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
    last = buffer[static_cast<std::size_t>(got) - 1];
  }
  if (in.bad()) throw std::runtime_error(option + ": cannot read '" + path + "': " + std::strerror(errno));
  return lines + (last != '\n');
}

void check_same_line_count(const std::string& source_option, const std::string& source,
                           const std::string& target_option, const std::string& target) {
  const std::size_t source_lines = count_lines(source_option, source);
  const std::size_t target_lines = count_lines(target_option, target);
  if (source_lines != target_lines)
    throw std::runtime_error("parallel corpus files differ in length: " + source_option + " '" + source + "' has " +
                             std::to_string(source_lines) + " lines but " + target_option + " '" + target + "' has " +
                             std::to_string(target_lines) +
                             " (line i of one must translate line i of the other)");
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in = open_for_reading("validation", path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * share);
  return buf;
}

}  // namespace

double unk_share(const corpora::TokenSequences& sequences) {
  std::size_t unknown = 0, total = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i)
    for (int32_t id : sequences[i]) {
      unknown += id == text::kUnkId;
      ++total;
    }
  return total ? static_cast<double>(unknown) / static_cast<double>(total) : 0.0;
}

std::shared_ptr<const text::SubwordModel> train_joint_vocabulary(const TrainerOptions& options, std::ostream& out) {
  text::SubwordTrainingOptions spm;
  spm.algorithm = text::parse_subword_algorithm(options.subword_type);
  spm.vocab_size = options.vocab_size;
  spm.seed = static_cast<unsigned>(options.seed);
  spm.threads = options.threads > 0 ? options.threads : 2;
  out << "training a joint " << options.subword_type << " vocabulary of " << options.vocab_size << " pieces on "
      << options.train_source << " and " << options.train_target << " (normalisation "
      << text::to_string(options.normalization) << ")" << std::endl;
  text::Normalizer normalizer(text::NormalizerSettings{options.normalization});
  auto model = std::make_shared<const text::SubwordModel>(
      text::SubwordModel::train({options.train_source, options.train_target}, spm, normalizer));
  // Atomically: a full disk or a kill leaves the previous file (or none), never a truncated one.
  const std::string saved = (std::filesystem::path(options.model_dir) / "vocab.model").string();
  write_file_atomically(saved, model->to_bytes());
  out << "vocabulary: " << model->vocab_size() << " pieces, saved as " << saved
      << " (reuse it with --vocab; model files carry their own copy)" << std::endl;
  return model;
}

void check_corpus_files(const TrainerOptions& options) {
  check_same_line_count("--train-source", options.train_source, "--train-target", options.train_target);
  check_same_line_count("--valid-source", options.valid_source, "--valid-target", options.valid_target);
}

std::size_t longest_training_side(const TrainerOptions& options, int max_positions) {
  const std::size_t model_limit = static_cast<std::size_t>(std::max(max_positions - 1, 1));
  return options.max_length == 0 ? model_limit : std::min(options.max_length, model_limit);
}

TrainingData load_training_data(const TrainerOptions& options, std::shared_ptr<const text::SubwordModel> vocabulary,
                                text::NormalizerSettings normalization, int max_positions, std::ostream& out) {
  TrainingData data;
  data.vocabulary = std::move(vocabulary);
  data.normalization = normalization;
  data.tokenizer = std::make_shared<const text::Tokenizer>(data.vocabulary, normalization);

  // The model takes max_positions positions: pieces plus EOS on the source side, BOS or EOS on
  // the target side. Longer pairs are dropped (counted as too long), whatever --max-length says.
  const std::size_t longest = longest_training_side(options, max_positions);
  if (longest != options.max_length)
    out << "note: pairs with more than " << longest << " pieces on a side are dropped: the model takes "
        << max_positions << " positions (--max-positions), EOS included"
        << (options.max_length == 0 ? " (--max-length 0 sets no limit of its own)"
                                    : ", fewer than --max-length " + std::to_string(options.max_length) + " allows")
        << std::endl;
  corpora::CorpusReadOptions read;
  read.filter.max_length = longest;
  read.filter.max_length_ratio = options.max_length_ratio;
  read.threads = options.threads > 0 ? static_cast<unsigned>(options.threads) : 0;
  data.train = corpora::read_parallel_corpus(options.train_source, options.train_target, *data.tokenizer,
                                             *data.tokenizer, read);
  out << "training data: " << data.train.counts.summary() << std::endl;
  if (data.train.size() == 0)
    throw std::runtime_error("no training pairs left in '" + options.train_source + "' / '" + options.train_target +
                             "' after filtering (see --max-length, --max-length-ratio)");

  // Validation loss is measured on every pair that has text on both sides and fits the model.
  corpora::CorpusReadOptions valid_read = read;
  valid_read.filter.max_length = static_cast<std::size_t>(std::max(max_positions - 1, 1));
  valid_read.filter.max_length_ratio = 0;
  data.valid = corpora::read_parallel_corpus(options.valid_source, options.valid_target, *data.tokenizer,
                                             *data.tokenizer, valid_read);
  out << "validation data: " << data.valid.counts.summary() << std::endl;
  if (data.valid.size() == 0)
    throw std::runtime_error("no validation pairs in '" + options.valid_source + "' / '" + options.valid_target + "'" +
                             (data.valid.counts.too_long > 0 ? " that the model takes (--max-positions " +
                                                                   std::to_string(max_positions) + ")"
                                                             : std::string()));

  data.source_unk = unk_share(data.train.source);
  data.target_unk = unk_share(data.train.target);
  out << "vocabulary coverage: <unk> is " << percent(data.source_unk) << " of source pieces, "
      << percent(data.target_unk) << " of target pieces (" << data.vocabulary->vocab_size() << " pieces, "
      << text::to_string(normalization.form) << ")" << std::endl;
  const double worst = std::max(data.source_unk, data.target_unk);
  if (worst > options.max_unk) {
    const std::string message = "<unk> is " + percent(worst) + " of the training " +
                                (data.source_unk >= data.target_unk ? "source" : "target") +
                                " pieces, above --max-unk " + percent(options.max_unk) +
                                ": the vocabulary does not fit this data";
    if (!options.allow_unk_coverage)
      throw std::runtime_error(message + " (use a vocabulary trained on it, or --allow-unk-coverage to train anyway)");
    out << "warning: " << message << " (--allow-unk-coverage: training anyway)" << std::endl;
  }

  if (options.valid_bleu) {
    std::vector<std::string> sources = read_lines(options.valid_source);
    std::vector<std::string> references = read_lines(options.valid_target);
    if (sources.size() != references.size())
      throw std::runtime_error("'" + options.valid_source + "' has " + std::to_string(sources.size()) +
                               " lines but '" + options.valid_target + "' has " + std::to_string(references.size()));
    std::size_t n = sources.size();
    if (options.valid_max_sentences > 0) n = std::min(n, options.valid_max_sentences);
    for (std::size_t i = 0; i < n; ++i) {
      data.bleu_sources.push_back(data.tokenizer->encode(sources[i], {options.valid_source, i + 1}));
      data.bleu_references.push_back(std::move(references[i]));
    }
  }
  return data;
}

}  // namespace nmt::train
