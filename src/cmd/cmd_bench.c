#include "config.h"
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_bytes(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss * 1024L : -1;
}

/* Prints one machine-readable line: what the benchmark scripts read. */
static int run(const struct cmd *cmd, struct cmd_args *a)
{
	const char *what = a->pos[0], *path = a->pos[1];
	bool rules = strcmp(what, "rules") == 0;
	if (!rules && strcmp(what, "csv") != 0)
		return cmd_usage_error(cmd, "unknown benchmark '%s' (csv or rules)", what);
	if (rules && !a->po.rules_path)
		return cmd_usage_error(cmd, "bench rules needs --rules FILE.lua");
	struct err e;
	struct pipeline p;
	int rc = CMD_OK;
	double t0 = now();
	if (pipeline_open(&p, &a->po, &e) || pipeline_load(&p, path, &e)) {
		rc = cmd_fail(&e);
	} else {
		double t1 = now();
		if (!rules) {
			printf("RESULT bench=csv file=%s rows=%zu cols=%zu bytes=%zu load_s=%.4f mb_per_s=%.1f table_bytes=%zu "
			       "peak_rss_bytes=%ld\n",
			       path, p.t->nrows, p.t->ncols, p.load.bytes, t1 - t0, (double)p.load.bytes / 1e6 / (t1 - t0),
			       table_bytes(p.t), peak_rss_bytes());
		} else if (pipeline_clean(&p, &e)) {
			rc = cmd_fail(&e);
		} else {
			double t2 = now();
			printf("RESULT bench=rules file=%s rows_in=%zu rows_out=%zu cols=%zu load_s=%.4f rules_s=%.4f "
			       "rows_per_s=%.0f\n",
			       path, p.clean.rows_in, p.t->nrows, p.t->ncols, t1 - t0, t2 - t1,
			       (double)p.clean.rows_in / (t2 - t1));
		}
	}
	pipeline_close(&p);
	return rc;
}

const struct cmd cmd_bench = {
	.name = "bench",
	.args = "csv|rules FILE.csv",
	.summary = "Time loading a CSV (csv) or running a rules script over it (rules).",
	.groups = CMD_G_LOAD | CMD_G_RULES,
	.min_args = 2,
	.max_args = 2,
	.run = run,
};
