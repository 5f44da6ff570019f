#include "config.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void stats_column(const struct table *t, size_t c, struct col_stats *s)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	const struct column *col = &t->cols[c];
	double sum = 0, sumsq = 0;
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (table_is_missing(t, c, r)) {
			s->missing++;
			continue;
		}
		if (col->type == COL_STR)
			continue;
		double v = col->type == COL_NUM ? col->num[r] : (double)col->time[r];
		s->min = fmin(s->min, v);
		s->max = fmax(s->max, v);
		sum += v;
		n++;
	}
	s->mean = n ? sum / (double)n : NAN;
	for (size_t r = 0; r < t->nrows && col->type == COL_NUM; r++)
		if (!isnan(col->num[r]))
			sumsq += (col->num[r] - s->mean) * (col->num[r] - s->mean);
	s->sd = n > 1 ? sqrt(sumsq / (double)(n - 1)) : 0;
	if (!n) {
		s->min = s->max = NAN;
	}
	size_t ng;
	size_t *g = table_group_ids(t, &c, 1, &ng);
	free(g);
	s->distinct = ng - (s->missing > 0);
}

void quality_opts_init(struct quality_opts *o)
{
	o->machine = -1;
	o->time = -1;
	o->flat_min = 20;
	o->spike_k = 8;
	o->gap_k = 3;
}

const char *quality_kind_name(enum quality_kind k)
{
	static const char *const names[] = {"constant", "flatline", "spike", "gap", "time going back", "repeated time"};
	return names[k];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void add(struct quality_finding **f, size_t *n, struct quality_finding x)
{
	*f = xrealloc(*f, (*n + 1) * sizeof **f);
	(*f)[(*n)++] = x;
}

struct quality_finding *stats_quality(const struct table *t, const struct col_stats *stats,
                                      const struct quality_opts *o, size_t *n)
{
	struct quality_finding *f = NULL;
	*n = 0;
	struct table_groups m;
	table_groups_by(t, o->machine, &m);
	double *tmp = xmalloc((t->nrows ? t->nrows : 1) * sizeof *tmp);
	for (size_t c = 0; c < t->ncols; c++) {
		if ((long)c == o->machine || (long)c == o->time)
			continue;
		const struct col_stats s = stats[c];
		if (s.distinct == 1 && t->nrows > 1) {
			add(&f, n, (struct quality_finding){QUALITY_CONSTANT, (long)c, 1, 0, t->source_row[0]});
			continue;
		}
		/* Flatlines and spikes only mean something for a continuous sensor. */
		if (t->cols[c].type != COL_NUM || s.distinct < 20)
			continue;
		const double *v = t->cols[c].num;
		struct quality_finding flat = {QUALITY_FLATLINE, (long)c, 0, 0, 0};
		struct quality_finding spike = {QUALITY_SPIKE, (long)c, 0, 0, 0};
		size_t nd = 0;
		for (size_t g = 0; g < m.n; g++)
			for (size_t i = m.start[g] + 1; i < m.start[g + 1]; i++) {
				double d = v[m.rows[i]] - v[m.rows[i - 1]];
				if (!isnan(d))
					tmp[nd++] = fabs(d);
			}
		double mad = median(tmp, nd);
		double scale = 1.4826 * mad;
		for (size_t g = 0; g < m.n; g++) {
			size_t run = 1;
			for (size_t i = m.start[g] + 1; i <= m.start[g + 1]; i++) {
				bool same = i < m.start[g + 1] && v[m.rows[i]] == v[m.rows[i - 1]];
				if (same) {
					run++;
					continue;
				}
				if (run >= o->flat_min) {
					if (!flat.count)
						flat.first_row = t->source_row[m.rows[i - run]];
					flat.count++;
					flat.worst = fmax(flat.worst, (double)run);
				}
				run = 1;
			}
			for (size_t i = m.start[g] + 1; scale > 0 && i + 1 < m.start[g + 1]; i++) {
				double up = v[m.rows[i]] - v[m.rows[i - 1]], down = v[m.rows[i + 1]] - v[m.rows[i]];
				if (fabs(up) > o->spike_k * scale && fabs(down) > o->spike_k * scale && (up > 0) != (down > 0)) {
					if (!spike.count)
						spike.first_row = t->source_row[m.rows[i]];
					spike.count++;
					spike.worst = fmax(spike.worst, fabs(up) / scale);
				}
			}
		}
		if (flat.count)
			add(&f, n, flat);
		if (spike.count)
			add(&f, n, spike);
	}
	if (o->time >= 0 && t->cols[o->time].type != COL_STR) {
		const struct column *tc = &t->cols[o->time];
		struct quality_finding gap = {QUALITY_GAP, o->time, 0, 0, 0};
		struct quality_finding back = {QUALITY_NONMONOTONIC, o->time, 0, 0, 0};
		struct quality_finding same = {QUALITY_REPEATED, o->time, 0, 0, 0};
		size_t nd = 0;
		/* Time in seconds whatever the column holds (cycles for C-MAPSS). */
		double unit = tc->type == COL_TIME ? 1000.0 : 1.0;
#define TIME_AT(i) (tc->type == COL_TIME ? (tc->time[m.rows[i]] == TABLE_TIME_MISSING ? NAN : (double)tc->time[m.rows[i]]) \
                                         : tc->num[m.rows[i]])
		for (size_t g = 0; g < m.n; g++)
			for (size_t i = m.start[g] + 1; i < m.start[g + 1]; i++) {
				double d = TIME_AT(i) - TIME_AT(i - 1);
				if (d > 0)
					tmp[nd++] = d;
			}
		double usual = median(tmp, nd);
		for (size_t g = 0; g < m.n; g++)
			for (size_t i = m.start[g] + 1; i < m.start[g + 1]; i++) {
				double d = TIME_AT(i) - TIME_AT(i - 1);
				if (isnan(d))
					continue;
				if (d < 0 || d == 0) {
					struct quality_finding *hit = d < 0 ? &back : &same;
					if (!hit->count)
						hit->first_row = t->source_row[m.rows[i]];
					hit->count++;
				} else if (nd && d > o->gap_k * usual) {
					if (!gap.count)
						gap.first_row = t->source_row[m.rows[i]];
					gap.count++;
					gap.worst = fmax(gap.worst, d / unit);
				}
			}
#undef TIME_AT
		if (gap.count)
			add(&f, n, gap);
		if (back.count)
			add(&f, n, back);
		if (same.count)
			add(&f, n, same);
	}
	free(tmp);
	table_groups_free(&m);
	return f;
}
