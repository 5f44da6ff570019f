#ifndef LATHE_ML_METRICS_H
#define LATHE_ML_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Classification metrics in scikit-learn's classification_report shape:
 * per class precision, recall, F1 and support; macro and support-weighted
 * averages over the classes that occur in the truth or the predictions
 * (a class never predicted has precision 0); accuracy; the confusion
 * matrix (rows: truth, columns: prediction). */
struct metrics {
	int K;
	long *confusion;             /* [K*K] */
	double *precision, *recall, *f1;
	long *support;
	int *present;                /* occurs in truth or predictions */
	double accuracy;
	double macro_p, macro_r, macro_f1;
	double weighted_p, weighted_r, weighted_f1;
	long n;
};

void metrics_compute(struct metrics *m, const int32_t *truth, const int32_t *pred, size_t n, int K);
void metrics_free(struct metrics *m);
/* The macro-F1 of the most probable class of each of n rows (probs[n*K])
 * against the truth. */
double metrics_macro_f1(const float *probs, const int32_t *truth, size_t n, int K);

#endif
