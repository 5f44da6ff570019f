#include "config.h"
#include "fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "data/table.h"
#include "core/diagnosis.h"

static int cmp_risk(const void *a, const void *b)
{
	const struct fleet_machine *x = a, *y = b;
	if (x->risk != y->risk)
		return (x->risk < y->risk) - (x->risk > y->risk);
	if (x->trend != y->trend)
		return (x->trend < y->trend) - (x->trend > y->trend);
	return strcmp(x->machine, y->machine);
}

size_t fleet_rank(const struct learner *l, const struct pipeline *p, const int32_t *pred, const bool *alert,
                  struct fleet_machine **out)
{
	const struct table *t = p->t;
	long mc = p->machine ? table_find(t, p->machine) : -1, tc = p->time ? table_find(t, p->time) : -1;
	struct table_groups g;
	table_groups_by(t, mc, &g);
	size_t K = l->mf.nlabels;
	size_t *votes = xmalloc((K + 1) * sizeof *votes);
	struct fleet_machine *m = xcalloc(g.n + 1, sizeof *m);
	for (size_t i = 0; i < g.n; i++) {
		struct fleet_machine *f = &m[i];
		const size_t *rows = g.rows + g.start[i];
		size_t n = g.start[i + 1] - g.start[i];
		char buf[64];
		if (mc >= 0)
			snprintf(f->machine, sizeof f->machine, "%s", table_cell_text(t, (size_t)mc, rows[0], buf, sizeof buf));
		else
			strcpy(f->machine, "(the whole log)");
		f->rows = n;
		f->recent = n < 4 ? n : (n + 3) / 4;
		f->failure = -1;
		f->last_time = INT64_MIN;
		memset(votes, 0, K * sizeof *votes);
		for (size_t j = 0; j < n; j++) {
			size_t r = rows[j];
			if (!alert[r])
				continue;
			if (j >= n - f->recent)
				f->recent_alerts++;
			else
				f->earlier_alerts++;
			votes[pred[r]]++;
			f->last_row = t->source_row[r];
			f->last_time = tc >= 0 && t->cols[tc].type == COL_TIME ? t->cols[tc].time[r] : INT64_MIN;
		}
		for (size_t k = 0; k < K; k++)
			if (votes[k] && (f->failure < 0 || votes[k] > votes[f->failure]))
				f->failure = (int)k;
		f->risk = f->recent ? (double)f->recent_alerts / (double)f->recent : 0;
		size_t earlier = n - f->recent;
		f->trend = f->risk - (earlier ? (double)f->earlier_alerts / (double)earlier : f->risk);
	}
	qsort(m, g.n, sizeof *m, cmp_risk);
	size_t count = g.n;
	free(votes);
	table_groups_free(&g);
	*out = m;
	return count;
}

void fleet_text(const struct learner *l, const struct fleet_machine *m, size_t n, size_t max, struct strbuf *out)
{
	size_t shown = max && max < n ? max : n;
	strbuf_printf(out, "%-16s %7s %8s %8s %8s  %-16s %s\n", "machine", "rows", "recent", "risk", "trend", "failure",
	              "last alert");
	/* names pad by terminal cells, so Chinese ones align too */
	for (size_t i = 0; i < shown; i++) {
		const struct fleet_machine *f = &m[i];
		char when[32] = "";
		if (f->last_row)
			snprintf(when, sizeof when, "row %lld", (long long)f->last_row);
		if (f->last_time != INT64_MIN)
			diagnosis_time(f->last_time, when, sizeof when);
		utf8_pad_buf(out, f->machine, 16);
		strbuf_printf(out, " %7zu %8zu %7.1f%% %+7.1f%%  ", f->rows, f->recent, 100 * f->risk, 100 * f->trend);
		utf8_pad_buf(out, f->failure >= 0 ? l->mf.labels[f->failure] : "-", 16);
		strbuf_printf(out, " %s\n", when);
	}
	if (shown < n)
		strbuf_printf(out, "... and %zu more machines\n", n - shown);
}
