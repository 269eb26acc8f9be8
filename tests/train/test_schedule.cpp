// Learning-rate schedules.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "nmt/train/schedule.h"

using namespace nmt::train;

TEST_CASE("inverse-sqrt: linear warm-up to the peak, then 1/sqrt(update) (Vaswani et al. eq. 3, peak form)") {
  LearningRateSchedule s({ScheduleKind::inverse_sqrt, 1e-3f, 400});
  for (int64_t u : {1, 7, 200, 399, 400, 401, 1000, 1600, 12345}) {
    const double expected = 1e-3 * std::min(u / 400.0, std::sqrt(400.0 / u));
    CHECK(s.at(u) == doctest::Approx(expected).epsilon(1e-6));
  }
  CHECK(s.at(400) == doctest::Approx(1e-3));
  CHECK(s.at(1600) == doctest::Approx(0.5e-3));
  CHECK(s.at(1) == doctest::Approx(1e-3 / 400));
}

TEST_CASE("constant: the peak after the warm-up") {
  LearningRateSchedule s({ScheduleKind::constant, 5e-4f, 10});
  CHECK(s.at(5) == doctest::Approx(2.5e-4));
  CHECK(s.at(10) == doctest::Approx(5e-4));
  CHECK(s.at(100000) == doctest::Approx(5e-4));
  LearningRateSchedule no_warmup({ScheduleKind::constant, 5e-4f, 0});
  CHECK(no_warmup.at(1) == doctest::Approx(5e-4));
}

TEST_CASE("plateau: reduces by the factor after `patience` validations without improvement") {
  ScheduleOptions o{ScheduleKind::plateau, 1e-3f, 0, 0.5f, 2, 2e-4f};
  LearningRateSchedule s(o);
  CHECK(s.at(50) == doctest::Approx(1e-3));
  s.on_validation(false);
  CHECK(s.at(50) == doctest::Approx(1e-3));
  s.on_validation(true);  // an improvement resets the count
  s.on_validation(false);
  CHECK(s.at(50) == doctest::Approx(1e-3));
  s.on_validation(false);
  CHECK(s.at(50) == doctest::Approx(5e-4));
  s.on_validation(false);
  s.on_validation(false);
  CHECK(s.at(50) == doctest::Approx(2.5e-4));
  s.on_validation(false);
  s.on_validation(false);
  CHECK(s.at(50) == doctest::Approx(2e-4));  // floor
  CHECK(s.state().reductions == 3);

  LearningRateSchedule restored(o);
  restored.set_state(s.state());
  CHECK(restored.at(50) == s.at(50));
}

TEST_CASE("step: the factor once at decay_start, then again every decay_every updates (Luong et al. 4.1)") {
  // Luong et al.'s dropout models at ~200 updates per epoch: 12 epochs, halving after 8.
  ScheduleOptions o{ScheduleKind::step, 1.0f, 0};
  o.decay_start = 1601;
  o.decay_every = 200;
  o.min_lr = 0.1f;
  LearningRateSchedule s(o);
  CHECK(s.at(1) == doctest::Approx(1.0));
  CHECK(s.at(1600) == doctest::Approx(1.0));
  CHECK(s.at(1601) == doctest::Approx(0.5));
  CHECK(s.at(1800) == doctest::Approx(0.5));
  CHECK(s.at(1801) == doctest::Approx(0.25));
  CHECK(s.at(2001) == doctest::Approx(0.125));
  CHECK(s.at(2201) == doctest::Approx(0.1));  // floor: 0.0625 < min_lr
  // A stateless function of the update: nothing to restore on resume, validations change nothing.
  s.on_validation(false);
  s.on_validation(false);
  CHECK(s.at(1600) == doctest::Approx(1.0));
  // With a warm-up, the same ramp as the other schedules.
  o.warmup = 10;
  CHECK(LearningRateSchedule(o).at(5) == doctest::Approx(0.5));
}

TEST_CASE("schedule names") {
  CHECK(parse_schedule("inverse-sqrt") == ScheduleKind::inverse_sqrt);
  CHECK(parse_schedule("plateau") == ScheduleKind::plateau);
  CHECK(parse_schedule("step") == ScheduleKind::step);
  CHECK(to_string(ScheduleKind::step) == "step");
  CHECK_THROWS_WITH_AS(parse_schedule("cosine"), doctest::Contains("cosine"), std::invalid_argument);
}
