/* All-reduce time of a float32 gradient of N values (MPI_Allreduce, sum), the operation data-parallel
 * nmt-train runs once per update. Built and run by tools/bench-data-parallel.sh:
 *   mpicc -O2 allreduce_bench.c -o allreduce_bench
 *   mpirun -np 2 --mca btl tcp,self ./allreduce_bench 7600000 60000000
 * Prints, per size: values, bytes, seconds per all-reduce (median of 5), algorithm bandwidth. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int a = 1; a < argc; ++a) {
    long n = atol(argv[a]);
    float* v = malloc(sizeof(float) * n);
    for (long i = 0; i < n; ++i) v[i] = 1.0f;
    double t[5];
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    for (int r = 0; r < 5; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      t[r] = MPI_Wtime() - start;
    }
    qsort(t, 5, sizeof(double), compare);
    if (rank == 0)
      printf("ranks %d  values %ld  bytes %ld  allreduce_s %.4f  busbw_GBps %.2f\n", size, n, n * 4, t[2],
             2.0 * (size - 1) / size * n * 4 / t[2] / 1e9);
    free(v);
  }
  MPI_Finalize();
  return 0;
}
