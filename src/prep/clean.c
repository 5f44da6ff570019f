#include "config.h"
#include "clean.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FILL_CONST, FILL_FFILL, FILL_MEAN, FILL_MEDIAN };
enum { ACT_CLIP, ACT_DROP, ACT_MISSING };
enum { OUT_ZSCORE, OUT_IQR };

struct clean_kind {
	const char *name;
	bool takes_arg;
	int (*parse)(struct clean_rule *r, const char *arg, struct err *e);
	int (*apply)(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
	             struct clean_report_entry *out, struct err *e);
};

/* ---- helpers ---- */

static int column_or_fail(const struct table *t, const struct clean_rule *r, struct err *e)
{
	long c = table_find(t, r->column);
	if (c < 0)
		return err_set(e, "%s: no column named \"%s\"", r->spec, r->column);
	return (int)c;
}

static bool all_columns(const struct clean_rule *r)
{
	return !r->column || strcmp(r->column, "*") == 0;
}

static int numeric_column(const struct table *t, const struct clean_rule *r, struct err *e)
{
	int c = column_or_fail(t, r, e);
	if (c >= 0 && t->cols[c].type != COL_NUM)
		return err_set(e, "%s: column \"%s\" is not numeric", r->spec, r->column);
	return c;
}

/* Splits "COL=REST" at the last '=' so column names may hold '='-free
 * brackets and spaces. */
static int split_eq(struct clean_rule *r, const char *arg, const char **rest, struct err *e)
{
	const char *eq = strrchr(arg, '=');
	if (!eq || eq == arg)
		return err_set(e, "%s: expected COLUMN=...", r->spec);
	r->column = xstrndup(arg, (size_t)(eq - arg));
	*rest = eq + 1;
	return 0;
}

static bool parse_num(const char *s, double *v)
{
	return numparse_double(s, strlen(s), '.', v);
}

static int parse_action(struct clean_rule *r, const char *s, int dflt, struct err *e)
{
	if (!s || !*s)
		r->mode = dflt;
	else if (strcmp(s, "clip") == 0)
		r->mode = ACT_CLIP;
	else if (strcmp(s, "drop") == 0)
		r->mode = ACT_DROP;
	else if (strcmp(s, "missing") == 0)
		r->mode = ACT_MISSING;
	else
		return err_set(e, "%s: unknown action '%s' (clip, drop or missing)", r->spec, s);
	return 0;
}

static double *sorted_values(const struct table *t, size_t c, size_t *n);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *sorted_values(const struct table *t, size_t c, size_t *n)
{
	double *v = xmalloc((t->nrows ? t->nrows : 1) * sizeof *v);
	*n = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (!isnan(t->cols[c].num[r]))
			v[(*n)++] = t->cols[c].num[r];
	qsort(v, *n, sizeof *v, cmp_double);
	return v;
}

static double quantile_sorted(const double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	return i + 1 < n ? v[i] + (v[i + 1] - v[i]) * frac : v[i];
}

/* Drops the rows marked, counting them. */
static void drop_marked(struct table *t, bool *drop, struct clean_report_entry *out)
{
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		n += drop[r];
		drop[r] = !drop[r];
	}
	if (n)
		table_filter(t, drop);
	out->rows_dropped += n;
}

long clean_time_column(const struct table *t, const struct clean_context *ctx, struct err *e)
{
	if (ctx && ctx->time) {
		long c = table_find(t, ctx->time);
		if (c < 0)
			return err_set(e, "--time: no column named \"%s\"", ctx->time);
		return c;
	}
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].type == COL_TIME)
			return (long)c;
	return -1;
}

static long machine_column(const struct table *t, const struct clean_context *ctx, struct err *e)
{
	if (!ctx || !ctx->machine)
		return -1;
	long c = table_find(t, ctx->machine);
	if (c < 0)
		return err_set(e, "--machine: no column named \"%s\"", ctx->machine) - 1;
	return c;
}

