// Learning-rate schedules, one number per update (updates count from 1).
//
//   inverse-sqrt  Vaswani et al. 2017, eq. (3), in its peak-lr form:
//                   lr = peak * min(u / w, sqrt(w / u))
//                 i.e. a linear warm-up to `peak` over w updates, then decay with 1 / sqrt(u).
//                 Eq. 3 is lrate = d^-0.5 * min(u^-0.5, u * w^-1.5), which peaks at u = w with
//                 d^-0.5 * w^-0.5; writing peak for that value, lrate = peak * w^0.5 *
//                 min(u^-0.5, u * w^-1.5) = peak * min(sqrt(w / u), u / w). So peak = (d * w)^-0.5
//                 gives the paper's schedule exactly (d = 512, w = 4000: peak = 7.0e-4).
//   constant      lr = peak (after the same linear warm-up when warmup > 0).
//   plateau       lr = peak * factor^k (after the warm-up), where k counts the validations that
//                 did not improve the validation metric for `plateau_patience` validations in a row
//                 (PyTorch's ReduceLROnPlateau), never below min_lr.
//   step          lr = peak * factor^k with k = 0 before update decay_start and
//                 k = 1 + floor((u - decay_start) / decay_every) from it on, never below min_lr:
//                 a fixed halving as Luong et al. 2015 (section 4.1: "after 5 epochs, we begin to
//                 halve the learning rate every epoch"; 8 with dropout) and Sutskever et al. 2014
//                 trained, in updates as OpenNMT-py's start_decay_steps / decay_steps.
// The schedule's state (k and the run of bad validations) is saved with checkpoints.
#pragma once

#include <cstdint>
#include <string>

namespace nmt::train {

enum class ScheduleKind { inverse_sqrt, constant, plateau, step };

// "inverse-sqrt" | "constant" | "plateau" | "step"; throws std::invalid_argument naming the value.
ScheduleKind parse_schedule(const std::string& name);
std::string to_string(ScheduleKind kind);

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::inverse_sqrt;
  float peak = 1e-3f;
  int64_t warmup = 400;
  float plateau_factor = 0.5f;
  int plateau_patience = 2;
  float min_lr = 1e-6f;
  int64_t decay_start = 0;  // step: the first update with a reduced lr
  int64_t decay_every = 1;  // step: updates between reductions
  float decay_factor = 0.5f;
};

class LearningRateSchedule {
 public:
  explicit LearningRateSchedule(ScheduleOptions options) : options_(options) {}

  // The learning rate of update `update` (1-based).
  float at(int64_t update) const;

  // Plateau only: tell the schedule whether a validation improved the metric.
  void on_validation(bool improved);

  struct State {
    int64_t reductions = 0;      // k
    int64_t bad_validations = 0; // in a row, since the last reduction or improvement
  };
  State state() const { return state_; }
  void set_state(const State& s) { state_ = s; }
  const ScheduleOptions& options() const { return options_; }

 private:
  ScheduleOptions options_;
  State state_;
};

}  // namespace nmt::train
