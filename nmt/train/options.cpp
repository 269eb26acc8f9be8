// nmt-train's option table and its parsing with Boost.Program_options (see options.h).
#include "nmt/train/options.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "nmt/models/model_registry.h"
#include "tokenizer/subword_model.h"

namespace po = boost::program_options;

namespace nmt::train {
namespace {

// Data paths given as --data-dir + prefixes + languages (fairseq style) are resolved after parsing.
struct DataPrefixes {
  std::string dir, train = "train", valid = "valid", source_lang, target_lang;
};

// What the setters fill in.
struct Parsing {
  TrainerOptions options;
  DataPrefixes prefixes;
  std::map<std::string, std::string> model;  // ModelConfig keys
};

using Setter = std::function<void(Parsing&, const std::string&)>;

struct Entry {
  std::string name;
  std::string group;
  std::string default_value;
  std::string help;
  Setter set;
  bool flag = false;  // a boolean: "--name" alone means true
  std::string model_key;    // a ModelConfig setting's key; empty for the other options
  bool has_default = true;  // false: the chosen model decides the default (model settings)
};

// A value that does not parse or lies out of range; parse_train_command_line adds where it was set.
struct BadValue : OptionsError {
  BadValue(const std::string& name, const std::string& detail)
      : OptionsError("--" + name + ": " + detail), name(name), detail(detail) {}
  std::string name, detail;
};

[[noreturn]] void bad_value(const std::string& name, const std::string& value, const std::string& expected) {
  throw BadValue(name, "invalid value '" + value + "' (expected " + expected + ")");
}

int64_t parse_integer(const std::string& name, const std::string& value, int64_t min) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    bad_value(name, value, "an integer");
  }
  if (used != value.size()) bad_value(name, value, "an integer");
  if (v < min) bad_value(name, value, "an integer >= " + std::to_string(min));
  return v;
}

double parse_number(const std::string& name, const std::string& value, double min, double max) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    bad_value(name, value, "a number");
  }
  if (used != value.size() || !std::isfinite(v)) bad_value(name, value, "a number");
  if (v < min || v > max) {
    std::ostringstream range;
    range << "a number in [" << min << ", " << max << "]";
    bad_value(name, value, range.str());
  }
  return v;
}

bool parse_bool(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  bad_value(name, value, "true or false");
}

std::string one_of(const std::string& name, const std::string& value, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  bad_value(name, value, "one of " + list);
}


