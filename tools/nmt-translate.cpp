// nmt-translate: raw text in (stdin or -i FILE), detokenised translations out (stdout), one line
// out per line in, in order; an empty line gives an empty line. It streams: each batch is written
// and flushed as soon as it is translated, and a batch holds only the lines that were already
// waiting (nmt/search/line_reader.h), so a person typing gets each line answered at once.
// Search: nmt/search/search.h (fairseq-style beam search).
//
// Output per line:  translation [||| alignment] [||| attention] [||| positions]
// --n-best K:       id ||| translation ||| LogProb= l Length= n ||| score [||| alignment] ...
//                   (K lines, Moses: id, text, features, total score)
// Whatever the model emits, each input line gives exactly one output line (K with --n-best): every
// text goes through tokenizer/printable_line.h, which turns line breaks into spaces and other
// control characters into U+FFFD.
#include <fcntl.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "nmt/models/ensemble.h"
#include "nmt/models/model_file.h"
#include "nmt/search/alignment.h"
#include "nmt/search/attention_svg.h"
#include "nmt/search/line_reader.h"
#include "nmt/search/translator.h"
#include "nmt/tensor/blas.h"
#include "nmt/tensor/threading.h"
#include "version_option.h"

namespace po = boost::program_options;

namespace {

// Lines read at once at most (when that many are waiting): the translator sorts them by length
// before batching, so a larger window means less wasted work on finished sentences.
constexpr std::size_t kWindowBatches = 16;

struct Settings {
  std::vector<std::string> models;
  std::string input, attention_svg;
  int beam = 5, batch = 32, batch_tokens = nmt::TranslatorOptions{}.batch_tokens, threads = 0, n_best = 0, max_length = 0, max_source_length = 0;
  float max_length_ratio = 2.0f, alpha = 0.6f;
  int max_length_offset = 10;
  std::string normalize = "average";
  std::string precision = "auto";
  std::string shortlist = "auto";
  int shortlist_top_k = 50, shortlist_frequent = 100;
  bool alignment = false, attention = false, positions = false, stats = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

po::options_description describe(Settings& s) {
  po::options_description o("nmt-translate -m MODEL [options] < input > output\nOptions");
  o.add_options()
      ("help,h", "print this help")
      ("version", "print the version, the OpenBLAS core in use and the CPU's features")
      ("model,m", po::value(&s.models),
       "model file written by nmt-train (required); given several times (-m a.bin -m b.bin), an ensemble: the "
       "same beam search over the models' averaged log-probabilities (one vocabulary required)")
      ("input,i", po::value(&s.input), "read this file instead of stdin")
      ("beam", po::value(&s.beam)->default_value(5), "beam size (1 = greedy)")
      ("batch", po::value(&s.batch)->default_value(32), "sentences per search batch, at most")
      ("batch-tokens", po::value(&s.batch_tokens)->default_value(s.batch_tokens),
       "padded source subwords per search batch, at most: sentences x (longest + 1); the search holds beam x "
       "that. Bounds memory whatever the input; a longer sentence is searched alone (0 = no limit)")
      ("threads", po::value(&s.threads)->default_value(0), "threads for the model (0 = all cores)")
      ("stats", po::bool_switch(&s.stats),
       "print to stderr the GEMMs' floating-point operations (per precision) and the time taken")
      ("precision", po::value(&s.precision)->default_value("auto"),
       "GEMMs in fp32, bf16 (AVX512-BF16) or int8 (weights quantised per output unit at load, or stored so by "
       "nmt-quantize; activations per row on the fly; AVX512-VNNI or AVX2 kernels, NMT_INT8_KERNEL=avx2 forces "
       "the latter); auto: int8 for a model written by nmt-quantize, else fp32")
      ("shortlist", po::value(&s.shortlist)->default_value("auto"),
       "vocabulary shortlist: each batch's output layer computes only the target pieces its sources make "
       "plausible (the model file's lexical table, written by nmt-train or nmt-shortlist): on (the file must "
       "hold a table), off, or auto (on when the file holds a table)")
      ("shortlist-top-k", po::value(&s.shortlist_top_k)->default_value(50),
       "with a shortlist: the best target pieces of each source piece (by IBM Model 1 probability)")
      ("shortlist-frequent", po::value(&s.shortlist_frequent)->default_value(100),
       "with a shortlist: the most frequent target pieces, always included")
      ("normalize", po::value(&s.normalize)->default_value("average"),
       "length normalisation of hypothesis scores: wu ((5+|Y|)^alpha/6^alpha, Wu et al. 2016), average "
       "(score / length, the mean log-probability per subword) or none")
      ("alpha", po::value(&s.alpha)->default_value(0.6f, "0.6"), "exponent of --normalize wu")
      ("max-length-ratio", po::value(&s.max_length_ratio)->default_value(2.0f, "2"),
       "longest output = ratio * source length + offset (subwords, EOS included) ...")
      ("max-length-offset", po::value(&s.max_length_offset)->default_value(10), "... + this offset")
      ("max-length", po::value(&s.max_length)->default_value(0),
       "absolute cap on the output length in subwords, EOS included (0 = the model's limit)")
      ("max-source-length", po::value(&s.max_source_length)->default_value(0),
       "longer sources are cut to this many subwords, with a warning (0 = the model's limit)")
      ("n-best", po::value(&s.n_best)->default_value(0),
       "print the K best translations of each line as 'id ||| translation ||| LogProb= l Length= n ||| score' "
       "(Moses format: id from 0; features l = the log-probability summed over the output subwords and n = "
       "their number, EOS included (an ensemble's l is its members' average); score = l normalised by "
       "--normalize); K <= beam")
      ("alignment", po::bool_switch(&s.alignment),
       "append ' ||| ' and hard alignments 'src-tgt' (subword positions from 0, attention argmax)")
      ("attention", po::bool_switch(&s.attention),
       "append ' ||| ' and the attention weights: one comma-separated row per output subword (EOS "
       "included), rows separated by spaces")
      ("positions", po::bool_switch(&s.positions),
       "append ' ||| ' and the source position each output subword's attention was centred on "
       "(Luong local-p's p_t, from 0, EOS included), separated by spaces; empty for other models")
      ("attention-svg", po::value(&s.attention_svg),
       "write one SVG attention heatmap per line into this directory (line-000001.svg, ...)");
  return o;
}

Settings parse(int argc, char** argv, bool& help) {
  Settings s;
  po::options_description options = describe(s);
  // Words that are not options are collected, to be named in the error.
  std::vector<std::string> stray;
  po::options_description all = options;
  all.add_options()("stray", po::value(&stray));
  po::positional_options_description positional;
  positional.add("stray", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    throw UsageError("unknown option '" + e.get_option_name() + "'");
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  help = vm.count("help") > 0;
  if (help) {
    std::cout << "Translates raw text, one sentence per line, with a model trained by nmt-train.\n"
                 "Each input line gives exactly one output line (--n-best K: K lines), whatever the model emits: "
                 "in translations and subword labels, line breaks (U+000A..000D, U+0085, U+2028, U+2029) and tabs "
                 "become spaces and other control characters U+FFFD; SVGs are well-formed XML.\n\n"
              << options << std::endl;
    return s;
  }
  if (!stray.empty()) throw UsageError("unexpected argument '" + stray.front() + "' (the model is given with -m FILE, the input with -i FILE or on stdin)");
  if (s.models.empty()) throw UsageError("--model (-m) is required");
  if (s.beam < 1) throw UsageError("--beam must be at least 1 (got " + std::to_string(s.beam) + ")");
  if (s.batch < 1) throw UsageError("--batch must be at least 1 (got " + std::to_string(s.batch) + ")");
  if (s.batch_tokens < 0) throw UsageError("--batch-tokens must not be negative (got " + std::to_string(s.batch_tokens) + ")");
  if (s.threads < 0) throw UsageError("--threads must not be negative");
  if (s.precision != "auto" && s.precision != "fp32" && s.precision != "bf16" && s.precision != "int8")
    throw UsageError("--precision must be auto, fp32, bf16 or int8 (got '" + s.precision + "')");
  if (s.shortlist != "auto" && s.shortlist != "on" && s.shortlist != "off")
    throw UsageError("--shortlist must be on, off or auto (got '" + s.shortlist + "')");
  if (s.shortlist_top_k < 0) throw UsageError("--shortlist-top-k must not be negative");
  if (s.shortlist_frequent < 0) throw UsageError("--shortlist-frequent must not be negative");
  if (s.n_best < 0 || s.n_best > s.beam)
    throw UsageError("--n-best must be between 0 and --beam (" + std::to_string(s.beam) + "), got " +
                     std::to_string(s.n_best));
  if (s.max_length < 0) throw UsageError("--max-length must not be negative");
  if (s.max_source_length < 0) throw UsageError("--max-source-length must not be negative");
  if (!(s.max_length_ratio >= 0)) throw UsageError("--max-length-ratio must not be negative");
  try {
    nmt::parse_normalization(s.normalize);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--normalize: ") + e.what());
  }
  return s;
}

// Moses n-best fields 3 and 4: " ||| LogProb= l Length= n ||| score" (zeros for an empty line).
std::string moses_scores(const nmt::Hypothesis* h) {
  char text[96];
  std::snprintf(text, sizeof text, " ||| LogProb= %.4f Length= %zu ||| %.4f", h ? static_cast<double>(h->score) : 0.0,
                h ? h->tokens.size() + 1 : 0, h ? static_cast<double>(h->normalized) : 0.0);
  return text;
}

// One output line for hypothesis h.
void append_fields(std::string& out, const nmt::Hypothesis* h, const Settings& s) {
  if (s.alignment) out += " ||| " + (h ? nmt::format_alignment(nmt::hard_alignment(*h)) : std::string());
  if (s.attention) out += " ||| " + (h ? nmt::format_attention(*h) : std::string());
  if (s.positions) out += " ||| " + (h ? nmt::format_positions(*h) : std::string());
}

void write_svg(const std::string& dir, std::size_t line, const nmt::Translation& t, const nmt::Translator& translator) {
  char name[64];
  std::snprintf(name, sizeof name, "line-%06zu.svg", line);
  const std::string path = (std::filesystem::path(dir) / name).string();
  std::ofstream file(path);
  const nmt::Hypothesis& h = t.result.best();
  nmt::write_attention_svg(file, h, translator.pieces(t.source, true), translator.pieces(h.tokens, true),
                           "line " + std::to_string(line) + ": " + t.text);
  file.close();
  if (!file) throw std::runtime_error("cannot write attention heatmap '" + path + "': " + std::strerror(errno));
}

// The same target vocabulary: sizes, and the pieces when both files hold their vocabulary.
bool same_vocabulary(const nmt::LoadedModel& a, const nmt::LoadedModel& b) {
  if (a.model->config().vocab_size != b.model->config().vocab_size) return false;
  if (!a.vocabulary || !b.vocabulary) return true;
  if (a.vocabulary->vocab_size() != b.vocabulary->vocab_size()) return false;
  for (int32_t id = 0; id < a.vocabulary->vocab_size(); ++id)
    if (a.vocabulary->piece(id) != b.vocabulary->piece(id)) return false;
  return true;
}

int run(const Settings& s) {
  const auto started = std::chrono::steady_clock::now();
  nmt::set_num_threads(s.threads);
  std::vector<nmt::LoadedModel> models;
  for (const std::string& path : s.models) models.push_back(nmt::load_model(path));
  nmt::LoadedModel& loaded = models.front();
  // After loading: a file's stored int8 weights stay registered whatever the precision.
  const bool stored_int8 = !loaded.info.int8_weights.empty();
  nmt::blas::set_precision(s.precision == "int8" || (s.precision == "auto" && stored_int8) ? nmt::blas::Precision::int8
                           : s.precision == "bf16"                                          ? nmt::blas::Precision::bf16
                                                                                            : nmt::blas::Precision::fp32);
  for (nmt::LoadedModel& m : models) m.info.int8_weights.clear();  // registered; the copies are not needed
  const std::shared_ptr<const nmt::Shortlist> shortlist =
      nmt::shortlist_for_model(s.models.front(), loaded.info.lexical_table, loaded.model->config().vocab_size,
                               s.shortlist, nmt::ShortlistSettings{s.shortlist_top_k, s.shortlist_frequent});
  std::unique_ptr<nmt::Ensemble> ensemble;
  if (models.size() > 1) {
    std::vector<nmt::EncoderDecoder*> members;
    for (std::size_t i = 0; i < models.size(); ++i) {
      if (!same_vocabulary(loaded, models[i]))
        throw std::runtime_error("ensemble: '" + s.models[i] + "' has another vocabulary than '" + s.models[0] +
                                 "' (an ensemble needs models trained with one vocabulary)");
      members.push_back(models[i].model.get());
    }
    ensemble = std::make_unique<nmt::Ensemble>(std::move(members));
  }
  nmt::TranslatorOptions options;
  options.batch_size = s.batch;
  options.batch_tokens = s.batch_tokens;
  options.max_source_length = s.max_source_length;
  options.search.beam = s.beam;
  options.search.n_best = std::max(1, s.n_best);
  options.search.length_penalty = {nmt::parse_normalization(s.normalize), s.alpha};
  options.search.max_length_ratio = s.max_length_ratio;
  options.search.max_length_offset = s.max_length_offset;
  options.search.max_length_cap = s.max_length;
  options.search.attention = s.alignment || s.attention || s.positions || !s.attention_svg.empty();
  options.search.shortlist = shortlist;
  nmt::Translator translator(ensemble ? static_cast<nmt::EncoderDecoder&>(*ensemble) : *loaded.model,
                             loaded.tokenizer(), options);

  if (!s.attention_svg.empty()) {
    std::error_code error;
    std::filesystem::create_directories(s.attention_svg, error);
    if (error) throw std::runtime_error("cannot create --attention-svg directory '" + s.attention_svg + "': " + error.message());
  }
  int fd = 0;
  std::string input_name = "<stdin>";
  if (!s.input.empty()) {
    fd = ::open(s.input.c_str(), O_RDONLY);
    if (fd < 0) throw std::runtime_error("cannot open input file '" + s.input + "': " + std::strerror(errno));
    input_name = s.input;
  }
  // Bytes of a line beyond what the model can take are dropped as they are read (line_reader.h).
  nmt::LineReader reader(fd, input_name, translator.max_line_bytes());
  std::vector<std::string> lines;
  std::string out;
  std::size_t next_line = 1;  // 1-based number of lines[0]
  while (reader.next_batch(lines, static_cast<std::size_t>(s.batch) * kWindowBatches)) {
    const std::vector<nmt::Translation> translations = translator.translate(lines, input_name, next_line, reader.full_bytes());
    out.clear();
    for (std::size_t i = 0; i < translations.size(); ++i) {
      const nmt::Translation& t = translations[i];
      const std::size_t line = next_line + i;
      if (s.n_best > 0) {
        if (t.empty()) {
          out += std::to_string(line - 1) + " ||| " + moses_scores(nullptr);
          append_fields(out, nullptr, s);
          out += '\n';
        }
        for (const nmt::Hypothesis& h : t.result.hypotheses) {
          out += std::to_string(line - 1) + " ||| " + translator.detokenize(h.tokens) + moses_scores(&h);
          append_fields(out, &h, s);
          out += '\n';
        }
      } else {
        out += t.text;
        append_fields(out, t.empty() ? nullptr : &t.result.best(), s);
        out += '\n';
      }
      if (!s.attention_svg.empty() && !t.empty()) write_svg(s.attention_svg, line, t, translator);
      if (!t.empty() && t.result.hit_length_limit())
        std::cerr << input_name << ':' << line << ": warning: the translation reached the length limit of "
                  << t.result.max_length - 1 << " subwords and was cut there" << std::endl;
    }
    next_line += lines.size();
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
      throw std::runtime_error(std::string("cannot write the translations: ") + std::strerror(errno));
  }
  if (fd != 0) ::close(fd);
  if (s.stats) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const nmt::blas::FlopCount f = nmt::blas::flop_count();
    std::fprintf(stderr, "nmt-translate: %.3f s; GEMM GFLOP fp32 %.2f, bf16 %.2f, int8 %.2f; %.1f GFLOP/s overall\n",
                 seconds, f.fp32 / 1e9, f.bf16 / 1e9, f.int8 / 1e9, (f.fp32 + f.bf16 + f.int8) / 1e9 / seconds);
    if (shortlist && shortlist->batches() > 0)
      std::fprintf(stderr,
                   "nmt-translate: shortlist of %.0f pieces per batch on average (%lld batches), %.0f per sentence; "
                   "vocabulary %d\n",
                   static_cast<double>(shortlist->total_size()) / static_cast<double>(shortlist->batches()),
                   static_cast<long long>(shortlist->batches()),
                   static_cast<double>(shortlist->total_sentence_size()) / static_cast<double>(shortlist->sentences()),
                   loaded.model->config().vocab_size);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-translate")) return 0;
  Settings settings;
  try {
    bool help = false;
    settings = parse(argc, argv, help);
    if (help) return 0;
  } catch (const std::exception& e) {
    std::cerr << "nmt-translate: " << e.what() << "\n(nmt-translate --help lists every option)" << std::endl;
    return 2;
  }
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "nmt-translate: error: " << e.what() << std::endl;
    return 1;
  }
}
