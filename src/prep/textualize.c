#include "config.h"
#include "textualize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "base/utf8.h"
#include "data/stats.h"

/* FACT_HOUR and FACT_WEEKDAY read the time column: the hour of the day
 * and the day of the week (0 = Monday) of its timestamps. */
enum fact_kind { FACT_LEVEL, FACT_CATEGORY, FACT_HOUR, FACT_WEEKDAY };

static const char *const kind_names[] = {"level", "category", "hour", "weekday"};

struct fact_col {
	size_t col;
	enum fact_kind kind;
	char *name;
	double cuts[TEXT_MAX_CUTS];
	int ncuts;
	double sd;             /* training spread, scales the trend */
	double center;         /* training mean: values are (x - center) / sd */
	/* Piecewise-linear bin edges of the reading (training quantiles,
	 * rising strictly), nedges - 1 bins; 0 = none. */
	double *edges;
	size_t nedges;
	bool trend;
	/* What the training rows held: a level fact's TEXT_QUANTILES
	 * percentiles (NULL in specs from before they were kept), a
	 * category's most common values and their shares. */
	double *quantiles;
	char **cats;
	double *shares;
	size_t ncats;
};

/* A wording pack: how facts are joined and phrased in one language. */
struct wording {
	const char *sep;
	const char *levels3[3], *levels5[5], *levels7[7];
	const char *category_join;  /* between name and value */
	const char *level_join;     /* between name and level */
	const char *trends[4];      /* falling fast, falling, rising, rising fast */
	const char *hour_name, *weekday_name;
	const char *day_parts[4];   /* from midnight, in six-hour parts */
	const char *weekdays[7];    /* from Monday */
	const char *window_pre, *window_post;
	bool trend_last;            /* the verb after the window phrase */
};

static const struct wording wording_en = {
	.sep = "; ",
	.levels3 = {"low", "normal", "high"},
	.levels5 = {"very low", "low", "normal", "high", "very high"},
	.levels7 = {"very low", "low", "slightly low", "normal", "slightly high", "high", "very high"},
	.category_join = " ",
	.level_join = " ",
	.trends = {"falling fast", "falling", "rising", "rising fast"},
	.hour_name = "time of day",
	.weekday_name = "weekday",
	.day_parts = {"night", "morning", "afternoon", "evening"},
	.weekdays = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
	.window_pre = " over the last ",
	.window_post = " readings",
	.trend_last = false,
};

static const struct wording wording_zh = {
	.sep = "；",
	.levels3 = {"低", "正常", "高"},
	.levels5 = {"很低", "低", "正常", "高", "很高"},
	.levels7 = {"很低", "低", "偏低", "正常", "偏高", "高", "很高"},
	.category_join = "为",
	.level_join = "",
	.trends = {"快速下降", "下降", "上升", "快速上升"},
	.hour_name = "时段",
	.weekday_name = "星期",
	.day_parts = {"夜间", "上午", "下午", "晚上"},
	.weekdays = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"},
	.window_pre = "在最近",
	.window_post = "次读数中",
	.trend_last = true,
};

static void phrase(struct strbuf *b, const char *name, const char *join, const char *what)
{
	strbuf_puts(b, name);
	strbuf_puts(b, join);
	strbuf_puts(b, what);
}

static void trend_phrase(struct strbuf *b, const struct wording *w, const char *name, int k, size_t window)
{
	strbuf_puts(b, name);
	if (!w->trend_last) {
		strbuf_puts(b, " ");
		strbuf_puts(b, w->trends[k]);
	}
	strbuf_printf(b, "%s%zu%s", w->window_pre, window, w->window_post);
	if (w->trend_last)
		strbuf_puts(b, w->trends[k]);
}

struct textualizer {
	const struct wording *w;
	bool zh;
	struct fact_col *facts;
	size_t nfacts;
	long notes, machine, time;
	size_t window;
	size_t *value_facts;   /* the facts that carry values, in text order */
	size_t nvalues;
};

void textualize_opts_init(struct textualize_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lang = "en";
	o->binning = TEXT_BIN_QUANTILE;
	o->levels = 5;
	o->value_bins = -1;
	o->clock = true;
}

char *textualize_fact_name(const char *column)
{
	char *f = utf8_fold(column);
	size_t n = strlen(f);
	/* Drop a trailing unit: "[K]", "(rpm)". */
	while (n && f[n - 1] == ' ')
		n--;
	if (n && (f[n - 1] == ']' || f[n - 1] == ')')) {
		char open = f[n - 1] == ']' ? '[' : '(';
		char *o = NULL;
		for (size_t i = 0; i < n; i++)
			if (f[i] == open)
				o = f + i;
		if (o && o > f)
			n = (size_t)(o - f);
	}
	while (n && f[n - 1] == ' ')
		n--;
	f[n] = '\0';
	for (char *p = f; *p; p++)
		if (*p == '_')
			*p = ' ';
	return f;
}

