/* Table row ordering: by numbers, text and time, both ways, with missing
 * cells last and ties in file order; back to file order. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/table.h"
#include "tap.h"

static bool is(const size_t *rows, const size_t *want, size_t n)
{
	return memcmp(rows, want, n * sizeof *rows) == 0;
}

int main(void)
{
	struct table *t = table_new();
	table_add_column(t, "v", COL_NUM);
	table_add_column(t, "name", COL_STR);
	static const double v[6] = {3, NAN, 1, 3, -2, 1};
	static const char *const name[6] = {"pump", "fan", NULL, "belt", "fan", "axle"};
	for (size_t r = 0; r < 6; r++) {
		table_append_row(t, (int64_t)r + 1);
		t->cols[0].num[r] = v[r];
		if (name[r])
			table_set_str(t, 1, r, name[r]);
	}
	size_t rows[6] = {0, 1, 2, 3, 4, 5};
	table_sort_rows(t, 0, false, rows, 6);
	ok(is(rows, (size_t[]){4, 2, 5, 0, 3, 1}, 6), "numbers ascending, ties in file order, missing last");
	table_sort_rows(t, 0, true, rows, 6);
	ok(is(rows, (size_t[]){0, 3, 2, 5, 4, 1}, 6), "descending: ties still in file order, missing still last");
	table_sort_rows(t, 1, false, rows, 6);
	ok(is(rows, (size_t[]){5, 3, 1, 4, 0, 2}, 6), "text ascending, the missing cell last");
	table_sort_rows(t, -1, false, rows, 6);
	ok(is(rows, (size_t[]){0, 1, 2, 3, 4, 5}, 6), "back to file order");
	size_t some[3] = {5, 0, 2};
	table_sort_rows(t, -1, false, some, 3);
	ok(is(some, (size_t[]){0, 2, 5}, 3), "file order of a filtered view");
	table_sort_rows(t, 0, false, some, 0);
	ok(true, "an empty view");
	char buf[64];
	table_display_number(24.950000000000003, buf, sizeof buf);
	ok(strcmp(buf, "24.95") == 0, "a converted reading shows as 24.95: %s", buf);
	table_format_number(24.950000000000003, buf, sizeof buf);
	ok(strtod(buf, NULL) == 24.950000000000003, "and is written with every digit: %s", buf);
	table_display_number(1551.123456, buf, sizeof buf);
	ok(strcmp(buf, "1551.123456") == 0, "a reading's own digits stay: %s", buf);
	table_free(t);

	/* a large view sorts and comes back: the order is total and stable */
	struct table *big = table_new();
	table_add_column(big, "x", COL_NUM);
	size_t n = 200000;
	for (size_t r = 0; r < n; r++) {
		table_append_row(big, (int64_t)r + 1);
		big->cols[0].num[r] = (double)((r * 7919) % 1000);
	}
	size_t *all = malloc(n * sizeof *all);
	for (size_t i = 0; i < n; i++)
		all[i] = n - 1 - i;
	table_sort_rows(big, 0, false, all, n);
	bool sorted = true;
	for (size_t i = 1; i < n; i++) {
		double a = big->cols[0].num[all[i - 1]], b = big->cols[0].num[all[i]];
		sorted &= a < b || (a == b && all[i - 1] < all[i]);
	}
	ok(sorted, "200000 rows in order, ties by row");
	table_sort_rows(big, -1, false, all, n);
	bool back = true;
	for (size_t i = 0; i < n; i++)
		back &= all[i] == i;
	ok(back, "and back to file order");
	free(all);
	table_free(big);
	return tap_done();
}
