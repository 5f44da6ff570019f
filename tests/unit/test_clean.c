#include "config.h"

#include <stdlib.h>
#include "prep/clean.h"
#include "tap.h"

/* machine, t (ms), temp; NaN = missing. */
static struct table *sample(void)
{
	static const char *machine[] = {"A", "A", "B", "A", "B", "B", "A"};
	static const double temp[] = {300, NAN, 310, 2000, 305, NAN, 301};
	static const int64_t time[] = {3000, 1000, 1000, 2000, 2000, 3000, 4000};
	struct table *t = table_new();
	table_add_column(t, "machine", COL_STR);
	table_add_column(t, "t", COL_TIME);
	table_add_column(t, "temp", COL_NUM);
	for (size_t r = 0; r < 7; r++) {
		table_append_row(t, (int64_t)r + 1);
		table_set_str(t, 0, r, machine[r]);
		t->cols[1].time[r] = time[r];
		t->cols[2].num[r] = temp[r];
	}
	return t;
}

static struct table *apply(const char *name, const char *arg, struct clean_report *rep, int *rc)
{
	struct clean_rule rule;
	struct err e;
	struct table *t = sample();
	struct clean_context ctx = {.machine = "machine"};
	memset(rep, 0, sizeof *rep);
	*rc = clean_rule_parse(name, arg, &rule, &e);
	if (*rc == 0)
		*rc = clean_apply(t, &rule, 1, &ctx, rep, &e);
	if (*rc)
		printf("# %s\n", e.msg);
	clean_rule_free(&rule);
	return t;
}

int main(void)
{
	struct clean_report rep;
	int rc;
	struct table *t;

	t = apply("drop-missing", NULL, &rep, &rc);
	ok(rc == 0 && t->nrows == 5 && rep.entries[0].rows_dropped == 2, "drop-missing drops 2 rows");
	table_free(t);
	clean_report_free(&rep);

	t = apply("fill", "temp=ffill", &rep, &rc);
	is_dbl(t->cols[2].num[1], 300, 0, "ffill takes machine A's last value");
	is_dbl(t->cols[2].num[5], 305, 0, "ffill stays within machine B");
	is_int(rep.entries[0].values_changed, 2, "ffill counts");
	table_free(t);
	clean_report_free(&rep);

	t = apply("fill", "temp=median", &rep, &rc);
	is_dbl(t->cols[2].num[1], 305, 0, "median fill");
	table_free(t);
	clean_report_free(&rep);
	t = apply("fill", "temp=mean", &rep, &rc);
	is_dbl(t->cols[2].num[1], (300 + 310 + 2000 + 305 + 301) / 5.0, 1e-9, "mean fill");
	table_free(t);
	clean_report_free(&rep);
	t = apply("fill", "temp=-1", &rep, &rc);
	is_dbl(t->cols[2].num[5], -1, 0, "constant fill");
	table_free(t);
	clean_report_free(&rep);

	t = apply("limits", "temp=250:400", &rep, &rc);
	is_dbl(t->cols[2].num[3], 400, 0, "limits clip by default");
	is_int(rep.entries[0].values_changed, 1, "one clipped");
	table_free(t);
	clean_report_free(&rep);
	t = apply("limits", "temp=250:400:drop", &rep, &rc);
	ok(t->nrows == 6 && rep.entries[0].rows_dropped == 1, "limits drop");
	table_free(t);
	clean_report_free(&rep);
	t = apply("limits", "temp=:400:missing", &rep, &rc);
	ok(isnan(t->cols[2].num[3]) && t->nrows == 7, "one-sided limit to missing");
	table_free(t);
	clean_report_free(&rep);

	t = apply("outliers", "temp=iqr:1.5", &rep, &rc);
	ok(t->nrows == 6 && rep.entries[0].rows_dropped == 1, "IQR outlier dropped");
	table_free(t);
	clean_report_free(&rep);
	t = apply("outliers", "temp=zscore:1:missing", &rep, &rc);
	ok(isnan(t->cols[2].num[3]) && rep.entries[0].values_changed == 1, "z-score outlier to missing");
	table_free(t);
	clean_report_free(&rep);

	t = apply("dedup-time", NULL, &rep, &rc);
	ok(rc == 0 && t->nrows == 7, "no repeated time per machine");
	table_free(t);
	clean_report_free(&rep);

	t = apply("sort-time", NULL, &rep, &rc);
	ok(t->cols[1].time[0] == 1000 && t->source_row[0] == 2 && t->source_row[1] == 3 && t->source_row[6] == 7,
	   "sorted by time, stable");
	table_free(t);
	clean_report_free(&rep);

	t = apply("rename", "temp=temperature", &rep, &rc);
	is_str(t->cols[2].name, "temperature", "rename");
	table_free(t);
	clean_report_free(&rep);
	t = apply("convert", "temp=K:C", &rep, &rc);
	is_dbl(t->cols[2].num[0], 26.85, 1e-9, "K to C");
	table_free(t);
	clean_report_free(&rep);
	t = apply("convert", "temp=C:F", &rep, &rc);
	is_dbl(t->cols[2].num[0], 572, 1e-9, "C to F");
	table_free(t);
	clean_report_free(&rep);

	/* Duplicate rows. */
	t = sample();
	table_append_row(t, 8);
	table_set_str(t, 0, 7, "A");
	t->cols[1].time[7] = 3000;
	t->cols[2].num[7] = 300;
	struct clean_rule rule;
	struct err e;
	memset(&rep, 0, sizeof rep);
	clean_rule_parse("dedup", NULL, &rule, &e);
	clean_apply(t, &rule, 1, NULL, &rep, &e);
	ok(t->nrows == 7 && rep.entries[0].rows_dropped == 1, "duplicate row dropped");
	clean_rule_free(&rule);
	clean_report_free(&rep);
	clean_rule_parse("dedup-time", NULL, &rule, &e);
	struct clean_context ctx = {.machine = "machine"};
	t->cols[2].num[6] = 999;
	table_append_row(t, 9);
	table_set_str(t, 0, 7, "A");
	t->cols[1].time[7] = 3000;
	t->cols[2].num[7] = 1;
	clean_apply(t, &rule, 1, &ctx, &rep, &e);
	ok(t->nrows == 7 && rep.entries[0].rows_dropped == 1, "repeated timestamp per machine dropped");
	clean_rule_free(&rule);
	clean_report_free(&rep);
	table_free(t);

	ok(clean_rule_parse("limits", "temp=5:1", &rule, &e) != 0 && strstr(e.msg, "minimum above maximum"), "bad limits");
	ok(clean_rule_parse("fill", "temp=", &rule, &e) != 0, "fill without a method");
	ok(clean_rule_parse("nosuch", "x", &rule, &e) != 0 && strstr(e.msg, "unknown cleaning rule"), "unknown rule");
	ok(clean_rule_parse("convert", "temp=K:X", &rule, &e) != 0, "unknown unit");
	ok(clean_rule_parse("dedup", "x", &rule, &e) != 0 && strstr(e.msg, "takes no argument"), "no argument for dedup");
	t = apply("limits", "nope=1:2", &rep, &rc);
	ok(rc != 0, "limits on a missing column fails");
	table_free(t);
	clean_report_free(&rep);
	return tap_done();
}
