// nmt-bleu: BLEU, chrF and TER with sacreBLEU 2.6.0's numbers and command line.
//
//   nmt-bleu REF [REF ...] -i HYP [-m bleu chrf ter] [-tok 13a] [-lc] [-s exp] [-sl] [-b] [-w 1]
//   cat HYP | nmt-bleu REF [REF ...] ...
//
// A thin main over nmt::metrics: it parses sacreBLEU's flags (spelt as sacreBLEU spells them,
// one dash for the short ones: -tok, -lc, -sl, -cw ...), reads the files with sacreBLEU's rules,
// and prints what sacreBLEU's command line prints (sacrebleu/sacrebleu.py main(),
// utils.print_single_results): JSON by default, text with -f text, one line per segment with -sl.
// Errors: "nmt-bleu: error: ..." and exit status 1; usage errors exit with 2.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/errors.h"
#include "nmt/metrics/report.h"
#include "nmt/metrics/score.h"
#include "nmt/metrics/ter.h"
#include "nmt/metrics/text_lines.h"
#include "nmt/tensor/platform.h"

namespace metrics = nmt::metrics;

namespace {

constexpr const char* kUsage =
    "usage: nmt-bleu REF [REF ...] [-i HYP] [-m {bleu,chrf,ter} ...] [-tok {13a,intl,zh,char,none}]\n"
    "                [-lc] [-s {exp,floor,add-k,none}] [-sv VALUE] [-sl] [-cc N] [-cw N]\n"
    "                [--chrf-beta N] [--chrf-whitespace] [--chrf-lowercase] [--chrf-eps-smoothing]\n"
    "                [--ter-case-sensitive] [--ter-no-punct] [--ter-normalized]\n"
    "                [--ter-asian-support] [-nr N] [-b] [-w N] [-f {json,text}] [-sh] [-q]\n"
    "                [--time] [-h] [-V]\n";

constexpr const char* kHelp =
    "\n"
    "Scores a hypothesis file against one or more reference files, with the numbers, signatures\n"
    "and output of sacreBLEU 2.6.0. The hypothesis is read from standard input without -i.\n"
    "\n"
    "  REF                      reference files, one segment per line (several: multi-reference)\n"
    "  -i, --input HYP          hypothesis file (default: standard input)\n"
    "  -m, --metrics M [M ...]  bleu, chrf, ter (default: bleu)\n"
    "  -sl, --sentence-level    one score per segment (BLEU then uses effective order)\n"
    "  -nr, --num-refs N        one reference file holding N tab-separated references per line\n"
    "BLEU:\n"
    "  -tok, --tokenize T       13a (default), intl, zh, char, none\n"
    "  -lc, --lowercase         lowercase (Python str.lower) before tokenising\n"
    "  -s, --smooth-method S    exp (default), floor, add-k, none\n"
    "  -sv, --smooth-value V    value for floor (default 0.1) and add-k (default 1)\n"
    "  --force                  accepted for compatibility (no effect on scores)\n"
    "chrF:\n"
    "  -cc, --chrf-char-order N character n-gram order (default 6)\n"
    "  -cw, --chrf-word-order N word n-gram order (default 0; 2 is chrF++)\n"
    "  --chrf-beta N            recall weight (default 2)\n"
    "  --chrf-whitespace        keep whitespace in character n-grams\n"
    "  --chrf-lowercase         lowercase first\n"
    "  --chrf-eps-smoothing     chrF++.py epsilon smoothing instead of effective order\n"
    "TER:\n"
    "  --ter-case-sensitive     do not lowercase\n"
    "  --ter-no-punct           remove punctuation\n"
    "  --ter-normalized         Tercom normalisation and tokenisation\n"
    "  --ter-asian-support      CJK handling for --ter-normalized / --ter-no-punct\n"
    "Output:\n"
    "  -f, --format F           json (default) or text (also from $SACREBLEU_FORMAT)\n"
    "  -b, --score-only         print the score only\n"
    "  -w, --width N            decimals (default 1)\n"
    "  -sh, --short             short signatures (text output)\n"
    "  -q, --quiet, -nc, --no-color   accepted for compatibility\n"
    "  --time                   print the elapsed time to standard error\n"
    "  -h, --help               this help;  -V, --version  the version\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::vector<std::string> refs;
  std::optional<std::vector<std::string>> inputs;
  std::vector<std::string> metrics{"bleu"};
  bool sentence_level = false;
  int num_refs = 1;

  metrics::BleuConfig bleu;
  metrics::ChrfConfig chrf;
  metrics::TerConfig ter;