int textualize_parse_levels(const char *spec, struct text_column *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	const char *eq = strrchr(spec, '=');
	if (!eq || eq == spec)
		return err_set(e, "--levels %s: expected COLUMN=a,b,c,d", spec);
	const char *p = eq + 1;
	int n = 0;
	for (;;) {
		char *end;
		double cut = strtod(p, &end);
		if (end == p || n == TEXT_MAX_CUTS || (*end && *end != ',') || (n && cut < out->cuts[n - 1]))
			return err_set(e, "--levels %s: expected COLUMN= and 2, 4 or 6 rising numbers (3, 5 or 7 levels)", spec);
		out->cuts[n++] = cut;
		if (!*end)
			break;
		p = end + 1;
	}
	if (n % 2)
		return err_set(e, "--levels %s: expected COLUMN= and 2, 4 or 6 rising numbers (3, 5 or 7 levels)", spec);
	out->ncuts = n;
	out->column = xstrndup(spec, (size_t)(eq - spec));
	out->has_cuts = true;
	return 0;
}

static bool listed(char **list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static long named(const struct table *t, const char *name, const char *what, struct err *e)
{
	if (!name)
		return -1;
	long c = table_find(t, name);
	if (c < 0)
		return err_set(e, "%s: no column named \"%s\"", what, name) - 1;
	return c;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	return i + 1 < n ? v[i] + (v[i + 1] - v[i]) * (pos - (double)i) : v[i];
}

/* Decides whether a column becomes facts when the user did not say. */
static bool automatic_choice(const struct table *t, size_t c, const struct col_stats *s, enum fact_kind *kind)
{
	const struct column *col = &t->cols[c];
	if (col->type == COL_TIME || s->distinct <= 1)
		return false;
	if (col->type == COL_STR) {
		/* A category, not an identifier or free text. */
		*kind = FACT_CATEGORY;
		return s->distinct <= 20 && s->distinct * 2 < t->nrows;
	}
	*kind = FACT_LEVEL;
	bool integral = true, rising = true;
	for (size_t r = 0; r < t->nrows && integral; r++) {
		integral = isnan(col->num[r]) || col->num[r] == floor(col->num[r]);
		rising = rising && (r == 0 || col->num[r] > col->num[r - 1]);
	}
	/* Row counters (whole, distinct, rising) and 0/1 flags (often the
	 * label's own source) are left out unless asked for. */
	if (integral && ((rising && s->distinct >= t->nrows - s->missing) || s->distinct <= 2))
		return false;
	return true;
}

/* Quantile edges of a reading's training values (sorted[n]) for its
 * piecewise-linear encoding: bins (-1: one per 128 training values, from
 * 8 to 64; 0: none) cut at equal shares of the rows, a repeated edge
 * (discrete readings) dropped, so each column gets the bins its data
 * can fill. */
static void fit_edges(struct fact_col *f, const double *sorted, size_t n, int bins)
{
	if (bins < 0)
		bins = n / 128 < 8 ? 8 : n / 128 > 64 ? 64 : (int)(n / 128);
	if (bins == 0 || n < 2 || !(f->sd > 0))
		return;
	f->edges = xmalloc(((size_t)bins + 1) * sizeof *f->edges);
	for (int j = 0; j <= bins; j++) {
		double e = quantile(sorted, n, (double)j / bins);
		if (f->nedges == 0 || e > f->edges[f->nedges - 1])
			f->edges[f->nedges++] = e;
	}
	if (f->nedges < 2) {
		free(f->edges);
		f->edges = NULL;
		f->nedges = 0;
	}
}

/* A numeric fact carries a value when its training spread is known. */
static bool has_value(const struct fact_col *f)
{
	return f->kind != FACT_CATEGORY && f->sd > 0 && !isnan(f->center);
}

static const int64_t day_ms = 86400000;

/* What a numeric fact reads in row r: the cell, or the hour of the day
 * or the day of the week of the timestamp (as written: a timestamp
 * without a zone is the plant's own clock); NAN when missing. */
static double fact_reading(const struct fact_col *f, const struct table *t, size_t r)
{
	if (f->kind == FACT_LEVEL)
		return t->cols[f->col].num[r];
	int64_t ms = t->cols[f->col].time[r];
	if (f->kind == FACT_CATEGORY || ms == TABLE_TIME_MISSING)
		return NAN;
	int64_t day = ms / day_ms - (ms % day_ms < 0), in_day = ms - day * day_ms;
	if (f->kind == FACT_HOUR)
		return (double)in_day / 3.6e6;
	return (double)(((day + 3) % 7 + 7) % 7);  /* 1 January 1970 was a Thursday */
}

/* Training spread, level cuts and bin edges of a numeric fact, from the
 * rows where part[r] == 0 (all when part is NULL); v has room for every
 * row. */
static void fit_numeric(struct fact_col *f, const struct table *t, const uint8_t *part,
                        const struct textualize_opts *o, const struct text_column *user, double *v)
{
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		double x = fact_reading(f, t, r);
		if ((!part || part[r] == 0) && !isnan(x))
			v[n++] = x;
	}
	double mean = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean = n ? mean / (double)n : 0;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	f->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	f->center = mean;
	qsort(v, n, sizeof *v, cmp_double);
	fit_edges(f, v, n, o->value_bins);
	if (f->kind != FACT_LEVEL)
		return;
	if (n) {
		f->quantiles = xmalloc(TEXT_QUANTILES * sizeof *f->quantiles);
		for (int k = 0; k < TEXT_QUANTILES; k++)
			f->quantiles[k] = quantile(v, n, (double)k / (TEXT_QUANTILES - 1));
	}
	/* With five levels the middle half is normal and the outer 5% on each
	 * side "very"; three keep the middle half normal; seven keep five's
	 * "very" and put "slightly" low and high between the 15th and 35th
	 * and the 65th and 85th percentiles, the middle 30% normal. */
	static const double q[3][TEXT_MAX_CUTS] = {{0.25, 0.75}, {0.05, 0.25, 0.75, 0.95},
	                                           {0.05, 0.15, 0.35, 0.65, 0.85, 0.95}};
	static const double z[3][TEXT_MAX_CUTS] = {{-1, 1}, {-2, -1, 1, 2}, {-2, -1, -0.5, 0.5, 1, 2}};
	int which = o->levels == 3 ? 0 : o->levels == 7 ? 2 : 1;
	f->ncuts = user && user->has_cuts ? user->ncuts : 2 * which + 2;
	for (int k = 0; k < f->ncuts; k++) {
		if (user && user->has_cuts)
			f->cuts[k] = user->cuts[k];
		else if (n == 0)
			f->cuts[k] = k < f->ncuts / 2 ? -INFINITY : INFINITY;
		else if (o->binning == TEXT_BIN_ZSCORE)
			f->cuts[k] = mean + z[which][k] * f->sd;
		else
			f->cuts[k] = quantile(v, n, q[which][k]);
	}
	f->trend = o->window > 1 && f->sd > 0;
}

