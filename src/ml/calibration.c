#include "config.h"
#include "calibration.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/err.h"

/* Probabilities of 0 (a tree's hard leaf, a blend's) stay finite. */
static double safe_log(float p)
{
	return log(p > 1e-12f ? (double)p : 1e-12);
}

static double nll_at(const float *probs, const int32_t *truth, size_t n, int K, double T)
{
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)K;
		double mx = -INFINITY, sum = 0;
		for (int k = 0; k < K; k++)
			mx = fmax(mx, safe_log(p[k]) / T);
		for (int k = 0; k < K; k++)
			sum += exp(safe_log(p[k]) / T - mx);
		total -= safe_log(p[truth[i]]) / T - mx - log(sum);
	}
	return total;
}

/* The likelihood is unimodal in log T for a fixed set of rows, so a
 * golden-section search over log T finds its best, in [1/4, 20]: a dev
 * split the model gets all right would have it sharpen without end, and
 * a few hundred rows do not prove certainty. */
double calib_fit_temperature(const float *probs, const int32_t *truth, size_t n, int K)
{
	if (n == 0 || K < 2)
		return 1;
	const double g = (sqrt(5.0) - 1) / 2;
	double a = log(0.25), b = log(20.0);
	double c = b - g * (b - a), d = a + g * (b - a);
	double fc = nll_at(probs, truth, n, K, exp(c)), fd = nll_at(probs, truth, n, K, exp(d));
	for (int it = 0; it < 60; it++) {
		if (fc < fd) {
			b = d;
			d = c;
			fd = fc;
			c = b - g * (b - a);
			fc = nll_at(probs, truth, n, K, exp(c));
		} else {
			a = c;
			c = d;
			fc = fd;
			d = a + g * (b - a);
			fd = nll_at(probs, truth, n, K, exp(d));
		}
	}
	return exp((a + b) / 2);
}

void calib_apply(const float *probs, size_t n, int K, double T, float *out)
{
	double *z = xmalloc(((size_t)K + 1) * sizeof *z);
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)K;
		double mx = -INFINITY, sum = 0;
		for (int k = 0; k < K; k++)
			mx = fmax(mx, z[k] = safe_log(p[k]) / T);
		for (int k = 0; k < K; k++)
			sum += z[k] = exp(z[k] - mx);
		for (int k = 0; k < K; k++)
			out[i * (size_t)K + k] = (float)(z[k] / sum);
	}
	free(z);
}

double calib_ece(const float *probs, const int32_t *truth, size_t n, int K, struct calib_bin *bins)
{
	struct calib_bin b[CALIB_BINS];
	for (int i = 0; i < CALIB_BINS; i++)
		b[i] = (struct calib_bin){.lo = (double)i / CALIB_BINS, .hi = (double)(i + 1) / CALIB_BINS};
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)K;
		int top = 0;
		for (int k = 1; k < K; k++)
			if (p[k] > p[top])
				top = k;
		int at = (int)(p[top] * CALIB_BINS);
		at = at < 0 ? 0 : at >= CALIB_BINS ? CALIB_BINS - 1 : at;
		b[at].count++;
		b[at].confidence += p[top];
		b[at].accuracy += top == truth[i];
	}
	double ece = 0;
	for (int i = 0; i < CALIB_BINS; i++) {
		if (b[i].count) {
			b[i].confidence /= (double)b[i].count;
			b[i].accuracy /= (double)b[i].count;
		}
		ece += n ? (double)b[i].count / (double)n * fabs(b[i].accuracy - b[i].confidence) : 0;
	}
	if (bins)
		memcpy(bins, b, sizeof b);
	return ece;
}

static int cmp_desc(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x < y) - (x > y);
}

void calib_cost_threshold(const float *p_fail, const bool *failed, size_t n, double miss, double false_alarm,
                          struct calib_cost *out)
{
	size_t failures = 0;
	for (size_t i = 0; i < n; i++)
		failures += failed[i];
	/* Above every probability nothing alerts: every failure is missed. */
	*out = (struct calib_cost){.threshold = 1.0 + 1e-6, .expected_cost = n ? miss * (double)failures / (double)n : 0,
	                           .recall = failures ? 0 : -1, .failures = failures, .rows = n};
	if (n == 0)
		return;
	/* Candidates: each row's own probability, highest first; alerting
	 * from a candidate down catches every row at or above it. */
	struct cand {
		float p;
		bool failed;
	} *c = xmalloc(n * sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = (struct cand){p_fail[i], failed[i]};
	qsort(c, n, sizeof *c, cmp_desc);
	size_t tp = 0, fp = 0;
	double best = (double)failures * miss;
	for (size_t i = 0; i < n; i++) {
		tp += c[i].failed;
		fp += !c[i].failed;
		if (i + 1 < n && c[i + 1].p == c[i].p)
			continue;
		double cost = (double)(failures - tp) * miss + (double)fp * false_alarm;
		if (cost < best - 1e-12) {
			best = cost;
			out->threshold = c[i].p;
			out->recall = failures ? (double)tp / (double)failures : -1;
			out->false_alarms_per_1000 = 1000.0 * (double)fp / (double)n;
		}
	}
	out->expected_cost = best / (double)n;
	free(c);
}