  std::string format = "json";
  bool score_only = false;
  int width = 1;
  bool short_signature = false;
  bool quiet = false;
  bool force = false;
  bool time = false;
};

// ---------------------------------------------------------------------------------------------
// Command-line parsing, argparse-style: "-x VALUE", "--long VALUE", "--long=VALUE", unique
// prefixes of long options, lists that run until the next option.

enum class Arity { kFlag, kOne, kList };

struct OptionSpec {
  std::vector<std::string> names;  // e.g. {"-tok", "--tokenize"}
  Arity arity;
  bool list_may_be_empty = false;  // nargs='*' rather than '+'
};

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs{
      {{"-i", "--input"}, Arity::kList, true},
      {{"-m", "--metrics"}, Arity::kList},
      {{"-sl", "--sentence-level"}, Arity::kFlag},
      {{"-nr", "--num-refs"}, Arity::kOne},
      {{"-e", "--encoding"}, Arity::kOne},
      {{"-s", "--smooth-method"}, Arity::kOne},
      {{"-sv", "--smooth-value"}, Arity::kOne},
      {{"-tok", "--tokenize"}, Arity::kOne},
      {{"-lc", "--lowercase"}, Arity::kFlag},
      {{"--force"}, Arity::kFlag},
      {{"-cc", "--chrf-char-order"}, Arity::kOne},
      {{"-cw", "--chrf-word-order"}, Arity::kOne},
      {{"--chrf-beta"}, Arity::kOne},
      {{"--chrf-whitespace"}, Arity::kFlag},
      {{"--chrf-lowercase"}, Arity::kFlag},
      {{"--chrf-eps-smoothing"}, Arity::kFlag},
      {{"--ter-case-sensitive"}, Arity::kFlag},
      {{"--ter-asian-support"}, Arity::kFlag},
      {{"--ter-no-punct"}, Arity::kFlag},
      {{"--ter-normalized"}, Arity::kFlag},
      {{"-q", "--quiet"}, Arity::kFlag},
      {{"-sh", "--short"}, Arity::kFlag},
      {{"-b", "--score-only"}, Arity::kFlag},
      {{"-w", "--width"}, Arity::kOne},
      {{"-nc", "--no-color"}, Arity::kFlag},
      {{"-f", "--format"}, Arity::kOne},
      {{"--time"}, Arity::kFlag},
      {{"-h", "--help"}, Arity::kFlag},
      {{"-V", "--version"}, Arity::kFlag},
  };
  return specs;
}

// sacreBLEU options that nmt-bleu does not provide, with the reason.
const std::map<std::string, std::string>& unsupported_options() {
  static const std::map<std::string, std::string> options{
      {"-t", "built-in test sets need downloads; pass reference files instead"},
      {"--test-set", "built-in test sets need downloads; pass reference files instead"},
      {"-l", "built-in test sets need downloads; pass reference files instead"},
      {"--language-pair", "built-in test sets need downloads; pass reference files instead"},
      {"--download", "built-in test sets need downloads"},
      {"--echo", "built-in test sets need downloads"},
      {"--list", "built-in test sets need downloads"},
      {"--citation", "built-in test sets need downloads"},
      {"-ol", "built-in test sets need downloads"},
      {"--origlang", "built-in test sets need downloads"},
      {"--subset", "built-in test sets need downloads"},
      {"-ci", "confidence intervals are not implemented"},
      {"--confidence", "confidence intervals are not implemented"},
      {"-cin", "confidence intervals are not implemented"},
      {"--confidence-n", "confidence intervals are not implemented"},
      {"-par", "paired significance tests are not implemented"},
      {"--paired-ar", "paired significance tests are not implemented"},
      {"-pbs", "paired significance tests are not implemented"},
      {"--paired-bs", "paired significance tests are not implemented"},
      {"-parn", "paired significance tests are not implemented"},
      {"--paired-ar-n", "paired significance tests are not implemented"},
      {"-pbsn", "paired significance tests are not implemented"},
      {"--paired-bs-n", "paired significance tests are not implemented"},
      {"-j", "paired significance tests are not implemented"},
      {"--paired-jobs", "paired significance tests are not implemented"},
      {"-d", "--detail needs built-in test sets"},
      {"--detail", "--detail needs built-in test sets"},
  };
  return options;
}

// Like argparse: "-x" is an option, "-" and negative numbers ("-1", "-.5") are values.
bool looks_like_option(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return false;
  bool number = true, digits = false, point = false;
  for (const char c : arg.substr(1)) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      number = false;
    }
  }
  return !(number && digits);
}

