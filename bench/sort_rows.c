/* The workbench's sort of a view (data/table.h table_sort_rows) on 10^6
 * rows, against libc's qsort of the bare numbers in the same run: by a
 * number both ways, by text, and back to file order. Build and run:
 * make bench/sort_rows && bench/sort_rows [ROWS] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "base/rng.h"
#include "data/table.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_doubles(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct table *t = table_new();
	table_add_column(t, "reading", COL_NUM);
	table_add_column(t, "machine", COL_STR);
	struct rng rng;
	rng_seed(&rng, 1);
	char name[32];
	for (size_t r = 0; r < n; r++) {
		table_append_row(t, (int64_t)r + 1);
		t->cols[0].num[r] = rng_uniform(&rng);
		snprintf(name, sizeof name, "M%04u", (unsigned)(rng_next(&rng) % 5000));
		table_set_str(t, 1, r, name);
	}
	size_t *rows = malloc(n * sizeof *rows);
	double *bare = malloc(n * sizeof *bare);
	if (!rows || !bare)
		return 1;
	for (size_t i = 0; i < n; i++) {
		rows[i] = i;
		bare[i] = t->cols[0].num[i];
	}
	double t0 = now();
	qsort(bare, n, sizeof *bare, compare_doubles);
	double ref = now() - t0;
	printf("rows %zu\nqsort of the bare numbers (reference)  %.3f s\n", n, ref);
	static const struct { const char *what; long col; int desc; } runs[] = {
		{"by a number, ascending", 0, 0}, {"by a number, descending", 0, 1}, {"by text", 1, 0},
		{"back to file order", -1, 0},
	};
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		t0 = now();
		table_sort_rows(t, runs[i].col, runs[i].desc, rows, n);
		double s = now() - t0;
		printf("%-40s %.3f s  (%.2fx the reference)\n", runs[i].what, s, s / ref);
	}
	free(rows);
	free(bare);
	table_free(t);
	return 0;
}