/* Marks every row whose key columns repeat an earlier row's. */
static void mark_duplicates(const struct table *t, const size_t *cols, size_t ncols, bool *drop)
{
	size_t ngroups;
	size_t *ids = table_group_ids(t, cols, ncols, &ngroups);
	size_t next = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (ids[r] == next)
			next++;
		else
			drop[r] = true;
	}
	free(ids);
}

/* ---- the rules ---- */

static int parse_drop_missing(struct clean_rule *r, const char *arg, struct err *e)
{
	(void)e;
	r->column = arg && *arg ? xstrdup(arg) : NULL;
	return 0;
}

static int apply_drop_missing(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                              struct clean_report_entry *out, struct err *e)
{
	(void)ctx;
	size_t *cols = xmalloc((t->ncols + 1) * sizeof *cols);
	size_t n = 0;
	if (all_columns(r)) {
		for (size_t c = 0; c < t->ncols; c++)
			cols[n++] = c;
	} else {
		char *list = xstrdup(r->column);
		for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			long c = table_find(t, name);
			if (c < 0) {
				err_set(e, "%s: no column named \"%s\"", r->spec, name);
				free(list);
				free(cols);
				return -1;
			}
			cols[n++] = (size_t)c;
			if (n > t->ncols)
				break;
		}
		free(list);
	}
	bool *drop = xcalloc(t->nrows + 1, sizeof *drop);
	for (size_t row = 0; row < t->nrows; row++)
		for (size_t k = 0; k < n && !drop[row]; k++)
			drop[row] = table_is_missing(t, cols[k], row);
	drop_marked(t, drop, out);
	free(drop);
	free(cols);
	return 0;
}

static int parse_fill(struct clean_rule *r, const char *arg, struct err *e)
{
	const char *m;
	if (split_eq(r, arg, &m, e))
		return -1;
	if (strcmp(m, "ffill") == 0)
		r->mode = FILL_FFILL;
	else if (strcmp(m, "mean") == 0)
		r->mode = FILL_MEAN;
	else if (strcmp(m, "median") == 0)
		r->mode = FILL_MEDIAN;
	else if (*m) {
		r->mode = FILL_CONST;
		r->text = xstrdup(m);
		r->has_a = parse_num(m, &r->a);
	} else {
		return err_set(e, "%s: expected COLUMN=ffill|mean|median|VALUE", r->spec);
	}
	return 0;
}

static int fill_one(struct table *t, size_t c, const struct clean_rule *r, long machine, struct clean_report_entry *out,
                    struct err *e)
{
	struct column *col = &t->cols[c];
	if (r->mode == FILL_FFILL) {
		/* Carry the last value seen on the same machine. */
		size_t nm = 1, mcol = (size_t)machine;
		size_t *group = machine >= 0 ? table_group_ids(t, &mcol, 1, &nm) : NULL;
		size_t *last = xmalloc((nm ? nm : 1) * sizeof *last);
		for (size_t i = 0; i < nm; i++)
			last[i] = SIZE_MAX;
		for (size_t row = 0; row < t->nrows; row++) {
			size_t g = group ? group[row] : 0;
			if (!table_is_missing(t, c, row)) {
				last[g] = row;
			} else if (last[g] != SIZE_MAX) {
				size_t src = last[g];
				switch (col->type) {
				case COL_NUM: col->num[row] = col->num[src]; break;
				case COL_STR: col->str[row] = col->str[src]; break;
				case COL_TIME: col->time[row] = col->time[src]; break;
				}
				out->values_changed++;
			}
		}
		free(last);
		free(group);
		return 0;
	}
	double value = r->a;
	uint32_t text_id = 0;
	if (r->mode == FILL_CONST) {
		if (col->type == COL_STR)
			text_id = strpool_intern(t->pool, r->text, strlen(r->text));
		else if (!r->has_a)
			return err_set(e, "%s: \"%s\" is not a number for column \"%s\"", r->spec, r->text, col->name);
	} else {
		if (col->type != COL_NUM)
			return all_columns(r) ? 0 : err_set(e, "%s: column \"%s\" is not numeric", r->spec, col->name);
		size_t n;
		double *v = sorted_values(t, c, &n);
		if (r->mode == FILL_MEDIAN) {
			value = quantile_sorted(v, n, 0.5);
		} else {
			double s = 0;
			for (size_t i = 0; i < n; i++)
				s += v[i];
			value = n ? s / (double)n : NAN;
		}
		free(v);
	}
	for (size_t row = 0; row < t->nrows; row++) {
		if (!table_is_missing(t, c, row))
			continue;
		switch (col->type) {
		case COL_NUM: col->num[row] = value; break;
		case COL_STR: col->str[row] = text_id; break;
		case COL_TIME: col->time[row] = (int64_t)value; break;
		}
		out->values_changed += !isnan(value);
	}
	return 0;
}