// The spec an argument names (exact name, or a unique prefix of a long option).
const OptionSpec* find_option(const std::string& name) {
  for (const auto& spec : option_specs())
    for (const auto& n : spec.names)
      if (n == name) return &spec;
  if (name.rfind("--", 0) == 0 && name.size() > 2) {
    const OptionSpec* match = nullptr;
    std::string candidates;
    for (const auto& spec : option_specs())
      for (const auto& n : spec.names)
        if (n.rfind("--", 0) == 0 && n.rfind(name, 0) == 0) {
          if (match && match != &spec) {
            throw UsageError("ambiguous option: " + name + " could match " + candidates + ", " + n);
          }
          match = &spec;
          candidates = n;
        }
    return match;
  }
  return nullptr;
}

std::string display_name(const OptionSpec& spec) {
  std::string out;
  for (const auto& n : spec.names) out += (out.empty() ? "" : "/") + n;
  return out;
}

int parse_int(const OptionSpec& spec, const std::string& value) {
  std::size_t used = 0;
  int result = 0;
  try {
    result = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    throw UsageError("argument " + display_name(spec) + ": invalid int value: '" + value + "'");
  return result;
}

double parse_float(const OptionSpec& spec, const std::string& value) {
  std::size_t used = 0;
  double result = 0;
  try {
    result = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    throw UsageError("argument " + display_name(spec) + ": invalid float value: '" + value + "'");
  return result;
}

std::string check_choice(const OptionSpec& spec, const std::string& value,
                         const std::vector<std::string>& choices) {
  for (const auto& c : choices)
    if (c == value) return value;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "'" : ", '") + c + "'";
  throw UsageError("argument " + display_name(spec) + ": invalid choice: '" + value +
                   "' (choose from " + list + ")");
}

// Returns nullopt when the program should exit successfully (--help, --version).
std::optional<Options> parse_args(int argc, char** argv) {
  Options opt;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t k = 0; k < args.size(); ++k) {
    std::string arg = args[k];
    if (!looks_like_option(arg)) {
      opt.refs.push_back(arg);
      continue;
    }
    std::optional<std::string> attached;  // --name=value
    if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      attached = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (const auto it = unsupported_options().find(arg); it != unsupported_options().end())
      throw UsageError("option " + arg + " is not supported by nmt-bleu: " + it->second);
    const OptionSpec* spec = find_option(arg);
    if (!spec) throw UsageError("unrecognized option: " + args[k]);
    const std::string& name = spec->names.back();

    std::vector<std::string> values;
    if (spec->arity == Arity::kFlag) {
      if (attached)
        throw UsageError("argument " + display_name(*spec) + ": ignored explicit argument '" +
                         *attached + "'");
    } else if (attached) {
      values.push_back(*attached);
    } else if (spec->arity == Arity::kOne) {
      if (k + 1 >= args.size() || looks_like_option(args[k + 1]))
        throw UsageError("argument " + display_name(*spec) + ": expected one argument");
      values.push_back(args[++k]);
    } else {
      while (k + 1 < args.size() && !looks_like_option(args[k + 1])) values.push_back(args[++k]);
      if (values.empty() && !spec->list_may_be_empty)
        throw UsageError("argument " + display_name(*spec) + ": expected at least one argument");
    }
    const std::string value = values.empty() ? "" : values.front();

    if (name == "--input") {
      opt.inputs = values;
    } else if (name == "--metrics") {
      for (const auto& v : values) check_choice(*spec, v, {"bleu", "chrf", "ter"});
      opt.metrics = values;
    } else if (name == "--sentence-level") {
      opt.sentence_level = true;
    } else if (name == "--num-refs") {
      opt.num_refs = parse_int(*spec, value);
      if (opt.num_refs < 1) throw UsageError("argument -nr/--num-refs: must be at least 1");
    } else if (name == "--encoding") {
      std::string lower;
      for (const char c : value)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (lower != "utf-8" && lower != "utf8")
        throw UsageError("argument -e/--encoding: only utf-8 is supported, not '" + value + "'");
    } else if (name == "--smooth-method") {
      opt.bleu.smooth_method =
          metrics::parse_smooth_method(check_choice(*spec, value, {"none", "floor", "add-k", "exp"}));
    } else if (name == "--smooth-value") {
      opt.bleu.smooth_value = parse_float(*spec, value);
    } else if (name == "--tokenize") {
      for (const char* external : {"ja-mecab", "ko-mecab", "spm", "flores101", "flores200"})
        if (value == external)
          throw UsageError("argument -tok/--tokenize: the '" + value +
                           "' tokenizer needs external models and is not supported by nmt-bleu");
      opt.bleu.tokenize = check_choice(*spec, value, {"none", "zh", "13a", "char", "intl"});
    } else if (name == "--lowercase") {
      opt.bleu.lowercase = true;
    } else if (name == "--force") {
      opt.force = true;
    } else if (name == "--chrf-char-order") {
      opt.chrf.char_order = parse_int(*spec, value);
    } else if (name == "--chrf-word-order") {
      opt.chrf.word_order = parse_int(*spec, value);
    } else if (name == "--chrf-beta") {
      opt.chrf.beta = parse_int(*spec, value);
    } else if (name == "--chrf-whitespace") {
      opt.chrf.whitespace = true;
    } else if (name == "--chrf-lowercase") {
      opt.chrf.lowercase = true;
    } else if (name == "--chrf-eps-smoothing") {
      opt.chrf.eps_smoothing = true;
    } else if (name == "--ter-case-sensitive") {
      opt.ter.case_sensitive = true;
    } else if (name == "--ter-asian-support") {
      opt.ter.asian_support = true;
    } else if (name == "--ter-no-punct") {
      opt.ter.no_punct = true;
    } else if (name == "--ter-normalized") {
      opt.ter.normalized = true;
    } else if (name == "--quiet") {
      opt.quiet = true;
    } else if (name == "--short") {
      opt.short_signature = true;
    } else if (name == "--score-only") {
      opt.score_only = true;
    } else if (name == "--width") {
      opt.width = parse_int(*spec, value);
      if (opt.width < 0) throw UsageError("argument -w/--width: must be 0 or more, not " + value);
    } else if (name == "--no-color") {
      // no colours are ever printed
    } else if (name == "--format") {
      opt.format = check_choice(*spec, value, {"json", "text", "latex"});
    } else if (name == "--time") {
      opt.time = true;
    } else if (name == "--help") {
      std::cout << kUsage << kHelp;
      return std::nullopt;
    } else if (name == "--version") {
      std::cout << nmt::platform::version_text("nmt-bleu") << "sacreBLEU " << metrics::kSacrebleuVersion
                << " compatible\n";
      return std::nullopt;
    }
  }

  // $SACREBLEU_FORMAT overrides -f, as in sacreBLEU.
  if (const char* env = std::getenv("SACREBLEU_FORMAT")) {
    std::string lower;
    for (const char* c = env; *c; ++c) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(*c))));
    if (lower == "json" || lower == "text" || lower == "latex") opt.format = lower;
  }
  if (opt.format == "latex")
    throw UsageError("argument -f/--format: 'latex' is only for sacreBLEU's multi-system mode; use json or text");
  if (opt.refs.empty())
    throw UsageError("no reference files given (they come before -i/--input: nmt-bleu REF [REF ...] -i HYP)");
  if (opt.inputs && opt.inputs->size() > 1) {
    std::string names;
    for (const auto& name : *opt.inputs) names += " " + name;
    throw UsageError("argument -i/--input: nmt-bleu scores one hypothesis file, got " +
                     std::to_string(opt.inputs->size()) + " (" + names.substr(1) +
                     "); reference files go before -i: nmt-bleu REF [REF ...] -i HYP");
  }
  if (opt.num_refs != 1 && opt.refs.size() > 1)
    throw UsageError("-nr/--num-refs reads several tab-separated references from one file; "
                     "it cannot be used with several reference files");
  if (opt.sentence_level && opt.metrics.size() > 1)
    throw UsageError("only one metric can be used in sentence-level mode (-sl)");
  if (opt.sentence_level) opt.bleu.effective_order = true;
  return opt;
}

