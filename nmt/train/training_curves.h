// Training curves: the trainer's log.jsonl read back, and drawn as an SVG chart with two panels,
// training loss and validation BLEU (or loss when BLEU was off), against updates or minutes.
// Several runs go on one chart, one colour each, so that models can be compared at a glance.
#pragma once

#include <string>
#include <vector>

namespace nmt::train {

struct CurvePoint {
  double update = 0, minutes = 0, value = 0;
};

struct TrainingCurve {
  std::string label;                 // shown in the legend (by default the run's folder name)
  std::vector<CurvePoint> train_loss;
  std::vector<CurvePoint> valid_bleu;
  std::vector<CurvePoint> valid_loss;
};

// Reads the "train" and "valid" events of a log.jsonl. Throws std::runtime_error naming the file
// (and line) when it cannot be read or a line is not one of the trainer's JSON objects.
TrainingCurve read_training_log(const std::string& path, const std::string& label);

enum class CurveAxis { updates, minutes };

// The chart as a standalone SVG document.
std::string training_curves_svg(const std::vector<TrainingCurve>& runs, CurveAxis axis);

}  // namespace nmt::train
