#include "config.h"

#include <math.h>
#include <stdlib.h>
#include "base/rng.h"
#include "ml/calibration.h"
#include "ml/neighbors.h"
#include "tap.h"

/* Rows of two classes whose model says p = 0.95 for the class it picks,
 * right only 70% of the time: overconfident, so the temperature must
 * soften it and the calibration error fall. */
static void overconfident(float *probs, int32_t *truth, size_t n)
{
	struct rng r;
	rng_seed(&r, 7);
	for (size_t i = 0; i < n; i++) {
		int pick = rng_uniform(&r) < 0.5;
		probs[2 * i + pick] = 0.95f;
		probs[2 * i + 1 - pick] = 0.05f;
		truth[i] = rng_uniform(&r) < 0.7 ? pick : 1 - pick;
	}
}

int main(void)
{
	enum { N = 4000 };
	float *probs = calloc(2 * N, sizeof *probs), *cal = calloc(2 * N, sizeof *cal);
	int32_t *truth = calloc(N, sizeof *truth);
	overconfident(probs, truth, N);
	double T = calib_fit_temperature(probs, truth, N, 2);
	ok(T > 1.5, "an overconfident model gets a temperature above 1 (%.3f)", T);
	calib_apply(probs, N, 2, T, cal);
	/* The best temperature makes p = 0.7 exactly: log(0.95/0.05)/T = log(0.7/0.3). */
	is_dbl(T, log(19.0) / log(0.7 / 0.3), 0.05, "it is the one that makes 0.95 into the 70%% it is worth");
	struct calib_bin bins[CALIB_BINS];
	double before = calib_ece(probs, truth, N, 2, NULL), after = calib_ece(cal, truth, N, 2, bins);
	ok(before > 0.2 && after < 0.03, "the calibration error falls from %.3f to %.3f", before, after);
	is_int(bins[7].count, N, "every row lands in the 0.7-0.8 bin after");
	/* Worked by hand: two rows at 0.9 (one right), one at 0.6 (right):
	 * |0.5 - 0.9| * 2/3 + |1 - 0.6| * 1/3 = 0.4. */
	float p3[6] = {0.9f, 0.1f, 0.9f, 0.1f, 0.4f, 0.6f};
	int32_t t3[3] = {0, 1, 1};
	is_dbl(calib_ece(p3, t3, 3, 2, NULL), 0.4, 1e-6, "expected calibration error by hand");
	is_dbl(calib_fit_temperature(p3, t3, 0, 2), 1, 0, "no rows: temperature 1");
	/* Alerts: failures at 0.9, 0.8, 0.3; normal rows at 0.7, 0.2, 0.1.
	 * At costs 10:1, alerting from 0.3 catches all three for two false
	 * alarms (cost 2), cheaper than missing one (10). At 1:10 alerting
	 * costs more than it saves but at 0.8 and above (no false alarm). */
	float pf[6] = {0.9f, 0.8f, 0.3f, 0.7f, 0.2f, 0.1f};
	bool failed[6] = {true, true, true, false, false, false};
	struct calib_cost c;
	calib_cost_threshold(pf, failed, 6, 10, 1, &c);
	is_dbl(c.threshold, 0.3, 1e-6, "costly misses: alert from 0.3");
	is_dbl(c.recall, 1, 0, "... every failure caught");
	is_dbl(c.false_alarms_per_1000, 1000.0 / 6, 1e-9, "... at one false alarm in six rows");
	calib_cost_threshold(pf, failed, 6, 1, 10, &c);
	is_dbl(c.threshold, 0.8, 1e-6, "costly false alarms: alert from 0.8 only");
	is_dbl(c.false_alarms_per_1000, 0, 0, "... with none");
	calib_cost_threshold(pf, failed, 0, 1, 1, &c);
	ok(c.threshold > 1 && c.recall == -1, "no rows: nothing alerts");
	/* Nearest neighbours: exact, in order, ties to the lower index. */
	float base[5 * 2] = {1, 0, 0, 1, 1, 1, -1, 0, 1, 0};
	knn_normalize(base, 5, 2);
	is_dbl(base[4], sqrt(0.5), 1e-6, "rows are scaled to unit length");
	float q[2] = {1, 0.1f}, sim[9], scratch[5];
	size_t idx[9];
	knn_normalize(q, 1, 2);
	is_int(knn_search(base, 5, 2, q, 3, idx, sim, scratch), 3, "three neighbours");
	ok(idx[0] == 0 && idx[1] == 4 && idx[2] == 2, "most similar first, a tie to the lower row (%zu %zu %zu)", idx[0],
	   idx[1], idx[2]);
	ok(sim[0] == sim[1] && sim[1] > sim[2], "similarities fall");
	is_int(knn_search(base, 5, 2, q, 9, idx, sim, scratch), 5, "k is at most the rows");
	free(probs);
	free(cal);
	free(truth);
	return tap_done();
}
