#include "config.h"
#include "table.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct table *table_new(void)
{
	struct table *t = xcalloc(1, sizeof *t);
	t->pool = strpool_new();
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		free(t->cols[c].name);
		free(t->cols[c].data);
	}
	free(t->cols);
	free(t->source_row);
	strpool_free(t->pool);
	free(t);
}

static size_t cell_size(enum col_type type)
{
	return type == COL_NUM ? sizeof(double) : type == COL_STR ? sizeof(uint32_t) : sizeof(int64_t);
}

static void set_missing(struct column *c, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		switch (c->type) {
		case COL_NUM: c->num[i] = NAN; break;
		case COL_STR: c->str[i] = 0; break;
		case COL_TIME: c->time[i] = TABLE_TIME_MISSING; break;
		}
}

size_t table_add_column(struct table *t, const char *name, enum col_type type)
{
	t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
	struct column *c = &t->cols[t->ncols];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->type = type;
	c->data = xmalloc((t->cap ? t->cap : 1) * cell_size(type));
	set_missing(c, 0, t->nrows);
	return t->ncols++;
}

void table_reserve(struct table *t, size_t n)
{
	if (n <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 1024;
	while (cap < n)
		cap *= 2;
	for (size_t c = 0; c < t->ncols; c++)
		t->cols[c].data = xrealloc(t->cols[c].data, cap * cell_size(t->cols[c].type));
	t->source_row = xrealloc(t->source_row, cap * sizeof *t->source_row);
	t->cap = cap;
}

size_t table_append_row(struct table *t, int64_t source_row)
{
	table_reserve(t, t->nrows + 1);
	size_t r = t->nrows++;
	for (size_t c = 0; c < t->ncols; c++)
		set_missing(&t->cols[c], r, r + 1);
	t->source_row[r] = source_row;
	return r;
}

size_t table_push_row(struct table *t, int64_t source_row)
{
	if (t->nrows == t->cap)
		table_reserve(t, t->nrows + 1);
	t->source_row[t->nrows] = source_row;
	return t->nrows++;
}

void table_set_missing(struct table *t, size_t c, size_t r)
{
	set_missing(&t->cols[c], r, r + 1);
}

long table_find(const struct table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c].name, name) == 0)
			return (long)c;
	return -1;
}

void table_filter(struct table *t, const bool *keep)
{
	size_t out = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (!keep[r])
			continue;
		if (out != r) {
			for (size_t c = 0; c < t->ncols; c++) {
				size_t sz = cell_size(t->cols[c].type);
				memcpy((char *)t->cols[c].data + out * sz, (char *)t->cols[c].data + r * sz, sz);
			}
			t->source_row[out] = t->source_row[r];
		}
		out++;
	}
	t->nrows = out;
}

void table_permute(struct table *t, const size_t *order)
{
	size_t n = t->nrows;
	void *tmp = xmalloc((n ? n : 1) * sizeof(int64_t));
	for (size_t c = 0; c <= t->ncols; c++) {
		void *data = c < t->ncols ? t->cols[c].data : t->source_row;
		size_t sz = c < t->ncols ? cell_size(t->cols[c].type) : sizeof(int64_t);
		for (size_t i = 0; i < n; i++)
			memcpy((char *)tmp + i * sz, (char *)data + order[i] * sz, sz);
		memcpy(data, tmp, n * sz);
	}
	free(tmp);
}

bool table_is_missing(const struct table *t, size_t col, size_t row)
{
	const struct column *c = &t->cols[col];
	switch (c->type) {
	case COL_NUM: return isnan(c->num[row]);
	case COL_STR: return c->str[row] == 0;
	case COL_TIME: return c->time[row] == TABLE_TIME_MISSING;
	}
	return true;
}