/* Clock facts from the time column's timestamps: the time of day when the
 * training rows span two days or more, the weekday from two weeks (a
 * shorter log would only date its rows). */
static void add_clock_facts(struct textualizer *tz, const struct table *t, const uint8_t *part,
                            const struct textualize_opts *o, double *v)
{
	if (!o->clock || tz->time < 0 || t->cols[tz->time].type != COL_TIME)
		return;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t ms = t->cols[tz->time].time[r];
		if ((!part || part[r] == 0) && ms != TABLE_TIME_MISSING) {
			lo = ms < lo ? ms : lo;
			hi = ms > hi ? ms : hi;
		}
	}
	double days = lo <= hi ? (double)(hi - lo) / (double)day_ms : 0;
	for (int k = 0; k < 2; k++) {
		if (days < (k == 0 ? 2 : 14))
			continue;
		struct fact_col f = {.col = (size_t)tz->time, .kind = k == 0 ? FACT_HOUR : FACT_WEEKDAY};
		f.name = xstrdup(k == 0 ? tz->w->hour_name : tz->w->weekday_name);
		fit_numeric(&f, t, part, o, NULL, v);
		tz->facts = xrealloc(tz->facts, (tz->nfacts + 1) * sizeof *tz->facts);
		tz->facts[tz->nfacts++] = f;
	}
}

static int cmp_share(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return (x[0] < y[0]) - (x[0] > y[0]);
}

/* A category fact's TEXT_MAX_CATEGORIES most common training values and
 * their shares of the training rows, most common first. */
static void fit_categories(struct fact_col *f, const struct table *t, const uint8_t *part)
{
	if (t->cols[f->col].type != COL_STR)
		return;
	size_t ids = strpool_count(t->pool) + 1, total = 0;
	size_t *count = xcalloc(ids, sizeof *count);
	for (size_t r = 0; r < t->nrows; r++) {
		uint32_t id = t->cols[f->col].str[r];
		if ((!part || part[r] == 0) && id && id < ids) {
			count[id]++;
			total++;
		}
	}
	/* (count, id) pairs sorted by count, the larger first */
	double (*pairs)[2] = xmalloc(ids * sizeof *pairs);
	size_t n = 0;
	for (size_t id = 1; id < ids; id++)
		if (count[id]) {
			pairs[n][0] = (double)count[id];
			pairs[n++][1] = (double)id;
		}
	qsort(pairs, n, sizeof *pairs, cmp_share);
	f->ncats = n < TEXT_MAX_CATEGORIES ? n : TEXT_MAX_CATEGORIES;
	f->cats = xcalloc(f->ncats + 1, sizeof *f->cats);
	f->shares = xcalloc(f->ncats + 1, sizeof *f->shares);
	for (size_t i = 0; i < f->ncats; i++) {
		f->cats[i] = xstrdup(strpool_get(t->pool, (uint32_t)pairs[i][1]));
		f->shares[i] = pairs[i][0] / (double)total;
	}
	free(pairs);
	free(count);
}

static void index_values(struct textualizer *tz)
{
	tz->value_facts = xmalloc((tz->nfacts + 1) * sizeof *tz->value_facts);
	tz->nvalues = 0;
	for (size_t i = 0; i < tz->nfacts; i++)
		if (has_value(&tz->facts[i]))
			tz->value_facts[tz->nvalues++] = i;
}