std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::vector<Entry> make_table() {
  const TrainerOptions d;
  std::vector<Entry> t;
  auto add = [&](std::string group, std::string name, std::string def, std::string help, Setter set,
                 bool flag = false) {
    t.push_back({std::move(name), std::move(group), std::move(def), std::move(help), std::move(set), flag, "", true});
  };
  auto path = [](std::string TrainerOptions::*member) {
    return [member](Parsing& p, const std::string& v) { p.options.*member = v; };
  };

  // data
  add("data", "data-dir", "", "folder of the corpus files <prefix>.<lang> (fairseq style)",
      [](Parsing& p, const std::string& v) { p.prefixes.dir = v; });
  add("data", "train", "train", "training file prefix inside --data-dir",
      [](Parsing& p, const std::string& v) { p.prefixes.train = v; });
  add("data", "valid", "valid", "validation file prefix inside --data-dir",
      [](Parsing& p, const std::string& v) { p.prefixes.valid = v; });
  add("data", "source-lang", "", "source language suffix, e.g. de",
      [](Parsing& p, const std::string& v) { p.prefixes.source_lang = v; });
  add("data", "target-lang", "", "target language suffix, e.g. en",
      [](Parsing& p, const std::string& v) { p.prefixes.target_lang = v; });
  add("data", "train-source", "", "training source file (overrides --data-dir)", path(&TrainerOptions::train_source));
  add("data", "train-target", "", "training target file", path(&TrainerOptions::train_target));
  add("data", "valid-source", "", "validation source file", path(&TrainerOptions::valid_source));
  add("data", "valid-target", "", "validation target (reference) file", path(&TrainerOptions::valid_target));
  add("data", "vocab", "", "existing SentencePiece model; default: train a joint one on the training data",
      path(&TrainerOptions::vocabulary));
  add("data", "vocab-size", std::to_string(d.vocab_size), "size of the trained joint vocabulary",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.vocab_size = static_cast<int>(parse_integer("vocab-size", v, 8)); });
  add("data", "subword-type", d.subword_type, "unigram | bpe",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.subword_type = one_of("subword-type", v, {"unigram", "bpe"}); });
  add("data", "normalization", "nfkc", "nfkc | nfc | none (recorded in the model)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
       
        try {
          o.normalization = text::parse_normalization_form(v);
        } catch (const std::exception&) {
          bad_value("normalization", v, "one of nfkc, nfc, none");
        }
      });
  add("data", "max-length", std::to_string(d.max_length), "drop training pairs longer than this (pieces; 0 = no limit)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_length = parse_integer("max-length", v, 0); });
  add("data", "max-length-ratio", format_number(d.max_length_ratio), "drop pairs whose length ratio exceeds this (0 = off)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_length_ratio = parse_number("max-length-ratio", v, 0, 1e9); });
  add("data", "max-unk", format_number(d.max_unk), "refuse to train when a side has more <unk> pieces than this share",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_unk = parse_number("max-unk", v, 0, 1); });
  add("data", "allow-unk-coverage", "false", "train even when --max-unk is exceeded",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.allow_unk_coverage = parse_bool("allow-unk-coverage", v); }, true);

  // model: the settings of every registered model type (model_registry.h), each option once;
  // vocab_size is the vocabulary's. Only --model-type and the common settings have a default
  // here: the others take the chosen model's default after parsing (parse_train_command_line),
  // and setting one that the chosen model does not read is an error.
  std::vector<std::string> model_keys;
  auto add_key = [&](const std::string& key) {
    if (key != "vocab_size" && std::find(model_keys.begin(), model_keys.end(), key) == model_keys.end())
      model_keys.push_back(key);
  };
  for (const SettingSpec& s : common_model_settings()) add_key(s.key);
  for (const ModelType& type : model_types())
    for (const SettingSpec& s : type.settings) add_key(s.key);
  for (const std::string& key : model_keys) {
    const std::string name = model_option_name(key);
    const bool common = is_common_model_setting(key);
    std::string def, help;
    for (const SettingSpec& s : common_model_settings())
      if (s.key == key) def = s.default_value, help = s.help;
    const std::string text = ModelConfig().get(key);
    add("model", name, def, help,
        [key, name](Parsing& p, const std::string& v) {
          if (key == "type") {
            std::vector<std::string> names;
            for (const ModelType& type : model_types()) names.push_back(type.name);
            one_of(name, v, names);
          }
          try {
            ModelConfig().set(key, v);
          } catch (const std::invalid_argument&) {
            bad_value(name, v, ModelConfig::expected(key));
          }
          p.model[key] = v;
        },
        text == "true" || text == "false");
    t.back().model_key = key;
    t.back().has_default = common;
  }

  // training
  add("training", "batch-tokens", std::to_string(d.batch_tokens), "target tokens per batch",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.batch_tokens = parse_integer("batch-tokens", v, 1); });
  add("training", "accumulate", std::to_string(d.accumulate), "batches per update (gradient accumulation)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.accumulate = static_cast<int>(parse_integer("accumulate", v, 1)); });
  add("training", "lr", format_number(d.schedule.peak), "peak learning rate",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.peak = parse_number("lr", v, 0, 10); });
  add("training", "warmup", std::to_string(d.schedule.warmup), "warm-up updates (linear, then the schedule)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.warmup = parse_integer("warmup", v, 0); });
  add("training", "schedule", "inverse-sqrt", "inverse-sqrt | constant | plateau | step",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
       
        try {
          o.schedule.kind = parse_schedule(v);
        } catch (const std::exception&) {
          bad_value("schedule", v, "one of inverse-sqrt, constant, plateau, step");
        }
      });
  add("training", "plateau-factor", format_number(d.schedule.plateau_factor), "plateau: multiply the lr by this",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.plateau_factor = parse_number("plateau-factor", v, 0, 1); });
  add("training", "plateau-patience", std::to_string(d.schedule.plateau_patience),
      "plateau: validations without improvement before a reduction",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
       
        o.schedule.plateau_patience = static_cast<int>(parse_integer("plateau-patience", v, 1));
      });
  add("training", "decay-start", std::to_string(d.schedule.decay_start),
      "step: the first update with a reduced lr (Luong et al.: after 5 or 8 epochs; 0 = unset)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.decay_start = parse_integer("decay-start", v, 0); });
  add("training", "decay-every", std::to_string(d.schedule.decay_every),
      "step: updates between reductions (Luong et al.: one epoch)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.decay_every = parse_integer("decay-every", v, 1); });
  add("training", "decay-factor", format_number(d.schedule.decay_factor), "step: multiply the lr by this",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.decay_factor = parse_number("decay-factor", v, 0, 1); });
  add("training", "min-lr", format_number(d.schedule.min_lr), "plateau and step: lowest learning rate",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.schedule.min_lr = parse_number("min-lr", v, 0, 10); });
  add("training", "optimizer", d.optimizer,
      "adam | adamw (Adam with decoupled weight decay, Loshchilov & Hutter 2019) | sgd (plain SGD, with "
      "momentum if set: how Sutskever et al. 2014 and Luong et al. 2015 trained; lr 1.0 and clip-norm 5 in "
      "their papers)",
      [](Parsing& p, const std::string& v) {
        if (v != "adam" && v != "adamw" && v != "sgd") bad_value("optimizer", v, "adam, adamw or sgd");
        p.options.optimizer = v;
      });
  add("training", "weight-decay", format_number(d.weight_decay),
      "adamw: decoupled decay, w <- w - lr * decay * w before each update (PyTorch's AdamW default is 0.01); "
      "adam and sgd: an L2 penalty, decay * w added to the gradient",
      [](Parsing& p, const std::string& v) { p.options.weight_decay = parse_number("weight-decay", v, 0, 1); });
  add("training", "momentum", format_number(d.momentum), "sgd: momentum (0 = plain SGD)",
      [](Parsing& p, const std::string& v) { p.options.momentum = parse_number("momentum", v, 0, 0.999999); });
  add("training", "adam-beta1", format_number(d.adam_beta1), "Adam beta1",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.adam_beta1 = parse_number("adam-beta1", v, 0, 0.999999); });
  add("training", "adam-beta2", format_number(d.adam_beta2), "Adam beta2",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.adam_beta2 = parse_number("adam-beta2", v, 0, 0.999999); });
  add("training", "adam-eps", format_number(d.adam_eps), "Adam epsilon",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.adam_eps = parse_number("adam-eps", v, 0, 1); });
  add("training", "label-smoothing", format_number(d.label_smoothing), "label smoothing epsilon",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.label_smoothing = parse_number("label-smoothing", v, 0, 0.999); });
  add("training", "clip-norm", format_number(d.clip_norm), "clip the global gradient norm to this (0 = off)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.clip_norm = parse_number("clip-norm", v, 0, 1e9); });
  add("training", "seed", std::to_string(d.seed), "random seed (initialisation, dropout, data order)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.seed = parse_integer("seed", v, 0); });
  add("training", "threads", std::to_string(d.threads), "threads (0 = all cores)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.threads = static_cast<int>(parse_integer("threads", v, 0)); });
  add("training", "allreduce-bucket-mb", std::to_string(d.allreduce_bucket_mb),
      "under mpirun: gradient megabytes per all-reduce bucket (started during the backward pass)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.allreduce_bucket_mb = static_cast<int>(parse_integer("allreduce-bucket-mb", v, 1)); });
  add("training", "allreduce-precision", d.allreduce_precision,
      "under mpirun: fp32 | bf16: bf16 rounds the gradients to bfloat16 for the all-reduce (half the traffic; "
      "the sums are rounded too)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.allreduce_precision = one_of("allreduce-precision", v, {"fp32", "bf16"});
      });
  add("training", "balance-batches", d.balance_batches ? "true" : "false",
      "under mpirun: deal each update's batches to the ranks by estimated cost (the same batches per update; "
      "helps with --accumulate 2 or more)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.balance_batches = parse_bool("balance-batches", v); }, true);
  add("training", "log-batch-times", d.log_batch_times ? "true" : "false",
      "log.jsonl: a 'batches' event per update with every batch's rank, shape and compute seconds",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.log_batch_times = parse_bool("log-batch-times", v); }, true);
  add("training", "gemm-precision", d.gemm_precision,
      "fp32 | bf16: bf16 rounds the GEMMs' inputs to bfloat16 (float32 sums and weights; about twice the "
      "GEMM speed; needs AVX512-BF16)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.gemm_precision = one_of("gemm-precision", v, {"fp32", "bf16"});
      });
  add("training", "max-updates", std::to_string(d.max_updates), "stop after this many updates (0 = no limit)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_updates = parse_integer("max-updates", v, 0); });
  add("training", "max-epochs", std::to_string(d.max_epochs), "stop after this many epochs (0 = no limit)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_epochs = parse_integer("max-epochs", v, 0); });
  add("training", "max-minutes", format_number(d.max_minutes), "stop after this much wall-clock time (0 = no limit)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.max_minutes = parse_number("max-minutes", v, 0, 1e9); });

  // validation
  add("validation", "valid-every", std::to_string(d.valid_every), "validate every N updates",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.valid_every = parse_integer("valid-every", v, 1); });
  add("validation", "valid-metric", d.valid_metric, "bleu | loss | perplexity: what picks the best model",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
       
        o.valid_metric = one_of("valid-metric", v, {"bleu", "loss", "perplexity"});
      });
  add("validation", "patience", std::to_string(d.patience), "stop after N validations without improvement (0 = never)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.patience = static_cast<int>(parse_integer("patience", v, 0)); });
  add("validation", "beam", std::to_string(d.beam), "beam size of the validation translations",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.beam = static_cast<int>(parse_integer("beam", v, 1)); });
  add("validation", "valid-max-sentences", std::to_string(d.valid_max_sentences),
      "translate at most this many validation sentences for BLEU (0 = all)",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.valid_max_sentences = parse_integer("valid-max-sentences", v, 0); });
  add("validation", "valid-batch-tokens", std::to_string(d.valid_batch_tokens), "target tokens per validation batch",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.valid_batch_tokens = parse_integer("valid-batch-tokens", v, 1); });
  add("validation", "valid-bleu", "true", "translate the validation set and compute BLEU",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.valid_bleu = parse_bool("valid-bleu", v); }, true);

  // output
  add("output", "model-dir", "", "where model.bin, checkpoints and log.jsonl go (required)",
      path(&TrainerOptions::model_dir));
  add("output", "keep-last", std::to_string(d.keep_last), "checkpoints to keep",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.keep_last = static_cast<int>(parse_integer("keep-last", v, 1)); });
  add("output", "save-every", std::to_string(d.save_every),
      "also write a checkpoint every N updates (0 = only at validation); for nmt-average",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.save_every = parse_integer("save-every", v, 0); });
  add("output", "log-every", std::to_string(d.log_every), "progress line every N updates",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.log_every = parse_integer("log-every", v, 1); });
  add("output", "resume", "false", "continue from the newest checkpoint in --model-dir",
      [](Parsing& p, const std::string& v) {
        TrainerOptions& o = p.options;
        o.resume = parse_bool("resume", v); }, true);
  add("output", "init-from", "", "start from this model file's weights (fresh optimiser)",
      path(&TrainerOptions::init_from));
  return t;
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> t = make_table();
  return t;
}

