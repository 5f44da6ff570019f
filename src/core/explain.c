#include "config.h"
#include "explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/strpool.h"
#include "data/table.h"

/* Stand-ins per fact: the percentiles between the stored ones. */
#define EXPLAIN_DRAWS 10

/* An empty table shaped as t. */
static struct table *same_columns(const struct table *t)
{
	struct table *c = table_new();
	for (size_t k = 0; k < t->ncols; k++)
		table_add_column(c, t->cols[k].name, t->cols[k].type);
	return c;
}

static void copy_row(struct table *dst, const struct table *src, size_t r)
{
	size_t at = table_append_row(dst, src->source_row[r]);
	for (size_t k = 0; k < src->ncols; k++) {
		const struct column *c = &src->cols[k];
		if (c->type == COL_NUM)
			dst->cols[k].num[at] = c->num[r];
		else if (c->type == COL_TIME)
			dst->cols[k].time[at] = c->time[r];
		else if (c->str[r])
			table_set_str(dst, k, at, strpool_get(src->pool, c->str[r]));
	}
}

/* The rows a trend fact of row r reads before it: up to window - 1 of
 * its machine's earlier rows, oldest first, into ctx; returns how many. */
static size_t context_rows(const struct pipeline *p, size_t r, size_t *ctx)
{
	size_t w = textualize_window(p->tz), n = 0;
	long mc = textualize_machine_column(p->tz);
	const struct table *t = p->t;
	for (size_t i = r; i-- > 0 && n + 1 < w;) {
		bool same = mc < 0 || (t->cols[mc].type == COL_STR ? t->cols[mc].str[i] == t->cols[mc].str[r]
		                                                  : table_is_missing(t, (size_t)mc, i) ==
		                                                            table_is_missing(t, (size_t)mc, r));
		if (same && mc >= 0 && t->cols[mc].type == COL_NUM)
			same = t->cols[mc].num[i] == t->cols[mc].num[r];
		if (same)
			ctx[n++] = i;
	}
	for (size_t i = 0; i < n / 2; i++) {
		size_t x = ctx[i];
		ctx[i] = ctx[n - 1 - i];
		ctx[n - 1 - i] = x;
	}
	return n;
}

/* One block: row r after its context, as machine `block` so that blocks
 * do not run into each other's trends; returns the row of r in t. */
static size_t copy_block(struct table *t, const struct pipeline *p, size_t r, const size_t *ctx, size_t nctx,
                         size_t block)
{
	long mc = textualize_machine_column(p->tz);
	char name[32];
	snprintf(name, sizeof name, "block %zu", block);
	for (size_t i = 0; i <= nctx; i++) {
		copy_row(t, p->t, i < nctx ? ctx[i] : r);
		if (mc >= 0 && t->cols[mc].type == COL_STR)
			table_set_str(t, (size_t)mc, t->nrows - 1, name);
		else if (mc >= 0 && t->cols[mc].type == COL_NUM)
			t->cols[mc].num[t->nrows - 1] = (double)block;
	}
	return t->nrows - 1;
}

static int cmp_strength(const void *a, const void *b)
{
	double x = fabs(((const struct evidence *)a)->contribution), y = fabs(((const struct evidence *)b)->contribution);
	return (x < y) - (x > y);
}

size_t explain_row(struct learner *l, const struct pipeline *p, size_t r, int cls, struct evidence *out)
{
	if (!p->tz || !p->t)
		return 0;
	size_t nf = textualize_nfacts(p->tz), K = l->mf.nlabels, n = 0, blocks = 0;
	struct table *t = same_columns(p->t);
	size_t *ctx = xmalloc((textualize_window(p->tz) + 1) * sizeof *ctx), nctx = context_rows(p, r, ctx);
	/* Row 0 of `at` is the row as it is; per fact, its stand-ins follow
	 * from first[i], count[i] of them with their weights. */
	size_t *at = xmalloc((1 + nf * EXPLAIN_DRAWS) * sizeof *at);
	at[blocks] = copy_block(t, p, r, ctx, nctx, blocks);
	blocks++;
	size_t *first = xcalloc(nf + 1, sizeof *first), *count = xcalloc(nf + 1, sizeof *count);
	double *weight = xmalloc((nf * EXPLAIN_DRAWS + 1) * sizeof *weight);
	for (size_t i = 0; i < nf; i++) {
		struct fact_profile f;
		textualize_profile(p->tz, i, &f);
		if (table_is_missing(p->t, f.col, r) || (f.level && !f.quantiles) || (f.category && !f.ncategories) ||
		    (!f.level && !f.category))
			continue;
		first[i] = blocks;
		size_t draws = f.level ? EXPLAIN_DRAWS : f.ncategories < EXPLAIN_DRAWS ? f.ncategories : EXPLAIN_DRAWS;
		double total = 0;
		for (size_t d = 0; d < draws; d++)
			total += f.level ? 1 : f.shares[d];
		for (size_t d = 0; d < draws; d++) {
			size_t row = at[blocks] = copy_block(t, p, r, ctx, nctx, blocks);
			blocks++;
			if (f.level)
				t->cols[f.col].num[row] = f.quantiles[2 * d + 1];
			else
				table_set_str(t, f.col, row, f.categories[d]);
			weight[i * EXPLAIN_DRAWS + d] = (f.level ? 1 : f.shares[d]) / (total > 0 ? total : 1);
		}
		count[i] = draws;
	}
	struct pipeline view = {.t = t, .tz = p->tz};
	view.texts = textualize_table(p->tz, t);
	float *probs = xmalloc((blocks * K + 1) * sizeof *probs);
	learner_predict_rows(l, &view, at, blocks, probs);
	struct fact_explain *fx = xmalloc((nf + 1) * sizeof *fx);
	textualize_explain(p->tz, p->t, r, fx);
	for (size_t i = 0; i < nf; i++) {
		if (!count[i])
			continue;
		double without = 0;
		for (size_t d = 0; d < count[i]; d++)
			without += weight[i * EXPLAIN_DRAWS + d] * probs[(first[i] + d) * K + (size_t)cls];
		struct evidence *ev = &out[n++];
		snprintf(ev->fact, sizeof ev->fact, "%s", fx[i].name);
		snprintf(ev->reading, sizeof ev->reading, "%s", fx[i].value);
		snprintf(ev->phrase, sizeof ev->phrase, "%s%s%s", fx[i].name, textualize_join(p->tz, i),
		         fx[i].numeric && fx[i].level >= 0 ? textualize_level_name(p->tz, i, fx[i].level) : fx[i].value);
		ev->contribution = (double)probs[(size_t)cls] - without;
	}
	qsort(out, n, sizeof *out, cmp_strength);
	for (size_t i = 0; i < t->nrows; i++)
		free(view.texts[i]);
	free(view.texts);
	free(fx);
	free(probs);
	free(weight);
	free(first);
	free(count);
	free(at);
	free(ctx);
	table_free(t);
	return n;
}
