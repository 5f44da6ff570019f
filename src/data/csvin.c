#include "config.h"
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <math.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/strbuf.h"
#include "base/utf8.h"

#define CSVIN_BLOCK (1u << 20)
#define CSVIN_SAMPLE 1000

/* Parsed records waiting for conversion: the schema sample, and after it
 * the batches handed from the parsing thread to the converting one. */
struct records {
	struct strbuf bytes;
	struct rec_field {
		size_t off, len;
	} *f;
	size_t nf, f_cap;
	struct rec {
		size_t first, n;
		long line;
	} *r;
	size_t nr, r_cap;
};

#define CSVIN_BATCH_FIELDS 65536
/* libcsv grows its field buffer by this much at a time. */
#define CSVIN_FIELD_SLACK (64u << 10)

enum batch_state { BATCH_FREE, BATCH_FULL };

struct loader {
	const char *path;
	const struct csvin_opts *o;
	struct csvin_report *rep;
	struct err *e;
	atomic_bool failed;
	char delimiter, decimal;
	size_t max_field;
	long line;            /* line being fed, 1-based */
	long rec_line;        /* line of the record being parsed */
	long conv_line;       /* line of the record being converted */
	long last_end_line;   /* line where the previous record ended */
	size_t nfield;        /* fields so far in the current record */
	size_t first_len;     /* length of its first field (blank-line check) */
	/* Until the schema is known, records are kept in batch[0]; after it,
	 * the parser fills one batch while the converter thread empties the
	 * other. */
	bool schema_ready, threaded;
	struct records batch[2];
	enum batch_state state[2];
	int filling;
	bool parse_done;
	bool at_eof;          /* the whole file fit in the sample */
	pthread_t converter;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	long error_line;      /* of the error kept in e; the earliest wins */
	size_t sample_rows;
	/* The table being filled. */
	struct table *t;
	size_t ncols;
	bool *seen_value;     /* per column: a non-missing value was stored */
	bool *forced;         /* per column: the user fixed the type */
	int64_t data_row;
	struct strbuf scratch;
	/* Blank-separated mode. */
	struct strbuf ws_field;
	bool ws_in_field;
};

void csvin_opts_init(struct csvin_opts *o)
{
	memset(o, 0, sizeof *o);
	o->header = CSVIN_HEADER_AUTO;
}

int csvin_parse_type(const char *spec, struct csvin_type *out, struct err *e)
{
	const char *eq = strrchr(spec, '=');
	if (!eq || eq == spec)
		return err_set(e, "--type %s: expected NAME=number|string|time", spec);
	const char *type = eq + 1;
	if (strcmp(type, "number") == 0)
		out->type = COL_NUM;
	else if (strcmp(type, "string") == 0)
		out->type = COL_STR;
	else if (strcmp(type, "time") == 0)
		out->type = COL_TIME;
	else
		return err_set(e, "--type %s: unknown type '%s' (number, string or time)", spec, type);
	out->column = xstrndup(spec, (size_t)(eq - spec));
	return 0;
}

static void fail(struct loader *L, long line, const char *fmt, ...) ERR_PRINTF(3, 4);

static void fail(struct loader *L, long line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Parser and converter may both fail; the converter lags behind, so
	 * the error on the earlier line is the one a user meets first. */
	pthread_mutex_lock(&L->lock);
	if (!L->failed || (line > 0 && line < L->error_line)) {
		err_at(L->e, L->path, line, "%s", msg);
		L->error_line = line > 0 ? line : LONG_MAX;
	}
	L->failed = true;
	pthread_mutex_unlock(&L->lock);
}

/* Names a column for messages: `column 3 ("Torque [Nm]")`. */
static const char *col_label(struct loader *L, size_t c, char *buf, size_t size)
{
	if (L->t && c < L->t->ncols)
		snprintf(buf, size, "column %zu (\"%s\")", c + 1, L->t->cols[c].name);
	else
		snprintf(buf, size, "column %zu", c + 1);
	return buf;
}

/* Checks UTF-8; on a bad sequence fails, or returns the repaired text in
 * L->scratch when the user asked for replacement. Returns the text to use. */
