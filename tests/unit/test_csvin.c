#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include "base/strbuf.h"
#include "data/csvin.h"
#include "tap.h"

static char path[64];

static void write_file(const char *data, size_t n)
{
	snprintf(path, sizeof path, "/tmp/lathe-test-%d.csv", (int)getpid());
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0)
		abort();
}

/* Loads data with the given options; returns the table or NULL with e. */
static struct table *load_n(const char *data, size_t n, const struct csvin_opts *o, struct err *e,
                            struct csvin_report *rep)
{
	struct csvin_opts dflt;
	csvin_opts_init(&dflt);
	struct csvin_report r;
	write_file(data, n);
	struct table *t;
	if (csvin_load(path, o ? o : &dflt, &t, rep ? rep : &r, e))
		return NULL;
	return t;
}

static struct table *load(const char *data, const struct csvin_opts *o, struct err *e, struct csvin_report *rep)
{
	return load_n(data, strlen(data), o, e, rep);
}

/* Many numeric rows, so the schema is settled before the last line. */
static char *numeric_then(const char *last)
{
	struct strbuf b = {0};
	strbuf_puts(&b, "a,b\n");
	for (int i = 0; i < 1200; i++)
		strbuf_printf(&b, "%d,%d\n", i, i * 2);
	strbuf_puts(&b, last);
	return b.s;
}

static const char *cell(const struct table *t, size_t c, size_t r)
{
	static char buf[64];
	return table_cell_text(t, c, r, buf, sizeof buf);
}

static void expect_error(const char *data, const struct csvin_opts *o, const char *want, const char *what)
{
	struct err e = {""};
	struct table *t = load(data, o, &e, NULL);
	ok(!t, "%s fails", what);
	table_free(t);
	char full[256];
	snprintf(full, sizeof full, "%s:%s", path, want);
	ok(strstr(e.msg, want) != NULL, "%s: message names where (%s)", what, e.msg);
}