// ---------------------------------------------------------------------------------------------
// Reading.

struct Corpus {
  std::vector<std::string_view> hypotheses;
  std::vector<std::vector<std::string_view>> references;  // references[k][i]
  std::vector<metrics::TextLines> files;                  // keeps the text alive
};

Corpus read_corpus(const Options& opt) {
  Corpus corpus;
  // References.
  for (const auto& path : opt.refs) {
    corpus.files.push_back(metrics::read_text_lines(path));
    const metrics::TextLines& file = corpus.files.back();
    if (opt.num_refs == 1) {
      corpus.references.emplace_back(file.lines.begin(), file.lines.end());
      continue;
    }
    corpus.references.resize(static_cast<std::size_t>(opt.num_refs));
    for (std::size_t i = 0; i < file.size(); ++i) {
      // line.split(sep='\t', maxsplit=num_refs - 1)
      std::vector<std::string_view> fields;
      std::string_view rest = file[i];
      while (static_cast<int>(fields.size()) + 1 < opt.num_refs) {
        const auto tab = rest.find('\t');
        if (tab == std::string_view::npos) break;
        fields.push_back(rest.substr(0, tab));
        rest.remove_prefix(tab + 1);
      }
      fields.push_back(rest);
      if (static_cast<int>(fields.size()) != opt.num_refs)
        throw metrics::MetricsError(file.name + ": line " + std::to_string(i + 1) + ": expected " +
                                    std::to_string(opt.num_refs) + " tab-separated references, found " +
                                    std::to_string(fields.size()));
      for (std::size_t r = 0; r < fields.size(); ++r) corpus.references[r].push_back(fields[r]);
    }
  }

  // The hypothesis: a file, or standard input (read by sacreBLEU in universal-newline mode).
  const bool from_stdin = !opt.inputs || opt.inputs->empty() || opt.inputs->front() == "-";
  if (from_stdin)
    corpus.files.push_back(metrics::read_text_lines(std::cin, "<stdin>", /*universal_newlines=*/true));
  else
    corpus.files.push_back(metrics::read_text_lines(opt.inputs->front()));
  const metrics::TextLines& hyp = corpus.files.back();
  if (hyp.size() == 0)
    throw metrics::MetricsError(hyp.name + " is empty: there are no hypothesis segments to score");
  if (from_stdin && hyp[0].find('\t') != std::string_view::npos)
    throw metrics::MetricsError("<stdin>: the first line has tab-separated fields, which sacreBLEU "
                                "reads as several systems; nmt-bleu scores one system (use -i FILE)");
  corpus.hypotheses.assign(hyp.lines.begin(), hyp.lines.end());

  for (std::size_t k = 0; k < corpus.references.size(); ++k) {
    if (corpus.references[k].size() == corpus.hypotheses.size()) continue;
    const std::string ref_name = opt.num_refs == 1 ? opt.refs[k] : opt.refs[0];
    throw metrics::MetricsError(
        "the hypothesis " + hyp.name + " has " + std::to_string(corpus.hypotheses.size()) +
        " lines but the reference " + ref_name + " has " + std::to_string(corpus.references[k].size()) +
        "; they must have one segment per line each");
  }
  return corpus;
}

