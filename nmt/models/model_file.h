// Model files: one self-contained file per model, everything needed to translate with it.
//
// Layout (all integers little-endian, as the machine writes them):
//   "NMTMODEL"          8 bytes  magic: anything else is "not a model file"
//   format version      uint32   files newer than kModelFileVersion are refused, naming both
//   payload size        uint64   a shorter file is "truncated", a longer one "has trailing bytes"
//   payload checksum    uint64   FNV-1a 64 of the payload: a flipped byte is "corrupt"
//   payload             a Boost.Serialization binary archive of:
//     ModelConfig::to_map()                 rebuilds the architecture (build_model)
//     nmt-train's effective configuration   key = value, for the record
//     normalisation settings + SentencePiece model bytes (joint vocabulary)
//     parameters: name, shape, float32 data, in ParameterStore order
//     training state (checkpoints only; opaque here, see nmt/train/checkpoint.h)
//   format version 2 adds, after the training state (version 1 files end there, and files
//   without either are still written as version 1, readable by older programs):
//     lexical table       bytes (nmt/search/shortlist.h), empty when none
//     int8 weights        count, then per weight: name, layout, integers, scales (Int8Weight);
//                         a weight stored only as int8 has no float values in the parameters
//                         (0 values), and load_model fills them in as q * s
//
// Files are written atomically (write_file_atomically): a temporary file in the same directory,
// fsync, rename over the old one, fsync of the directory. A crash or a full disk leaves the previous
// good file in place. Checkpoints use the same format; they only add the training state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/models/encoder_decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/subword_model.h"
#include "tokenizer/tokenizer.h"

namespace nmt {

inline constexpr uint32_t kModelFileVersion = 2;

// Every failure to read or write a model file; the message names the file and what is wrong.
class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A weight stored as int8 (nmt-quantize), as int8 decoding uses it (nmt/tensor/gemm_int8.h): the
// product's B is op(W)[k, n]; for each output unit j (a column of B) its integers
// values[j * k .. j * k + k) and scale scales[j]. keep_float: the file also holds the float
// values (a tied embedding is looked up by rows as well); otherwise the parameter's float values
// are values * scale.
struct Int8Weight {
  std::string name;
  bool trans_b = false;  // the parameter is [n, k] (tied output embedding), else [k, n]
  int64_t k = 0, n = 0;
  bool keep_float = false;
  std::vector<int8_t> values;
  std::vector<float> scales;
};

// What a model file holds besides the model's configuration and parameters.
struct ModelFileInfo {
  std::map<std::string, std::string> training_config;  // nmt-train's effective options
  text::NormalizerSettings normalization;
  std::string subword_model;   // SentencePiece ModelProto bytes (SubwordModel::to_bytes); may be empty
  std::string training_state;  // checkpoints only (nmt/train/checkpoint.h); empty in model files
  std::string lexical_table;   // a vocabulary shortlist's table (LexicalTable::to_bytes); may be empty
  std::vector<Int8Weight> int8_weights;  // nmt-quantize's; empty in float models
};

struct LoadedModel {
  std::unique_ptr<EncoderDecoder> model;
  ModelFileInfo info;
  std::shared_ptr<const text::SubwordModel> vocabulary;  // null when the file holds none

  // The tokenizer the model was trained with (joint: one for both sides). Throws ModelFileError
  // when the file holds no vocabulary.
  text::Tokenizer tokenizer() const;
};

// Writes the model (configuration + parameters) and `info` to `path`, atomically.
void save_model(const std::string& path, const EncoderDecoder& model, const ModelFileInfo& info);

// Rebuilds the model with build_model(config) and fills in the saved parameters. Stored int8
// weights become the model's int8 copies (blas::register_int8_weight): int8 decoding uses them
// as they are, without quantising anything.
LoadedModel load_model(const std::string& path);

// Fills an existing model's parameters from a file (names and shapes must match exactly: the
// error names the first difference) and returns the rest of the file. Used by --init-from and by
// load_model.
ModelFileInfo load_parameters_into(const std::string& path, EncoderDecoder& model);

// The configuration stored in a file, without reading the parameters into a model.
ModelConfig read_model_config(const std::string& path);

// Everything in a model file except the parameters' values, without building the model (what
// nmt-model-info shows). Checks the file as load_model does.
struct ModelFileSummary {
  uint32_t format_version = 0;
  uint64_t file_bytes = 0;
  std::map<std::string, std::string> model_config;  // ModelConfig::to_map()
  ModelFileInfo info;
  struct ParameterShape {
    std::string name;
    std::vector<int64_t> dims;
  };
  std::vector<ParameterShape> parameters;  // in the file's order
  int64_t parameter_count() const;
};
ModelFileSummary inspect_model_file(const std::string& path);

// The frame every file of the toolkit shares (model files and checkpoints here, classifier files
// in nmt/classify): 8-byte magic, uint32 format version, uint64 payload size, uint64 FNV-1a 64
// checksum of the payload, then the payload; written atomically.
struct FileFormat {
  std::string_view magic;  // 8 characters, e.g. "NMTMODEL"
  uint32_t version;        // written; files with a newer one are refused
  std::string_view kind;   // for messages: "model file", "classifier file"
};
inline constexpr std::size_t kFrameHeaderBytes = 8 + 4 + 8 + 8;
void write_framed_file(const std::string& path, const FileFormat& format, std::string_view payload);
// The whole file, checked (magic, version, size, checksum); the payload starts at
// kFrameHeaderBytes. Every failure is a ModelFileError naming the file and the problem.
struct FramedFile {
  std::string bytes;
  uint32_t version = 0;
  std::string_view payload() const { return std::string_view(bytes).substr(kFrameHeaderBytes); }
};
FramedFile read_framed_file(const std::string& path, const FileFormat& format);

// Writes bytes to path through a temporary file in the same directory, fsync and rename.
// On any failure the temporary file is removed, the previous file at `path` is untouched, and a
// ModelFileError names the path and the system's reason.
void write_file_atomically(const std::string& path, std::string_view bytes);
// The same for a file made of several parts, written one after the other.
void write_file_atomically(const std::string& path, std::initializer_list<std::string_view> parts);

// Test hook: when set, write_file_atomically throws after writing this many bytes of the temporary
// file (simulating a full disk). Negative = off.
void set_write_failure_for_testing(int64_t after_bytes);

}  // namespace nmt
