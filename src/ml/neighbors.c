#include "config.h"
#include "neighbors.h"

#include <cblas.h>
#include <math.h>

void knn_normalize(float *v, size_t n, size_t dim)
{
	for (size_t i = 0; i < n; i++) {
		float *r = v + i * dim;
		double ss = 0;
		for (size_t j = 0; j < dim; j++)
			ss += (double)r[j] * r[j];
		float s = ss > 0 ? (float)(1 / sqrt(ss)) : 0;
		for (size_t j = 0; j < dim; j++)
			r[j] *= s;
	}
}

size_t knn_search(const float *base, size_t n, size_t dim, const float *q, size_t k, size_t *idx, float *sim,
                  float *scratch)
{
	if (k > n)
		k = n;
	if (k == 0)
		return 0;
	cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)dim, 1.0f, base, (int)dim, q, 1, 0.0f, scratch, 1);
	/* Insertion into the sorted k best: k is small (a screenful), so this
	 * beats a heap, and a row enters only when it beats the k-th. */
	size_t have = 0;
	for (size_t i = 0; i < n; i++) {
		float s = scratch[i];
		if (have == k && !(s > sim[k - 1]))
			continue;
		size_t at = have < k ? have++ : k - 1;
		while (at > 0 && s > sim[at - 1]) {
			sim[at] = sim[at - 1];
			idx[at] = idx[at - 1];
			at--;
		}
		sim[at] = s;
		idx[at] = i;
	}
	return have;
}
