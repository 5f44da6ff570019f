#include "config.h"
#include "drift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/strpool.h"
#include "base/utf8.h"
#include "data/table.h"

#define DECILES 10

/* A share of 0 would make the index infinite; this floor stands for "a
 * few rows at most". */
static double share_floor(double s)
{
	return s > 1e-4 ? s : 1e-4;
}

static double psi_term(double actual, double expected)
{
	actual = share_floor(actual);
	expected = share_floor(expected);
	return (actual - expected) * log(actual / expected);
}

static void level_drift(const struct pipeline *p, const struct fact_profile *f, struct drift *d)
{
	size_t count[DECILES] = {0}, outside = 0, n = 0;
	const double *q = f->quantiles, lo = q[0], hi = q[TEXT_QUANTILES - 1];
	for (size_t r = 0; r < p->t->nrows; r++) {
		double x = p->t->cols[f->col].num[r];
		if (isnan(x))
			continue;
		n++;
		outside += x < lo || x > hi;
		/* decile k holds readings up to the (k + 1) * 10th percentile,
		 * the stored quantiles at 2, 4, .., 18 */
		int k = 0;
		while (k < DECILES - 1 && x > q[2 * (k + 1)])
			k++;
		count[k]++;
	}
	d->rows = n;
	d->outside = n ? (double)outside / (double)n : 0;
	for (int k = 0; k < DECILES && n; k++)
		d->psi += psi_term((double)count[k] / (double)n, 1.0 / DECILES);
}

static void category_drift(const struct pipeline *p, const struct fact_profile *f, struct drift *d)
{
	size_t *count = xcalloc(f->ncategories + 1, sizeof *count), n = 0;
	char buf[64];
	for (size_t r = 0; r < p->t->nrows; r++) {
		if (table_is_missing(p->t, f->col, r))
			continue;
		const char *v = table_cell_text(p->t, f->col, r, buf, sizeof buf);
		size_t k = 0;
		while (k < f->ncategories && strcmp(f->categories[k], v) != 0)
			k++;
		count[k]++;  /* k == ncategories: a value the training rows had not */
		n++;
	}
	double known = 0;
	for (size_t k = 0; k < f->ncategories; k++)
		known += f->shares[k];
	d->rows = n;
	for (size_t k = 0; k <= f->ncategories && n; k++)
		d->psi += psi_term((double)count[k] / (double)n, k < f->ncategories ? f->shares[k] : 1 - known);
	free(count);
}

static int cmp_psi(const void *a, const void *b)
{
	double x = ((const struct drift *)a)->psi, y = ((const struct drift *)b)->psi;
	return (x < y) - (x > y);
}

size_t drift_measure(const struct pipeline *p, struct drift *out)
{
	size_t n = 0;
	for (size_t i = 0; p->tz && i < textualize_nfacts(p->tz); i++) {
		struct fact_profile f;
		textualize_profile(p->tz, i, &f);
		if (!(f.level && f.quantiles) && !(f.category && f.ncategories))
			continue;
		struct drift *d = &out[n++];
		memset(d, 0, sizeof *d);
		d->fact = f.name;
		if (f.level)
			level_drift(p, &f, d);
		else
			category_drift(p, &f, d);
		d->verdict = d->psi < 0.1 ? "stable" : d->psi <= 0.25 ? "moderate shift" : "major shift";
	}
	qsort(out, n, sizeof *out, cmp_psi);
	return n;
}

void drift_text(const struct drift *d, size_t n, struct strbuf *out)
{
	strbuf_printf(out, "%-24s %8s %14s  %s\n", "fact", "PSI", "out of range", "verdict");
	for (size_t i = 0; i < n; i++) {
		utf8_pad_buf(out, d[i].fact, 24);
		strbuf_printf(out, " %8.3f %13.1f%%  %s\n", d[i].psi, 100 * d[i].outside, d[i].verdict);
	}
}
