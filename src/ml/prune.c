#include "config.h"
#include "prune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t param_named(const struct model *m, const char *name)
{
	const struct model_param *p;
	size_t np = model_params(m, &p);
	for (size_t i = 0; i < np; i++)
		if (strcmp(p[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Layer l's parameter part ("intermediate.dense.weight") as f32, and its
 * columns; the caller frees it. */
static float *layer_weights(const struct model *m, int l, const char *part, size_t *cols)
{
	char name[96];
	snprintf(name, sizeof name, "encoder.layer.%d.%s", l, part);
	size_t i = param_named(m, name);
	const struct model_param *p;
	model_params(m, &p);
	float *w = xmalloc(p[i].count * sizeof *w);
	model_read(m, MODEL_WEIGHT, i, w);
	*cols = p[i].ndim > 1 ? (size_t)p[i].shape[1] : 1;
	return w;
}

static double row_norm(const float *w, size_t cols, size_t row)
{
	double s = 0;
	for (size_t c = 0; c < cols; c++)
		s += (double)w[row * cols + c] * w[row * cols + c];
	return sqrt(s);
}

static double column_norm(const float *w, size_t rows, size_t cols, size_t col)
{
	double s = 0;
	for (size_t r = 0; r < rows; r++)
		s += (double)w[r * cols + col] * w[r * cols + col];
	return sqrt(s);
}

/* Keeps the `keep` largest of score[0..n) in keep_out, in index order. */
static void keep_strongest(const double *score, int n, int keep, int *keep_out)
{
	bool *taken = xcalloc((size_t)n + 1, sizeof *taken);
	for (int k = 0; k < keep; k++) {
		int best = -1;
		for (int i = 0; i < n; i++)
			if (!taken[i] && (best < 0 || score[i] > score[best]))
				best = i;
		taken[best] = true;
	}
	for (int i = 0, k = 0; i < n; i++)
		if (taken[i])
			keep_out[k++] = i;
	free(taken);
}

static int kept(int n, double fraction)
{
	int k = (int)lround(n * (1 - fraction));
	return k < 1 ? 1 : k > n ? n : k;
}

int prune_plan_make(const struct model *m, double fraction, struct prune_plan *plan, struct err *e)
{
	memset(plan, 0, sizeof *plan);
	if (!(fraction > 0 && fraction < 1))
		return err_set(e, "pruning removes a share between 0 and 1, not %g", fraction);
	const struct model_config *c = model_config(m);
	int H = c->heads, d = model_attention_width(c) / H, A = H * d, F = c->ff, L = c->layers;
	plan->c = *c;
	plan->c.heads = kept(H, fraction);
	plan->c.head_size = d;
	plan->c.ff = kept(F, fraction);
	if (plan->c.heads == H && plan->c.ff == F)
		return err_set(e, "pruning %g%% of %d heads and %d neurons per layer removes none: ask for more",
		               100 * fraction, H, F);
	plan->heads = xmalloc((size_t)L * plan->c.heads * sizeof *plan->heads);
	plan->neurons = xmalloc((size_t)L * plan->c.ff * sizeof *plan->neurons);
	double *score = xmalloc(((size_t)(H > F ? H : F) + 1) * sizeof *score);
	for (int l = 0; l < L; l++) {
		size_t qkv_cols, o_cols, in_cols, out_cols;
		float *qkv = layer_weights(m, l, "attention.self.qkv.weight", &qkv_cols);
		float *o = layer_weights(m, l, "attention.output.dense.weight", &o_cols);
		for (int h = 0; h < H; h++) {
			double v = 0, out = 0;
			for (int i = 0; i < d; i++) {
				double rv = row_norm(qkv, qkv_cols, (size_t)(2 * A + h * d + i));
				double co = column_norm(o, (size_t)c->C, o_cols, (size_t)(h * d + i));
				v += rv * rv, out += co * co;
			}
			score[h] = sqrt(v) * sqrt(out);
		}
		keep_strongest(score, H, plan->c.heads, plan->heads + (size_t)l * plan->c.heads);
		free(qkv);
		free(o);
		float *in = layer_weights(m, l, "intermediate.dense.weight", &in_cols);
		float *out = layer_weights(m, l, "output.dense.weight", &out_cols);
		for (int j = 0; j < F; j++)
			score[j] =
			    row_norm(in, in_cols, (size_t)j) * column_norm(out, (size_t)c->C, out_cols, (size_t)j);
		keep_strongest(score, F, plan->c.ff, plan->neurons + (size_t)l * plan->c.ff);
		free(in);
		free(out);
	}
	free(score);
	return 0;
}

/* Copies the kept rows (by_rows) or columns of parameter `part` of layer
 * l: keep[k] of the `groups` groups of `width` rows or columns each, in
 * each of `parts` stacked blocks (Q, K and V), to position k. */
static void copy_kept(const struct model *from, struct model *to, int l, const char *part, bool by_rows,
                      const int *keep, int nkeep, int groups, int width, int parts)
{
	char name[96];
	snprintf(name, sizeof name, "encoder.layer.%d.%s", l, part);
	size_t fi = param_named(from, name), ti = param_named(to, name);
	const struct model_param *fp, *tp;
	model_params(from, &fp);
	model_params(to, &tp);
	float *src = xmalloc(fp[fi].count * sizeof *src), *dst = xmalloc(tp[ti].count * sizeof *dst);
	model_read(from, MODEL_WEIGHT, fi, src);
	size_t src_cols = fp[fi].ndim > 1 ? (size_t)fp[fi].shape[1] : 1;
	size_t dst_cols = tp[ti].ndim > 1 ? (size_t)tp[ti].shape[1] : 1;
	size_t rows = (size_t)tp[ti].shape[0];
	for (int p = 0; p < parts; p++)
		for (int k = 0; k < nkeep; k++)
			for (int i = 0; i < width; i++) {
				size_t s = (size_t)(p * groups + keep[k]) * width + i,
				       t = (size_t)(p * nkeep + k) * width + i;
				if (by_rows)
					memcpy(dst + t * dst_cols, src + s * src_cols, dst_cols * sizeof *dst);
				else
					for (size_t r = 0; r < rows; r++)
						dst[r * dst_cols + t] = src[r * src_cols + s];
			}
	model_write(to, MODEL_WEIGHT, ti, dst);
	free(src);
	free(dst);
}

size_t prune_apply(const struct prune_plan *plan, const struct model *from, struct model *to)
{
	const struct model_config *c = model_config(from);
	int H = c->heads, d = model_attention_width(c) / H, nh = plan->c.heads, nf = plan->c.ff;
	model_copy_matching(to, from);
	for (int l = 0; l < c->layers; l++) {
		const int *heads = plan->heads + (size_t)l * nh, *neurons = plan->neurons + (size_t)l * nf;
		copy_kept(from, to, l, "attention.self.qkv.weight", true, heads, nh, H, d, 3);
		copy_kept(from, to, l, "attention.self.qkv.bias", true, heads, nh, H, d, 3);
		copy_kept(from, to, l, "attention.output.dense.weight", false, heads, nh, H, d, 1);
		copy_kept(from, to, l, "intermediate.dense.weight", true, neurons, nf, c->ff, 1, 1);
		copy_kept(from, to, l, "intermediate.dense.bias", true, neurons, nf, c->ff, 1, 1);
		copy_kept(from, to, l, "output.dense.weight", false, neurons, nf, c->ff, 1, 1);
	}
	const struct model_param *p;
	return model_params(to, &p);
}

void prune_plan_free(struct prune_plan *plan)
{
	free(plan->heads);
	free(plan->neurons);
	memset(plan, 0, sizeof *plan);
}