/* The shortest of 6 to most significant digits that reads back as v. */
static void shortest(double v, int most, char *buf, size_t size)
{
	if (v == 0) {
		snprintf(buf, size, "0");
		return;
	}
	for (int prec = 6; prec <= most; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void table_format_number(double v, char *buf, size_t size)
{
	shortest(v, 17, buf, size);
}

void table_display_number(double v, char *buf, size_t size)
{
	shortest(v, 10, buf, size);
}

const char *table_cell_text(const struct table *t, size_t col, size_t row, char *buf, size_t size)
{
	const struct column *c = &t->cols[col];
	buf[0] = '\0';
	if (table_is_missing(t, col, row))
		return buf;
	switch (c->type) {
	case COL_NUM: table_format_number(c->num[row], buf, size); break;
	case COL_STR: return strpool_get(t->pool, c->str[row]);
	case COL_TIME: numparse_format_time(c->time[row], c->time_zone, buf, size); break;
	}
	return buf;
}

void table_set_str(struct table *t, size_t col, size_t row, const char *s)
{
	t->cols[col].str[row] = s && *s ? strpool_intern(t->pool, s, strlen(s)) : 0;
}

void table_convert(struct table *t, size_t col, enum col_type type)
{
	struct column *c = &t->cols[col];
	if (c->type == type)
		return;
	void *data = xmalloc((t->cap ? t->cap : 1) * cell_size(type));
	char buf[64];
	for (size_t r = 0; r < t->nrows; r++) {
		const char *text = table_cell_text(t, col, r, buf, sizeof buf);
		switch (type) {
		case COL_NUM: {
			double v;
			((double *)data)[r] = numparse_double(text, strlen(text), '.', &v) ? v : NAN;
			break;
		}
		case COL_STR:
			((uint32_t *)data)[r] = *text ? strpool_intern(t->pool, text, strlen(text)) : 0;
			break;
		case COL_TIME: {
			int64_t ms;
			bool z;
			((int64_t *)data)[r] = numparse_time(text, strlen(text), TIME_FORM_ISO, NULL, &ms, &z) ? ms
			                                                                                      : TABLE_TIME_MISSING;
			break;
		}
		}
	}
	free(c->data);
	c->data = data;
	c->type = type;
}

/* A 64-bit key of a cell, equal for equal values. */
static uint64_t cell_key(const struct column *col, size_t r)
{
	switch (col->type) {
	case COL_NUM: {
		double v = col->num[r];
		uint64_t k;
		if (isnan(v))
			return 0x7FF8000000000001ull;
		if (v == 0)
			v = 0;  /* -0 and 0 are one value */
		memcpy(&k, &v, sizeof k);
		return k;
	}
	case COL_STR: return col->str[r];
	case COL_TIME: return (uint64_t)col->time[r];
	}
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t k)
{
	/* A full avalanche (splitmix64's finalizer): doubles such as 1480.0
	 * differ only in their high bits, and slots come from the low ones. */
	h ^= k + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
	h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
	return h ^ (h >> 31);
}

size_t *table_group_ids(const struct table *t, const size_t *cols, size_t ncols, size_t *ngroups)
{
	size_t nslots = 16;
	while (nslots < t->nrows * 2)
		nslots *= 2;
	size_t *slots = xmalloc(nslots * sizeof *slots);  /* first row of a group */
	for (size_t i = 0; i < nslots; i++)
		slots[i] = SIZE_MAX;
	size_t *ids = xmalloc((t->nrows ? t->nrows : 1) * sizeof *ids);
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		uint64_t h = 0;
		for (size_t k = 0; k < ncols; k++)
			h = mix(h, cell_key(&t->cols[cols[k]], r));
		for (size_t i = (size_t)h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
			if (slots[i] == SIZE_MAX) {
				slots[i] = r;
				ids[r] = n++;
				break;
			}
			size_t o = slots[i];
			bool same = true;
			for (size_t k = 0; k < ncols && same; k++)
				same = cell_key(&t->cols[cols[k]], o) == cell_key(&t->cols[cols[k]], r);
			if (same) {
				ids[r] = ids[o];
				break;
			}
		}
	}
	free(slots);
	*ngroups = n;
	return ids;
}

void table_groups_by(const struct table *t, long col, struct table_groups *g)
{
	size_t ng = 1, c = (size_t)col;
	size_t *id = col >= 0 ? table_group_ids(t, &c, 1, &ng) : NULL;
	g->n = ng;
	g->start = xcalloc(ng + 1, sizeof *g->start);
	g->rows = xmalloc((t->nrows ? t->nrows : 1) * sizeof *g->rows);
	for (size_t r = 0; r < t->nrows; r++)
		g->start[(id ? id[r] : 0) + 1]++;
	for (size_t k = 0; k < ng; k++)
		g->start[k + 1] += g->start[k];
	size_t *fill = xmalloc((ng + 1) * sizeof *fill);
	memcpy(fill, g->start, (ng + 1) * sizeof *fill);
	for (size_t r = 0; r < t->nrows; r++)
		g->rows[fill[id ? id[r] : 0]++] = r;
	free(fill);
	free(id);
}

void table_groups_free(struct table_groups *g)
{
	free(g->rows);
	free(g->start);
	g->rows = g->start = NULL;
}

size_t table_bytes(const struct table *t)
{
	size_t n = t->nrows * sizeof *t->source_row + strpool_bytes(t->pool);
	for (size_t c = 0; c < t->ncols; c++)
		n += t->nrows * cell_size(t->cols[c].type);
	return n;
}

struct table *table_clone(const struct table *t)
{
	struct table *n = table_new();
	table_reserve(n, t->nrows ? t->nrows : 1);
	for (size_t c = 0; c < t->ncols; c++) {
		size_t i = table_add_column(n, t->cols[c].name, t->cols[c].type);
		n->cols[i].time_zone = t->cols[c].time_zone;
		n->cols[i].time_form = t->cols[c].time_form;
		if (t->cols[c].type == COL_STR) {
			for (size_t r = 0; r < t->nrows; r++) {
				uint32_t id = t->cols[c].str[r];
				n->cols[i].str[r] = id ? strpool_intern(n->pool, strpool_get(t->pool, id), strpool_len(t->pool, id)) : 0;
			}
		} else {
			memcpy(n->cols[i].data, t->cols[c].data, t->nrows * cell_size(t->cols[c].type));
		}
	}
	memcpy(n->source_row, t->source_row, t->nrows * sizeof *t->source_row);
	n->nrows = t->nrows;
	return n;
}

static void write_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") || (s[0] == ' ' || (*s && s[strlen(s) - 1] == ' ')))
		csv_fwrite(fp, s, strlen(s));
	else
		fputs(s, fp);
}

