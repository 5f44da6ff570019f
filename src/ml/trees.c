#include "config.h"
#include "trees.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int trees_check(const struct trees *t, struct err *e)
{
	if (t->K < 2 || t->nfeat < 1 || t->ntrees == 0 || t->nnodes < t->ntrees || t->ntrees % (size_t)t->K != 0)
		return err_set(e, "trees: %zu trees of %zu nodes for %d classes and %d features do not fit together",
		               t->ntrees, t->nnodes, t->K, t->nfeat);
	for (size_t i = 0; i < t->ntrees; i++) {
		size_t begin = (size_t)t->root[i], end = i + 1 < t->ntrees ? (size_t)t->root[i + 1] : t->nnodes;
		if (t->root[i] < 0 || (i == 0 && begin != 0) || end <= begin || end > t->nnodes)
			return err_set(e, "trees: tree %zu starts outside its place", i);
		for (size_t k = begin; k < end; k++) {
			if (!isfinite(t->value[k]))
				return err_set(e, "trees: node %zu holds a number that is not finite", k);
			if (t->feature[k] == -1)
				continue;
			if (t->feature[k] < 0 || t->feature[k] >= t->nfeat)
				return err_set(e, "trees: node %zu splits on feature %d of %d", k, (int)t->feature[k],
				               t->nfeat);
			const int32_t child[3] = {t->yes[k], t->no[k], t->missing[k]};
			for (int c = 0; c < 3; c++)
				if (child[c] <= (int32_t)k || (size_t)child[c] >= end)
					return err_set(e, "trees: node %zu points outside its tree or back", k);
		}
	}
	return 0;
}

static float leaf_of(const struct trees *t, size_t node, const float *x)
{
	while (t->feature[node] >= 0) {
		float v = x[t->feature[node]];
		node = (size_t)(isnan(v) ? t->missing[node] : v < t->value[node] ? t->yes[node] : t->no[node]);
	}
	return t->value[node];
}

void trees_predict(const struct trees *t, const float *x, size_t n, float *probs)
{
	size_t K = (size_t)t->K;
	for (size_t i = 0; i < n; i++) {
		float *p = probs + i * K;
		const float *row = x + i * (size_t)t->nfeat;
		memset(p, 0, K * sizeof *p);
		for (size_t k = 0; k < t->ntrees; k++)
			p[k % K] += leaf_of(t, (size_t)t->root[k], row);
		float top = p[0], sum = 0;
		for (size_t k = 1; k < K; k++)
			top = p[k] > top ? p[k] : top;
		for (size_t k = 0; k < K; k++)
			sum += p[k] = expf(p[k] - top);
		for (size_t k = 0; k < K; k++)
			p[k] /= sum;
	}
}

void trees_free(struct trees *t)
{
	free(t->root);
	free(t->feature);
	free(t->value);
	free(t->yes);
	free(t->no);
	free(t->missing);
	memset(t, 0, sizeof *t);
}