int textualize_fit(const struct table *t, const uint8_t *part, const struct textualize_opts *o,
                   const atomic_int *cancel, struct textualizer **out, struct err *e)
{
	*out = NULL;
	long label = named(t, o->label, "--label", e), notes = named(t, o->notes, "--notes", e);
	long machine = named(t, o->machine, "--machine", e), time = named(t, o->time, "--time", e);
	if (label < -1 || notes < -1 || machine < -1 || time < -1)
		return -1;
	for (size_t i = 0; i < o->ninclude; i++)
		if (table_find(t, o->include[i]) < 0)
			return err_set(e, "include: no column named \"%s\"", o->include[i]);
	for (size_t i = 0; i < o->ncols; i++)
		if (table_find(t, o->cols[i].column) < 0)
			return err_set(e, "levels: no column named \"%s\"", o->cols[i].column);
	struct textualizer *tz = xcalloc(1, sizeof *tz);
	tz->zh = o->lang && strcmp(o->lang, "zh") == 0;
	tz->w = tz->zh ? &wording_zh : &wording_en;
	tz->notes = notes;
	tz->machine = machine;
	tz->time = time;
	tz->window = o->window;
	double *v = xmalloc((t->nrows ? t->nrows : 1) * sizeof *v);
	for (size_t c = 0; c < t->ncols; c++) {
		/* a column of a large log takes a while: sorting for its cuts */
		if (cancel && atomic_load(cancel)) {
			free(v);
			textualize_free(tz);
			return err_set(e, "textualizing cancelled");
		}
		const char *name = t->cols[c].name;
		if ((long)c == label || (long)c == notes || (long)c == machine || (long)c == time)
			continue;
		if (listed(o->exclude, o->nexclude, name))
			continue;
		struct col_stats s;
		stats_column(t, c, &s);
		enum fact_kind kind = t->cols[c].type == COL_STR ? FACT_CATEGORY : FACT_LEVEL;
		if (o->include ? !listed(o->include, o->ninclude, name) : !automatic_choice(t, c, &s, &kind))
			continue;
		if (t->cols[c].type == COL_TIME)
			continue;
		struct fact_col f = {.col = c, .kind = kind};
		const struct text_column *user = NULL;
		for (size_t i = 0; i < o->ncols; i++)
			if (strcmp(o->cols[i].column, name) == 0)
				user = &o->cols[i];
		f.name = user && user->name ? xstrdup(user->name) : textualize_fact_name(name);
		if (kind == FACT_LEVEL)
			fit_numeric(&f, t, part, o, user, v);
		else
			fit_categories(&f, t, part);
		tz->facts = xrealloc(tz->facts, (tz->nfacts + 1) * sizeof *tz->facts);
		tz->facts[tz->nfacts++] = f;
	}
	add_clock_facts(tz, t, part, o, v);
	free(v);
	index_values(tz);
	*out = tz;
	return 0;
}

void textualize_free(struct textualizer *tz)
{
	if (!tz)
		return;
	for (size_t i = 0; i < tz->nfacts; i++) {
		free(tz->facts[i].name);
		free(tz->facts[i].edges);
		free(tz->facts[i].quantiles);
		for (size_t k = 0; k < tz->facts[i].ncats; k++)
			free(tz->facts[i].cats[k]);
		free(tz->facts[i].cats);
		free(tz->facts[i].shares);
	}
	free(tz->facts);
	free(tz->value_facts);
	free(tz);
}

static json_t *column_name_or_null(const struct table *t, long c)
{
	return c >= 0 ? json_string(t->cols[c].name) : json_null();
}

char *textualize_spec(const struct textualizer *tz, const struct table *t)
{
	json_t *facts = json_array();
	for (size_t i = 0; i < tz->nfacts; i++) {
		const struct fact_col *f = &tz->facts[i];
		json_t *jf = json_pack("{s:s, s:s, s:s, s:b}", "column", t->cols[f->col].name, "name", f->name, "kind",
		                       kind_names[f->kind], "trend", f->trend);
		if (f->kind == FACT_LEVEL) {
			json_t *cuts = json_array();
			for (int k = 0; k < f->ncuts; k++)  /* infinite cuts (no training values) as null */
				json_array_append_new(cuts, isfinite(f->cuts[k]) ? json_real(f->cuts[k]) : json_null());
			json_object_set_new(jf, "cuts", cuts);
			if (f->quantiles) {
				json_t *q = json_array();
				for (int k = 0; k < TEXT_QUANTILES; k++)
					json_array_append_new(q, json_real(f->quantiles[k]));
				json_object_set_new(jf, "quantiles", q);
			}
		}
		if (f->ncats) {
			json_t *cats = json_array();
			for (size_t k = 0; k < f->ncats; k++)
				json_array_append_new(cats, json_pack("[s, f]", f->cats[k], f->shares[k]));
			json_object_set_new(jf, "categories", cats);
		}
		if (f->kind != FACT_CATEGORY) {
			json_object_set_new(jf, "sd", json_real(f->sd));
			json_object_set_new(jf, "center", json_real(f->center));
			if (f->nedges) {
				json_t *edges = json_array();
				for (size_t k = 0; k < f->nedges; k++)
					json_array_append_new(edges, json_real(f->edges[k]));
				json_object_set_new(jf, "edges", edges);
			}
		}
		json_array_append_new(facts, jf);
	}
	json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "lang", tz->zh ? "zh" : "en", "window",
	                      (json_int_t)tz->window, "notes", column_name_or_null(t, tz->notes), "machine",
	                      column_name_or_null(t, tz->machine), "time", column_name_or_null(t, tz->time), "facts", facts);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text ? text : xstrdup("{}");
}

/* A column by the name in key (JSON null = none); -2 when it is missing. */
static long spec_column(json_t *o, const char *key, const struct table *t, struct err *e)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return -1;
	long c = json_is_string(v) ? table_find(t, json_string_value(v)) : -1;
	if (c < 0)
		return err_set(e, "the data has no column \"%s\" (%s) that the model needs",
		               json_is_string(v) ? json_string_value(v) : "?", key) - 1;
	return c;
}