int main(void)
{
	struct err e;
	struct csvin_opts o;
	struct csvin_report rep;

	struct table *t = load("\xEF\xBB\xBFid,temp,note\r\n1,20.5,\"a, b\"\r\n2,,\"say \"\"hi\"\"\"\r\n", NULL, &e, &rep);
	ok(t != NULL, "BOM + CRLF + quotes load");
	is_int(t->nrows, 2, "two rows");
	is_str(t->cols[0].name, "id", "BOM stripped from the first name");
	is_int(t->cols[1].type, COL_NUM, "temp is numeric");
	ok(isnan(t->cols[1].num[1]), "empty cell is missing");
	is_str(cell(t, 2, 0), "a, b", "quoted delimiter");
	is_str(cell(t, 2, 1), "say \"hi\"", "doubled quotes");
	ok(rep.header, "header detected");
	table_free(t);

	t = load("a;b;c\n1,5;2;x\n3,25;4;y\n", NULL, &e, &rep);
	ok(t && rep.delimiter == ';' && rep.decimal == ',', "semicolon and decimal comma sniffed");
	if (t)
		is_dbl(t->cols[0].num[1], 3.25, 0, "decimal comma value");
	table_free(t);

	t = load("a\tb\n1\t2\n", NULL, &e, &rep);
	ok(t && rep.delimiter == '\t', "tab sniffed");
	table_free(t);
	t = load("a|b\n1|2\n", NULL, &e, &rep);
	ok(t && rep.delimiter == '|', "pipe sniffed");
	table_free(t);

	t = load("1 1 -0.0007 518.67  \n1 2 0.0019 518.67  \n2 1 0.0010 518.67  \n", NULL, &e, &rep);
	ok(t && rep.delimiter == ' ', "blank-separated sniffed (C-MAPSS)");
	if (t) {
		is_int(t->ncols, 4, "trailing blanks make no empty column");
		ok(!rep.header, "no header in a numeric file");
		is_str(t->cols[2].name, "col3", "columns named colN");
		is_dbl(t->cols[2].num[0], -0.0007, 0, "value");
	}
	table_free(t);

	t = load("ts,v\n31/12/2018 00:15,1\n01/01/2019 00:15,2\n", NULL, &e, &rep);
	ok(t && t->cols[0].type == COL_TIME && t->cols[0].time_form == TIME_FORM_DMY, "day-first detected");
	if (t)
		is_int(t->cols[0].time[0], 1546215300000LL, "day-first value");
	table_free(t);
	t = load("ts,v\n12/31/2018 00:15,1\n", NULL, &e, &rep);
	ok(t && t->cols[0].time_form == TIME_FORM_MDY, "month-first detected");
	table_free(t);
	t = load("time,v\n2018-12-31T00:15:00Z,1\n2018-12-31T00:25:00+00:00,2\n", NULL, &e, &rep);
	ok(t && t->cols[0].type == COL_TIME && t->cols[0].time_zone, "ISO with zone");
	table_free(t);
	t = load("timestamp,v\n1546215300,1\n1546215900,2\n", NULL, &e, &rep);
	ok(t && t->cols[0].type == COL_TIME && t->cols[0].time[0] == 1546215300000LL, "epoch seconds by name");
	table_free(t);
	t = load("a,b\n1,2\n", NULL, &e, &rep);
	ok(t && t->cols[0].type == COL_NUM, "no timestamp is fine");
	table_free(t);

	csvin_opts_init(&o);
	struct csvin_type ty = {"id", COL_STR};
	o.types = &ty;
	o.ntypes = 1;
	t = load("id,v\n007,1\n", &o, &e, &rep);
	ok(t && t->cols[0].type == COL_STR && strcmp(cell(t, 0, 0), "007") == 0, "type override keeps text");
	table_free(t);
	csvin_opts_init(&o);
	o.time_format = "%Y%m%d %H%M";
	t = load("when,v\n20181231 0015,1\n", &o, &e, &rep);
	ok(t && t->cols[0].type == COL_TIME && t->cols[0].time[0] == 1546215300000LL, "--time-format");
	table_free(t);

	t = load("a,b\nx,1\ny,2\n\n", NULL, &e, &rep);
	ok(t && t->nrows == 2, "blank last line ignored");
	table_free(t);

	/* A column empty in the whole sample that later holds text. */
	struct strbuf big = {0};
	strbuf_puts(&big, "a,b\n");
	for (int i = 0; i < 1500; i++)
		strbuf_puts(&big, "1,\n");
	strbuf_puts(&big, "2,late text\n");
	t = load(big.s, NULL, &e, &rep);
	ok(t && t->cols[1].type == COL_STR && strcmp(cell(t, 1, 1500), "late text") == 0, "late text column");
	table_free(t);
	strbuf_free(&big);

	expect_error("", NULL, "empty file", "empty file");
	expect_error("a,b,c\n", NULL, "no data rows", "header only");
	expect_error("a,b\n1,2\n3\n", NULL, ":3: 1 fields, expected 2", "ragged row");
	expect_error("a,b\n1,\"open\n2,3\n", NULL, ":2: unterminated quoted field", "unterminated quote");
	expect_error("a,b\n1,x\"y\n", NULL, ":2: malformed quoted field", "stray quote");
	expect_error("a,b\n1,2\n3,\xff\xfe\n", NULL, ":3: column 2 (\"b\"): invalid UTF-8", "invalid UTF-8");
	char *late = numeric_then("3,abc\n");
	expect_error(late, NULL, ":1202: column 2 (\"b\"): \"abc\" is not a number", "text in a numeric column");
	struct err e2 = {""};
	ok(!load_n("a,b\n1,2\n\x01\x02\x00\x03", 13, NULL, &e2, &rep) && strstr(e2.msg, ":3: binary data"),
	   "NUL bytes: %s", e2.msg);

	big = (struct strbuf){0};
	strbuf_puts(&big, "a,b\n1,");
	for (int i = 0; i < 10 * 1024 * 1024 / 64; i++)
		strbuf_puts(&big, "0123456789012345678901234567890123456789012345678901234567890123");
	strbuf_puts(&big, "\n");
	expect_error(big.s, NULL, ":2: field 2 is longer than 1048576 bytes", "10 MB field");
	strbuf_free(&big);

	csvin_opts_init(&o);
	o.ragged_pad = true;
	t = load("a,b\n1,2\n3\n4,5,6\n", &o, &e, &rep);
	ok(t && t->nrows == 3 && rep.ragged_padded == 2, "--ragged=pad pads and cuts, counted");
	table_free(t);
	csvin_opts_init(&o);
	o.bad_utf8_replace = true;
	t = load("a,b\n1,ok\n3,\xff!\n", &o, &e, &rep);
	ok(t && rep.utf8_replaced == 1 && strcmp(cell(t, 1, 1), "\xEF\xBF\xBD!") == 0, "--bad-utf8=replace");
	table_free(t);
	csvin_opts_init(&o);
	o.bad_number_missing = true;
	t = load(late, &o, &e, &rep);
	ok(t && rep.numbers_missing == 1 && isnan(t->cols[1].num[1200]), "--bad-number=missing");
	free(late);
	table_free(t);

	struct table *none;
	ok(csvin_load("/nonexistent/x.csv", &o, &none, &rep, &e) != 0 && strstr(e.msg, "/nonexistent/x.csv: cannot open"),
	   "missing file: %s", e.msg);
	unlink(path);
	return tap_done();
}
