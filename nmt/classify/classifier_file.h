// Classifier model files: the model files' header (nmt/models/model_file.h) with another magic.
//
//   "NMTCLASS"          8 bytes  magic (a translation model file, "NMTMODEL", is refused by name)
//   format version      uint32   kClassifierFileVersion; newer files are refused, naming both
//   payload size        uint64   shorter: "truncated"; longer: "trailing bytes"
//   payload checksum    uint64   FNV-1a 64 (write_framed_file, model_file.h): a flipped byte is "corrupt"
//   payload             a Boost.Serialization binary archive of:
//     the variant's settings (Variant::to_map) and ClassifierConfig::to_map()
//     the sentence encoder (SentenceEncoder::to_bytes: word list or SentencePiece model)
//     parameters: name, shape, float32 data, in ParameterStore order
// Written atomically (write_file_atomically). Errors are ModelFileError naming the file.
#pragma once

#include <cstdint>
#include <string>

#include "nmt/classify/classifier_training.h"

namespace nmt::classify {

inline constexpr uint32_t kClassifierFileVersion = 1;

void save_classifier(const std::string& path, const TrainedClassifier& classifier);
TrainedClassifier load_classifier(const std::string& path);

}  // namespace nmt::classify
