#include <stdexcept>

#include "nmt/models/encoder_decoder.h"
#include "nmt/models/transformer.h"

namespace nmt {

std::unique_ptr<EncoderDecoder> build_model(const ModelConfig& config, Generator& init) {
  if (config.type == "transformer") return std::make_unique<Transformer>(config, init);
  throw std::invalid_argument("unknown model type '" + config.type + "' (known: transformer)");
}

}  // namespace nmt
