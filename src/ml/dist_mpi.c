#include "config.h"
#include "dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdlib.h>

/* A build with MPI (Open MPI). MPI starts only when mpirun started lathe,
 * so a plain run neither waits on MPI's start-up nor needs a network. */

static bool active;
static int rank, size = 1, local_size = 1, local_rank;

static int mpi_failed(int rc, const char *what, struct err *e)
{
	char msg[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS)
		len = 0;
	msg[len] = '\0';
	return err_set(e, "MPI: %s failed on rank %d: %s", what, rank, len ? msg : "unknown error");
}

int dist_init(int *argc, char ***argv, struct err *e)
{
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK"))
		return 0;
	int provided, rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
	if (rc != MPI_SUCCESS)
		return err_set(e, "MPI: cannot start (mpirun's environment is set, but MPI_Init failed)");
	active = true;
	/* failures come back as codes, each reported with where it happened */
	if ((rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)) != MPI_SUCCESS ||
	    (rc = MPI_Comm_rank(MPI_COMM_WORLD, &rank)) != MPI_SUCCESS ||
	    (rc = MPI_Comm_size(MPI_COMM_WORLD, &size)) != MPI_SUCCESS)
		return mpi_failed(rc, "joining the processes", e);
	MPI_Comm local;
	if ((rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local)) != MPI_SUCCESS ||
	    (rc = MPI_Comm_size(local, &local_size)) != MPI_SUCCESS ||
	    (rc = MPI_Comm_rank(local, &local_rank)) != MPI_SUCCESS || (rc = MPI_Comm_free(&local)) != MPI_SUCCESS)
		return mpi_failed(rc, "counting the processes on this machine", e);
	if (provided < MPI_THREAD_FUNNELED)
		return err_set(e, "MPI: this MPI cannot run beside threads (it gives thread level %d)", provided);
	return 0;
}

int dist_rank(void)
{
	return rank;
}

int dist_size(void)
{
	return size;
}

int dist_local_size(void)
{
	return local_size;
}

int dist_local_rank(void)
{
	return local_rank;
}

/* MPI counts in int: large buffers go in parts. */
enum { PART = INT_MAX / 8 };

int dist_allreduce(float *grads, size_t n, double *sums, int k, struct err *e)
{
	if (size == 1)
		return 0;
	for (size_t at = 0; at < n; at += PART) {
		int count = n - at < PART ? (int)(n - at) : PART;
		int rc = MPI_Allreduce(MPI_IN_PLACE, grads + at, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			return mpi_failed(rc, "the gradients' all-reduce", e);
	}
	int rc = k > 0 ? MPI_Allreduce(MPI_IN_PLACE, sums, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) : MPI_SUCCESS;
	return rc == MPI_SUCCESS ? 0 : mpi_failed(rc, "the step's all-reduce", e);
}

int dist_broadcast(void *buf, size_t bytes, struct err *e)
{
	if (size == 1)
		return 0;
	for (size_t at = 0; at < bytes; at += PART) {
		int count = bytes - at < PART ? (int)(bytes - at) : PART;
		int rc = MPI_Bcast((char *)buf + at, count, MPI_BYTE, 0, MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			return mpi_failed(rc, "a broadcast from rank 0", e);
	}
	return 0;
}

int dist_barrier(struct err *e)
{
	int rc = size > 1 ? MPI_Barrier(MPI_COMM_WORLD) : MPI_SUCCESS;
	return rc == MPI_SUCCESS ? 0 : mpi_failed(rc, "waiting for the other processes", e);
}

int dist_finish(int status, bool together)
{
	if (!active)
		return status;
	if (together) {
		MPI_Finalize();
		return status;
	}
	MPI_Abort(MPI_COMM_WORLD, status);
	return status;
}
