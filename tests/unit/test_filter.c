/* Lua row filters: column aliases, missing cells, and the errors. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hooks/filter.h"
#include "hooks/rules.h"
#include "hooks/sandbox.h"
#include "tap.h"

int main(void)
{
	struct table *t = table_new();
	table_add_column(t, "Torque [Nm]", COL_NUM);
	table_add_column(t, "Type", COL_STR);
	table_add_column(t, "Tool wear [min]", COL_NUM);
	static const double torque[5] = {70, 65, 30, NAN, 61};
	static const char *const type[5] = {"L", "M", "L", "L", "L"};
	for (size_t r = 0; r < 5; r++) {
		table_append_row(t, (int64_t)r + 1);
		t->cols[0].num[r] = torque[r];
		table_set_str(t, 1, r, type[r]);
		t->cols[2].num[r] = (double)r * 100;
	}
	struct err e;
	struct row_filter *f;
	bool keep[5];
	ok(row_filter_new("torque > 60 and type == \"L\"", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0, "compiles");
	long n = row_filter_apply(f, t, NULL, 5, keep, &e);
	ok(n == 2 && keep[0] && !keep[1] && !keep[2] && !keep[3] && keep[4], "fact-name aliases; a missing cell never matches");
	row_filter_free(f);
	ok(row_filter_new("row[\"Tool wear [min]\"] >= 200 and tool_wear < 400", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0, "row[] by name");
	size_t some[2] = {2, 4};
	n = row_filter_apply(f, t, some, 2, keep, &e);
	ok(n == 1 && keep[0] && !keep[1], "a subset of rows");
	row_filter_free(f);
	ok(row_filter_new("torque >", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) != 0 && strstr(e.msg, "filter:1:"), "a syntax error: %s", e.msg);
	ok(row_filter_new("torq > 60", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0, "compiles (names resolve per row)");
	ok(row_filter_apply(f, t, NULL, 5, keep, &e) < 0 && strstr(e.msg, "unknown name 'torq': did you mean torque?"),
	   "an unknown name, with the nearest: %s", e.msg);
	row_filter_free(f);
	ok(row_filter_new("zzzzzz > 1", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0 && row_filter_apply(f, t, NULL, 5, keep, &e) < 0 &&
	   strstr(e.msg, "unknown name 'zzzzzz' (a column?") && !strstr(e.msg, "did you mean"), "nothing near: no guess: %s", e.msg);
	row_filter_free(f);
	/* only the one "M" row reaches the typo: every row has the same names,
	 * so it is an error for the whole log, not a row that fails */
	ok(row_filter_new("type == \"M\" and torq > 1", t, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0 &&
	       row_filter_apply(f, t, NULL, 5, keep, &e) < 0 && strstr(e.msg, "unknown name 'torq'") &&
	       !strstr(e.msg, "data row"),
	   "a typo that one row reaches is the filter's error, naming no row: %s", e.msg);
	row_filter_free(f);
	/* the names the grid's header shows: as spelled, any case, symbols as _ */
	ok(row_filter_new("Torque_Nm > 60 and Type == \"L\" and TYPE == \"L\" and tool_wear_MIN >= 0", t,
	                  SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0, "header names compile");
	n = row_filter_apply(f, t, NULL, 5, keep, &e);
	ok(n == 2 && keep[0] && keep[4], "header names, any case, symbols as underscores: %ld", n);
	row_filter_free(f);
	struct table *u = table_new();
	table_add_column(u, "Usage_kWh", COL_NUM);
	table_add_column(u, "CO2(tCO2)", COL_NUM);
	table_add_column(u, "Lagging_Current_Reactive.Power_kVarh", COL_NUM);
	table_append_row(u, 1);
	u->cols[0].num[0] = 3.5;
	u->cols[1].num[0] = 0.02;
	u->cols[2].num[0] = 1;
	ok(row_filter_new("Usage_kWh > 3 and usage_kwh > 3 and CO2_tCO2 > 0.01 and row[\"CO2(tCO2)\"] < 1 and "
	                  "Lagging_Current_Reactive_Power_kVarh == 1", u, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0 &&
	   row_filter_apply(f, u, NULL, 1, keep, &e) == 1, "a steel plant's headers as the grid shows them: %s", e.msg);
	row_filter_free(f);
	ok(row_filter_new("Usage_kwhh > 3", u, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0 && row_filter_apply(f, u, NULL, 1, keep, &e) < 0 &&
	   strstr(e.msg, "did you mean Usage_kWh?"), "the nearest header name suggested: %s", e.msg);
	row_filter_free(f);
	table_free(u);
	ok(row_filter_new("(function() while true do end end)()", t, 100000, &f, &e) == 0 &&
	   row_filter_apply(f, t, NULL, 5, keep, &e) < 0 && strstr(e.msg, "instruction"), "a runaway expression is stopped: %s", e.msg);
	row_filter_free(f);
	/* a row that fails (a missing cell compared) leaves Lua's stack as it
	 * was, however many fail: the stack holds a million values, so a leak
	 * of two a row overflows it past half a million rows */
	enum { GAPS = 600000 };
	struct table *gaps = table_new();
	table_add_column(gaps, "Torque [Nm]", COL_NUM);
	for (size_t r = 0; r < GAPS; r++) {
		table_append_row(gaps, (int64_t)r + 1);
		gaps->cols[0].num[r] = r == GAPS - 1 ? 70 : NAN;
	}
	bool *kept = calloc(GAPS, sizeof *kept);
	ok(kept && row_filter_new("torque > 60", gaps, SANDBOX_DEFAULT_INSTRUCTIONS, &f, &e) == 0 &&
	       row_filter_apply(f, gaps, NULL, GAPS, kept, &e) == 1 && kept[GAPS - 1],
	   "%d rows, all but the last failing: the last matches", GAPS);
	row_filter_free(f);
	free(kept);
	table_free(gaps);
	table_free(t);
	return tap_done();
}