int table_write_csv(const struct table *t, FILE *fp, struct err *e)
{
	char buf[64];
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', fp);
		write_field(fp, t->cols[c].name);
	}
	fputc('\n', fp);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', fp);
			write_field(fp, table_cell_text(t, c, r, buf, sizeof buf));
		}
		if (fputc('\n', fp) == EOF)
			break;
	}
	if (ferror(fp))
		return err_set(e, "write failed: %s", strerror(errno));
	return 0;
}

const char *table_type_name(enum col_type type)
{
	return type == COL_NUM ? "number" : type == COL_STR ? "string" : "time";
}

/* A row's sort key, all the comparison needs: qsort's comparator gets no
 * context, and the keys make one unnecessary. */
struct sort_key {
	double num;           /* numbers and timestamps */
	const char *str;      /* text; NULL for the others */
	size_t row;
	bool missing;
	signed char sign;     /* -1 descending */
};

/* Missing values last either way; ties keep file order. */
static int compare_keys(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	int d;
	if (a->missing || b->missing)
		d = a->missing && b->missing ? 0 : a->missing ? 1 : -1;
	else
		d = a->sign * (a->str ? strcmp(a->str, b->str) : a->num < b->num ? -1 : a->num > b->num);
	return d ? d : a->row < b->row ? -1 : a->row > b->row;
}

void table_sort_rows(const struct table *t, long col, bool desc, size_t *rows, size_t n)
{
	if (col < 0) {
		/* file order in one pass over the table */
		bool *shown = xcalloc(t->nrows + 1, sizeof *shown);
		for (size_t i = 0; i < n; i++)
			shown[rows[i]] = true;
		size_t m = 0;
		for (size_t r = 0; r < t->nrows; r++)
			if (shown[r])
				rows[m++] = r;
		free(shown);
		return;
	}
	const struct column *c = &t->cols[col];
	struct sort_key *keys = xmalloc((n + 1) * sizeof *keys);
	for (size_t i = 0; i < n; i++) {
		size_t r = rows[i];
		struct sort_key *k = &keys[i];
		k->row = r;
		k->sign = desc ? -1 : 1;
		k->missing = table_is_missing(t, (size_t)col, r);
		k->str = NULL;
		k->num = 0;
		if (k->missing)
			continue;
		if (c->type == COL_NUM)
			k->num = c->num[r];
		else if (c->type == COL_TIME)
			k->num = (double)c->time[r];
		else
			k->str = strpool_get(t->pool, c->str[r]);
	}
	qsort(keys, n, sizeof *keys, compare_keys);
	for (size_t i = 0; i < n; i++)
		rows[i] = keys[i].row;
	free(keys);
}