const std::vector<std::string>& group_order() {
  static const std::vector<std::string> g = {"data", "model", "training", "validation", "output"};
  return g;
}

po::options_description general_options() {
  po::options_description general("general");
  general.add_options()("help,h", "print this help and exit")(
      "version", "print the version, the OpenBLAS core in use and the CPU's AVX-512 support, and exit")(
      "config", po::value<std::string>(), "INI-style file of option = value lines ([sections] are ignored; 'include = FILE' "
                                          "reads FILE's options under this file's); the command line wins");
  return general;
}

// Every option in one description, each once (what the command line and config file are parsed
// with); --help shows them with help_listing.
po::options_description describe(bool with_general) {
  po::options_description all("nmt-train options");
  if (with_general) {
    all.add(general_options());
  }
  for (const std::string& group : group_order()) {
    po::options_description g(group);
    for (const Entry& e : table()) {
      if (e.group != group) continue;
      auto* v = po::value<std::string>();
      if (e.has_default) v->default_value(e.default_value);
      if (e.flag) v->implicit_value("true");
      g.add_options()(e.name.c_str(), v, e.help.c_str());
    }
    all.add(g);
  }
  return all;
}

// --help: the options of describe(), with each model type's settings, defaults and help in a
// group of its own after the model group.
std::string help_listing() {
  std::ostringstream out;
  out << general_options() << "\n";
  for (const std::string& group : group_order()) {
    po::options_description g(group);
    for (const Entry& e : table()) {
      if (e.group != group || !e.has_default) continue;
      auto* v = po::value<std::string>()->default_value(e.default_value);
      if (e.flag) v->implicit_value("true");
      g.add_options()(e.name.c_str(), v, e.help.c_str());
    }
    out << g << "\n";
    if (group != "model") continue;
    for (const ModelType& type : model_types()) {
      po::options_description m("--model-type " + type.name + " (" + type.summary + ")");
      for (const SettingSpec& s : type.settings) {
        auto* v = po::value<std::string>()->default_value(s.default_value);
        if (s.default_value == "true" || s.default_value == "false") v->implicit_value("true");
        m.add_options()(model_option_name(s.key).c_str(), v, s.help.c_str());
      }
      out << m << "\n";
    }
  }
  return out.str();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string name) {
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  std::string best;
  std::size_t best_distance = 4;
  for (const Entry& e : table()) {
    std::size_t d = edit_distance(name, e.name);
    if (d < best_distance) best_distance = d, best = e.name;
  }
  return best.empty() ? "" : " (did you mean --" + best + "?)";
}

