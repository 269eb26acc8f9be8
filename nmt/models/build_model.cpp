#include <stdexcept>

#include "nmt/models/bahdanau.h"
#include "nmt/models/encoder_decoder.h"
#include "nmt/models/luong.h"
#include "nmt/models/rnn_seq2seq.h"
#include "nmt/models/transformer.h"

namespace nmt {

std::unique_ptr<EncoderDecoder> build_model(const ModelConfig& config, Generator& init) {
  if (config.type == "transformer") return std::make_unique<Transformer>(config, init);
  if (config.type == "rnn") return std::make_unique<RnnSeq2Seq>(config, init);
  if (config.type == "bahdanau") return std::make_unique<Bahdanau>(config, init);
  if (config.type == "luong") return std::make_unique<Luong>(config, init);
  throw std::invalid_argument("unknown model type '" + config.type + "' (known: transformer, rnn, bahdanau, luong)");
}

}  // namespace nmt
