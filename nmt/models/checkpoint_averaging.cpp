#include "nmt/models/checkpoint_averaging.h"

#include <cstddef>

namespace nmt {

LoadedModel average_model_files(const std::vector<std::string>& paths) {
  if (paths.empty()) throw ModelFileError("average: no model files given");
  LoadedModel first = load_model(paths.front());
  std::vector<Parameter>& params = first.model->parameters().all();
  std::vector<std::vector<double>> sums(params.size());
  for (std::size_t p = 0; p < params.size(); ++p) {
    const float* v = params[p].value().f32();
    sums[p].assign(v, v + params[p].numel());
  }

  const ModelConfig config = first.model->config();
  ModelFileInfo last_info = first.info;
  for (std::size_t f = 1; f < paths.size(); ++f) {
    LoadedModel other = load_model(paths[f]);
    if (other.model->config().to_map() != config.to_map())
      throw ModelFileError(paths[f] + ": another architecture than " + paths.front() +
                           " (only models of one training run can be averaged)");
    if (other.info.subword_model != first.info.subword_model)
      throw ModelFileError(paths[f] + ": another vocabulary than " + paths.front());
    const std::vector<Parameter>& theirs = other.model->parameters().all();
    for (std::size_t p = 0; p < params.size(); ++p) {
      const float* v = theirs[p].value().f32();
      for (std::size_t i = 0; i < sums[p].size(); ++i) sums[p][i] += v[i];
    }
    last_info = std::move(other.info);
  }

  const double scale = 1.0 / static_cast<double>(paths.size());
  for (std::size_t p = 0; p < params.size(); ++p) {
    float* v = params[p].mutable_value().f32();
    for (std::size_t i = 0; i < sums[p].size(); ++i) v[i] = static_cast<float>(sums[p][i] * scale);
  }
  last_info.training_state.clear();
  last_info.int8_weights.clear();  // the average is float32 (of int8 files: of their values q * s)
  first.info = std::move(last_info);
  return first;
}

}  // namespace nmt
