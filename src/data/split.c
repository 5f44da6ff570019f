#include "config.h"
#include "split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"

void split_opts_init(struct split_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = SPLIT_RANDOM;
	o->frac[0] = 0.8;
	o->frac[1] = 0.1;
	o->frac[2] = 0.1;
	o->seed = 42;
}

static const char *const method_names[] = {"random", "stratified", "group", "time"};

int split_parse_method(const char *s, enum split_method *m, struct err *e)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, method_names[i]) == 0) {
			*m = (enum split_method)i;
			return 0;
		}
	return err_set(e, "--split %s: expected random, stratified, group or time", s);
}

const char *split_method_name(enum split_method m)
{
	return method_names[m];
}

int split_parse_ratios(const char *s, double frac[3], struct err *e)
{
	double v[3] = {0, 0, 0};
	int n = 0;
	const char *p = s;
	while (n < 3) {
		char *end;
		v[n] = strtod(p, &end);
		if (end == p || v[n] < 0 || !isfinite(v[n]))
			return err_set(e, "--ratios %s: expected three numbers such as 0.8,0.1,0.1", s);
		n++;
		p = end;
		if (*p == ',')
			p++;
		else
			break;
	}
	double sum = v[0] + v[1] + v[2];
	if (*p || n < 2 || sum <= 0 || v[0] <= 0)
		return err_set(e, "--ratios %s: expected three numbers such as 0.8,0.1,0.1", s);
	for (int i = 0; i < 3; i++)
		frac[i] = v[i] / sum;
	return 0;
}

const char *split_part_name(uint8_t part)
{
	return part == SPLIT_TRAIN ? "train" : part == SPLIT_DEV ? "dev" : "test";
}

/* Gives the items of idx[0..n) parts in order by the fractions. */
static void assign_in_order(const size_t *idx, size_t n, const double frac[3], uint8_t *part)
{
	size_t n_train = (size_t)llround(frac[0] * (double)n);
	size_t n_dev = (size_t)llround((frac[0] + frac[1]) * (double)n) - n_train;
	for (size_t i = 0; i < n; i++)
		part[idx[i]] = i < n_train ? SPLIT_TRAIN : i < n_train + n_dev ? SPLIT_DEV : SPLIT_TEST;
}

static int find_col(const struct table *t, const char *name, const char *what, struct err *e)
{
	if (!name)
		return err_set(e, "--split %s needs a column (%s)", what,
		               strcmp(what, "group") == 0 ? "--group or --machine" : "--label");
	long c = table_find(t, name);
	if (c < 0)
		return err_set(e, "--split %s: no column named \"%s\"", what, name);
	return (int)c;
}

static int cmp_by_key(const void *a, const void *b, void *arg)
{
	const double *key = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (key[x] != key[y])
		return key[x] < key[y] ? -1 : 1;
	return (x > y) - (x < y);
}

int split_assign(const struct table *t, const struct split_opts *o, uint8_t *part, struct err *e)
{
	size_t n = t->nrows;
	size_t *idx = xmalloc((n ? n : 1) * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	struct rng rng;
	rng_seed(&rng, o->seed);
	int rc = 0;
	switch (o->method) {
	case SPLIT_RANDOM:
		rng_shuffle(&rng, idx, n);
		assign_in_order(idx, n, o->frac, part);
		break;
	case SPLIT_STRATIFIED: {
		int c = find_col(t, o->label, "stratified", e);
		if (c < 0) {
			rc = -1;
			break;
		}
		/* Each label's rows shuffled and cut by the fractions. */
		struct table_groups g;
		table_groups_by(t, c, &g);
		for (size_t k = 0; k < g.n; k++) {
			rng_shuffle(&rng, g.rows + g.start[k], g.start[k + 1] - g.start[k]);
			assign_in_order(g.rows + g.start[k], g.start[k + 1] - g.start[k], o->frac, part);
		}
		table_groups_free(&g);
		break;
	}
	case SPLIT_GROUP: {
		int c = find_col(t, o->group, "group", e);
		if (c < 0) {
			rc = -1;
			break;
		}
		size_t col = (size_t)c, ng;
		size_t *g = table_group_ids(t, &col, 1, &ng);
		size_t *order = xmalloc((ng ? ng : 1) * sizeof *order);
		size_t *size = xcalloc(ng + 1, sizeof *size);
		uint8_t *gpart = xmalloc(ng + 1);
		for (size_t k = 0; k < ng; k++)
			order[k] = k;
		for (size_t i = 0; i < n; i++)
			size[g[i]]++;
		rng_shuffle(&rng, order, ng);
		/* Whole groups fill train, then dev, then test, by rows. */
		size_t done = 0;
		for (size_t k = 0; k < ng; k++) {
			double at = ((double)done + (double)size[order[k]] / 2) / (double)n;
			gpart[order[k]] = at < o->frac[0] ? SPLIT_TRAIN : at < o->frac[0] + o->frac[1] ? SPLIT_DEV : SPLIT_TEST;
			done += size[order[k]];
		}
		/* A part with a share but no group (six machines: each a sixth,
		 * none falls in dev's tenth) takes the last group before it in
		 * the order, so that dev can stop training early and calibrate,
		 * and test can score, while train keeps at least one. */
		for (int want = SPLIT_DEV; want <= SPLIT_TEST && ng >= 3; want++) {
			bool has = false;
			for (size_t k = 0; k < ng && !has; k++)
				has = gpart[k] == want;
			size_t train = 0;
			for (size_t k = 0; k < ng; k++)
				train += gpart[k] == SPLIT_TRAIN;
			for (size_t k = ng; o->frac[want] > 0 && !has && train > 1 && k-- > 0;)
				if (gpart[order[k]] == SPLIT_TRAIN) {
					gpart[order[k]] = (uint8_t)want;
					has = true;
				}
		}
		for (size_t i = 0; i < n; i++)
			part[i] = gpart[g[i]];
		free(gpart);
		free(size);
		free(order);
		free(g);
		break;
	}
	case SPLIT_TIME: {
		long tc = -1;
		if (o->time) {
			tc = table_find(t, o->time);
			if (tc < 0) {
				rc = err_set(e, "--split time: no column named \"%s\"", o->time);
				break;
			}
		} else {
			for (size_t c = 0; c < t->ncols && tc < 0; c++)
				if (t->cols[c].type == COL_TIME)
					tc = (long)c;
		}
		if (tc >= 0) {
			double *key = xmalloc((n ? n : 1) * sizeof *key);
			const struct column *col = &t->cols[tc];
			for (size_t i = 0; i < n; i++)
				key[i] = col->type == COL_TIME ? (col->time[i] == TABLE_TIME_MISSING ? -INFINITY : (double)col->time[i])
				         : col->type == COL_NUM ? (isnan(col->num[i]) ? -INFINITY : col->num[i])
				                                : (double)i;
			qsort_r(idx, n, sizeof *idx, cmp_by_key, key);
			free(key);
		}
		assign_in_order(idx, n, o->frac, part);
		break;
	}
	}
	free(idx);
	return rc;
}
