// nmt-corpus-bench: shows that the text pipeline keeps up with a WMT-sized corpus.
//
// Makes a synthetic parallel corpus of N pairs (default 5,000,000, about WMT14 en-de) by sampling
// Multi30k de-en sentence pairs (or random words when Multi30k is not there) into a temporary
// folder, trains a joint SentencePiece model on it, then reads + checks + normalises + encodes +
// filters the whole corpus and batches one epoch by a token budget. Prints one JSON object per
// stage: rates, sentences per second per core, memory held by the corpus and peak RSS. Per-core
// rates are per CPU second (getrusage / the thread's CPU clock), so that a busy machine does not
// distort them; wall-clock rates are printed as well.
//
//   build/bin/nmt-corpus-bench                 # 5M pairs
//   build/bin/nmt-corpus-bench --pairs 200000  # a quick run
#include <sys/resource.h>
#include <time.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "corpora/batcher.h"
#include "corpora/parallel_corpus.h"
#include "tokenizer/cached_encoder.h"
#include "tokenizer/tokenizer.h"
#include "json_record.h"
#include "version_option.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds (user + system) this process has used so far, all threads together.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds the calling thread has used: a per-core rate that other processes cannot distort.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

double peak_rss_gib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / (1024.0 * 1024.0);  // ru_maxrss is in KiB on Linux
}

