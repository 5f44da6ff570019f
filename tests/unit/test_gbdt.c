#include "config.h"

#include <math.h>
#include <stdlib.h>
#include "base/rng.h"
#include "ml/gbdt.h"
#include "ml/trees.h"
#include "tap.h"

/* Three classes set by two of three readings, with missing cells. */
static void data(size_t n, float *x, int32_t *y, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		float a = (float)rng_uniform(&r), b = (float)rng_uniform(&r), c = (float)rng_uniform(&r);
		y[i] = a + 0.3f * b > 0.9f ? 2 : a > 0.4f ? 1 : 0;
		x[3 * i] = a;
		x[3 * i + 1] = i % 7 == 0 ? NAN : b;
		x[3 * i + 2] = c;
	}
}

int main(void)
{
	enum { N = 300, ND = 100 };
	float x[N * 3], dx[ND * 3];
	int32_t y[N], dy[ND];
	data(N, x, y, 1);
	data(ND, dx, dy, 2);
	struct gbdt_opts o;
	gbdt_opts_init(&o);
	o.max_rounds = 40;
	struct err e;
	struct gbdt *g = gbdt_fit(x, y, NULL, N, dx, dy, ND, 3, 3, &o, &e);
	ok(g != NULL, "fit: %s", g ? "ok" : e.msg);
	if (!g)
		return tap_done();
	ok(gbdt_rounds(g) >= 10 && gbdt_rounds(g) <= 40, "early-stopped at %d rounds", gbdt_rounds(g));
	float want[ND * 3], got[ND * 3];
	ok(gbdt_predict(g, dx, ND, want, &e) == 0, "the library predicts");
	struct trees t;
	int rc = gbdt_export(g, &t, &e);
	ok(rc == 0, "export: %s", rc ? e.msg : "ok");
	ok(t.ntrees == (size_t)gbdt_rounds(g) * 3, "a tree per round and class (%zu)", t.ntrees);
	trees_predict(&t, dx, ND, got);
	double worst = 0;
	size_t right = 0;
	for (size_t i = 0; i < ND; i++) {
		size_t best = 0;
		for (size_t k = 0; k < 3; k++) {
			worst = fmax(worst, fabs((double)got[i * 3 + k] - want[i * 3 + k]));
			if (got[i * 3 + k] > got[i * 3 + best])
				best = k;
		}
		right += (int32_t)best == dy[i];
	}
	ok(worst < 1e-5, "the exported trees give the library's probabilities (worst difference %.2g)", worst);
	ok(right > ND * 8 / 10, "and they have learned the rule (%zu of %d right)", right, ND);
	ok(trees_check(&t, &e) == 0, "the exported trees pass the check");
	size_t inner = 0;
	while (t.feature[inner] < 0)
		inner++;
	int32_t saved = t.yes[inner];
	t.yes[inner] = (int32_t)inner;
	ok(trees_check(&t, &e) != 0, "a node pointing at itself is refused: %s", e.msg);
	t.yes[inner] = saved;
	t.feature[inner] = 3;
	ok(trees_check(&t, &e) != 0, "a feature out of range is refused: %s", e.msg);
	t.feature[inner] = 0;
	t.value[inner] = NAN;
	ok(trees_check(&t, &e) != 0, "a NaN threshold is refused: %s", e.msg);
	trees_free(&t);
	gbdt_free(g);
	return tap_done();
}
