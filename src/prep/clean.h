#ifndef LATHE_PREP_CLEAN_H
#define LATHE_PREP_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"
#include "data/table.h"

/* A built-in cleaning rule, parsed from the same text on the command line
 * (--fill 'Torque [Nm]=median') and in Lua (clean.fill("Torque [Nm]",
 * "median") yields {"fill", "Torque [Nm]=median"}). */
struct clean_rule {
	const struct clean_kind *kind;
	char *spec;           /* the text it was parsed from, for the report */
	char *column;         /* NULL or "*" = every applicable column */
	char *text;           /* fill value / new name / unit pair */
	double a, b;          /* limits, outlier threshold, fill number */
	int mode;             /* kind-specific: fill method, action, method */
	bool has_a, has_b;
};

/* What the rules act on besides their own column. */
struct clean_context {
	const char *machine;  /* group column for per-machine rules, or NULL */
	const char *time;     /* time column, or NULL (first time column) */
};

struct clean_report_entry {
	char *rule;
	size_t rows_dropped;
	size_t values_changed;
};

struct clean_report {
	size_t rows_in, rows_out;
	struct clean_report_entry *entries;
	size_t n;
};

/* Rule names as used on the command line: drop-missing, fill, limits,
 * outliers, dedup, dedup-time, sort-time, rename, convert. */
int clean_rule_parse(const char *name, const char *arg, struct clean_rule *out, struct err *e);
void clean_rule_free(struct clean_rule *r);
/* Applies rules in order, appending one report entry per rule. */
int clean_apply(struct table *t, const struct clean_rule *rules, size_t n, const struct clean_context *ctx,
                struct clean_report *rep, struct err *e);
/* Adds an entry (for rules applied elsewhere, e.g. Lua) and returns it. */
struct clean_report_entry *clean_report_add(struct clean_report *rep, const char *rule);
void clean_report_free(struct clean_report *rep);
/* Resolves the context's time column: the named one, or the first
 * timestamp column; -1 if there is none. */
long clean_time_column(const struct table *t, const struct clean_context *ctx, struct err *e);

/* Narrows [*lo, *hi] to the physical limits (--limits) the rules set on
 * column. */
void clean_limits_of(const struct clean_rule *rules, size_t n, const char *column, double *lo, double *hi);

#endif