static const char *checked_text(struct loader *L, size_t c, const char *s, size_t *len)
{
	long bad = utf8_invalid_at(s, *len);
	if (bad < 0)
		return s;
	if (!L->o->bad_utf8_replace) {
		char lab[300];
		fail(L, L->conv_line, "%s: invalid UTF-8 at byte %ld of the field (use --bad-utf8=replace to repair)",
		     col_label(L, c, lab, sizeof lab), bad + 1);
		return NULL;
	}
	strbuf_clear(&L->scratch);
	L->rep->utf8_replaced += utf8_repair(s, *len, &L->scratch);
	*len = L->scratch.len;
	return L->scratch.s;
}

static void show_field(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = len < size - 4 ? len : size - 4;
	/* Cut on a character boundary so the message stays valid UTF-8. */
	while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	strcpy(buf + n, n < len ? "..." : "");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20)
			buf[i] = ' ';
}

static void not_a_value(struct loader *L, size_t c, const char *s, size_t len, const char *what)
{
	if (L->o->bad_number_missing) {
		L->rep->numbers_missing++;
		return;
	}
	if (!checked_text(L, c, s, &len))
		return;
	char lab[300], shown[64];
	show_field(s, len, shown, sizeof shown);
	fail(L, L->conv_line, "%s: \"%s\" is not %s (use --type '%s=string' or --bad-number=missing)",
	     col_label(L, c, lab, sizeof lab), shown, what, L->t->cols[c].name);
}

static void store_text(struct loader *L, size_t c, size_t row, const char *s, size_t len)
{
	s = checked_text(L, c, s, &len);
	if (s)
		L->t->cols[c].str[row] = strpool_intern(L->t->pool, s, len);
}

static void convert_field(struct loader *L, size_t c, const char *s, size_t len)
{
	struct table *t = L->t;
	if (c == 0)
		table_push_row(t, ++L->data_row);
	if (c >= L->ncols)
		return;
	size_t row = t->nrows - 1;
	struct column *col = &t->cols[c];
	switch (col->type) {
	case COL_NUM: {
		double v;
		if (len && numparse_double(s, len, L->decimal, &v)) {
			col->num[row] = v;
			L->seen_value[c] = true;
			return;
		}
		col->num[row] = NAN;
		if (len == 0 || numparse_is_missing(s, len))
			return;
		if (!L->seen_value[c] && !L->forced[c]) {
			/* Nothing but blanks so far: this is a text column after all. */
			table_convert(t, c, COL_STR);
			L->seen_value[c] = true;
			store_text(L, c, row, s, len);
			return;
		}
		not_a_value(L, c, s, len, "a number");
		return;
	}
	case COL_TIME: {
		int64_t ms;
		bool zone;
		col->time[row] = TABLE_TIME_MISSING;
		if (len == 0 || numparse_is_missing(s, len))
			return;
		if (numparse_time(s, len, col->time_form, L->o->time_format, &ms, &zone)) {
			col->time[row] = ms;
			col->time_zone |= zone;
			L->seen_value[c] = true;
			return;
		}
		not_a_value(L, c, s, len, "a timestamp in this column's format");
		return;
	}
	case COL_STR:
		col->str[row] = 0;
		if (len == 0 || numparse_is_missing(s, len))
			return;
		store_text(L, c, row, s, len);
		L->seen_value[c] = true;
		return;
	}
}

static void end_record(struct loader *L, size_t nfield, size_t first_len)
{
	if (nfield == 1 && first_len == 0 && L->ncols > 1) {
		/* A blank line. */
		L->t->nrows--;
		L->data_row--;
		return;
	}
	for (size_t c = nfield; c < L->ncols; c++)
		table_set_missing(L->t, c, L->t->nrows - 1);
	if (nfield != L->ncols) {
		if (!L->o->ragged_pad) {
			fail(L, L->conv_line, "%zu fields, expected %zu as in the first row (use --ragged=pad to pad or cut such rows)",
			     nfield, L->ncols);
			return;
		}
		L->rep->ragged_padded++;
	}
}

/* ---- schema inference from the sample ---- */

static const char *record_text(const struct records *b, size_t rec, size_t c, size_t *len)
{
	const struct rec *r = &b->r[rec];
	if (c >= r->n) {
		*len = 0;
		return "";
	}
	const struct rec_field *f = &b->f[r->first + c];
	*len = f->len;
	return b->bytes.s + f->off;
}

