// nmt-train: trains a translation model (nmt/train/trainer.h); options in nmt/train/options.h.
//   nmt-train --config recipe.ini [--option value ...]      (the command line wins)
//   nmt-train --help                                        every option with its default
// Exit status: 0 finished; 1 error (the message says what to fix); 2 bad options;
// 130 / 143 stopped by SIGINT / SIGTERM after saving a checkpoint (continue with --resume).
// Under mpirun / srun (when built with MPI) every process is a rank of one data-parallel job
// (nmt/train/distributed.h); an error on any rank ends the whole job (MPI_Abort), never a hang.
#include <csignal>
#include <exception>
#include <iostream>

#include "nmt/train/distributed.h"
#include "nmt/train/options.h"
#include "nmt/train/stop_signals.h"
#include "nmt/train/trainer.h"
#include "version_option.h"
#ifdef NMT_HAVE_MPI
#include "nmt/train/mpi/mpi_communicator.h"
#endif

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-train")) return 0;
  nmt::train::ParsedCommandLine parsed;
  try {
    parsed = nmt::train::parse_train_command_line(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "nmt-train: " << e.what() << "\n(nmt-train --help lists every option)" << std::endl;
    return 2;
  }
  if (parsed.help) {
    std::cout << nmt::train::train_help_text();
    return 0;
  }
#ifdef NMT_HAVE_MPI
  if (nmt::train::launched_by_mpi()) {
    try {
      nmt::train::set_communicator(nmt::train::make_mpi_communicator(&argc, &argv));
    } catch (const std::exception& e) {
      std::cerr << "nmt-train: error: " << e.what() << std::endl;
      return 1;
    }
  }
#endif
  struct Finalize {  // MPI_Finalize after the run, not at static destruction
    ~Finalize() { nmt::train::set_communicator(nullptr); }
  } finalize;
  nmt::train::Communicator& ranks = nmt::train::communicator();
  try {
    nmt::train::install_stop_signal_handlers();
    nmt::train::Trainer trainer(std::move(parsed.options), std::cerr);
    nmt::train::TrainingResult result = trainer.run();
    if (result.signal != 0) return 128 + result.signal;
    return 0;
  } catch (const std::exception& e) {
    if (ranks.size() > 1) {
      std::cerr << "nmt-train: rank " << ranks.rank() << " of " << ranks.size() << ": error: " << e.what()
                << "\nnmt-train: ending every rank of the job" << std::endl;
      ranks.abort(1);
    }
    std::cerr << "nmt-train: error: " << e.what() << std::endl;
    return 1;
  }
}
