// Reading, encoding and filtering a parallel corpus (see parallel_corpus.h).
#include "corpora/parallel_corpus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tokenizer/cached_encoder.h"

namespace nmt::corpora {
namespace {

// Raw lines of consecutive pairs; pair k came from line first_line + k of its file(s).
struct RawChunk {
  std::vector<std::string> source, target;
  std::size_t first_line = 1;
  std::size_t size() const { return source.size(); }
};

std::ifstream open_corpus_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))  // opens, then reads as an empty file
    throw std::runtime_error(path + ": cannot open corpus file: Is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open corpus file: " + std::strerror(errno));
  return in;
}

// Fills chunks from wherever pairs come from; returns false when there is nothing left.
class PairReader {
 public:
  virtual ~PairReader() = default;
  virtual bool read(RawChunk& chunk, std::size_t max_pairs) = 0;
  virtual std::string source_name() const = 0;
  virtual std::string target_name() const = 0;
};

class TwoFileReader : public PairReader {
 public:
  TwoFileReader(const std::string& source_path, const std::string& target_path)
      : source_path_(source_path), target_path_(target_path),
        source_(open_corpus_file(source_path)), target_(open_corpus_file(target_path)) {}

  bool read(RawChunk& chunk, std::size_t max_pairs) override {
    chunk.source.resize(max_pairs);
    chunk.target.resize(max_pairs);
    chunk.first_line = lines_ + 1;
    std::size_t n = 0;
    for (; n < max_pairs; ++n) {
      const bool has_source = static_cast<bool>(std::getline(source_, chunk.source[n]));
      const bool has_target = static_cast<bool>(std::getline(target_, chunk.target[n]));
      if (has_source != has_target) throw_length_mismatch(has_source);
      if (!has_source) break;
      ++lines_;
    }
    if (source_.bad()) throw std::runtime_error(source_path_ + ": read error");
    if (target_.bad()) throw std::runtime_error(target_path_ + ": read error");
    chunk.source.resize(n);
    chunk.target.resize(n);
    return n > 0;
  }
  std::string source_name() const override { return source_path_; }
  std::string target_name() const override { return target_path_; }

 private:
  [[noreturn]] void throw_length_mismatch(bool source_is_longer) {
    std::ifstream& longer = source_is_longer ? source_ : target_;
    std::size_t longer_lines = lines_ + 1;
    for (std::string line; std::getline(longer, line);) ++longer_lines;
    const std::size_t source_lines = source_is_longer ? longer_lines : lines_;
    const std::size_t target_lines = source_is_longer ? lines_ : longer_lines;
    throw std::runtime_error("parallel corpus files differ in length: " + source_path_ + " has " +
                             std::to_string(source_lines) + " lines but " + target_path_ + " has " +
                             std::to_string(target_lines) + " (line i of one must translate line i of the other)");
  }

  std::string source_path_, target_path_;
  std::ifstream source_, target_;
  std::size_t lines_ = 0;
};

class TsvReader : public PairReader {
 public:
  explicit TsvReader(const std::string& path) : path_(path), in_(open_corpus_file(path)) {}