static int apply_fill(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                      struct clean_report_entry *out, struct err *e)
{
	long machine = machine_column(t, ctx, e);
	if (machine < -1)
		return -1;
	if (!all_columns(r)) {
		int c = column_or_fail(t, r, e);
		return c < 0 ? -1 : fill_one(t, (size_t)c, r, machine, out, e);
	}
	for (size_t c = 0; c < t->ncols; c++) {
		if ((long)c == machine)
			continue;
		if (r->mode == FILL_CONST && (t->cols[c].type == COL_STR) != !r->has_a)
			continue;
		if (fill_one(t, c, r, machine, out, e))
			return -1;
	}
	return 0;
}

static int parse_limits(struct clean_rule *r, const char *arg, struct err *e)
{
	const char *rest;
	if (split_eq(r, arg, &rest, e))
		return -1;
	char *copy = xstrdup(rest);
	char *lo = copy, *hi = strchr(copy, ':'), *act = NULL;
	int rc = 0;
	if (!hi) {
		rc = err_set(e, "%s: expected COLUMN=MIN:MAX[:clip|drop|missing]", r->spec);
		goto done;
	}
	*hi++ = '\0';
	act = strchr(hi, ':');
	if (act)
		*act++ = '\0';
	r->has_a = *lo != '\0';
	r->has_b = *hi != '\0';
	if ((r->has_a && !parse_num(lo, &r->a)) || (r->has_b && !parse_num(hi, &r->b))) {
		rc = err_set(e, "%s: limits must be numbers", r->spec);
		goto done;
	}
	if (r->has_a && r->has_b && r->a > r->b) {
		rc = err_set(e, "%s: minimum above maximum", r->spec);
		goto done;
	}
	rc = parse_action(r, act, ACT_CLIP, e);
done:
	free(copy);
	return rc;
}

/* Acts on values outside [lo, hi]. */
static void act_outside(struct table *t, size_t c, double lo, double hi, int mode, struct clean_report_entry *out)
{
	double *v = t->cols[c].num;
	bool *drop = xcalloc(t->nrows + 1, sizeof *drop);
	for (size_t row = 0; row < t->nrows; row++) {
		if (isnan(v[row]) || (v[row] >= lo && v[row] <= hi))
			continue;
		if (mode == ACT_DROP) {
			drop[row] = true;
		} else {
			v[row] = mode == ACT_MISSING ? NAN : v[row] < lo ? lo : hi;
			out->values_changed++;
		}
	}
	drop_marked(t, drop, out);
	free(drop);
}

static int apply_limits(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                        struct clean_report_entry *out, struct err *e)
{
	(void)ctx;
	int c = numeric_column(t, r, e);
	if (c < 0)
		return -1;
	act_outside(t, (size_t)c, r->has_a ? r->a : -INFINITY, r->has_b ? r->b : INFINITY, r->mode, out);
	return 0;
}

