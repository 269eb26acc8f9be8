// nmt-quantize: writes a model's weights as int8, as int8 decoding uses them (per output unit:
// integers in [-127, 127] and a float scale, nmt/tensor/gemm_int8.h), so that nmt-translate
// loads them as they are (--precision auto then decodes in int8) and the file is smaller.
// Which weights: those that int8 decoding multiplies by (found by decoding one short dummy
// sentence in int8); the others (biases, layer norms) stay float32. A weight that is also looked
// up by rows (an embedding, tied to the output layer) keeps its float32 values beside the int8
// ones, so that its lookups are exactly the float model's.
//   nmt-quantize MODEL -o OUT
// Exit status: 0; 1 when a file cannot be read or written (the message says why); 2 bad options.
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "command_line.h"
#include "nmt/models/model_file.h"
#include "nmt/search/search.h"
#include "nmt/tensor/blas.h"
#include "version_option.h"

namespace {

constexpr const char* kUsage =
    "usage: nmt-quantize MODEL -o OUT\n"
    "Writes MODEL with its weight matrices stored as int8 (a float scale per output unit), as\n"
    "nmt-translate --precision int8 quantises them at load: OUT decodes with exactly the same\n"
    "integers, needs no quantising at load, and is smaller. Biases, layer norms and embeddings keep\n"
    "their float32 values.\n";

// The int8 copies that decoding makes: every weight the model multiplies by while decoding.
std::vector<nmt::Int8Weight> int8_weights_of(nmt::EncoderDecoder& model) {
  const nmt::blas::PrecisionScope int8(nmt::blas::Precision::int8);
  const int vocab = model.config().vocab_size;
  const std::vector<std::vector<int32_t>> dummy = {{4 % vocab, 5 % vocab, 6 % vocab}};
  nmt::SearchOptions options;
  options.beam = 2;
  options.max_length_cap = 3;
  nmt::search(model, dummy, options);
  std::map<const float*, const nmt::Parameter*> by_address;
  for (const nmt::Parameter& p : model.parameters().all()) by_address[p.value().f32()] = &p;
  std::vector<nmt::Int8Weight> weights;
  nmt::blas::for_each_int8_weight([&](const float* b, bool trans_b, const nmt::blas::int8::PackedB& packed) {
    const auto found = by_address.find(b);
    if (found == by_address.end() || found->second->numel() != packed.k * packed.n) return;
    nmt::Int8Weight w;
    w.name = found->second->name();
    w.trans_b = trans_b;
    w.k = packed.k;
    w.n = packed.n;
    w.keep_float = w.name.find("embedding") != std::string::npos;
    w.values.resize(static_cast<std::size_t>(w.k * w.n));
    w.scales.resize(static_cast<std::size_t>(w.n));
    nmt::blas::int8::unpack_columns(packed, w.values.data(), w.scales.data());
    weights.push_back(std::move(w));
  });
  return weights;
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-quantize")) return 0;
  std::string model_path, out_path;
  try {
    nmt::tools::CommandLine args(argc, argv);
    while (!args.empty()) {
      const std::string arg = args.next();
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "-o" || arg == "--output") {
        out_path = args.value(arg);
      } else if (nmt::tools::CommandLine::is_option(arg)) {
        throw nmt::tools::CommandLine::unknown(arg);
      } else if (!model_path.empty()) {
        throw nmt::tools::UsageError("one model at a time ('" + model_path + "' and '" + arg + "')");
      } else {
        model_path = arg;
      }
    }
    if (model_path.empty()) throw nmt::tools::UsageError("the model file is required");
    if (out_path.empty()) throw nmt::tools::UsageError("-o OUT is required");
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-quantize: " << e.what() << "\n" << kUsage;
    return 2;
  }
  try {
    if (!nmt::blas::int8_supported())
      throw std::runtime_error("int8 GEMMs need a CPU with AVX2 (or AVX512-VNNI); this one lacks it");
    nmt::LoadedModel loaded = nmt::load_model(model_path);
    loaded.info.int8_weights = int8_weights_of(*loaded.model);
    if (loaded.info.int8_weights.empty()) throw std::runtime_error("'" + model_path + "': no weight decodes in int8");
    int64_t int8_values = 0;
    for (const nmt::Int8Weight& w : loaded.info.int8_weights) int8_values += w.k * w.n;
    nmt::save_model(out_path, *loaded.model, loaded.info);
    std::cout << out_path << ": " << loaded.info.int8_weights.size() << " weight tensors in int8 (" << int8_values
              << " of " << loaded.model->parameters().count() << " values); "
              << std::filesystem::file_size(model_path) / 1000000.0 << " MB -> "
              << std::filesystem::file_size(out_path) / 1000000.0 << " MB" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nmt-quantize: " << e.what() << std::endl;
    return 1;
  }
}
