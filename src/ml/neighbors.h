#ifndef LATHE_ML_NEIGHBORS_H
#define LATHE_ML_NEIGHBORS_H

#include <stddef.h>

/* Exact nearest neighbours by cosine similarity among n unit-length rows
 * base[n*dim]: one matrix-vector product per query, then the k best kept
 * in order. bench/README.md has its time per query up to 10^6 rows. */

/* Scales each of the n rows of v[n*dim] to unit length (a zero row stays
 * zero). */
void knn_normalize(float *v, size_t n, size_t dim);
/* The k (at most n) rows most like the unit-length query q[dim]: their
 * indices into idx[k] and similarities into sim[k], most similar first
 * (ties: the lower index). scratch holds n floats. Returns how many. */
size_t knn_search(const float *base, size_t n, size_t dim, const float *q, size_t k, size_t *idx, float *sim,
                  float *scratch);

#endif