static const char *sample_text(struct loader *L, size_t rec, size_t c, size_t *len)
{
	return record_text(&L->batch[0], rec, c, len);
}

static void records_add_field(struct records *b, const char *s, size_t len, long line, bool first)
{
	/* The hot path of parsing: grow rarely, copy once. */
	if (first) {
		if (b->nr == b->r_cap)
			xgrow(&b->r, &b->r_cap, b->nr + 1024, sizeof *b->r);
		b->r[b->nr] = (struct rec){.first = b->nf, .n = 0, .line = line};
	}
	if (b->nf == b->f_cap)
		xgrow(&b->f, &b->f_cap, b->nf + CSVIN_BATCH_FIELDS / 4, sizeof *b->f);
	if (b->bytes.len + len + 1 > b->bytes.cap)
		xgrow(&b->bytes.s, &b->bytes.cap, b->bytes.len + len + (1u << 20), 1);
	b->f[b->nf++] = (struct rec_field){.off = b->bytes.len, .len = len};
	memcpy(b->bytes.s + b->bytes.len, s, len);
	b->bytes.len += len;
	b->r[b->nr].n++;
}

static void records_clear(struct records *b)
{
	strbuf_clear(&b->bytes);
	b->nf = b->nr = 0;
}

static void records_free(struct records *b)
{
	strbuf_free(&b->bytes);
	free(b->f);
	free(b->r);
}

/* Converts records [from, nr) of b into table rows. */
static void convert_records(struct loader *L, const struct records *b, size_t from)
{
	for (size_t r = from; r < b->nr && !L->failed; r++) {
		L->conv_line = b->r[r].line;
		size_t first_len = 0;
		for (size_t c = 0; c < b->r[r].n; c++) {
			size_t len;
			const char *s = record_text(b, r, c, &len);
			if (c == 0)
				first_len = len;
			convert_field(L, c, s, len);
		}
		end_record(L, b->r[r].n, first_len);
	}
}

static void *converter_main(void *arg)
{
	struct loader *L = arg;
	for (int i = 0;; i ^= 1) {
		pthread_mutex_lock(&L->lock);
		while (L->state[i] != BATCH_FULL && !L->parse_done)
			pthread_cond_wait(&L->changed, &L->lock);
		bool full = L->state[i] == BATCH_FULL;
		pthread_mutex_unlock(&L->lock);
		if (!full)
			return NULL;
		if (!L->failed)
			convert_records(L, &L->batch[i], 0);
		pthread_mutex_lock(&L->lock);
		records_clear(&L->batch[i]);
		L->state[i] = BATCH_FREE;
		pthread_cond_broadcast(&L->changed);
		pthread_mutex_unlock(&L->lock);
	}
}

/* Hands the batch being filled to the converter and waits for the other. */
static void hand_off(struct loader *L)
{
	pthread_mutex_lock(&L->lock);
	L->state[L->filling] = BATCH_FULL;
	L->filling ^= 1;
	pthread_cond_broadcast(&L->changed);
	while (L->state[L->filling] != BATCH_FREE)
		pthread_cond_wait(&L->changed, &L->lock);
	pthread_mutex_unlock(&L->lock);
}

/* Converts what is left and stops the converter. */
static void finish_converter(struct loader *L)
{
	if (!L->threaded)
		return;
	if (L->batch[L->filling].nr)
		hand_off(L);
	pthread_mutex_lock(&L->lock);
	L->parse_done = true;
	pthread_cond_broadcast(&L->changed);
	pthread_mutex_unlock(&L->lock);
	pthread_join(L->converter, NULL);
	L->threaded = false;
}

static bool looks_like_time_name(const char *name)
{
	char *f = utf8_fold(name);
	bool yes = strstr(f, "time") || strstr(f, "date") || strstr(f, "epoch") || strcmp(f, "ts") == 0;
	free(f);
	return yes;
}

struct col_guess {
	bool all_num, all_int, any;
	int orders;           /* slashed date orders allowed by every value */
	bool all_iso, all_slashed, all_fmt;
	double min, max;
	size_t comma_only;    /* values that parse only with a decimal comma */
	size_t with_dot;
};

