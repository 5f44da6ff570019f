/* weights_diff A B: how far apart two model files' weights are, as the
 * largest difference of any weight over the largest weight of A (one
 * number on standard output); exit 1 when they cannot be compared
 * (unreadable, or another shape). For tests that train one model two
 * ways and expect the same weights. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "io/model_file.h"

static float *weights(const char *path, struct backend *be, struct model_file *mf, size_t *n)
{
	struct model *m;
	struct err e;
	if (model_file_load(path, be, 1, &m, mf, &e)) {
		fprintf(stderr, "weights_diff: %s\n", e.msg);
		return NULL;
	}
	*n = model_param_count(m);
	float *w = malloc((*n + 1) * sizeof *w);
	if (w)
		model_snapshot(m, MODEL_WEIGHT, w);
	model_free(m);
	return w;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: weights_diff A.safetensors B.safetensors\n");
		return 2;
	}
	struct err e;
	const char *note;
	struct backend *be = backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e);
	if (!be)
		return 1;
	struct model_file ma, mb;
	size_t na = 0, nb = 0;
	float *a = weights(argv[1], be, &ma, &na), *b = a ? weights(argv[2], be, &mb, &nb) : NULL;
	int rc = 1;
	if (a && b && na == nb) {
		double diff = 0, scale = 0;
		for (size_t i = 0; i < na; i++) {
			diff = fmax(diff, fabs((double)a[i] - b[i]));
			scale = fmax(scale, fabs((double)a[i]));
		}
		printf("%.3e\n", scale > 0 ? diff / scale : diff);
		rc = 0;
	} else if (a && b) {
		fprintf(stderr, "weights_diff: %zu weights against %zu\n", na, nb);
	}
	if (a)
		model_file_free(&ma);
	if (b)
		model_file_free(&mb);
	free(a);
	free(b);
	backend_free(be);
	return rc;
}