/* A fact's bin edges from a spec (absent: none): finite, rising
 * strictly, from 2 to TEXT_MAX_VALUE_BINS + 1 of them. */
static int spec_edges(json_t *a, struct fact_col *f, struct err *e)
{
	if (!a)
		return 0;
	size_t n = json_array_size(a);
	if (!json_is_array(a) || n < 2 || n > TEXT_MAX_VALUE_BINS + 1 || f->kind == FACT_CATEGORY)
		return err_set(e, "\"edges\" must be a list of 2 to %d numbers on a numeric fact", TEXT_MAX_VALUE_BINS + 1);
	f->edges = xmalloc(n * sizeof *f->edges);
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_array_get(a, k);
		f->edges[k] = json_is_number(v) ? json_number_value(v) : NAN;
		if (!isfinite(f->edges[k]) || (k && !(f->edges[k] > f->edges[k - 1])))
			return err_set(e, "\"edges\" must be finite numbers rising strictly");
		f->nedges = k + 1;
	}
	return 0;
}

/* Adds column name as type unless t has it already. */
static void blank_column(struct table *t, const char *name, enum col_type type)
{
	if (name && table_find(t, name) < 0)
		table_add_column(t, name, type);
}

struct table *textualize_blank_table(const char *spec, struct err *e)
{
	json_t *o = json_loads(spec ? spec : "", 0, NULL), *facts = json_object_get(o, "facts"), *jf;
	if (!json_is_array(facts)) {
		json_decref(o);
		err_set(e, "textualizer spec: not the JSON lathe writes");
		return NULL;
	}
	static const enum col_type reads[] = {COL_NUM, COL_STR, COL_TIME, COL_TIME};
	struct table *t = table_new();
	size_t i;
	json_array_foreach(facts, i, jf) {
		const char *kind = json_string_value(json_object_get(jf, "kind"));
		enum col_type type = COL_STR;
		for (int k = 0; kind && k < (int)(sizeof kind_names / sizeof *kind_names); k++)
			if (strcmp(kind, kind_names[k]) == 0)
				type = reads[k];
		blank_column(t, json_string_value(json_object_get(jf, "column")), type);
	}
	blank_column(t, json_string_value(json_object_get(o, "machine")), COL_STR);
	blank_column(t, json_string_value(json_object_get(o, "time")), COL_TIME);
	blank_column(t, json_string_value(json_object_get(o, "notes")), COL_STR);
	json_decref(o);
	return t;
}

/* A fact's training profile from a spec (absent in older specs: none):
 * TEXT_QUANTILES finite numbers, not falling; categories as [text,
 * share] pairs with shares in [0, 1]. */
static int spec_profile(json_t *jf, struct fact_col *f, struct err *e)
{
	json_t *q = json_object_get(jf, "quantiles"), *cats = json_object_get(jf, "categories");
	if (q) {
		if (!json_is_array(q) || json_array_size(q) != TEXT_QUANTILES || f->kind != FACT_LEVEL)
			return err_set(e, "\"quantiles\" must be a list of %d numbers on a level fact", TEXT_QUANTILES);
		f->quantiles = xmalloc(TEXT_QUANTILES * sizeof *f->quantiles);
		for (int k = 0; k < TEXT_QUANTILES; k++) {
			json_t *v = json_array_get(q, (size_t)k);
			f->quantiles[k] = json_is_number(v) ? json_number_value(v) : NAN;
			if (!isfinite(f->quantiles[k]) || (k && f->quantiles[k] < f->quantiles[k - 1]))
				return err_set(e, "\"quantiles\" must be finite numbers that never fall");
		}
	}
	if (!cats)
		return 0;
	size_t n = json_array_size(cats);
	if (!json_is_array(cats) || n > TEXT_MAX_CATEGORIES || f->kind != FACT_CATEGORY)
		return err_set(e, "\"categories\" must be a list of at most %d pairs on a category fact",
		               TEXT_MAX_CATEGORIES);
	f->cats = xcalloc(n + 1, sizeof *f->cats);
	f->shares = xcalloc(n + 1, sizeof *f->shares);
	for (size_t k = 0; k < n; k++) {
		json_t *pair = json_array_get(cats, k);
		const char *text = json_string_value(json_array_get(pair, 0));
		json_t *share = json_array_get(pair, 1);
		if (json_array_size(pair) != 2 || !text || !json_is_number(share) || !(json_number_value(share) >= 0) ||
		    json_number_value(share) > 1)
			return err_set(e, "\"categories\" entry %zu is not a [text, share] pair", k);
		f->cats[k] = xstrdup(text);
		f->shares[k] = json_number_value(share);
		f->ncats = k + 1;
	}
	return 0;
}

