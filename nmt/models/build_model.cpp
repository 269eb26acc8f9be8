#include "nmt/models/encoder_decoder.h"
#include "nmt/models/model_registry.h"

namespace nmt {

std::unique_ptr<EncoderDecoder> build_model(const ModelConfig& config, Generator& init) {
  check_model_config(config);  // a clear message instead of an engine error (or worse) later
  return model_type(config.type).build(config, init);
}

}  // namespace nmt
