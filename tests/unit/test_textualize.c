#include "config.h"

#include <math.h>
#include <stdlib.h>
#include "prep/textualize.h"
#include "prep/value_tokens.h"
#include "tap.h"

static struct table *data(void)
{
	struct table *t = table_new();
	table_add_column(t, "Air temperature [K]", COL_NUM);
	table_add_column(t, "type", COL_STR);
	table_add_column(t, "UDI", COL_NUM);
	table_add_column(t, "note", COL_STR);
	for (size_t r = 0; r < 100; r++) {
		table_append_row(t, (int64_t)r + 1);
		t->cols[0].num[r] = (double)((r * 37) % 100);  /* 0..99, unordered */
		table_set_str(t, 1, r, r % 2 ? "L" : "H");
		t->cols[2].num[r] = (double)r + 1;
		table_set_str(t, 3, r, r == 99 ? "bearing noise" : NULL);
	}
	return t;
}

static char **run(const struct table *t, const struct textualize_opts *o, const uint8_t *part)
{
	struct textualizer *tz;
	struct err e;
	if (textualize_fit(t, part, o, NULL, &tz, &e)) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	char **texts = textualize_table(tz, t);
	textualize_free(tz);
	return texts;
}

static void free_texts(char **x, size_t n)
{
	for (size_t i = 0; i < n && x; i++)
		free(x[i]);
	free(x);
}