int textualize_from_spec(const char *text, const struct table *t, struct textualizer **out, struct err *e)
{
	*out = NULL;
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	json_t *facts = json_object_get(o, "facts");
	const char *lang = json_string_value(json_object_get(o, "lang"));
	if (!json_is_object(o) || !json_is_array(facts) || !lang) {
		json_decref(o);
		return err_set(e, "textualizer spec: not the JSON lathe writes");
	}
	struct textualizer *tz = xcalloc(1, sizeof *tz);
	tz->zh = strcmp(lang, "zh") == 0;
	tz->w = tz->zh ? &wording_zh : &wording_en;
	tz->window = (size_t)json_integer_value(json_object_get(o, "window"));
	tz->notes = spec_column(o, "notes", t, e);
	tz->machine = spec_column(o, "machine", t, e);
	tz->time = spec_column(o, "time", t, e);
	int rc = tz->notes < -1 || tz->machine < -1 || tz->time < -1 ? -1 : 0;
	tz->facts = xcalloc(json_array_size(facts) + 1, sizeof *tz->facts);
	size_t i;
	json_t *jf;
	json_array_foreach(facts, i, jf) {
		if (rc)
			break;
		struct fact_col f = {0};
		long c = spec_column(jf, "column", t, e);
		const char *kind = json_string_value(json_object_get(jf, "kind"));
		const char *name = json_string_value(json_object_get(jf, "name"));
		if (c < 0 || !kind || !name) {
			rc = c < -1 ? -1 : err_set(e, "textualizer spec: fact %zu is incomplete", i);
			break;
		}
		f.col = (size_t)c;
		f.kind = FACT_CATEGORY;
		for (int k = 0; k < (int)(sizeof kind_names / sizeof *kind_names); k++)
			if (strcmp(kind, kind_names[k]) == 0)
				f.kind = (enum fact_kind)k;
		static const enum col_type reads[] = {COL_NUM, COL_STR, COL_TIME, COL_TIME};
		if (reads[f.kind] != t->cols[c].type && !(f.kind == FACT_CATEGORY && t->cols[c].type != COL_NUM)) {
			static const char *const as[] = {"numbers", "text", "timestamps", "timestamps"};
			rc = err_set(e, "column \"%s\" is %s in the data but the model reads it as %s", t->cols[c].name,
			             table_type_name(t->cols[c].type), as[f.kind]);
			break;
		}
		f.trend = f.kind == FACT_LEVEL && json_is_true(json_object_get(jf, "trend"));
		f.sd = json_number_value(json_object_get(jf, "sd"));
		/* Specs written before values were kept have no center. */
		json_t *center = json_object_get(jf, "center");
		f.center = json_is_number(center) ? json_number_value(center) : NAN;
		json_t *cuts = json_object_get(jf, "cuts");
		f.ncuts = (int)json_array_size(cuts);
		if (f.kind == FACT_LEVEL && (f.ncuts < 2 || f.ncuts > TEXT_MAX_CUTS || f.ncuts % 2)) {
			rc = err_set(e, "textualizer spec: fact %zu: \"cuts\" must be a list of 2, 4 or 6 thresholds", i);
			break;
		}
		for (int k = 0; k < f.ncuts && f.kind == FACT_LEVEL; k++) {
			json_t *v = json_array_get(cuts, (size_t)k);
			f.cuts[k] = json_is_number(v) ? json_number_value(v) : k < f.ncuts / 2 ? -INFINITY : INFINITY;
		}
		f.name = xstrdup(name);
		tz->facts[tz->nfacts++] = f;
		if (spec_edges(json_object_get(jf, "edges"), &tz->facts[tz->nfacts - 1], e) ||
		    spec_profile(jf, &tz->facts[tz->nfacts - 1], e)) {
			rc = err_prefix(e, "textualizer spec: fact %zu: ", i);
			break;
		}
	}
	json_decref(o);
	if (rc) {
		textualize_free(tz);
		return -1;
	}
	index_values(tz);
	*out = tz;
	return 0;
}

static int level_of(const double *cuts, int ncuts, double x)
{
	/* A value on a cut belongs to the middle side, so that quantile cuts on
	 * discrete data do not push the common value to an extreme. */
	int level = 0;
	while (level < ncuts && (level < ncuts / 2 ? x >= cuts[level] : x > cuts[level]))
		level++;
	return level;
}

static const char *level_word(const struct wording *w, int ncuts, int level)
{
	return ncuts == 2 ? w->levels3[level] : ncuts == 6 ? w->levels7[level] : w->levels5[level];
}

/* The word of a numeric fact's reading x, NULL when missing. */
static const char *fact_word(const struct textualizer *tz, const struct fact_col *f, double x)
{
	if (isnan(x))
		return NULL;
	if (f->kind == FACT_HOUR) {
		int part = (int)(x / 6);
		return tz->w->day_parts[part < 0 ? 0 : part > 3 ? 3 : part];
	}
	if (f->kind == FACT_WEEKDAY) {
		int day = (int)x;
		return tz->w->weekdays[day < 0 ? 0 : day > 6 ? 6 : day];
	}
	return level_word(tz->w, f->ncuts, level_of(f->cuts, f->ncuts, x));
}

/* Least-squares slope over the window, as a change over the window in
 * training standard deviations; NAN when the window is not full, and 0
 * when noise explains the slope (t statistic under 3). */
