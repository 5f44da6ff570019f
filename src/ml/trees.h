#ifndef LATHE_ML_TREES_H
#define LATHE_ML_TREES_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* Boosted trees as plain arrays, as a model file stores them and lathe
 * evaluates them: no library code runs on a shared model's trees. Tree t
 * adds to class t % K; a node with feature -1 is a leaf whose value is a
 * margin, else x[feature] < value goes to yes, a larger one to no and a
 * missing (NAN) one to missing. Children come after their node within
 * the same tree, which trees_check enforces, so every walk ends. */
struct trees {
	int K, nfeat;
	size_t ntrees, nnodes;
	int32_t *root;               /* [ntrees], ascending; a tree ends where the next begins */
	int32_t *feature;            /* [nnodes] */
	float *value;                /* [nnodes] threshold or leaf margin */
	int32_t *yes, *no, *missing; /* [nnodes] */
};

/* Every index in range, children after their node inside its tree,
 * values finite: a file's trees are untrusted until this passes. */
int trees_check(const struct trees *t, struct err *e);
/* Class probabilities (softmax of the summed margins) of n rows x[n*nfeat]. */
void trees_predict(const struct trees *t, const float *x, size_t n, float *probs);
void trees_free(struct trees *t);

#endif