static void guess_column(struct loader *L, size_t c, size_t from, struct col_guess *g)
{
	memset(g, 0, sizeof *g);
	g->all_num = g->all_int = g->all_iso = g->all_slashed = true;
	g->all_fmt = L->o->time_format != NULL;
	g->orders = 3;
	g->min = INFINITY;
	g->max = -INFINITY;
	for (size_t r = from; r < L->batch[0].nr; r++) {
		size_t len;
		const char *s = sample_text(L, r, c, &len);
		if (len == 0 || numparse_is_missing(s, len))
			continue;
		g->any = true;
		double v;
		if (numparse_double(s, len, L->decimal ? L->decimal : '.', &v)) {
			g->min = fmin(g->min, v);
			g->max = fmax(g->max, v);
			if (v != floor(v))
				g->all_int = false;
			if (memchr(s, '.', len))
				g->with_dot++;
		} else if (!L->decimal && numparse_double(s, len, ',', &v)) {
			g->comma_only++;
			g->min = fmin(g->min, v);
			g->max = fmax(g->max, v);
			g->all_int = false;
		} else {
			g->all_num = false;
		}
		int64_t ms;
		bool z;
		if (g->all_iso && !numparse_time(s, len, TIME_FORM_ISO, NULL, &ms, &z))
			g->all_iso = false;
		if (g->all_slashed) {
			int o = numparse_date_orders(s, len);
			if (!o)
				g->all_slashed = false;
			else
				g->orders &= o;
		}
		if (g->all_fmt && !numparse_time(s, len, TIME_FORM_STRPTIME, L->o->time_format, &ms, &z))
			g->all_fmt = false;
	}
}

static bool is_numeric_text(const char *s, size_t len)
{
	double v;
	return numparse_double(s, len, '.', &v) || numparse_double(s, len, ',', &v);
}

static bool decide_header(struct loader *L)
{
	if (L->o->header != CSVIN_HEADER_AUTO)
		return L->o->header == CSVIN_HEADER_YES;
	if (L->batch[0].nr == 0)
		return false;
	size_t n = L->batch[0].r[0].n;
	bool all_text = true;
	for (size_t c = 0; c < n; c++) {
		size_t len;
		const char *s = sample_text(L, 0, c, &len);
		if (len == 0 || is_numeric_text(s, len))
			all_text = false;
	}
	if (L->batch[0].nr == 1)
		return all_text;
	/* A header cell is text above a column of numbers or timestamps ... */
	for (size_t c = 0; c < n; c++) {
		size_t len;
		const char *s = sample_text(L, 0, c, &len);
		if (len == 0 || is_numeric_text(s, len))
			continue;
		struct col_guess g;
		guess_column(L, c, 1, &g);
		int64_t ms;
		bool z;
		bool first_is_time = numparse_time(s, len, TIME_FORM_ISO, NULL, &ms, &z) || numparse_date_orders(s, len);
		if (g.any && (g.all_num || ((g.all_iso || g.all_slashed) && !first_is_time)))
			return true;
	}
	/* ... or, in an all-text file, a row of names never seen again. */
	if (!all_text)
		return false;
	for (size_t c = 0; c < n; c++) {
		size_t len0;
		const char *s0 = sample_text(L, 0, c, &len0);
		for (size_t r = 1; r < L->batch[0].nr; r++) {
			size_t len;
			const char *s = sample_text(L, r, c, &len);
			if (len == len0 && memcmp(s, s0, len) == 0)
				return false;
		}
	}
	return true;
}

static char *column_name(struct loader *L, bool header, size_t c)
{
	char buf[32];
	size_t len = 0;
	const char *s = header ? sample_text(L, 0, c, &len) : "";
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0) {
		snprintf(buf, sizeof buf, "col%zu", c + 1);
		return xstrdup(buf);
	}
	L->conv_line = L->batch[0].r[0].line;
	const char *ok = checked_text(L, c, s, &len);
	return ok ? xstrndup(ok, len) : NULL;
}

