#include "config.h"
#include "ask.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "hooks/filter.h"

enum aggregate { AGG_COUNT, AGG_MEAN, AGG_SUM, AGG_MIN, AGG_MAX };

static const char *const aggregates[] = {"count", "mean", "sum", "min", "max"};

/* A group's running figures. */
struct group {
	char *key;
	size_t rows, values;
	double sum, min, max;
};

/* Cuts s at the first " word " and returns what follows, or NULL. */
static char *cut_at(char *s, const char *word)
{
	char pat[16];
	snprintf(pat, sizeof pat, " %s ", word);
	char *hit = strstr(s, pat);
	if (!hit)
		return NULL;
	*hit = 0;
	return hit + strlen(pat);
}

/* Evaluates expr on every row (rows NULL) or on rows[0..n). */
static int values_of(const char *expr, const struct table *t, const size_t *rows, size_t n, long limit, double *num,
                     char **text, struct err *e)
{
	struct row_filter *f;
	if (row_filter_new(expr, t, limit, &f, e))
		return -1;
	int rc = row_filter_values(f, t, rows, n, num, text, e);
	row_filter_free(f);
	return rc;
}

static void add_value(struct group *g, double x, enum aggregate agg)
{
	g->rows++;
	if (agg == AGG_COUNT || isnan(x))
		return;
	g->min = g->values && g->min < x ? g->min : x;
	g->max = g->values && g->max > x ? g->max : x;
	g->sum += x;
	g->values++;
}

static void put_figure(struct strbuf *out, const struct group *g, enum aggregate agg)
{
	if (agg == AGG_COUNT) {
		strbuf_printf(out, "%zu", g->rows);
		return;
	}
	if (!g->values) {
		strbuf_printf(out, "no numbers (%zu rows)", g->rows);
		return;
	}
	double v = agg == AGG_MEAN ? g->sum / (double)g->values : agg == AGG_SUM ? g->sum : agg == AGG_MIN ? g->min : g->max;
	strbuf_printf(out, "%.6g over %zu rows", v, g->values);
}

int ask_log(const char *question, const struct table *t, long lua_limit, struct strbuf *out, struct err *e)
{
	int agg = -1;
	for (int k = 0; k < (int)(sizeof aggregates / sizeof *aggregates); k++) {
		size_t len = strlen(aggregates[k]);
		if (strncmp(question, aggregates[k], len) == 0 && (question[len] == ' ' || question[len] == 0))
			agg = k;
	}
	if (agg < 0)
		return 0;
	char *copy = xstrdup(question + strlen(aggregates[agg]));
	char *rest = copy;
	/* " where " and " by " may begin the rest too */
	size_t len = strlen(rest);
	char *padded = xmalloc(len + 3);
	snprintf(padded, len + 3, "%s ", rest);
	free(copy);
	rest = padded;
	char *by = cut_at(rest, "by"), *where = cut_at(rest, "where");
	if (where && by && by < where) {
		free(padded);
		return err_set(e, "say where before by: %s where EXPR by EXPR", aggregates[agg]);
	}
	char *value = rest;
	while (*value == ' ')
		value++;
	size_t vlen = strlen(value);
	while (vlen && value[vlen - 1] == ' ')
		value[--vlen] = 0;
	int rc = 1;
	if (agg == AGG_COUNT ? *value != 0 : *value == 0) {
		rc = err_set(e, agg == AGG_COUNT ? "count takes no value: count [where EXPR] [by EXPR]"
		                                 : "%s needs a value: %s EXPR [where EXPR] [by EXPR]",
		             aggregates[agg], aggregates[agg]);
		free(padded);
		return rc;
	}
	size_t n = t->nrows, m = 0;
	bool *keep = xmalloc(n + 1);
	size_t *rows = xmalloc((n + 1) * sizeof *rows);
	double *num = xmalloc((n + 1) * sizeof *num), *keynum = xmalloc((n + 1) * sizeof *keynum);
	char **key = xcalloc(n + 1, sizeof *key);
	struct group *groups = NULL;
	size_t ngroups = 0;
	if (where) {
		struct row_filter *f = NULL;
		long kept = row_filter_new(where, t, lua_limit, &f, e) ? -1 : row_filter_apply(f, t, NULL, n, keep, e);
		row_filter_free(f);
		if (kept < 0) {
			rc = -1;
			goto out;
		}
	}
	for (size_t r = 0; r < n; r++)
		if (!where || keep[r])
			rows[m++] = r;
	for (size_t i = 0; i < m; i++)
		num[i] = NAN;
	if ((agg != AGG_COUNT && m && values_of(value, t, rows, m, lua_limit, num, NULL, e)) ||
	    (by && m && values_of(by, t, rows, m, lua_limit, keynum, key, e))) {
		rc = -1;
		goto out;
	}
	/* groups in order of first appearance; without by, one */
	for (size_t i = 0; i < m; i++) {
		const char *k = by ? (key[i] ? key[i] : "(none)") : "";
		size_t g = 0;
		while (g < ngroups && strcmp(groups[g].key, k) != 0)
			g++;
		if (g == ngroups) {
			groups = xrealloc(groups, (ngroups + 1) * sizeof *groups);
			groups[ngroups++] = (struct group){.key = xstrdup(k)};
		}
		add_value(&groups[g], num[i], (enum aggregate)agg);
	}
	struct group all = {.key = NULL};
	for (size_t i = 0; i < m; i++)
		add_value(&all, num[i], (enum aggregate)agg);
	strbuf_printf(out, "%s: ", question);
	put_figure(out, &all, (enum aggregate)agg);
	strbuf_printf(out, agg == AGG_COUNT ? " of %zu rows\n" : " (of %zu rows)\n", agg == AGG_COUNT ? n : m);
	size_t w = 8;
	for (size_t g = 0; by && g < ngroups; g++)
		w = utf8_width(groups[g].key) > w ? utf8_width(groups[g].key) : w;
	for (size_t g = 0; by && g < ngroups; g++) {
		strbuf_puts(out, "  ");
		utf8_pad_buf(out, groups[g].key, w);
		strbuf_puts(out, "  ");
		put_figure(out, &groups[g], (enum aggregate)agg);
		strbuf_puts(out, "\n");
	}
out:
	for (size_t i = 0; i < m; i++)
		free(key[i]);
	for (size_t g = 0; g < ngroups; g++)
		free(groups[g].key);
	free(groups);
	free(key);
	free(keynum);
	free(num);
	free(rows);
	free(keep);
	free(padded);
	return rc;
}
