#ifndef LATHE_DATA_TABLE_H
#define LATHE_DATA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/err.h"
#include "base/strpool.h"
#include "data/numparse.h"

/* A columnar table: numbers as double (NaN = missing), text as ids into the
 * table's string pool (0 = missing), timestamps as int64 epoch
 * milliseconds (TABLE_TIME_MISSING = missing). */
enum col_type { COL_NUM, COL_STR, COL_TIME };

#define TABLE_TIME_MISSING INT64_MIN

struct column {
	char *name;
	enum col_type type;
	union {
		double *num;
		uint32_t *str;
		int64_t *time;
		void *data;
	};
	bool time_zone;           /* timestamps carried a zone: written with Z */
	enum time_form time_form; /* how they were written in the source */
};

struct table {
	size_t nrows, ncols, cap;
	struct column *cols;
	int64_t *source_row;      /* 1-based data row of the source file */
	struct strpool *pool;
};

struct table *table_new(void);
void table_free(struct table *t);
/* Adds an empty column (all missing) and returns its index. */
size_t table_add_column(struct table *t, const char *name, enum col_type type);
/* Ensures room for n rows in every column. */
void table_reserve(struct table *t, size_t n);
/* Appends one all-missing row and returns its index. */
size_t table_append_row(struct table *t, int64_t source_row);
/* Appends a row with its cells unset: the caller sets every one (the
 * CSV loader's fast path). */
size_t table_push_row(struct table *t, int64_t source_row);
/* Sets cell (c, r) missing. */
void table_set_missing(struct table *t, size_t c, size_t r);
/* Index of the column with this exact name, or -1. */
long table_find(const struct table *t, const char *name);
/* Keeps the rows where keep[i] is true, in order. */
void table_filter(struct table *t, const bool *keep);
/* Reorders rows: new row i is old row order[i]. */
void table_permute(struct table *t, const size_t *order);
/* Changes a column's type, converting values (numbers <-> text). */
void table_convert(struct table *t, size_t col, enum col_type type);
bool table_is_missing(const struct table *t, size_t col, size_t row);
/* The cell as text into buf (numbers in shortest round-trip form);
 * "" when missing. Returns buf or the pooled string. */
const char *table_cell_text(const struct table *t, size_t col, size_t row, char *buf, size_t size);
void table_set_str(struct table *t, size_t col, size_t row, const char *s);
/* Numbers the distinct combinations of the given columns in order of first
 * appearance: ids[r] is row r's group. Caller frees. */
size_t *table_group_ids(const struct table *t, const size_t *cols, size_t ncols, size_t *ngroups);
/* Rows grouped by a column's value, each group in table order: group g is
 * rows[start[g] .. start[g + 1]). col -1 puts every row in one group. */
struct table_groups {
	size_t *rows, *start, n;
};

void table_groups_by(const struct table *t, long col, struct table_groups *g);
void table_groups_free(struct table_groups *g);
/* Bytes the table's data takes (cells, row numbers, strings). */
size_t table_bytes(const struct table *t);
/* Orders rows[0..n) (distinct rows of t) by column col, descending with
 * desc, missing cells last either way and ties in file order; col < 0 is
 * file order. O(n log n) (file order: one pass over t). */
void table_sort_rows(const struct table *t, long col, bool desc, size_t *rows, size_t n);
/* Deep copy. */
struct table *table_clone(const struct table *t);
/* Writes the table as RFC 4180 CSV with a header. */
int table_write_csv(const struct table *t, FILE *fp, struct err *e);
const char *table_type_name(enum col_type type);
/* Formats a double in the shortest form that reads back the same. */
void table_format_number(double v, char *buf, size_t size);
/* The same for the eye: at most 10 significant digits, so arithmetic's
 * dust (24.950000000000003 after a unit conversion) shows as 24.95. */
void table_display_number(double v, char *buf, size_t size);

#endif