static void apply_guess(struct loader *L, size_t c, const struct col_guess *g)
{
	struct column *col = &L->t->cols[c];
	if (!g->any)
		return;  /* stays a number until a value says otherwise */
	if (L->o->time_format && g->all_fmt) {
		table_convert(L->t, c, COL_TIME);
		col->time_form = TIME_FORM_STRPTIME;
	} else if (g->all_num) {
		if (g->all_int && looks_like_time_name(col->name)) {
			enum time_form f = TIME_FORM_NONE;
			if (g->min >= 1e9 && g->max < 1e10)
				f = TIME_FORM_EPOCH_S;
			else if (g->min >= 1e12 && g->max < 1e13)
				f = TIME_FORM_EPOCH_MS;
			if (f != TIME_FORM_NONE) {
				table_convert(L->t, c, COL_TIME);
				col->time_form = f;
			}
		}
	} else if (g->all_iso) {
		table_convert(L->t, c, COL_TIME);
		col->time_form = TIME_FORM_ISO;
	} else if (g->all_slashed && g->orders) {
		table_convert(L->t, c, COL_TIME);
		/* Both orders fit only when every day is <= 12; day-first is the
		 * common form outside the US, and --time-format settles it. */
		col->time_form = (g->orders & 1) ? TIME_FORM_DMY : TIME_FORM_MDY;
	} else {
		table_convert(L->t, c, COL_STR);
	}
}

static void build_schema(struct loader *L)
{
	bool header = decide_header(L);
	L->rep->header = header;
	if (L->batch[0].nr == 0)
		return;
	L->ncols = L->batch[0].r[0].n;
	size_t from = header ? 1 : 0;
	if (!L->decimal) {
		size_t comma = 0, dot = 0;
		struct col_guess g;
		for (size_t c = 0; c < L->ncols; c++) {
			guess_column(L, c, from, &g);
			comma += g.comma_only;
			dot += g.with_dot;
		}
		L->decimal = comma > 0 && dot == 0 && L->delimiter != ',' ? ',' : '.';
	}
	L->rep->decimal = L->decimal;
	L->t = table_new();
	L->seen_value = xcalloc(L->ncols, sizeof *L->seen_value);
	L->forced = xcalloc(L->ncols, sizeof *L->forced);
	for (size_t c = 0; c < L->ncols && !L->failed; c++) {
		char *name = column_name(L, header, c);
		if (!name)
			return;
		if (table_find(L->t, name) >= 0) {
			char *unique = xmalloc(strlen(name) + 24);
			for (int k = 2;; k++) {
				sprintf(unique, "%s_%d", name, k);
				if (table_find(L->t, unique) < 0)
					break;
			}
			free(name);
			name = unique;
		}
		table_add_column(L->t, name, COL_NUM);
		free(name);
	}
	for (size_t i = 0; i < L->o->ntypes && !L->failed; i++) {
		long c = table_find(L->t, L->o->types[i].column);
		if (c < 0) {
			fail(L, 0, "--type: no column named \"%s\"", L->o->types[i].column);
			return;
		}
		L->forced[c] = true;
	}
	for (size_t c = 0; c < L->ncols; c++) {
		struct col_guess g;
		guess_column(L, c, from, &g);
		apply_guess(L, c, &g);
	}
	for (size_t i = 0; i < L->o->ntypes; i++) {
		size_t c = (size_t)table_find(L->t, L->o->types[i].column);
		struct column *col = &L->t->cols[c];
		if (col->type == L->o->types[i].type)
			continue;
		table_convert(L->t, c, L->o->types[i].type);
		if (col->type == COL_TIME) {
			struct col_guess g;
			guess_column(L, c, from, &g);
			col->time_form = L->o->time_format ? TIME_FORM_STRPTIME
			                 : g.all_iso        ? TIME_FORM_ISO
			                 : g.all_slashed    ? ((g.orders & 2) && !(g.orders & 1) ? TIME_FORM_MDY : TIME_FORM_DMY)
			                 : g.all_num && g.min >= 1e12 ? TIME_FORM_EPOCH_MS
			                 : g.all_num ? TIME_FORM_EPOCH_S
			                             : TIME_FORM_ISO;
		}
	}
	table_reserve(L->t, 4096);
	L->schema_ready = true;
	convert_records(L, &L->batch[0], from);
	records_clear(&L->batch[0]);
	/* Big files convert on a second thread while this one parses. */
	if (!L->failed && !L->at_eof)
		L->threaded = pthread_create(&L->converter, NULL, converter_main, L) == 0;
}

/* ---- field and record sinks (shared by libcsv and blank mode) ---- */

