#include "config.h"
#include "pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	int threads;                /* including the caller */
	pthread_t *workers;
	unsigned long generation;   /* bumped for every job, and to quit */
	unsigned long born;         /* the generation the workers were started at */
	bool quit;
	int pending;                /* workers still running the job */
	/* the job */
	void (*fn)(void *ctx, size_t begin, size_t end);
	void *ctx;
	size_t n;
	int parts;
};

/* One caller at a time uses the workers (a workbench may predict on one
 * thread while it trains on another): a second one does its work alone,
 * and changing the thread count waits for the first. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;

static struct pool pool = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.threads = 1,
};

static void run_part(int part, int parts, size_t n, void (*fn)(void *, size_t, size_t), void *ctx)
{
	size_t begin = n * (size_t)part / (size_t)parts, end = n * (size_t)(part + 1) / (size_t)parts;
	if (begin < end)
		fn(ctx, begin, end);
}

static void *worker(void *arg)
{
	int part = (int)(intptr_t)arg;
	pthread_mutex_lock(&pool.mu);
	/* Not pool.generation: a job may have been posted before this thread
	 * ran, and it must not be missed. */
	unsigned long seen = pool.born;
	for (;;) {
		while (pool.generation == seen)
			pthread_cond_wait(&pool.wake, &pool.mu);
		seen = pool.generation;
		if (pool.quit)
			break;
		if (part >= pool.parts)
			continue;
		void (*fn)(void *, size_t, size_t) = pool.fn;
		void *ctx = pool.ctx;
		size_t n = pool.n;
		int parts = pool.parts;
		pthread_mutex_unlock(&pool.mu);
		run_part(part, parts, n, fn, ctx);
		pthread_mutex_lock(&pool.mu);
		if (--pool.pending == 0)
			pthread_cond_signal(&pool.done);
	}
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

static void stop_workers(void)
{
	pthread_mutex_lock(&pool.mu);
	pool.quit = true;
	pool.generation++;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.mu);
	for (int i = 1; i < pool.threads; i++)
		pthread_join(pool.workers[i - 1], NULL);
	free(pool.workers);
	pool.workers = NULL;
	pool.threads = 1;
	pool.quit = false;
}

/* Workers still waiting when the process ends are joined first, so that
 * nothing runs while exit tears the process down. */
static void stop_at_exit(void)
{
	pthread_mutex_lock(&busy);
	stop_workers();
	pthread_mutex_unlock(&busy);
}

static int set_threads_locked(int n);

int pool_set_threads(int n)
{
	pthread_mutex_lock(&busy);
	int rc = set_threads_locked(n);
	pthread_mutex_unlock(&busy);
	return rc;
}

static int set_threads_locked(int n)
{
	static bool registered;
	if (n < 1)
		n = 1;
	if (n == pool.threads)
		return 0;
	stop_workers();
	if (n == 1)
		return 0;
	if (!registered && atexit(stop_at_exit) == 0)
		registered = true;
	pthread_t *w = malloc((size_t)(n - 1) * sizeof *w);
	if (!w)
		return -1;
	pool.workers = w;
	pthread_mutex_lock(&pool.mu);
	pool.born = pool.generation;
	pthread_mutex_unlock(&pool.mu);
	for (int i = 1; i < n; i++) {
		if (pthread_create(&w[i - 1], NULL, worker, (void *)(intptr_t)i) != 0) {
			pool.threads = i;
			stop_workers();
			return -1;
		}
		pool.threads = i + 1;
	}
	return 0;
}

void pool_for(size_t n, size_t min_chunk, void (*fn)(void *ctx, size_t begin, size_t end), void *ctx)
{
	if (pthread_mutex_trylock(&busy) != 0) {
		if (n)
			fn(ctx, 0, n);
		return;
	}
	size_t fit = min_chunk ? n / min_chunk : n;
	int parts = fit < (size_t)pool.threads ? (int)fit : pool.threads;
	if (parts <= 1) {
		pthread_mutex_unlock(&busy);
		if (n)
			fn(ctx, 0, n);
		return;
	}
	pthread_mutex_lock(&pool.mu);
	pool.fn = fn;
	pool.ctx = ctx;
	pool.n = n;
	pool.parts = parts;
	pool.pending = parts - 1;
	pool.generation++;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.mu);
	run_part(0, parts, n, fn, ctx);
	pthread_mutex_lock(&pool.mu);
	while (pool.pending > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	pthread_mutex_unlock(&busy);
}
