#include "nmt/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nmt::train {

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "inverse-sqrt") return ScheduleKind::inverse_sqrt;
  if (name == "constant") return ScheduleKind::constant;
  if (name == "plateau") return ScheduleKind::plateau;
  if (name == "step") return ScheduleKind::step;
  throw std::invalid_argument("--schedule: unknown schedule '" + name +
                              "' (known: inverse-sqrt, constant, plateau, step)");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::inverse_sqrt: return "inverse-sqrt";
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::plateau: return "plateau";
    case ScheduleKind::step: return "step";
  }
  return "?";
}

float LearningRateSchedule::at(int64_t update) const {
  const double u = static_cast<double>(std::max<int64_t>(update, 1));
  const double w = static_cast<double>(options_.warmup);
  const double peak = options_.peak;
  // The warm-up's linear ramp to `lr` over the first w updates, shared by the schedules below.
  const auto warmed_up = [&](double lr) { return static_cast<float>(w > 0 && u < w ? lr * u / w : lr); };
  // peak * factor^k, never below min_lr (plateau and step differ only in how they count k).
  const auto reduced = [&](double factor, int64_t k) {
    return std::max(peak * std::pow(factor, static_cast<double>(k)), static_cast<double>(options_.min_lr));
  };
  switch (options_.kind) {
    case ScheduleKind::inverse_sqrt:
      if (w <= 0) return static_cast<float>(peak / std::sqrt(u));
      return static_cast<float>(peak * std::min(u / w, std::sqrt(w / u)));
    case ScheduleKind::constant:
      return warmed_up(peak);
    case ScheduleKind::plateau:
      return warmed_up(reduced(options_.plateau_factor, state_.reductions));
    case ScheduleKind::step: {
      const int64_t k = update < options_.decay_start
                            ? 0
                            : 1 + (update - options_.decay_start) / std::max<int64_t>(options_.decay_every, 1);
      return warmed_up(reduced(options_.decay_factor, k));
    }
  }
  return options_.peak;
}

void LearningRateSchedule::on_validation(bool improved) {
  if (options_.kind != ScheduleKind::plateau) return;
  if (improved) {
    state_.bad_validations = 0;
    return;
  }
  if (++state_.bad_validations >= options_.plateau_patience) {
    ++state_.reductions;
    state_.bad_validations = 0;
  }
}

}  // namespace nmt::train