static double window_change(const double *v, const size_t *rows, size_t at, size_t w, double sd)
{
	if (at + 1 < w)
		return NAN;
	double mx = (double)(w - 1) / 2, my = 0;
	for (size_t k = 0; k < w; k++) {
		double y = v[rows[at + 1 - w + k]];
		if (isnan(y))
			return NAN;
		my += y;
	}
	my /= (double)w;
	double sxx = 0, sxy = 0;
	for (size_t k = 0; k < w; k++) {
		double dx = (double)k - mx;
		sxx += dx * dx;
		sxy += dx * (v[rows[at + 1 - w + k]] - my);
	}
	double slope = sxy / sxx, sse = 0;
	for (size_t k = 0; k < w; k++) {
		double r = v[rows[at + 1 - w + k]] - my - slope * ((double)k - mx);
		sse += r * r;
	}
	double se = w > 2 ? sqrt(sse / (double)(w - 2) / sxx) : 0;
	if (se > 0 && fabs(slope) / se < 3)
		return 0;
	return slope * (double)(w - 1) / sd;
}

char **textualize_table(const struct textualizer *tz, const struct table *t)
{
	return textualize_table_until(tz, t, NULL);
}

char **textualize_table_until(const struct textualizer *tz, const struct table *t, const atomic_int *cancel)
{
	size_t n = t->nrows;
	char **texts = xmalloc((n ? n : 1) * sizeof *texts);
	/* Trend of each fact column, per row, computed along each machine's
	 * readings in table order. */
	double *trend = NULL;
	size_t ntrend = 0;
	for (size_t i = 0; i < tz->nfacts; i++)
		ntrend += tz->facts[i].trend;
	if (ntrend) {
		trend = xmalloc(ntrend * (n ? n : 1) * sizeof *trend);
		struct table_groups g;
		table_groups_by(t, tz->machine, &g);
		size_t j = 0;
		for (size_t i = 0; i < tz->nfacts; i++) {
			if (!tz->facts[i].trend)
				continue;
			const double *v = t->cols[tz->facts[i].col].num;
			for (size_t k = 0; k < g.n; k++) {
				const size_t *rows = g.rows + g.start[k];
				for (size_t a = 0; a < g.start[k + 1] - g.start[k]; a++)
					trend[j * n + rows[a]] = window_change(v, rows, a, tz->window, tz->facts[i].sd);
			}
			j++;
		}
		table_groups_free(&g);
	}
	struct strbuf b = {0};
	char buf[64];
	for (size_t r = 0; r < n; r++) {
		if (cancel && r % 4096 == 0 && atomic_load(cancel)) {
			for (size_t k = 0; k < r; k++)
				free(texts[k]);
			free(texts);
			free(trend);
			strbuf_free(&b);
			return NULL;
		}
		strbuf_clear(&b);
		size_t j = 0;
		for (size_t i = 0; i < tz->nfacts; i++) {
			const struct fact_col *f = &tz->facts[i];
			size_t before = b.len;
			if (b.len)
				strbuf_puts(&b, tz->w->sep);
			size_t mark = b.len;
			if (f->kind == FACT_CATEGORY) {
				const char *val = table_cell_text(t, f->col, r, buf, sizeof buf);
				if (*val)
					phrase(&b, f->name, tz->w->category_join, val);
			} else {
				const char *word = fact_word(tz, f, fact_reading(f, t, r));
				if (word)
					phrase(&b, f->name, f->kind == FACT_LEVEL ? tz->w->level_join : tz->w->category_join, word);
			}
			if (f->trend) {
				double d = trend[j++ * n + r];
				/* A move of one training sd over the window is a trend, two a
				 * fast one. */
				if (!isnan(d) && fabs(d) >= 1) {
					int k = d <= -2 ? 0 : d < 0 ? 1 : d < 2 ? 2 : 3;
					if (b.len > mark)
						strbuf_puts(&b, tz->w->sep);
					trend_phrase(&b, tz->w, f->name, k, tz->window);
				}
			}
			if (b.len == mark)
				strbuf_truncate(&b, before);
		}
		if (tz->notes >= 0) {
			const char *note = table_cell_text(t, (size_t)tz->notes, r, buf, sizeof buf);
			if (*note) {
				if (b.len)
					strbuf_puts(&b, tz->w->sep);
				strbuf_puts(&b, note);
			}
		}
		texts[r] = b.len ? xstrndup(b.s, b.len) : xstrdup("");
	}
	strbuf_free(&b);
	free(trend);
	return texts;
}

size_t textualize_nvalues(const struct textualizer *tz)
{
	return tz->nvalues;
}

const char *textualize_value_name(const struct textualizer *tz, size_t k)
{
	return k < tz->nvalues ? tz->facts[tz->value_facts[k]].name : NULL;
}

size_t textualize_value_knots(const struct textualizer *tz)
{
	size_t knots = 0;
	for (size_t k = 0; k < tz->nvalues; k++)
		if (tz->facts[tz->value_facts[k]].nedges > knots)
			knots = tz->facts[tz->value_facts[k]].nedges;
	return knots;
}

void textualize_readings(const struct textualizer *tz, const struct table *t, size_t r, float *x)
{
	for (size_t k = 0; k < tz->nvalues; k++)
		x[k] = (float)fact_reading(&tz->facts[tz->value_facts[k]], t, r);
}