using nmt::tools::JsonRecord;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Sentence pairs to sample from: Multi30k train de-en, or made-up words.
std::pair<std::vector<std::string>, std::vector<std::string>> sample_source(const fs::path& multi30k,
                                                                            std::mt19937_64& random) {
  auto de = read_lines(multi30k / "train.de"), en = read_lines(multi30k / "train.en");
  if (!de.empty() && de.size() == en.size()) return {de, en};
  std::cerr << "nmt-corpus-bench: " << (multi30k / "train.de").string()
            << " not found (give the Multi30k folder with --multi30k DIR); sampling random words instead\n";
  std::vector<std::string> words;
  for (int w = 0; w < 20000; ++w) {
    std::string word;
    const int length = 2 + int(random() % 9);
    for (int c = 0; c < length; ++c) word.push_back(char('a' + random() % 26));
    words.push_back(word);
  }
  const auto sentence = [&](int length) {
    std::string text;
    for (int i = 0; i < length; ++i) text += (i ? " " : "") + words[random() % words.size()];
    return text + " .";
  };
  std::vector<std::string> source, target;
  for (int i = 0; i < 30000; ++i) {
    const int length = 4 + int(random() % 20);
    source.push_back(sentence(length));
    target.push_back(sentence(length + int(random() % 3)));
  }
  return {source, target};
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-corpus-bench")) return 0;
  std::size_t pairs = 5'000'000, max_tokens = 4096;
  int vocab = 8000;
  unsigned threads = std::thread::hardware_concurrency();
  std::string multi30k = "../shared/data/multi30k", work_root = fs::temp_directory_path().string(), model_path;
  bool keep = false;
  po::options_description options("nmt-corpus-bench: read, encode and batch a synthetic WMT-sized corpus");
  options.add_options()
      ("help,h", "this help")
      ("version", "the version, OpenBLAS core and CPU features")
      ("pairs,n", po::value(&pairs)->default_value(pairs), "sentence pairs in the synthetic corpus")
      ("threads,t", po::value(&threads)->default_value(threads), "encoding threads")
      ("multi30k", po::value(&multi30k)->default_value(multi30k), "folder with Multi30k train.{de,en} to sample from")
      ("model", po::value(&model_path), "an existing SentencePiece model to use instead of training one")
      ("vocab", po::value(&vocab)->default_value(vocab), "vocabulary size when training")
      ("max-tokens", po::value(&max_tokens)->default_value(max_tokens), "target tokens per batch")
      ("tmpdir", po::value(&work_root)->default_value(work_root), "where the temporary corpus goes")
      ("keep", po::bool_switch(&keep), "keep the temporary corpus");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "nmt-corpus-bench: " << e.what() << "\n" << options;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << options;
    return 0;
  }
  threads = std::max(1u, threads);

  const fs::path work = fs::path(work_root) / ("nmt-corpus-bench-" + std::to_string(getpid()));
  fs::create_directories(work);
  struct Cleanup {
    fs::path path;
    bool keep;
    ~Cleanup() {
      if (!keep) fs::remove_all(path);
    }
  } cleanup{work, keep};

  try {
    // 1. The synthetic corpus.
    auto start = Clock::now();
    std::mt19937_64 random(12345);
    const auto [source_pool, target_pool] = sample_source(multi30k, random);
    const std::string source_path = (work / "corpus.src").string(), target_path = (work / "corpus.tgt").string();
    {
      std::ofstream source_out(source_path, std::ios::binary), target_out(target_path, std::ios::binary);
      for (std::size_t i = 0; i < pairs; ++i) {
        const std::size_t k = random() % source_pool.size();
        source_out << source_pool[k] << '\n';
        target_out << target_pool[k] << '\n';
      }
      if (!source_out || !target_out) throw std::runtime_error(work.string() + ": cannot write the synthetic corpus");
    }
    JsonRecord("stage", "generate")
        .add("pairs", double(pairs))
        .add("megabytes", double(fs::file_size(source_path) + fs::file_size(target_path)) / 1e6)
        .add("seconds", seconds_since(start));

    // 2. The subword model.
    start = Clock::now();
    const nmt::text::Normalizer normalizer;
    std::shared_ptr<const nmt::text::SubwordModel> model;
    if (!model_path.empty()) {
      model = std::make_shared<const nmt::text::SubwordModel>(nmt::text::SubwordModel::load(model_path));
    } else {
      nmt::text::SubwordTrainingOptions training;
      training.vocab_size = vocab;
      training.input_sentence_size = 100'000;
      training.threads = int(threads);
      model = std::make_shared<const nmt::text::SubwordModel>(
          nmt::text::SubwordModel::train({source_path, target_path}, training, normalizer));
    }
    JsonRecord("stage", model_path.empty() ? "train_sentencepiece" : "load_sentencepiece")
        .add("vocab", double(model->vocab_size()))
        .add("seconds", seconds_since(start));
    const nmt::text::Tokenizer tokenizer(model);

    // 3. One core: normalise + encode only (no file reading), the per-core rate, plain SentencePiece
    //    and with the word cache that corpus reading uses.
    for (const bool use_cache : {false, true}) {
      const std::size_t sample = 200'000;
      nmt::text::CachedEncoder cached(tokenizer.model());
      std::size_t pieces = 0;
      std::string normalized;
      std::vector<std::int32_t> ids;
      start = Clock::now();
      const double cpu_start = thread_cpu_seconds();
      for (std::size_t i = 0; i < sample; ++i) {
        const std::string& raw = (i % 2 ? target_pool : source_pool)[(i / 2) % source_pool.size()];
        ids.clear();
        tokenizer.normalizer().normalize(raw, normalized);
        if (use_cache) {
          cached.encode(normalized, ids);
        } else {
          tokenizer.model().encode(normalized, ids);
        }
        pieces += ids.size();
      }
      const double seconds = seconds_since(start), cpu = thread_cpu_seconds() - cpu_start;
      JsonRecord("stage", use_cache ? "encode_one_core_word_cache" : "encode_one_core_sentencepiece")
          .add("sentences", double(sample))
          .add("sentences_per_cpu_second", double(sample) / cpu)
          .add("sentences_per_wall_second", double(sample) / seconds)
          .add("pieces_per_sentence", double(pieces) / double(sample));
    }

    // 4. The whole corpus: read, check, normalise, encode, filter, store.
    start = Clock::now();
    const double cpu_before = cpu_seconds();
    nmt::corpora::CorpusReadOptions reading;
    reading.threads = threads;
    const nmt::corpora::ParallelCorpus corpus =
        nmt::corpora::read_parallel_corpus(source_path, target_path, tokenizer, tokenizer, reading);
    const double seconds = seconds_since(start), cpu = cpu_seconds() - cpu_before;
    const double sentences = 2.0 * double(corpus.counts.read);
    JsonRecord("stage", "read_and_encode")
        .add("threads", double(threads))
        .add("pairs_read", double(corpus.counts.read))
        .add("pairs_kept", double(corpus.counts.kept))
        .add("seconds", seconds)
        .add("pairs_per_second", double(corpus.counts.read) / seconds)
        .add("sentences_per_second", sentences / seconds)
        .add("cpu_seconds", cpu)
        .add("cores_busy", cpu / seconds)
        .add("sentences_per_cpu_second", sentences / cpu)
        .add("corpus_megabytes", double(corpus.memory_bytes()) / 1e6)
        .add("filters", corpus.counts.summary())
        .add("peak_rss_gib", peak_rss_gib());

    // 5. One epoch of batches.
    start = Clock::now();
    nmt::corpora::Batcher batcher(corpus, {.max_target_tokens = max_tokens});
    const double planning = seconds_since(start);
    std::size_t batches = 0, tokens = 0, padded = 0, covered = 0;
    while (auto batch = batcher.next()) {
      ++batches;
      tokens += batch->target_tokens;
      padded += batch->batch_size * batch->target_length;
      covered += batch->batch_size;
    }
    const double batching = seconds_since(start);
    JsonRecord("stage", "batch_epoch")
        .add("max_target_tokens", double(max_tokens))
        .add("batches", double(batches))
        .add("pairs", double(covered))
        .add("plan_seconds", planning)
        .add("seconds", batching)
        .add("batches_per_second", double(batches) / batching)
        .add("target_padding_share", 1.0 - double(tokens) / double(padded))
        .add("peak_rss_gib", peak_rss_gib());
  } catch (const std::exception& e) {
    std::cerr << "nmt-corpus-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
