#ifndef LATHE_ML_DIST_H
#define LATHE_ML_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"

/* The processes that train one model together: started by mpirun
 * (Open MPI) in a build with MPI, otherwise this process alone. Every
 * process runs the same command on the same data; rank 0 alone writes
 * (progress, checkpoints, the model file). Call only from the thread that
 * called dist_init. */

/* Joins the processes mpirun started (argc/argv may be passed on to
 * MPI); alone when lathe was not started by mpirun. -1 with e set when
 * mpirun started several processes of a build without MPI, or MPI fails. */
int dist_init(int *argc, char ***argv, struct err *e);
int dist_rank(void);
int dist_size(void);
/* The processes of the group on this machine (1 alone), which share its
 * processors and GPUs, and this one's place among them (from 0). */
int dist_local_size(void);
int dist_local_rank(void);
/* Sums grads[n] and sums[k] across the processes, in place: one
 * all-reduce of the gradients and one of the step's few numbers. */
int dist_allreduce(float *grads, size_t n, double *sums, int k, struct err *e);
/* Rank 0's bytes to every process. */
int dist_broadcast(void *buf, size_t bytes, struct err *e);
/* Waits until every process is here. */
int dist_barrier(struct err *e);
/* Leaves the group with exit status. together: every process ends so
 * at once (a success, or a stop they agreed on), and they part in order;
 * otherwise a failure the others may not share ends every process at
 * once, so none waits forever on a peer that is gone. Returns the status
 * to exit with. */
int dist_finish(int status, bool together);

#endif
