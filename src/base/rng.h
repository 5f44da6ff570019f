#ifndef LATHE_BASE_RNG_H
#define LATHE_BASE_RNG_H

#include <stdint.h>
#include <stddef.h>

/* xoshiro256** seeded through splitmix64: fast, small state, and the same
 * sequence on every platform, so a seed reproduces a run exactly. */
struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n), without modulo bias. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Fisher-Yates shuffle of n indices. */
void rng_shuffle(struct rng *r, size_t *idx, size_t n);

#endif