static int parse_outliers(struct clean_rule *r, const char *arg, struct err *e)
{
	const char *rest;
	if (split_eq(r, arg, &rest, e))
		return -1;
	char *copy = xstrdup(rest);
	char *method = copy, *k = strchr(copy, ':'), *act = NULL;
	int rc = 0;
	if (k) {
		*k++ = '\0';
		act = strchr(k, ':');
		if (act)
			*act++ = '\0';
		if (!*k) {
			k = NULL;
		} else if (!parse_num(k, &r->a)) {
			/* "zscore:drop": the threshold may be left out. */
			act = k;
			k = NULL;
		}
	}
	if (strcmp(method, "zscore") == 0) {
		r->b = OUT_ZSCORE;
		if (!k)
			r->a = 3;
	} else if (strcmp(method, "iqr") == 0) {
		r->b = OUT_IQR;
		if (!k)
			r->a = 1.5;
	} else {
		rc = err_set(e, "%s: expected COLUMN=zscore|iqr[:K][:drop|clip|missing]", r->spec);
		goto done;
	}
	if (r->a <= 0) {
		rc = err_set(e, "%s: the threshold must be positive", r->spec);
		goto done;
	}
	rc = parse_action(r, act, ACT_DROP, e);
done:
	free(copy);
	return rc;
}

static int apply_outliers(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                          struct clean_report_entry *out, struct err *e)
{
	(void)ctx;
	int c = numeric_column(t, r, e);
	if (c < 0)
		return -1;
	size_t n;
	double *v = sorted_values(t, (size_t)c, &n);
	double lo, hi;
	if (r->b == OUT_IQR) {
		double q1 = quantile_sorted(v, n, 0.25), q3 = quantile_sorted(v, n, 0.75);
		lo = q1 - r->a * (q3 - q1);
		hi = q3 + r->a * (q3 - q1);
	} else {
		double s = 0, ss = 0;
		for (size_t i = 0; i < n; i++)
			s += v[i];
		double mean = n ? s / (double)n : 0;
		for (size_t i = 0; i < n; i++)
			ss += (v[i] - mean) * (v[i] - mean);
		double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
		lo = mean - r->a * sd;
		hi = mean + r->a * sd;
	}
	free(v);
	if (n > 1)
		act_outside(t, (size_t)c, lo, hi, r->mode, out);
	return 0;
}

static int parse_none(struct clean_rule *r, const char *arg, struct err *e)
{
	(void)r;
	(void)arg;
	(void)e;
	return 0;
}

static int apply_dedup(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                       struct clean_report_entry *out, struct err *e)
{
	(void)r;
	(void)ctx;
	(void)e;
	size_t *cols = xmalloc((t->ncols + 1) * sizeof *cols);
	for (size_t c = 0; c < t->ncols; c++)
		cols[c] = c;
	bool *drop = xcalloc(t->nrows + 1, sizeof *drop);
	mark_duplicates(t, cols, t->ncols, drop);
	drop_marked(t, drop, out);
	free(drop);
	free(cols);
	return 0;
}

static int apply_dedup_time(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                            struct clean_report_entry *out, struct err *e)
{
	long tc = clean_time_column(t, ctx, e);
	if (tc < 0)
		return tc == -1 && !ctx->time ? err_set(e, "%s: no timestamp column (name one with --time)", r->spec) : -1;
	long mc = machine_column(t, ctx, e);
	if (mc < -1)
		return -1;
	size_t cols[2] = {(size_t)tc, mc >= 0 ? (size_t)mc : (size_t)tc};
	bool *drop = xcalloc(t->nrows + 1, sizeof *drop);
	mark_duplicates(t, cols, 2, drop);
	drop_marked(t, drop, out);
	free(drop);
	return 0;
}

