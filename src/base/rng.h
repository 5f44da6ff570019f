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
/* Draw i of the stream named key (splitmix64's mix of key + i): random
 * bits that any process, thread or device computes alike and in any
 * order, where a shared generator would hand them out by turn. */
uint64_t rng_hash(uint64_t key, uint64_t i);

#endif
