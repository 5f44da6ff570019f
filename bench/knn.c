/* Similar past cases: the exact search a diagnosis runs over a model's
 * casebook (ml/neighbors.h, one sgemv per question, then the k best) on
 * 10^4, 10^5 and 10^6 cases of the tiny encoder's width (128), against
 * a plain loop of dot products over the same rows in the same run. Build
 * and run: make bench/knn && bench/knn [DIM] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "base/err.h"
#include "base/rng.h"
#include "ml/neighbors.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The reference: every dot product by hand, the best one kept. */
static size_t plain_nearest(const float *base, size_t n, size_t dim, const float *q)
{
	size_t best = 0;
	float best_sim = -2;
	for (size_t i = 0; i < n; i++) {
		float s = 0;
		for (size_t j = 0; j < dim; j++)
			s += base[i * dim + j] * q[j];
		if (s > best_sim) {
			best_sim = s;
			best = i;
		}
	}
	return best;
}

int main(int argc, char **argv)
{
	size_t dim = argc > 1 ? strtoul(argv[1], NULL, 10) : 128, sizes[3] = {10000, 100000, 1000000};
	enum { QUERIES = 20, K = 5 };
	struct rng rng;
	rng_seed(&rng, 1);
	float *base = xmalloc(sizes[2] * dim * sizeof *base), *scratch = xmalloc(sizes[2] * sizeof *scratch);
	for (size_t i = 0; i < sizes[2] * dim; i++)
		base[i] = (float)(rng_uniform(&rng) * 2 - 1);
	knn_normalize(base, sizes[2], dim);
	float q[QUERIES][1024];
	for (int t = 0; t < QUERIES; t++) {
		for (size_t j = 0; j < dim && j < 1024; j++)
			q[t][j] = (float)(rng_uniform(&rng) * 2 - 1);
		knn_normalize(q[t], 1, dim);
	}
	printf("%10s %14s %14s %8s\n", "cases", "knn ms/query", "plain ms/query", "ratio");
	for (int s = 0; s < 3; s++) {
		size_t n = sizes[s], idx[K], agree = 0;
		float sim[K];
		double t0 = now();
		for (int t = 0; t < QUERIES; t++)
			knn_search(base, n, dim, q[t], K, idx, sim, scratch);
		double knn = (now() - t0) / QUERIES;
		t0 = now();
		for (int t = 0; t < QUERIES; t++)
			agree += plain_nearest(base, n, dim, q[t]) == (knn_search(base, n, dim, q[t], 1, idx, sim, scratch), idx[0]);
		double both = (now() - t0) / QUERIES, plain = both - knn;
		printf("%10zu %14.3f %14.3f %8.2f%s\n", n, 1e3 * knn, 1e3 * plain, knn / plain,
		       agree == QUERIES ? "" : "  (the nearest differs!)");
	}
	free(base);
	free(scratch);
	return 0;
}
