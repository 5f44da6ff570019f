#include "config.h"
#include "metrics.h"

#include <stdlib.h>
#include <string.h>
#include "base/err.h"

void metrics_compute(struct metrics *m, const int32_t *truth, const int32_t *pred, size_t n, int K)
{
	memset(m, 0, sizeof *m);
	m->K = K;
	m->confusion = xcalloc((size_t)K * K + 1, sizeof *m->confusion);
	m->precision = xcalloc((size_t)K + 1, sizeof *m->precision);
	m->recall = xcalloc((size_t)K + 1, sizeof *m->recall);
	m->f1 = xcalloc((size_t)K + 1, sizeof *m->f1);
	m->support = xcalloc((size_t)K + 1, sizeof *m->support);
	m->present = xcalloc((size_t)K + 1, sizeof *m->present);
	long right = 0;
	for (size_t i = 0; i < n; i++) {
		if (truth[i] < 0 || truth[i] >= K || pred[i] < 0 || pred[i] >= K)
			continue;
		m->confusion[(size_t)truth[i] * K + pred[i]]++;
		m->n++;
		right += truth[i] == pred[i];
	}
	m->accuracy = m->n ? (double)right / (double)m->n : 0;
	int classes = 0;
	for (int k = 0; k < K; k++) {
		long tp = m->confusion[(size_t)k * K + k], predicted = 0, actual = 0;
		for (int j = 0; j < K; j++) {
			predicted += m->confusion[(size_t)j * K + k];
			actual += m->confusion[(size_t)k * K + j];
		}
		m->support[k] = actual;
		m->present[k] = predicted > 0 || actual > 0;
		m->precision[k] = predicted ? (double)tp / (double)predicted : 0;
		m->recall[k] = actual ? (double)tp / (double)actual : 0;
		double pr = m->precision[k] + m->recall[k];
		m->f1[k] = pr > 0 ? 2 * m->precision[k] * m->recall[k] / pr : 0;
		if (!m->present[k])
			continue;
		classes++;
		m->macro_p += m->precision[k];
		m->macro_r += m->recall[k];
		m->macro_f1 += m->f1[k];
		if (m->n) {
			double w = (double)actual / (double)m->n;
			m->weighted_p += w * m->precision[k];
			m->weighted_r += w * m->recall[k];
			m->weighted_f1 += w * m->f1[k];
		}
	}
	if (classes) {
		m->macro_p /= classes;
		m->macro_r /= classes;
		m->macro_f1 /= classes;
	}
}

void metrics_free(struct metrics *m)
{
	free(m->confusion);
	free(m->precision);
	free(m->recall);
	free(m->f1);
	free(m->support);
	free(m->present);
	memset(m, 0, sizeof *m);
}

double metrics_macro_f1(const float *probs, const int32_t *truth, size_t n, int K)
{
	int32_t *pred = xmalloc((n + 1) * sizeof *pred);
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)K;
		int best = 0;
		for (int k = 1; k < K; k++)
			if (p[k] > p[best])
				best = k;
		pred[i] = best;
	}
	struct metrics m;
	metrics_compute(&m, truth, pred, n, K);
	double f1 = m.macro_f1;
	metrics_free(&m);
	free(pred);
	return f1;
}