static int cmp_time_row(const void *a, const void *b, void *arg)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct column *c = arg;
	double vx, vy;
	if (c->type == COL_TIME) {
		/* Missing (INT64_MIN) sorts first, as qsort needs a total order. */
		int64_t tx = c->time[x], ty = c->time[y];
		if (tx != ty)
			return tx < ty ? -1 : 1;
	} else {
		vx = c->type == COL_NUM ? c->num[x] : (double)c->str[x];
		vy = c->type == COL_NUM ? c->num[y] : (double)c->str[y];
		if (isnan(vx) != isnan(vy))
			return isnan(vx) ? 1 : -1;
		if (vx != vy && !isnan(vx))
			return vx < vy ? -1 : 1;
	}
	return (x > y) - (x < y);  /* stable */
}

static int apply_sort_time(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                           struct clean_report_entry *out, struct err *e)
{
	long tc = clean_time_column(t, ctx, e);
	if (tc < 0)
		return tc == -1 && !ctx->time ? err_set(e, "%s: no timestamp column (name one with --time)", r->spec) : -1;
	size_t *order = xmalloc((t->nrows + 1) * sizeof *order);
	for (size_t i = 0; i < t->nrows; i++)
		order[i] = i;
	qsort_r(order, t->nrows, sizeof *order, cmp_time_row, &t->cols[tc]);
	for (size_t i = 0; i < t->nrows; i++)
		out->values_changed += order[i] != i;
	table_permute(t, order);
	free(order);
	return 0;
}

static int parse_rename(struct clean_rule *r, const char *arg, struct err *e)
{
	const char *to;
	if (split_eq(r, arg, &to, e))
		return -1;
	if (!*to)
		return err_set(e, "%s: expected OLD=NEW", r->spec);
	r->text = xstrdup(to);
	return 0;
}

static int apply_rename(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                        struct clean_report_entry *out, struct err *e)
{
	(void)ctx;
	int c = column_or_fail(t, r, e);
	if (c < 0)
		return -1;
	long other = table_find(t, r->text);
	if (other >= 0 && other != c)
		return err_set(e, "%s: a column named \"%s\" already exists", r->spec, r->text);
	free(t->cols[c].name);
	t->cols[c].name = xstrdup(r->text);
	out->values_changed++;
	return 0;
}

enum { UNIT_K, UNIT_C, UNIT_F };

static int unit_of(const char *s)
{
	if (!strcmp(s, "K"))
		return UNIT_K;
	if (!strcmp(s, "C") || !strcmp(s, "°C") || !strcmp(s, "degC"))
		return UNIT_C;
	if (!strcmp(s, "F") || !strcmp(s, "°F") || !strcmp(s, "degF"))
		return UNIT_F;
	return -1;
}

static int parse_convert(struct clean_rule *r, const char *arg, struct err *e)
{
	const char *rest;
	if (split_eq(r, arg, &rest, e))
		return -1;
	const char *colon = strchr(rest, ':');
	char from[16] = "", to[16] = "";
	if (colon && (size_t)(colon - rest) < sizeof from && strlen(colon + 1) < sizeof to) {
		memcpy(from, rest, (size_t)(colon - rest));
		strcpy(to, colon + 1);
	}
	int f = unit_of(from), t = unit_of(to);
	if (f < 0 || t < 0)
		return err_set(e, "%s: expected COLUMN=FROM:TO with units K, C or F", r->spec);
	r->mode = f * 3 + t;
	return 0;
}

static double to_kelvin(double v, int unit)
{
	return unit == UNIT_K ? v : unit == UNIT_C ? v + 273.15 : (v - 32) * 5.0 / 9.0 + 273.15;
}

static double from_kelvin(double k, int unit)
{
	return unit == UNIT_K ? k : unit == UNIT_C ? k - 273.15 : (k - 273.15) * 9.0 / 5.0 + 32;
}

static int apply_convert(struct table *t, const struct clean_rule *r, const struct clean_context *ctx,
                         struct clean_report_entry *out, struct err *e)
{
	(void)ctx;
	int c = numeric_column(t, r, e);
	if (c < 0)
		return -1;
	int from = r->mode / 3, to = r->mode % 3;
	double *v = t->cols[c].num;
	for (size_t row = 0; row < t->nrows; row++)
		if (!isnan(v[row])) {
			/* Round away the binary noise of the offset (298.1 K -> 24.95 °C). */
			v[row] = round(from_kelvin(to_kelvin(v[row], from), to) * 1e9) / 1e9;
			out->values_changed++;
		}
	return 0;
}

