#include "config.h"

#include <stdlib.h>
#include "data/split.h"
#include "tap.h"

static struct table *data(size_t n)
{
	struct table *t = table_new();
	table_add_column(t, "label", COL_STR);
	table_add_column(t, "machine", COL_STR);
	table_add_column(t, "t", COL_TIME);
	char buf[16];
	for (size_t r = 0; r < n; r++) {
		table_append_row(t, (int64_t)r + 1);
		table_set_str(t, 0, r, r % 10 == 0 ? "fail" : "ok");
		snprintf(buf, sizeof buf, "M%zu", r % 7);
		table_set_str(t, 1, r, buf);
		t->cols[2].time[r] = (int64_t)((r * 7919) % n) * 1000;  /* shuffled times */
	}
	return t;
}

int main(void)
{
	struct table *t = data(1000);
	uint8_t *a = malloc(1000), *b = malloc(1000);
	struct split_opts o;
	struct err e;
	split_opts_init(&o);
	split_assign(t, &o, a, &e);
	size_t n[3] = {0};
	for (int i = 0; i < 1000; i++)
		n[a[i]]++;
	ok(n[0] == 800 && n[1] == 100 && n[2] == 100, "random 80/10/10");
	split_assign(t, &o, b, &e);
	ok(memcmp(a, b, 1000) == 0, "same seed, same split");
	o.seed = 43;
	split_assign(t, &o, b, &e);
	ok(memcmp(a, b, 1000) != 0, "other seed, other split");

	o.method = SPLIT_STRATIFIED;
	o.label = "label";
	split_assign(t, &o, a, &e);
	size_t fails[3] = {0};
	for (int i = 0; i < 1000; i++)
		if (i % 10 == 0)
			fails[a[i]]++;
	ok(fails[0] == 80 && fails[1] == 10 && fails[2] == 10, "stratified keeps the rare label's share");

	o.method = SPLIT_GROUP;
	o.group = "machine";
	split_assign(t, &o, a, &e);
	int mixed = 0;
	for (int i = 7; i < 1000; i++)
		mixed += a[i] != a[i % 7];
	is_int(mixed, 0, "group: each machine in one part");
	/* Six machines of a sixth each: by shares alone none would fall in
	 * dev's tenth; dev and test each get one, train keeps four. */
	struct table *six = table_new();
	table_add_column(six, "machine", COL_STR);
	char name[8];
	for (size_t r = 0; r < 600; r++) {
		table_append_row(six, (int64_t)r + 1);
		snprintf(name, sizeof name, "M%zu", r % 6);
		table_set_str(six, 0, r, name);
	}
	size_t in[3] = {0};
	uint64_t seed_before = o.seed;
	for (int seed = 1; seed <= 5; seed++) {
		o.seed = (uint64_t)seed;
		split_assign(six, &o, a, &e);
		for (size_t r = 0; r < 600; r++)
			in[a[r]]++;
	}
	ok(in[SPLIT_TRAIN] == 5 * 400 && in[SPLIT_DEV] == 5 * 100 && in[SPLIT_TEST] == 5 * 100,
	   "group: every part gets a machine when there are enough (%zu %zu %zu)", in[0], in[1], in[2]);
	table_free(six);
	o.seed = seed_before;

	o.method = SPLIT_TIME;
	split_assign(t, &o, a, &e);
	int64_t last_train = INT64_MIN, first_test = INT64_MAX;
	for (int i = 0; i < 1000; i++) {
		if (a[i] == SPLIT_TRAIN && t->cols[2].time[i] > last_train)
			last_train = t->cols[2].time[i];
		if (a[i] == SPLIT_TEST && t->cols[2].time[i] < first_test)
			first_test = t->cols[2].time[i];
	}
	ok(last_train < first_test, "time: all training before all test");

	double frac[3];
	ok(split_parse_ratios("70,20,10", frac, &e) == 0 && fabs(frac[0] - 0.7) < 1e-12, "ratios in percent");
	ok(split_parse_ratios("0.8,x", frac, &e) != 0, "bad ratios");
	enum split_method m;
	ok(split_parse_method("bogus", &m, &e) != 0, "bad method");
	o.method = SPLIT_GROUP;
	o.group = "nope";
	ok(split_assign(t, &o, a, &e) != 0 && strstr(e.msg, "nope"), "group column must exist");
	free(a);
	free(b);
	table_free(t);
	return tap_done();
}
