#ifndef LATHE_CORE_CASES_H
#define LATHE_CORE_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "io/model_file.h"
#include "core/pipeline.h"

/* A trained classifier's memory of its data (io/casebook.h), kept in its
 * model file. */

/* Training rows kept as cases at most (an even stride through them
 * beyond that), and dev rows whose nearest case sets "far". */
#define CASES_MAX 1000000
#define CASES_FAR_ROWS 2000

/* Fills cb from the training rows train[0..n) of p with their classes
 * cls and embeddings emb[n, dim], and the dev rows' probabilities
 * dev_probs[ndev, K] (diagnose's), classes and embeddings dev_emb: cb
 * takes cls, emb, dev_probs and dev_cls; dev_emb stays the caller's. */
void cases_fill(struct model_casebook *cb, const struct pipeline *p, const size_t *train, int32_t *cls, float *emb,
                size_t n, size_t dim, float *dev_probs, int32_t *dev_cls, const float *dev_emb, size_t ndev);

struct similar_case {
	float similarity;           /* cosine, 1 = the same embedding */
	const char *label;
	const char *machine;        /* NULL when the log names none */
	int64_t row;                /* 1-based data row of the training log */
	int64_t time;               /* epoch ms; INT64_MIN when none */
};

/* The k cases most like an embedding emb[hidden] (any length), most
 * similar first; returns how many (0 without a casebook). */
size_t cases_similar(const struct model_file *mf, const float *emb, size_t k, struct similar_case *out);
/* 1 - the cosine similarity of emb to its nearest case (-1 without a
 * casebook); *unlike is set when that is beyond the casebook's "far". */
double cases_distance(const struct model_file *mf, const float *emb, bool *unlike);

#endif