void textualize_encode_value(const struct textualizer *tz, size_t k, float x, size_t W, float *out)
{
	const struct fact_col *f = &tz->facts[tz->value_facts[k]];
	/* The z-score is clamped to 5 sd: beyond that a reading says "extreme"
	 * and no more, and one wild value cannot swamp its token's embedding. */
	const double limit = 5;
	double z = ((double)x - f->center) / f->sd;
	out[0] = (float)(z < -limit ? -limit : z > limit ? limit : z);
	for (size_t j = 1; j < W; j++)
		out[j] = 0;
	size_t n = f->nedges < W - 1 ? f->nedges : W - 1;
	if (n == 0)
		return;
	const double *edge = f->edges;
	if (x <= edge[0] || n == 1) {
		out[1] = 1;
		return;
	}
	if (x >= edge[n - 1]) {
		out[n] = 1;
		return;
	}
	size_t lo = 0, hi = n - 1;  /* edge[lo] < x < edge[hi] */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		*(x < edge[mid] ? &hi : &lo) = mid;
	}
	double a = ((double)x - edge[lo]) / (edge[hi] - edge[lo]);
	out[1 + lo] = (float)(1 - a);
	out[1 + hi] = (float)a;
}

const char *textualize_separator(const char *lang)
{
	return lang && strcmp(lang, "zh") == 0 ? wording_zh.sep : wording_en.sep;
}

size_t textualize_level_columns(const struct textualizer *tz, size_t *cols)
{
	size_t n = 0;
	for (size_t i = 0; i < tz->nfacts; i++)
		if (tz->facts[i].kind == FACT_LEVEL) {
			if (cols)
				cols[n] = tz->facts[i].col;
			n++;
		}
	return n;
}

size_t textualize_explain(const struct textualizer *tz, const struct table *t, size_t r, struct fact_explain *out)
{
	char buf[64];
	for (size_t i = 0; i < tz->nfacts; i++) {
		const struct fact_col *f = &tz->facts[i];
		struct fact_explain *x = &out[i];
		memset(x, 0, sizeof *x);
		x->column = t->cols[f->col].name;
		x->name = f->name;
		x->level = -1;
		if (f->kind == FACT_CATEGORY) {
			snprintf(x->value, sizeof x->value, "%s", table_cell_text(t, f->col, r, buf, sizeof buf));
			snprintf(x->why, sizeof x->why, "the text of the cell");
			continue;
		}
		if (f->kind != FACT_LEVEL) {
			const char *word = fact_word(tz, f, fact_reading(f, t, r));
			snprintf(x->value, sizeof x->value, "%s", table_cell_text(t, f->col, r, buf, sizeof buf));
			snprintf(x->why, sizeof x->why, "%s", !word                   ? "no timestamp, no fact"
			                                      : f->kind == FACT_HOUR ? "its hour, in six-hour parts from midnight"
			                                                             : "its day of the week");
			continue;
		}
		double v = t->cols[f->col].num[r];
		memcpy(x->cuts, f->cuts, sizeof x->cuts);
		x->ncuts = f->ncuts;
		x->numeric = true;
		if (isnan(v)) {
			snprintf(x->value, sizeof x->value, "(missing)");
			snprintf(x->why, sizeof x->why, "no reading, no fact");
			continue;
		}
		table_format_number(v, x->value, sizeof x->value);
		x->level = level_of(f->cuts, f->ncuts, v);
		int at = snprintf(x->why, sizeof x->why, "%s:", level_word(tz->w, f->ncuts, x->level));
		for (int k = 0; k < f->ncuts && at > 0 && (size_t)at < sizeof x->why; k++)
			at += snprintf(x->why + at, sizeof x->why - (size_t)at, "%s %.4g", k ? " |" : "", f->cuts[k]);
	}
	return tz->nfacts;
}

bool textualize_reads_column(const struct textualizer *tz, size_t col)
{
	if (tz->notes >= 0 && (size_t)tz->notes == col)
		return true;
	for (size_t i = 0; i < tz->nfacts; i++)
		if (tz->facts[i].col == col)
			return true;
	return false;
}

void textualize_profile(const struct textualizer *tz, size_t i, struct fact_profile *out)
{
	const struct fact_col *f = &tz->facts[i];
	*out = (struct fact_profile){.name = f->name, .col = f->col, .level = f->kind == FACT_LEVEL,
	                             .category = f->kind == FACT_CATEGORY, .quantiles = f->quantiles,
	                             .cuts = f->cuts, .ncuts = f->ncuts, .center = f->center,
	                             .categories = f->cats, .shares = f->shares, .ncategories = f->ncats};
}

const char *textualize_level_name(const struct textualizer *tz, size_t i, int level)
{
	const struct fact_col *f = &tz->facts[i];
	return f->kind == FACT_LEVEL && level >= 0 && level <= f->ncuts ? level_word(tz->w, f->ncuts, level) : NULL;
}

int textualize_level_word(const struct textualizer *tz, size_t i, const char *word)
{
	for (int k = 0; textualize_level_name(tz, i, k); k++)
		if (strcmp(textualize_level_name(tz, i, k), word) == 0)
			return k;
	return -1;
}

const char *textualize_join(const struct textualizer *tz, size_t i)
{
	return tz->facts[i].kind == FACT_LEVEL ? tz->w->level_join : tz->w->category_join;
}

size_t textualize_window(const struct textualizer *tz)
{
	return tz->window;
}

long textualize_machine_column(const struct textualizer *tz)
{
	return tz->machine;
}

size_t textualize_nfacts(const struct textualizer *tz)
{
	return tz->nfacts;
}