int main(void)
{
	char *name = textualize_fact_name("Air temperature [K]");
	is_str(name, "air temperature", "unit dropped from the fact name");
	free(name);
	name = textualize_fact_name("Rotational_speed (rpm)");
	is_str(name, "rotational speed", "underscores and (unit)");
	free(name);

	struct table *t = data();
	struct textualize_opts o;
	textualize_opts_init(&o);
	o.notes = "note";
	char **x = run(t, &o, NULL);
	/* Row r holds (37 r) mod 100: row 0 -> 0, row 50 -> 50, row 40 -> 80,
	 * row 27 -> 99. */
	is_str(x[0], "air temperature very low; type H", "quantile: lowest value very low; id column left out");
	is_str(x[50], "air temperature normal; type H", "middle is normal");
	is_str(x[40], "air temperature high; type H", "80th percentile high");
	is_str(x[27], "air temperature very high; type L", "top value very high");
	is_str(x[99], "air temperature normal; type L; bearing noise", "notes appended");
	free_texts(x, 100);

	o.lang = "zh";
	struct text_column names = {.column = "Air temperature [K]", .name = "温度"};
	o.cols = &names;
	o.ncols = 1;
	x = run(t, &o, NULL);
	is_str(x[99], "温度正常；type为L；bearing noise", "Chinese wording pack");
	free_texts(x, 100);

	textualize_opts_init(&o);
	struct text_column lv;
	struct err e;
	ok(textualize_parse_levels("Air temperature [K]=10,20,30,40", &lv, &e) == 0, "levels parse");
	o.cols = &lv;
	o.ncols = 1;
	x = run(t, &o, NULL);
	/* Rows 95, 90, 93 hold 15, 30, 41. */
	is_str(x[95], "air temperature low; type L", "user thresholds");
	is_str(x[90], "air temperature normal; type H", "a value on a cut stays normal");
	is_str(x[93], "air temperature very high; type L", "above the last cut");
	free_texts(x, 100);
	free(lv.column);
	ok(textualize_parse_levels("x=3,2,1,0", &lv, &e) != 0, "falling thresholds refused");
	ok(textualize_parse_levels("x=1,2,3", &lv, &e) != 0 && strstr(e.msg, "2, 4 or 6"), "three thresholds refused: %s",
	   e.msg);
	ok(textualize_parse_levels("Air temperature [K]=20,60", &lv, &e) == 0 && lv.ncuts == 2, "two thresholds: three levels");
	o.cols = &lv;
	o.ncols = 1;
	x = run(t, &o, NULL);
	is_str(x[95], "air temperature low; type L", "three levels: below the first cut");
	is_str(x[93], "air temperature normal; type L", "three levels: between the cuts");
	free_texts(x, 100);
	free(lv.column);

	/* Seven automatic levels split five's low and high; three keep the
	 * middle half normal. Rows 30, 90, 95, 93 and 27 hold 10, 30, 15, 41
	 * and 99. */
	textualize_opts_init(&o);
	o.levels = 7;
	x = run(t, &o, NULL);
	is_str(x[30], "air temperature low; type H", "seven levels: 10 of 0..99 is low");
	is_str(x[90], "air temperature slightly low; type H", "seven levels: 30 is slightly low");
	is_str(x[27], "air temperature very high; type L", "seven levels: the top is very high");
	free_texts(x, 100);
	o.levels = 3;
	x = run(t, &o, NULL);
	is_str(x[95], "air temperature low; type L", "three levels: the 15th percentile is low");
	is_str(x[93], "air temperature normal; type L", "three levels: the 41st is normal");
	free_texts(x, 100);

	/* Bins come from the training part only. */
	uint8_t part[100];
	for (int i = 0; i < 100; i++)
		part[i] = t->cols[0].num[i] < 50 ? 0 : 2;
	textualize_opts_init(&o);
	o.exclude = (char *[]){"type"};
	o.nexclude = 1;
	x = run(t, &o, part);
	is_str(x[40], "air temperature very high", "test rows judged by training bins");
	free_texts(x, 100);

	o.binning = TEXT_BIN_ZSCORE;
	x = run(t, &o, NULL);
	is_str(x[50], "air temperature normal", "z-score normal");
	is_str(x[0], "air temperature low", "z-score: -1.7 sd is low");
	free_texts(x, 100);

	/* A steady rise shows as a trend over the window. */
	textualize_opts_init(&o);
	o.window = 10;
	o.exclude = (char *[]){"type"};
	o.nexclude = 1;
	for (int r = 0; r < 100; r++)
		t->cols[0].num[r] = r < 80 ? 10 + (r % 3) : 10 + (double)(r - 80) * 3;
	x = run(t, &o, NULL);
	ok(strstr(x[90], "air temperature rising over the last 10 readings") != NULL ||
	           strstr(x[90], "air temperature rising fast over the last 10 readings") != NULL,
	   "trend fact: %s", x[90]);
	ok(strstr(x[30], "rising") == NULL && strstr(x[30], "falling") == NULL, "noise is no trend: %s", x[30]);
	ok(strstr(x[5], "readings") == NULL, "no trend before the window fills");
	free_texts(x, 100);

	/* A fitted textualizer travels as JSON and comes back the same. */
	textualize_opts_init(&o);
	o.window = 10;
	o.lang = "zh";
	o.notes = "note";
	struct textualizer *fitted, *back;
	ok(textualize_fit(t, NULL, &o, NULL, &fitted, &e) == 0, "fit for the spec");
	char *spec = textualize_spec(fitted, t);
	ok(textualize_from_spec(spec, t, &back, &e) == 0, "spec read back: %s", spec);
	char **x1 = textualize_table(fitted, t), **x2 = textualize_table(back, t);
	int same = 1;
	for (int r = 0; r < 100; r++)
		same &= strcmp(x1[r], x2[r]) == 0;
	ok(same, "the same texts from the spec");
	free_texts(x1, 100);
	free_texts(x2, 100);
	textualize_free(back);
	struct table *other = table_new();
	table_add_column(other, "type", COL_STR);
	ok(textualize_from_spec(spec, other, &back, &e) != 0 && strstr(e.msg, "no column"), "a missing column: %s", e.msg);
	table_free(other);
	ok(textualize_from_spec("{", t, &back, &e) != 0, "broken JSON refused");
	free(spec);
	textualize_free(fitted);

	/* Value-aware facts: the air temperature is the one numeric fact (UDI
	 * is an index); its z-score rides on the tokens of its name. */
	struct textualizer *tz;
	textualize_opts_init(&o);
	ok(textualize_fit(t, NULL, &o, NULL, &tz, &e) == 0 && textualize_nvalues(tz) == 1, "one value-aware fact");
	is_str(textualize_value_name(tz, 0), "air temperature", "named as in the text");
	double mean = 0, ss = 0;
	for (size_t r = 0; r < 100; r++)
		mean += t->cols[0].num[r] / 100;
	for (size_t r = 0; r < 100; r++)
		ss += (t->cols[0].num[r] - mean) * (t->cols[0].num[r] - mean);
	float reading, enc[TEXT_MAX_VALUE_BINS + 2];
	textualize_readings(tz, t, 0, &reading);
	size_t W = 1 + textualize_value_knots(tz);
	ok(W >= 1 + 3 && W <= 1 + 9, "100 training readings get at most the fewest bins, 8, less repeated edges (%zu knots)",
	   W - 1);
	textualize_encode_value(tz, 0, reading, W, enc);
	is_dbl(enc[0], (t->cols[0].num[0] - mean) / sqrt(ss / 99), 1e-4, "its z-score against the training rows");
	/* Piecewise-linear: the weights of the two knots around the reading,
	 * adding up to 1; none elsewhere. */
	float sum = 0;
	size_t nonzero = 0;
	for (size_t j = 1; j < W; j++) {
		sum += enc[j];
		nonzero += enc[j] != 0;
	}
	ok(fabsf(sum - 1) < 1e-6f && nonzero >= 1 && nonzero <= 2, "two knots share the reading (%zu of them, sum %g)",
	   nonzero, (double)sum);
	float lowest[TEXT_MAX_VALUE_BINS + 2], highest[TEXT_MAX_VALUE_BINS + 2], middle[TEXT_MAX_VALUE_BINS + 2];
	textualize_encode_value(tz, 0, -1e9f, W, lowest);
	textualize_encode_value(tz, 0, 1e9f, W, highest);
	ok(lowest[1] == 1 && highest[W - 1] == 1 && lowest[0] == -5 && highest[0] == 5,
	   "beyond the training range: the end knot, z clamped to 5 sd");
	/* A reading rising within its bin shifts weight from the lower knot
	 * to the upper. */
	textualize_encode_value(tz, 0, 49.4f, W, middle);
	textualize_encode_value(tz, 0, 49.6f, W, lowest);
	size_t at = 1;
	while (at < W && middle[at] == 0)
		at++;
	ok(at + 1 < W && lowest[at] <= middle[at] && lowest[at + 1] >= middle[at + 1], "a rising reading moves to the upper knot");
	char *spec2 = textualize_spec(tz, t);
	struct textualizer *again;
	float enc2[TEXT_MAX_VALUE_BINS + 2];
	ok(textualize_from_spec(spec2, t, &again, &e) == 0 && textualize_value_knots(again) == W - 1,
	   "the bin edges travel in the spec");
	textualize_encode_value(again, 0, reading, W, enc2);
	ok(memcmp(enc, enc2, W * sizeof *enc) == 0, "and encode the reading alike");
	textualize_free(again);
	free(spec2);
	struct textualize_opts no_bins;
	textualize_opts_init(&no_bins);
	no_bins.value_bins = 0;
	ok(textualize_fit(t, NULL, &no_bins, NULL, &again, &e) == 0 && textualize_value_knots(again) == 0,
	   "value_bins 0: the z-score alone");
	textualize_free(again);
	const char *flat = "{\"lang\":\"en\",\"window\":0,\"facts\":[{\"column\":\"Air temperature [K]\","
	                   "\"name\":\"t\",\"kind\":\"level\",\"cuts\":[1,2,3,4],\"sd\":1,\"center\":0,\"edges\":[1,1]}]}";
	ok(textualize_from_spec(flat, t, &again, &e) != 0 && strstr(e.msg, "rising"), "edges that do not rise: %s", e.msg);
	char **tx = textualize_table(tz, t);
	struct wordpiece *wp = wordpiece_train((const char *const *)tx, 100, 300, &e);
	if (!wp) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	struct value_tokens *vt = value_tokens_new(wp, tz);
	int32_t ids[32], fact[32];
	size_t n = wordpiece_encode(wp, tx[0], ids, 32);
	value_tokens_mark(vt, ids, n, &reading, fact);
	size_t marked = 0;
	for (size_t i = 0; i < n; i++)
		marked += fact[i] == 0;
	ok(marked == wordpiece_encode(wp, "air temperature", NULL, 0) && fact[marked] == -1, "its name's %zu tokens marked in \"%s\"",
	   marked, tx[0]);
	float missing = NAN;
	value_tokens_mark(vt, ids, n, &missing, fact);
	marked = 0;
	for (size_t i = 0; i < n; i++)
		marked += fact[i] != -1;
	ok(marked == 0, "a missing reading marks nothing");
	value_tokens_free(vt);
	wordpiece_free(wp);
	free_texts(tx, 100);
	textualize_free(tz);

	/* Clock facts: a log every 5 hours over 20 days, from Thursday
	 * 1 January 1970, 00:00 (timestamp 0). */
	struct table *log = table_new();
	table_add_column(log, "ts", COL_TIME);
	table_add_column(log, "load", COL_NUM);
	for (size_t r = 0; r < 96; r++) {
		table_append_row(log, (int64_t)r + 1);
		log->cols[0].time[r] = (int64_t)r * 5 * 3600 * 1000;
		log->cols[1].num[r] = (double)(r % 7);
	}
	textualize_opts_init(&o);
	o.time = "ts";
	ok(textualize_fit(log, NULL, &o, NULL, &tz, &e) == 0 && textualize_nvalues(tz) == 3,
	   "a 20-day log: the load, its time of day and its weekday carry readings");
	tx = textualize_table(tz, log);
	/* Row 3 is 15:00 on Thursday; row 29, 145 hours in, 01:00 on Wednesday. */
	is_str(tx[3], "load normal; time of day afternoon; weekday thursday", "15:00 on a Thursday");
	is_str(tx[29], "load normal; time of day night; weekday wednesday", "01:00 on a Wednesday");
	float readings[3];
	textualize_readings(tz, log, 29, readings);
	ok(readings[1] == 1 && readings[2] == 2, "readings: hour 1, weekday 2 (Monday = 0): %g %g", (double)readings[1],
	   (double)readings[2]);
	char *clock_spec = textualize_spec(tz, log);
	struct textualizer *clock_back;
	ok(textualize_from_spec(clock_spec, log, &clock_back, &e) == 0 && textualize_nvalues(clock_back) == 3,
	   "clock facts travel in the spec");
	char **again_tx = textualize_table(clock_back, log);
	is_str(again_tx[29], tx[29], "and word the rows alike");
	free_texts(again_tx, 96);
	textualize_free(clock_back);
	free(clock_spec);
	free_texts(tx, 96);
	textualize_free(tz);
	uint8_t first_day[96];
	for (size_t r = 0; r < 96; r++)
		first_day[r] = r < 8 ? 0 : 2;
	ok(textualize_fit(log, first_day, &o, NULL, &tz, &e) == 0 && textualize_nvalues(tz) == 1,
	   "training rows within two days: no clock facts (they would only date the rows)");
	textualize_free(tz);
	o.clock = false;
	ok(textualize_fit(log, NULL, &o, NULL, &tz, &e) == 0 && textualize_nvalues(tz) == 1, "clock off: none");
	textualize_free(tz);
	table_free(log);

	textualize_opts_init(&o);
	o.label = "nope";
	ok(textualize_fit(t, NULL, &o, NULL, &tz, &e) != 0 && strstr(e.msg, "nope"), "unknown label column");
	textualize_opts_init(&o);
	atomic_int cancel = 1;
	ok(textualize_fit(t, NULL, &o, &cancel, &tz, &e) != 0 && tz == NULL && strstr(e.msg, "cancelled"),
	   "fitting gives up once cancelled, leaving nothing");
	table_free(t);
	return tap_done();
}
