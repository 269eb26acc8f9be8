#include "nmt/train/stop_signals.h"

#include <unistd.h>

#include <csignal>

namespace nmt::train {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal) {
  g_signal = signal;
  static const char message[] =
      "\n[nmt-train] stop requested: finishing this update and saving a checkpoint (send it again to quit "
      "at once)\n";
  ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
  std::signal(signal, SIG_DFL);  // the second one is not caught
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);  // the terminal closed: save, as for SIGTERM
}

int stop_signal() { return g_signal; }

void clear_stop_signal() { g_signal = 0; }

}  // namespace nmt::train
