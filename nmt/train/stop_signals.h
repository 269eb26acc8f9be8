// SIGINT / SIGTERM / SIGHUP (a closed terminal) during training: the first one asks the trainer to
// finish the current update, save a checkpoint and return (nmt-train then exits with 128 + the
// signal: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP); a second one ends the process at once (files on disk stay intact: they are written
// atomically).
#pragma once

namespace nmt::train {

// Installs the handlers (idempotent).
void install_stop_signal_handlers();
// The signal that asked to stop (SIGINT, SIGTERM or SIGHUP), or 0.
int stop_signal();
// Forget a received signal (tests, or a second run in the same process).
void clear_stop_signal();

}  // namespace nmt::train
