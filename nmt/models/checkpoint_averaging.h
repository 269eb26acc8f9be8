// Checkpoint averaging: one model whose parameters are the element-wise mean of several saved
// models of the same architecture. Vaswani et al. (2017, section 6.1) report their base
// Transformer as "a single model obtained by averaging the last 5 checkpoints"; fairseq's
// average_checkpoints.py and Marian's average.py do the same.
#pragma once

#include <string>
#include <vector>

#include "nmt/models/model_file.h"

namespace nmt {

// Loads every file (model or checkpoint), checks that they hold the same architecture and
// vocabulary, and returns the first file's model with each parameter replaced by the mean over
// all files (accumulated in double). The result's info is the last file's, without training
// state, so that saving it gives a model file, not a checkpoint.
// Throws ModelFileError naming the file that cannot be read or does not match the first.
LoadedModel average_model_files(const std::vector<std::string>& paths);

}  // namespace nmt
