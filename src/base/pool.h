#ifndef LATHE_BASE_POOL_H
#define LATHE_BASE_POOL_H

#include <stddef.h>

/* A process-wide pool of worker threads for data-parallel loops: the
 * elementwise passes of the model, which OpenBLAS's own threads do not
 * cover. The caller works too, so n threads means n - 1 workers. */

/* Sets the number of threads (1 = everything on the caller). Returns 0,
 * or -1 when a worker could not be started (the pool then stays at
 * what it had). */
int pool_set_threads(int n);

/* Calls fn(ctx, begin, end) on disjoint ranges covering [0, n), one per
 * thread, each at least min_chunk long, and returns when all are done.
 * The ranges depend only on n, min_chunk and the thread count, so a
 * result is the same from run to run at one thread count. While another
 * thread's call holds the workers, a call does its whole range itself. */
void pool_for(size_t n, size_t min_chunk, void (*fn)(void *ctx, size_t begin, size_t end), void *ctx);

#endif
