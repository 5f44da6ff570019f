#ifndef LATHE_ML_CALIBRATION_H
#define LATHE_ML_CALIBRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Confidence a diagnosis can be taken at its word for: temperature
 * scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017)
 * fitted on held-out rows, the expected calibration error and its
 * reliability table, and the alert threshold that costs least. */

/* The temperature T in [1/4, 20] that minimizes the held-out rows'
 * negative log likelihood of softmax(log p / T); 1 when there is nothing
 * to fit. */
double calib_fit_temperature(const float *probs, const int32_t *truth, size_t n, int K);
/* probs[n*K] <- softmax(log probs / T), row by row (in place allowed). */
void calib_apply(const float *probs, size_t n, int K, double T, float *out);

/* One bin of a reliability table: rows whose top probability falls in
 * [lo, hi), their mean top probability and the share of them right. */
struct calib_bin {
	double lo, hi, confidence, accuracy;
	size_t count;
};

#define CALIB_BINS 10
/* The expected calibration error of the top class over CALIB_BINS equal
 * bins of confidence: sum over bins of count/n * |accuracy - confidence|;
 * bins (may be NULL) gets the table. */
double calib_ece(const float *probs, const int32_t *truth, size_t n, int K, struct calib_bin *bins);

/* An alert threshold on the probability of a failure (any class but the
 * normal one): raising an alert costs false_alarm when the row is normal,
 * missing one costs miss. */
struct calib_cost {
	double threshold;            /* alert when P(failure) >= threshold */
	double expected_cost;        /* per row, on the rows it was chosen on */
	double recall;               /* of the failures; -1 without any */
	double false_alarms_per_1000;
	size_t failures, rows;
};

/* The threshold minimizing the summed cost over n rows of p_fail[i] and
 * whether each row was a failure; ties go to the higher threshold (fewer
 * alarms for the same cost). */
void calib_cost_threshold(const float *p_fail, const bool *failed, size_t n, double miss, double false_alarm,
                          struct calib_cost *out);

#endif
