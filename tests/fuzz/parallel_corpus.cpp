// Fuzz target: the corpus reader (corpora/parallel_corpus.h) on two line-aligned files or one TSV
// file, checked against encoding each line on its own: the same pairs kept and dropped, the same
// ids, a warning naming file:line for each line with invalid UTF-8, and errors only where the
// reader documents them (files of different lengths, a TSV line without exactly two columns,
// invalid UTF-8 in strict mode), as std::runtime_error.
//
// Input: byte 0 picks the options (bit 0: TSV; bits 1-2: chunk of 1-4 lines; bit 3: two threads;
// bit 4: strict UTF-8; bits 5-6: max length 0 (none), 3, 8 or 250 pieces); the rest is the TSV file
// or the source file, a 0x1E byte, and the target file.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "corpora/parallel_corpus.h"
#include "fuzz_support.h"
#include "tokenizer/utf8.h"

using namespace nmt;

namespace {

// The lines std::getline gives: split at "\n", no empty line after a final "\n".
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const bool tsv = flags & 1;
  const bool strict = flags & 16;
  corpora::CorpusReadOptions options;
  options.chunk_lines = 1 + ((flags >> 1) & 3);
  options.threads = flags & 8 ? 2 : 1;
  static const std::size_t max_lengths[] = {0, 3, 8, 250};
  options.filter.max_length = max_lengths[(flags >> 5) & 3];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<std::string> warnings;
  const text::Utf8Checker utf8{strict ? text::InvalidUtf8Policy::error : text::InvalidUtf8Policy::replace,
                               [&](const std::string& message) { warnings.push_back(message); }};
  const text::Tokenizer tokenizer(fuzz::fuzz_subword_model(), {}, utf8);

  // What the reader must do, line by line.
  std::vector<std::string_view> sources, targets;
  std::string source_path, target_path;
  bool must_fail = false;
  if (tsv) {
    source_path = target_path = fuzz::write_scratch_file("corpus.tsv", rest);
    for (std::string_view line : lines_of(rest)) {
      const std::size_t tab = line.find('\t');
      if (tab == std::string_view::npos || line.find('\t', tab + 1) != std::string_view::npos) {
        must_fail = true;
        break;
      }
      sources.push_back(line.substr(0, tab));
      targets.push_back(line.substr(tab + 1));
    }
  } else {
    const std::size_t separator = std::min(rest.find('\x1e'), rest.size());
    const std::string_view source = rest.substr(0, separator);
    const std::string_view target = rest.substr(std::min(separator + 1, rest.size()));
    source_path = fuzz::write_scratch_file("corpus.src", source);
    target_path = fuzz::write_scratch_file("corpus.tgt", target);
    sources = lines_of(source);
    targets = lines_of(target);
    must_fail = sources.size() != targets.size();
  }
  std::vector<std::string> expected_warnings;
  for (std::size_t i = 0; i < sources.size() && i < targets.size(); ++i) {
    for (const auto& [line, path] : {std::pair{sources[i], source_path}, std::pair{targets[i], target_path}}) {
      if (text::is_valid_utf8(line)) continue;
      if (strict) must_fail = true;
      expected_warnings.push_back(path + ":" + std::to_string(i + 1) + ": warning: invalid UTF-8");
    }
  }

  corpora::ParallelCorpus corpus;
  try {
    corpus = tsv ? corpora::read_tsv_corpus(source_path, tokenizer, tokenizer, options)
                 : corpora::read_parallel_corpus(source_path, target_path, tokenizer, tokenizer, options);
  } catch (const std::runtime_error& e) {
    NMT_FUZZ_CHECK(must_fail);
    NMT_FUZZ_CHECK(std::string_view(e.what()).find(tsv ? "corpus.tsv" : "corpus.") != std::string_view::npos);
    return 0;
  }
  NMT_FUZZ_CHECK(!must_fail);
  NMT_FUZZ_CHECK(warnings.size() == expected_warnings.size());
  for (std::size_t i = 0; i < warnings.size(); ++i)
    NMT_FUZZ_CHECK(warnings[i].rfind(expected_warnings[i], 0) == 0);

  // The same pairs and ids as encoding each line by itself.
  const text::Tokenizer quiet(fuzz::fuzz_subword_model(), {}, {text::InvalidUtf8Policy::replace, {}});
  NMT_FUZZ_CHECK(corpus.counts.read == sources.size());
  std::size_t kept = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::vector<std::int32_t> source_ids = quiet.encode(sources[i]), target_ids = quiet.encode(targets[i]);
    if (corpora::judge_pair(source_ids.size(), target_ids.size(), options.filter) != corpora::FilterVerdict::keep)
      continue;
    NMT_FUZZ_CHECK(kept < corpus.size());
    const auto source = corpus.source[kept], target = corpus.target[kept];
    NMT_FUZZ_CHECK(std::equal(source.begin(), source.end(), source_ids.begin(), source_ids.end()));
    NMT_FUZZ_CHECK(std::equal(target.begin(), target.end(), target_ids.begin(), target_ids.end()));
    ++kept;
  }
  NMT_FUZZ_CHECK(kept == corpus.size() && corpus.counts.kept == kept);
  return 0;
}
