#ifndef LATHE_ML_GBDT_H
#define LATHE_ML_GBDT_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "ml/trees.h"

/* Gradient-boosted trees (XGBoost's C API): the classical model an
 * engineer could fit instead, trained beside the encoder on the same rows'
 * readings so that every run shows whether the language model earns its
 * place. Rows are feature vectors of d floats, NAN when missing. */
struct gbdt;

struct gbdt_opts {
	int max_rounds; /* boosting rounds at most (default 300) */
	int depth;      /* tree depth (default 6) */
	double eta;     /* learning rate (default 0.1) */
	int threads;
	uint64_t seed;
};

void gbdt_opts_init(struct gbdt_opts *o);
/* Fits K-class trees on n rows x[n*d] with labels y[n] in [0, K) and row
 * weights w[n] (may be NULL); stops adding rounds when the macro-F1 on the
 * dev rows (nd of them; none: all max_rounds) has not risen for 30 rounds,
 * and keeps the best. */
struct gbdt *gbdt_fit(const float *x, const int32_t *y, const float *w, size_t n, const float *dev_x,
                      const int32_t *dev_y, size_t nd, size_t d, int K, const struct gbdt_opts *o, struct err *e);
/* Class probabilities of n rows: probs[n*K]. */
int gbdt_predict(struct gbdt *g, const float *x, size_t n, float *probs, struct err *e);
int gbdt_rounds(const struct gbdt *g);
/* The fitted trees as plain arrays (ml/trees.h), to store and evaluate
 * without the library. */
int gbdt_export(const struct gbdt *g, struct trees *out, struct err *e);
void gbdt_free(struct gbdt *g);

#endif
