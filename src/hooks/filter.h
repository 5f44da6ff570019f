#ifndef LATHE_HOOKS_FILTER_H
#define LATHE_HOOKS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"
#include "data/table.h"

/* A Lua expression over a row, such as torque > 60 and type == "L":
 * columns by name (row["Torque [Nm]"]), as the header spells them with
 * other characters as underscores (Torque_Nm, Usage_kWh, CO2_tCO2), or
 * by their fact name with underscores (torque, tool_wear), in any case,
 * under the instruction limit. An unknown name names the nearest. A row
 * whose cell is missing, or on which the expression fails, does not
 * match; an expression that fails on every row is an error. */
struct row_filter;

int row_filter_new(const char *expr, const struct table *t, long limit, struct row_filter **out, struct err *e);
void row_filter_free(struct row_filter *f);
/* Sets keep[i] for rows[0..n) of t (rows NULL: every row); returns the
 * count kept, or -1 with the error. */
long row_filter_apply(struct row_filter *f, const struct table *t, const size_t *rows, size_t n, bool *keep,
                      struct err *e);

/* The expression's value on rows[0..n) (rows NULL: every row): a number
 * into num[i] (else NAN) and, when text is not NULL, a copy of a string,
 * a number or a boolean as text into text[i] (else NULL; the caller
 * frees them). -1 when it failed on every row. */
int row_filter_values(struct row_filter *f, const struct table *t, const size_t *rows, size_t n, double *num,
                      char **text, struct err *e);

#endif