// ---------------------------------------------------------------------------------------------
// Scoring and printing.

void warn_if_tokenized(const Corpus& corpus, const Options& opt) {
  if (opt.force || opt.quiet) return;
  std::size_t count = 0;
  for (const auto hyp : corpus.hypotheses)
    count += hyp.size() >= 2 && hyp.substr(hyp.size() - 2) == " .";
  if (count >= 100) {
    std::cerr << "nmt-bleu: warning: that's " << count
              << " lines that end in a tokenized period ('.'); it looks like you forgot to "
                 "detokenize your test data, which may hurt your score (--force silences this)\n";
  }
}

int run(const Options& opt) {
  const auto started = std::chrono::steady_clock::now();
  const std::clock_t cpu_started = std::clock();
  const Corpus corpus = read_corpus(opt);
  if (std::find(opt.metrics.begin(), opt.metrics.end(), "bleu") != opt.metrics.end())
    warn_if_tokenized(corpus, opt);
  metrics::ReportOptions report;
  report.metrics = opt.metrics;
  report.bleu = opt.bleu;
  report.chrf = opt.chrf;
  report.ter = opt.ter;
  report.format = opt.format;
  report.score_only = opt.score_only;
  report.width = opt.width;
  report.short_signature = opt.short_signature;
  std::cout << (opt.sentence_level ? metrics::sentence_report(corpus.hypotheses, corpus.references, report)
                                   : metrics::corpus_report(corpus.hypotheses, corpus.references, report));
  std::cout.flush();
  if (!std::cout) {  // a full disk, a closed pipe or a closed descriptor: the scores are lost
    std::cerr << "nmt-bleu: error: cannot write the scores to standard output: " << std::strerror(errno) << "\n";
    return 1;
  }

  if (opt.time) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
    char line[160];
    std::snprintf(line, sizeof line,
                  "nmt-bleu: time: %.3f s elapsed (%.3f s CPU) for %zu segments\n", seconds,
                  cpu_seconds, corpus.hypotheses.size());
    std::cerr << line;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    const std::optional<Options> options = parse_args(argc, argv);
    if (!options) return 0;
    return run(*options);
  } catch (const UsageError& e) {
    std::cerr << kUsage << "nmt-bleu: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nmt-bleu: error: " << e.what() << "\n";
    return 1;
  }
}