  bool read(RawChunk& chunk, std::size_t max_pairs) override {
    chunk.source.resize(max_pairs);
    chunk.target.resize(max_pairs);
    chunk.first_line = lines_ + 1;
    std::size_t n = 0;
    for (std::string line; n < max_pairs && std::getline(in_, line); ++n) {
      ++lines_;
      const std::size_t tab = line.find('\t');
      const std::size_t columns = 1 + std::count(line.begin(), line.end(), '\t');
      if (columns != 2) {
        throw std::runtime_error(path_ + ":" + std::to_string(lines_) + ": expected 2 tab-separated columns (source, target), found " +
                                 std::to_string(columns));
      }
      chunk.source[n].assign(line, 0, tab);
      chunk.target[n].assign(line, tab + 1);
    }
    if (in_.bad()) throw std::runtime_error(path_ + ": read error");
    chunk.source.resize(n);
    chunk.target.resize(n);
    return n > 0;
  }
  std::string source_name() const override { return path_; }
  std::string target_name() const override { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  std::size_t lines_ = 0;
};

// The ids of one thread's share of a chunk, with the warnings it met, in line order.
struct EncodedSlice {
  std::vector<std::int32_t> source_ids, target_ids;
  std::vector<std::uint32_t> source_lengths, target_lengths;
  std::vector<std::pair<bool, std::string>> warnings;  // (from the target side?, message)
  std::exception_ptr error;
};

// One encoding thread's word caches, kept from chunk to chunk.
struct ThreadEncoders {
  text::CachedEncoder source, target;
};

// Encodes pairs [begin, end) of the chunk with one side's tokenizer each. The tokenizers' own UTF-8
// policy applies, but warnings are collected here and passed on later from the reading thread.
void encode_slice(const RawChunk& chunk, std::size_t begin, std::size_t end, const PairReader& reader,
                  const text::Tokenizer& source_tokenizer, const text::Tokenizer& target_tokenizer,
                  ThreadEncoders& encoders, const std::optional<text::SubwordSampling>& sampling,
                  EncodedSlice& slice) {
  try {
    const text::Utf8Checker source_utf8{source_tokenizer.utf8().policy,
                                        [&](const std::string& m) { slice.warnings.emplace_back(false, m); }};
    const text::Utf8Checker target_utf8{target_tokenizer.utf8().policy,
                                        [&](const std::string& m) { slice.warnings.emplace_back(true, m); }};
    const std::string source_name = reader.source_name(), target_name = reader.target_name();
    std::string text, normalized;
    const auto encode = [&](const std::string& raw, const text::Utf8Checker& utf8, const text::Tokenizer& tokenizer,
                            text::CachedEncoder& encoder, const std::string& file, std::size_t line,
                            std::vector<std::int32_t>& ids, std::vector<std::uint32_t>& lengths) {
      text = raw;
      utf8.check(text, {file, line});
      tokenizer.normalizer().normalize(text, normalized);
      const std::size_t before = ids.size();
      if (sampling) {
        const std::vector<std::int32_t> sampled = tokenizer.model().sample_encode(normalized, *sampling);
        ids.insert(ids.end(), sampled.begin(), sampled.end());
      } else {
        encoder.encode(normalized, ids);
      }
      lengths.push_back(static_cast<std::uint32_t>(ids.size() - before));
    };
    for (std::size_t k = begin; k < end; ++k) {
      const std::size_t line = chunk.first_line + k;
      encode(chunk.source[k], source_utf8, source_tokenizer, encoders.source, source_name, line, slice.source_ids,
             slice.source_lengths);
      encode(chunk.target[k], target_utf8, target_tokenizer, encoders.target, target_name, line, slice.target_ids,
             slice.target_lengths);
    }
  } catch (...) {
    slice.error = std::current_exception();
  }
}

ParallelCorpus read_corpus(PairReader& reader, const text::Tokenizer& source_tokenizer,
                           const text::Tokenizer& target_tokenizer, const CorpusReadOptions& options) {
  const unsigned threads = std::max(1u, options.threads ? options.threads : std::thread::hardware_concurrency());
  const std::size_t chunk_lines = std::max<std::size_t>(options.chunk_lines, 1);
  ParallelCorpus corpus;
  std::vector<ThreadEncoders> encoders;
  for (unsigned t = 0; t < threads; ++t) encoders.push_back({text::CachedEncoder(source_tokenizer.model()),
                                                             text::CachedEncoder(target_tokenizer.model())});

  // Appends one encoded chunk in order: warnings first, then the first error, then the kept pairs.
  const auto merge = [&](std::vector<EncodedSlice>& slices) {
    for (EncodedSlice& slice : slices) {
      for (const auto& [from_target, message] : slice.warnings) {
        const text::WarningSink& warn = (from_target ? target_tokenizer : source_tokenizer).utf8().warn;
        if (warn) warn(message);
      }
      if (slice.error) std::rethrow_exception(slice.error);
      std::size_t source_at = 0, target_at = 0;
      for (std::size_t k = 0; k < slice.source_lengths.size(); ++k) {
        const std::size_t source_length = slice.source_lengths[k], target_length = slice.target_lengths[k];
        const FilterVerdict verdict = judge_pair(source_length, target_length, options.filter);
        corpus.counts.count(verdict);
        if (verdict == FilterVerdict::keep) {
          corpus.source.push_back({slice.source_ids.data() + source_at, source_length});
          corpus.target.push_back({slice.target_ids.data() + target_at, target_length});
        }
        source_at += source_length;
        target_at += target_length;
      }
    }
  };

  // SentencePiece seeds each thread's generator from the global seed when the thread first samples;
  // the workers are new threads for every chunk, so the result depends only on the seed and the split.
  if (options.sampling) text::SubwordModel::set_sampling_seed(options.sampling_seed);

  RawChunk current, next;
  bool have_current = reader.read(current, chunk_lines);
  while (have_current) {
    std::vector<EncodedSlice> slices(threads);
    bool have_next = false;
    std::exception_ptr read_error;  // raised only after this chunk's own findings
    {
      std::vector<std::jthread> workers;  // joined when this block ends, also on an exception
      const std::size_t share = (current.size() + threads - 1) / threads;
      for (unsigned t = 0; t < threads; ++t) {
        const std::size_t begin = std::min(current.size(), t * share);
        const std::size_t end = std::min(current.size(), begin + share);
        workers.emplace_back([&, t, begin, end] {
          encode_slice(current, begin, end, reader, source_tokenizer, target_tokenizer, encoders[t], options.sampling,
                       slices[t]);
        });
      }
      try {
        have_next = reader.read(next, chunk_lines);  // read ahead while the workers encode
      } catch (...) {
        read_error = std::current_exception();
      }
    }
    merge(slices);
    if (read_error) std::rethrow_exception(read_error);
    std::swap(current, next);
    have_current = have_next;
  }
  corpus.source.shrink_to_fit();
  corpus.target.shrink_to_fit();
  return corpus;
}

}  // namespace

ParallelCorpus read_parallel_corpus(const std::string& source_path, const std::string& target_path,
                                    const text::Tokenizer& source_tokenizer, const text::Tokenizer& target_tokenizer,
                                    const CorpusReadOptions& options) {
  TwoFileReader reader(source_path, target_path);
  return read_corpus(reader, source_tokenizer, target_tokenizer, options);
}

ParallelCorpus read_tsv_corpus(const std::string& path, const text::Tokenizer& source_tokenizer,
                               const text::Tokenizer& target_tokenizer, const CorpusReadOptions& options) {
  TsvReader reader(path);
  return read_corpus(reader, source_tokenizer, target_tokenizer, options);
}

}  // namespace nmt::corpora