std::string strip_dashes(std::string name) {
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  return name;
}

// The config file with [section] lines blanked (sections only group options for the reader),
// keeping line numbers. An `include = FILE` line (a path relative to this file's folder) is
// blanked too and returned in `include`: that file's options apply under this one's. A UTF-8
// byte order mark (as some Windows editors write) is skipped; an option set twice in one file is
// an error naming both lines (which one was meant?).
std::string read_config_text(const std::string& path, std::string& include) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw OptionsError("--config: '" + path + "' is a directory, not a config file");
  std::ifstream in(path);
  if (!in) throw OptionsError("--config: cannot open config file '" + path + "': " + std::strerror(errno));
  std::string text, line;
  std::map<std::string, int> first_line;  // option name -> the line that set it
  include.clear();
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] == '[') line.clear();
    else if (first != std::string::npos && line.compare(first, 7, "include") == 0) {
      const std::size_t eq = line.find('=', first);
      if (eq != std::string::npos && line.find_first_not_of(" \t", first + 7) == eq) {
        std::string file = line.substr(eq + 1);
        file.erase(0, file.find_first_not_of(" \t"));
        file.erase(file.find_last_not_of(" \t\r") + 1);
        const std::filesystem::path relative(file);
        include = relative.is_absolute() ? file : (std::filesystem::path(path).parent_path() / relative).string();
        line.clear();
      }
    }
    if (!line.empty() && first != std::string::npos && line[first] != '#') {
      const std::size_t end = line.find_first_of(" \t=", first);
      const std::string key = line.substr(first, end == std::string::npos ? std::string::npos : end - first);
      if (auto [it, fresh] = first_line.emplace(key, n); !fresh)
        throw OptionsError("config file '" + path + "' line " + std::to_string(n) + ": '" + key +
                           "' is set again (first on line " + std::to_string(it->second) + ")");
    }
    text += line + "\n";
  }
  if (in.bad()) throw OptionsError("--config: cannot read config file '" + path + "': " + std::strerror(errno));
  return text;
}