static void on_field(struct loader *L, const char *s, size_t len)
{
	if (L->failed)
		return;
	if (L->nfield == 0) {
		L->rec_line = L->line;
		L->first_len = len;
	}
	if (len > L->max_field) {
		fail(L, L->rec_line, "field %zu is longer than %zu bytes (is this a CSV file?)", L->nfield + 1, L->max_field);
		return;
	}
	if (L->schema_ready && !L->threaded) {
		L->conv_line = L->rec_line;
		convert_field(L, L->nfield, s, len);
	} else {
		records_add_field(&L->batch[L->filling], s, len, L->rec_line, L->nfield == 0);
	}
	L->nfield++;
}

static void on_record(struct loader *L)
{
	if (L->failed || L->nfield == 0)
		return;
	size_t n = L->nfield;
	L->nfield = 0;
	L->last_end_line = L->line;
	if (L->schema_ready && !L->threaded) {
		end_record(L, n, L->first_len);
		return;
	}
	struct records *b = &L->batch[L->filling];
	if (n == 1 && L->first_len == 0) {
		/* A blank line. */
		b->nf--;
		b->bytes.len = b->f[b->nf].off;
		return;
	}
	b->nr++;
	if (!L->schema_ready) {
		if (b->nr >= L->sample_rows + 1)
			build_schema(L);
	} else if (b->nf >= CSVIN_BATCH_FIELDS) {
		hand_off(L);
	}
}

static void csv_field_cb(void *s, size_t len, void *data)
{
	on_field(data, s ? s : "", len);
}

static void csv_record_cb(int c, void *data)
{
	(void)c;
	on_record(data);
}

static void ws_feed(struct loader *L, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !L->failed; i++) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			if (L->ws_in_field) {
				on_field(L, L->ws_field.s, L->ws_field.len);
				strbuf_clear(&L->ws_field);
				L->ws_in_field = false;
			}
			if (ch == '\n')
				on_record(L);
		} else {
			/* Accumulate runs in one add per run, not per byte. */
			size_t j = i;
			while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n')
				j++;
			strbuf_add(&L->ws_field, s + i, j - i);
			L->ws_in_field = true;
			i = j - 1;
		}
	}
}

/* ---- delimiter sniffing ---- */

static char sniff_delimiter(const char *buf, size_t n)
{
	static const char cands[] = {',', ';', '\t', '|'};
	enum { LINES = 30 };
	size_t counts[4][LINES];
	size_t nlines = 0;
	memset(counts, 0, sizeof counts);
	bool quoted = false;
	bool blank_split = false;
	for (size_t i = 0; i < n && nlines < LINES; i++) {
		char ch = buf[i];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && ch == '\n')
			nlines++;
		else if (!quoted) {
			for (int k = 0; k < 4; k++)
				if (ch == cands[k])
					counts[k][nlines]++;
			if (ch == ' ' && i > 0 && buf[i - 1] != ' ' && buf[i - 1] != '\n')
				blank_split = true;
		}
	}
	if (nlines == 0)
		nlines = 1;
	/* The best delimiter appears the same, non-zero number of times on
	 * most lines. */
	int best = -1;
	double best_score = 0;
	for (int k = 0; k < 4; k++) {
		size_t same = 0, first = counts[k][0];
		for (size_t l = 0; l < nlines; l++)
			if (counts[k][l] == first)
				same++;
		if (first == 0)
			continue;
		double score = (double)same / (double)nlines * 1000 + (double)first;
		if (score > best_score) {
			best_score = score;
			best = k;
		}
	}
	if (best >= 0)
		return cands[best];
	return blank_split ? ' ' : ',';
}

/* ---- driver ---- */

static void feed(struct loader *L, struct csv_parser *p, const char *s, size_t n)
{
	if (L->delimiter == ' ') {
		ws_feed(L, s, n);
		return;
	}
	size_t used = csv_parse(p, s, n, csv_field_cb, csv_record_cb, L);
	/* Stop a runaway field while libcsv is still collecting it, not after
	 * it has swallowed the whole file. */
	if (!L->failed && csv_get_buffer_size(p) > L->max_field + CSVIN_FIELD_SLACK)
		fail(L, L->nfield ? L->rec_line : L->last_end_line + 1, "field %zu is longer than %zu bytes (is this a CSV file?)", L->nfield + 1,
		     L->max_field);
	if (used != n && !L->failed) {
		int code = csv_error(p);
		if (code == CSV_EPARSE)
			fail(L, L->line, "malformed quoted field (a quote inside an unquoted field, or text after a closing quote)");
		else
			fail(L, L->line, "%s", csv_strerror(code));
	}
}

