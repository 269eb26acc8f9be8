// The MPI Communicator (nmt/train/distributed.h): built only when CMake finds MPI (NMT_HAVE_MPI),
// linked into nmt-train only. Open MPI 4.1 from Debian (openmpi-bin, libopenmpi-dev).
#pragma once

#include <memory>

#include "nmt/train/distributed.h"

namespace nmt::train {

// True when a launcher (mpirun / mpiexec, Slurm's srun with PMI or PMIx) started this process as
// a rank of a job. A tool run without one is a one-rank job and never touches MPI.
bool launched_by_mpi();

// Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI) on a duplicate of
// MPI_COMM_WORLD whose errors are returned, thrown as std::runtime_error naming the call;
// the destructor finalises MPI.
std::unique_ptr<Communicator> make_mpi_communicator(int* argc, char*** argv);

}  // namespace nmt::train
