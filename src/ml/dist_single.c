#include "config.h"
#include "dist.h"

#include <stdlib.h>

/* A build without MPI: always one process. */

int dist_init(int *argc, char ***argv, struct err *e)
{
	(void)argc;
	(void)argv;
	/* Open MPI's mpirun names the job's size in the environment: N copies
	 * of a build that cannot talk would each train alone and write the
	 * same files. */
	const char *size = getenv("OMPI_COMM_WORLD_SIZE");
	if (size && atoi(size) > 1)
		return err_set(e,
		               "started by mpirun as %s processes, but this build has no MPI: rebuild with "
		               "./configure --enable-mpi (Debian package libopenmpi-dev)",
		               size);
	return 0;
}

int dist_rank(void)
{
	return 0;
}

int dist_size(void)
{
	return 1;
}

int dist_local_size(void)
{
	return 1;
}

int dist_local_rank(void)
{
	return 0;
}

int dist_allreduce(float *grads, size_t n, double *sums, int k, struct err *e)
{
	(void)grads;
	(void)n;
	(void)sums;
	(void)k;
	(void)e;
	return 0;
}

int dist_broadcast(void *buf, size_t bytes, struct err *e)
{
	(void)buf;
	(void)bytes;
	(void)e;
	return 0;
}

int dist_barrier(struct err *e)
{
	(void)e;
	return 0;
}

int dist_finish(int status, bool together)
{
	(void)together;
	return status;
}