int csvin_load(const char *path, const struct csvin_opts *o, struct table **out, struct csvin_report *rep, struct err *e)
{
	*out = NULL;
	memset(rep, 0, sizeof *rep);
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp)
		return err_at(e, path, 0, "cannot open: %s", strerror(errno));
	struct loader L;
	memset(&L, 0, sizeof L);
	L.path = is_stdin ? "<stdin>" : path;
	L.o = o;
	L.rep = rep;
	L.e = e;
	L.line = 1;
	L.decimal = o->decimal;
	L.max_field = o->max_field ? o->max_field : CSVIN_MAX_FIELD;
	L.sample_rows = o->sample_rows ? o->sample_rows : CSVIN_SAMPLE;
	pthread_mutex_init(&L.lock, NULL);
	pthread_cond_init(&L.changed, NULL);
	struct csv_parser parser;
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		if (!is_stdin)
			fclose(fp);
		return err_set(e, "out of memory");
	}
	csv_set_blk_size(&parser, CSVIN_FIELD_SLACK);
	char *buf = xmalloc(CSVIN_BLOCK);
	bool first = true;
	size_t got;
	while (!L.failed && (got = fread(buf, 1, CSVIN_BLOCK, fp)) > 0) {
		rep->bytes += got;
		if (o->progress)
			atomic_store(o->progress, rep->bytes);
		if (o->cancel && atomic_load(o->cancel)) {
			fail(&L, 0, "loading cancelled");
			break;
		}
		const char *s = buf;
		size_t n = got;
		if (first) {
			if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
				s += 3;
				n -= 3;
			}
			L.delimiter = o->delimiter ? o->delimiter : sniff_delimiter(s, n);
			/* libcsv's own blank trimming never eats its delimiter, so a
			 * tab-separated file keeps its empty fields. */
			if (L.delimiter != ' ')
				csv_set_delim(&parser, (unsigned char)L.delimiter);
			first = false;
		}
		if (memchr(s, '\0', n)) {
			const char *z = memchr(s, '\0', n);
			long line = L.line;
			for (const char *q = s; q < z; q++)
				line += *q == '\n';
			fail(&L, line, "binary data (a NUL byte): not a text CSV file");
			break;
		}
		/* Feed line by line so every error knows its line number. */
		while (n > 0 && !L.failed) {
			const char *nl = memchr(s, '\n', n);
			size_t k = nl ? (size_t)(nl - s) + 1 : n;
			feed(&L, &parser, s, k);
			if (nl)
				L.line++;
			s += k;
			n -= k;
		}
	}
	if (!L.failed && ferror(fp))
		fail(&L, 0, "read error: %s", strerror(errno));
	if (!L.failed) {
		if (L.delimiter == ' ') {
			ws_feed(&L, "\n", 1);
		} else if (csv_fini(&parser, csv_field_cb, csv_record_cb, &L) != 0) {
			fail(&L, L.last_end_line + 1, "unterminated quoted field (the closing quote is missing)");
		}
	}
	if (!L.failed && !L.schema_ready) {
		L.at_eof = true;
		build_schema(&L);
	}
	finish_converter(&L);
	if (!L.failed) {
		if (rep->bytes == 0 || (L.t == NULL))
			fail(&L, 0, "empty file");
		else if (L.t->nrows == 0)
			fail(&L, 0, "no data rows (only a header)");
	}
	rep->lines = L.line - 1;
	rep->delimiter = L.delimiter;
	csv_free(&parser);
	free(buf);
	if (!is_stdin)
		fclose(fp);
	records_free(&L.batch[0]);
	records_free(&L.batch[1]);
	strbuf_free(&L.scratch);
	strbuf_free(&L.ws_field);
	pthread_mutex_destroy(&L.lock);
	pthread_cond_destroy(&L.changed);
	free(L.seen_value);
	free(L.forced);
	if (L.failed) {
		table_free(L.t);
		return -1;
	}
	rep->rows = L.t->nrows;
	*out = L.t;
	return 0;
}