int line_of_key(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::size_t end = line.find_first_of(" \t=", first);
    if (line.substr(first, end - first) == key) return n;
  }
  return 0;
}

std::string join_path(const std::string& dir, const std::string& prefix, const std::string& lang) {
  std::string base = dir.empty() ? "" : (dir.back() == '/' ? dir : dir + "/");
  return base + prefix + "." + lang;
}

}  // namespace

std::string model_option_name(const std::string& key) {
  std::string name = key == "type" ? "model-type" : key;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string train_help_text() {
  std::ostringstream out;
  out << "Usage: nmt-train [--config FILE] [options]\n"
         "Trains a translation model. Every option can also be given in the config file as\n"
         "`name = value` (the command line wins). Exit status: 0 done, 1 error, 130 / 143\n"
         "interrupted by SIGINT / SIGTERM after saving a checkpoint (continue with --resume).\n"
         "Each model type reads its own settings, listed after the model group; setting one that\n"
         "the chosen model does not read is an error.\n\n"
      << help_listing();
  return out.str();
}

void TrainerOptions::validate() const {
  if (train_source.empty() || train_target.empty())
    throw OptionsError(
        "no training data: give --train-source and --train-target, or --data-dir with --source-lang and "
        "--target-lang");
  if (valid_source.empty() || valid_target.empty())
    throw OptionsError(
        "no validation data: give --valid-source and --valid-target, or --data-dir with --valid, --source-lang "
        "and --target-lang");
  if (model_dir.empty()) throw OptionsError("--model-dir is required (where the model, checkpoints and log go)");
  if (resume && !init_from.empty()) throw OptionsError("--resume and --init-from exclude each other");
  try {  // what parse_train_command_line checked already, for options made in code
    check_model_config(model);
  } catch (const std::invalid_argument& e) {
    throw OptionsError(e.what());
  }
  if (valid_metric == "bleu" && !valid_bleu)
    throw OptionsError("--valid-metric bleu needs --valid-bleu true");
  if (schedule.kind == ScheduleKind::step && schedule.decay_start < 1)
    throw OptionsError("--schedule step needs --decay-start (the first update with a reduced lr)");
}

ParsedCommandLine parse_train_command_line(int argc, const char* const argv[]) {
  const po::options_description description = describe(true);
  po::variables_map vm;
  try {
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::parsed_options parsed = po::command_line_parser(argc, argv).options(description).style(style).run();
    po::store(parsed, vm);
  } catch (const po::unknown_option& e) {
    throw OptionsError("unknown option '" + e.get_option_name() + "' on the command line" +
                       suggestion(e.get_option_name()));
  } catch (const po::error& e) {
    throw OptionsError(std::string("command line: ") + e.what());
  }
  ParsedCommandLine result;
  if (vm.count("help")) {
    result.help = true;
    return result;
  }
  // Where each option was set (absent: its default), for the errors that name it.
  std::map<std::string, std::string> origin;
  for (const Entry& e : table())
    if (vm.count(e.name) && !vm[e.name].defaulted()) origin[e.name] = "command line";
  // The config file, then the files it includes: the first value stored wins (the command line
  // before the file, a file before what it includes).
  std::string path = vm.count("config") ? vm["config"].as<std::string>() : "";
  for (int depth = 0; !path.empty(); ++depth) {
    if (depth == 8) throw OptionsError("config file '" + path + "': includes nested more than 8 deep (a cycle?)");
    std::string include;
    const std::string text = read_config_text(path, include);
    std::istringstream in(text);
    try {
      po::store(po::parse_config_file(in, description, false), vm);
    } catch (const po::unknown_option& e) {
      const std::string key = strip_dashes(e.get_option_name());
      const int line = line_of_key(text, key);
      throw OptionsError("unknown option '" + key + "' in config file '" + path +
                         (line ? "' line " + std::to_string(line) : "'") + suggestion(key));
    } catch (const po::error& e) {
      throw OptionsError("config file '" + path + "': " + e.what());
    }
    for (const Entry& e : table())
      if (vm.count(e.name) && !vm[e.name].defaulted() && !origin.count(e.name)) {
        const int line = line_of_key(text, e.name);
        if (line) origin[e.name] = "config file '" + path + "' line " + std::to_string(line);
      }
    path = include;
  }
  for (const Entry& e : table())  // e.g. a key written with its [section] prefix
    if (vm.count(e.name) && !vm[e.name].defaulted() && !origin.count(e.name))
      origin[e.name] = "config file '" + vm["config"].as<std::string>() + "'";
  po::notify(vm);

  // A value that does not parse names where it was set when that was a config file.
  auto set = [&](const Entry& e, Parsing& parsing, const std::string& value) {
    try {
      e.set(parsing, value);
    } catch (const BadValue& bad) {
      auto it = origin.find(bad.name);
      if (it == origin.end() || it->second == "command line") throw;
      throw OptionsError("--" + bad.name + " (" + it->second + "): " + bad.detail);
    }
  };
  Parsing parsing;
  for (const Entry& e : table()) {
    if (!e.model_key.empty()) continue;  // below, once the model type is known
    const std::string value = vm[e.name].as<std::string>();
    set(e, parsing, value);
    parsing.options.effective[e.name] = value;
    if (origin.count(e.name)) parsing.options.given.insert(e.name);
  }
  // The model's settings: given ones if the chosen model reads them, its defaults for the rest.
  const Entry* type_entry = nullptr;
  for (const Entry& e : table())
    if (e.model_key == "type") type_entry = &e;
  const std::string type_name = vm[type_entry->name].as<std::string>();
  set(*type_entry, parsing, type_name);  // an unknown type is an error listing the known ones
  const ModelType& type = model_type(type_name);
  for (const Entry& e : table()) {
    if (e.model_key.empty()) continue;
    const bool given = origin.count(e.name) > 0;
    if (!type.reads(e.model_key)) {
      if (!given) continue;
      std::string settings;
      for (const SettingSpec& s : common_model_settings())
        if (s.key != "type" && s.key != "vocab_size")
          settings += (settings.empty() ? "--" : ", --") + model_option_name(s.key);
      for (const SettingSpec& s : type.settings) settings += ", --" + model_option_name(s.key);
      throw OptionsError("--" + e.name + " (" + origin.at(e.name) + "): the " + type.name +
                         " model does not read it (its settings: " + settings + ")");
    }
    const std::string value =
        given || e.has_default ? vm[e.name].as<std::string>() : type.setting(e.model_key)->default_value;
    set(e, parsing, value);
    parsing.options.effective[e.name] = value;
    if (given) parsing.options.given.insert(e.name);
  }
  result.options = std::move(parsing.options);
  TrainerOptions& o = result.options;
  const DataPrefixes& prefixes = parsing.prefixes;
  try {
    o.model = ModelConfig::from_map(parsing.model, ModelConfig::Unread::reject);
  } catch (const std::invalid_argument& e) {
    throw OptionsError(e.what());
  }
  // The model's own rules (its registration, model_registry.h), before any data is read.
  auto where = [&](const std::string& name) {
    auto it = origin.find(name);
    return it == origin.end() ? std::string("default") : it->second;
  };
  std::vector<const SettingSpec*> specs;
  for (const SettingSpec& s : common_model_settings()) specs.push_back(&s);
  for (const SettingSpec& s : type.settings) specs.push_back(&s);
  for (const SettingSpec* s : specs) {
    if (s->key == "vocab_size") continue;  // the vocabulary's
    if (std::optional<RuleBreach> breach = check_setting(*s, o.model)) {
      const std::string name = model_option_name(s->key);
      // The values as written ("1.5", not ModelConfig's "1.500000").
      std::string message = "--" + name + " " + o.effective.at(name) + " (" + where(name) + "): " + breach->requirement;
      if (!breach->other_key.empty()) {
        const std::string other = model_option_name(breach->other_key);
        message += " --" + other + " " + o.effective.at(other) + " (" + where(other) + ")";
      }
      throw OptionsError(message);
    }
  }

  // fairseq-style paths fill in what was not given file by file.
  const bool have_langs = !prefixes.source_lang.empty() && !prefixes.target_lang.empty();
  if (have_langs) {
    if (o.train_source.empty()) o.train_source = join_path(prefixes.dir, prefixes.train, prefixes.source_lang);
    if (o.train_target.empty()) o.train_target = join_path(prefixes.dir, prefixes.train, prefixes.target_lang);
    if (o.valid_source.empty()) o.valid_source = join_path(prefixes.dir, prefixes.valid, prefixes.source_lang);
    if (o.valid_target.empty()) o.valid_target = join_path(prefixes.dir, prefixes.valid, prefixes.target_lang);
  } else if (!prefixes.dir.empty() && (o.train_source.empty() || o.valid_source.empty())) {
    throw OptionsError("--data-dir needs --source-lang and --target-lang");
  }
  o.effective["train-source"] = o.train_source;
  o.effective["train-target"] = o.train_target;
  o.effective["valid-source"] = o.valid_source;
  o.effective["valid-target"] = o.valid_target;
  if (vm.count("config")) o.effective["config"] = vm["config"].as<std::string>();
  o.validate();
  return result;
}

}  // namespace nmt::train