static const struct clean_kind clean_kinds[] = {
	{.name = "drop-missing", .takes_arg = true, .parse = parse_drop_missing, .apply = apply_drop_missing},
	{.name = "fill", .takes_arg = true, .parse = parse_fill, .apply = apply_fill},
	{.name = "limits", .takes_arg = true, .parse = parse_limits, .apply = apply_limits},
	{.name = "outliers", .takes_arg = true, .parse = parse_outliers, .apply = apply_outliers},
	{.name = "dedup", .takes_arg = false, .parse = parse_none, .apply = apply_dedup},
	{.name = "dedup-time", .takes_arg = false, .parse = parse_none, .apply = apply_dedup_time},
	{.name = "sort-time", .takes_arg = false, .parse = parse_none, .apply = apply_sort_time},
	{.name = "rename", .takes_arg = true, .parse = parse_rename, .apply = apply_rename},
	{.name = "convert", .takes_arg = true, .parse = parse_convert, .apply = apply_convert},
};

static const struct clean_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof clean_kinds / sizeof *clean_kinds; i++)
		if (strcmp(clean_kinds[i].name, name) == 0)
			return &clean_kinds[i];
	return NULL;
}

int clean_rule_parse(const char *name, const char *arg, struct clean_rule *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	const struct clean_kind *k = find_kind(name);
	if (!k)
		return err_set(e, "unknown cleaning rule '%s'", name);
	if (!k->takes_arg && arg && *arg)
		return err_set(e, "%s takes no argument (got '%s')", name, arg);
	size_t len = strlen(name) + (arg ? strlen(arg) : 0) + 2;
	out->spec = xmalloc(len);
	snprintf(out->spec, len, arg && *arg ? "%s %s" : "%s", name, arg ? arg : "");
	out->kind = k;
	if (k->parse(out, arg ? arg : "", e)) {
		clean_rule_free(out);
		return -1;
	}
	return 0;
}

void clean_rule_free(struct clean_rule *r)
{
	free(r->spec);
	free(r->column);
	free(r->text);
	memset(r, 0, sizeof *r);
}

struct clean_report_entry *clean_report_add(struct clean_report *rep, const char *rule)
{
	rep->entries = xrealloc(rep->entries, (rep->n + 1) * sizeof *rep->entries);
	struct clean_report_entry *en = &rep->entries[rep->n++];
	memset(en, 0, sizeof *en);
	en->rule = xstrdup(rule);
	return en;
}

void clean_report_free(struct clean_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		free(rep->entries[i].rule);
	free(rep->entries);
	memset(rep, 0, sizeof *rep);
}

int clean_apply(struct table *t, const struct clean_rule *rules, size_t n, const struct clean_context *ctx,
                struct clean_report *rep, struct err *e)
{
	static const struct clean_context none;
	if (!ctx)
		ctx = &none;
	for (size_t i = 0; i < n; i++) {
		struct clean_report_entry *en = clean_report_add(rep, rules[i].spec);
		if (rules[i].kind->apply(t, &rules[i], ctx, en, e))
			return -1;
	}
	rep->rows_out = t->nrows;
	return 0;
}

void clean_limits_of(const struct clean_rule *rules, size_t n, const char *column, double *lo, double *hi)
{
	for (size_t i = 0; i < n; i++) {
		const struct clean_rule *r = &rules[i];
		if (strcmp(r->kind->name, "limits") != 0 || !r->column ||
		    (strcmp(r->column, "*") != 0 && strcmp(r->column, column) != 0))
			continue;
		if (r->has_a && r->a > *lo)
			*lo = r->a;
		if (r->has_b && r->b < *hi)
			*hi = r->b;
	}
}
