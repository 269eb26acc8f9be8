// A parallel corpus read into memory as ids: two line-aligned plain-text files (line i of one is the
// translation of line i of the other) or one TSV file with a source and a target column.
//
// Every line goes through its side's Tokenizer (UTF-8 check, normalisation, SentencePiece); pairs
// are then filtered (filters.h) and stored compactly (token_sequences.h). Encoding runs on several
// threads in chunks while the next chunk is read; the stored order is exactly the input order, and
// UTF-8 warnings reach the tokenizer's warning sink in line order, from the calling thread.
//
// Errors name what to fix: a file that cannot be opened, files with different line counts (both
// names and both counts), a TSV line without exactly two columns (file:line), strict-mode invalid
// UTF-8 (file:line).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "corpora/filters.h"
#include "corpora/token_sequences.h"
#include "tokenizer/tokenizer.h"

namespace nmt::corpora {

struct ParallelCorpus {
  TokenSequences source;   // pieces only, no EOS: the batcher adds BOS/EOS
  TokenSequences target;
  FilterCounts counts;     // what reading kept and dropped

  std::size_t size() const { return source.size(); }
  std::size_t memory_bytes() const { return source.memory_bytes() + target.memory_bytes(); }
};

struct CorpusReadOptions {
  FilterOptions filter;
  unsigned threads = 0;              // encoding threads; 0 = one per core
  std::size_t chunk_lines = 1 << 15; // pairs read and encoded per round

  // Subword regularisation: encode with sampled segmentations instead of the best ones. A trainer
  // re-reads the corpus each epoch with another sampling_seed (e.g. seed + epoch); the same seed,
  // threads and chunk_lines give the same ids again.
  std::optional<text::SubwordSampling> sampling;
  unsigned sampling_seed = 1;
};

// Two line-aligned files. The tokenizers may be the same object (joint vocabulary).
ParallelCorpus read_parallel_corpus(const std::string& source_path, const std::string& target_path,
                                    const text::Tokenizer& source_tokenizer,
                                    const text::Tokenizer& target_tokenizer,
                                    const CorpusReadOptions& options = {});

// One file, "source<TAB>target" per line.
ParallelCorpus read_tsv_corpus(const std::string& path, const text::Tokenizer& source_tokenizer,
                               const text::Tokenizer& target_tokenizer, const CorpusReadOptions& options = {});

}  // namespace nmt::corpora
