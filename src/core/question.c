#include "config.h"
#include "question.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/strbuf.h"
#include "base/utf8.h"
#include "data/table.h"

static void note(struct question *q, const char *fmt, ...) ERR_PRINTF(2, 3);

static void note(struct question *q, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	q->notes = xrealloc(q->notes, (q->nnotes + 1) * sizeof *q->notes);
	q->notes[q->nnotes++] = xstrdup(buf);
}

/* The percentile (0..1) of x among a fact's training quantiles, and the
 * reading at a percentile, both linear between the stored ones. */
static double percentile_of(const double *q, double x)
{
	if (x <= q[0])
		return 0;
	for (int k = 1; k < TEXT_QUANTILES; k++)
		if (x <= q[k])
			return ((double)(k - 1) + (q[k] > q[k - 1] ? (x - q[k - 1]) / (q[k] - q[k - 1]) : 1)) /
			       (TEXT_QUANTILES - 1);
	return 1;
}

static double reading_at(const double *q, double pct)
{
	double at = pct * (TEXT_QUANTILES - 1);
	int k = (int)at;
	if (k >= TEXT_QUANTILES - 1)
		return q[TEXT_QUANTILES - 1];
	return q[k] + (at - k) * (q[k + 1] - q[k]);
}

/* What a level word stands for: the median of the training readings at
 * that level (from the quantiles), or without them the middle of its
 * cuts (an end level: as far past its cut as the next level is wide). */
static double level_middle(const struct fact_profile *f, int k)
{
	const double *c = f->cuts;
	int n = f->ncuts;
	double lo = k > 0 ? c[k - 1] : -INFINITY, hi = k < n ? c[k] : INFINITY;
	if (f->quantiles) {
		double a = k > 0 ? percentile_of(f->quantiles, lo) : 0, b = k < n ? percentile_of(f->quantiles, hi) : 1;
		double x = reading_at(f->quantiles, (a + b) / 2);
		if (x >= lo && x <= hi)
			return x;
	}
	if (k == 0)
		return c[0] - (n > 1 ? (c[1] - c[0]) / 2 : 1);
	if (k == n)
		return c[n - 1] + (n > 1 ? (c[n - 1] - c[n - 2]) / 2 : 1);
	return (lo + hi) / 2;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = 0;
	return s;
}

/* The fact a folded phrase begins with: its name or its column's, the
 * longest that matches and ends at a word's end; *rest gets what
 * follows. -1 when none does. */
static long match_fact(const struct textualizer *tz, const struct table *t, const char *phrase, const char **rest)
{
	long best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < textualize_nfacts(tz); i++) {
		struct fact_profile f;
		textualize_profile(tz, i, &f);
		const char *names[2] = {f.name, t->cols[f.col].name};
		for (int k = 0; k < 2; k++) {
			char *name = utf8_fold(names[k]);
			size_t len = strlen(name);
			/* a word's end: the phrase's end, a blank, punctuation, or
			 * any byte of a script without spaces (zh: "温度很高") */
			bool ends = false;
			if (len > best_len && strncmp(phrase, name, len) == 0) {
				unsigned char next = (unsigned char)phrase[len];
				ends = next == 0 || is_blank((char)next) || next == ':' || next == '=' || next >= 0x80 ||
				       (unsigned char)name[len - 1] >= 0x80;
			}
			if (ends) {
				best = (long)i;
				best_len = len;
			}
			free(name);
		}
	}
	*rest = phrase + best_len;
	return best;
}

/* A reading: a number, maybe followed by a unit ("65 Nm", "210min"). */
static bool parse_reading(const char *s, double *x)
{
	char *end;
	*x = strtod(s, &end);
	if (end == s || !isfinite(*x))
		return false;
	while (is_blank(*end))
		end++;
	/* a unit is letters, '%', '°' or '/' only: "65 Nm", "3.2 mm/s" */
	for (const unsigned char *u = (const unsigned char *)end; *u; u++)
		if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || *u == '%' || *u == '/' || *u >= 0x80 ||
		      is_blank((char)*u)))
			return false;
	return true;
}

static void list_levels(const struct textualizer *tz, size_t i, struct strbuf *b)
{
	for (int k = 0; textualize_level_name(tz, i, k); k++)
		strbuf_printf(b, "%s%s", k ? ", " : "", textualize_level_name(tz, i, k));
}

static void list_facts(const struct textualizer *tz, struct strbuf *b)
{
	for (size_t i = 0; i < textualize_nfacts(tz); i++) {
		struct fact_profile f;
		textualize_profile(tz, i, &f);
		if (f.level || f.category)
			strbuf_printf(b, "%s%s", b->len ? ", " : "", f.name);
	}
}

/* One phrase into the row; given[i] marks the facts it set. */
static void read_phrase(struct question *q, char *phrase, bool *given)
{
	const struct textualizer *tz = q->p.tz;
	struct table *t = q->p.t;
	char *folded = utf8_fold(phrase);
	const char *rest;
	long i = match_fact(tz, t, folded, &rest);
	struct strbuf b = {0};
	if (i < 0) {
		list_facts(tz, &b);
		note(q, "\"%s\": the model knows no such fact, so it was not read (it knows %s)", phrase, b.s ? b.s : "none");
		q->unknown++;
		goto out;
	}
	struct fact_profile f;
	textualize_profile(tz, (size_t)i, &f);
	char *value = trim(phrase + (rest - folded));
	/* "name: value", "name = value", zh "名称为值" */
	if (*value == ':' || *value == '=')
		value = trim(value + 1);
	else if (strncmp(value, "\xE4\xB8\xBA", 3) == 0)
		value = trim(value + 3);
	char *vfold = utf8_fold(value);
	double x;
	int level;
	if (!f.level && !f.category) {
		note(q, "\"%s\": %s comes from the log's clock, which a question does not give; left out", phrase, f.name);
		q->unknown++;
	} else if (f.level && parse_reading(value, &x)) {
		t->cols[f.col].num[0] = x;
		given[i] = true;
	} else if (f.level && (level = textualize_level_word(tz, (size_t)i, vfold)) >= 0) {
		/* The reading is the number the note shows, so the evidence and
		 * the inspector show 4.45 too, never 4.450000000000001. */
		char num[32];
		table_display_number(level_middle(&f, level), num, sizeof num);
		t->cols[f.col].num[0] = strtod(num, NULL);
		note(q, "%s %s: read as %s, the middle of its training readings at that level", f.name, vfold, num);
		given[i] = true;
	} else if (f.level) {
		list_levels(tz, (size_t)i, &b);
		note(q, "\"%s\": %s takes a reading or one of its levels (%s); not read", phrase, f.name, b.s ? b.s : "");
		q->unknown++;
	} else if (!*value) {
		note(q, "\"%s\": no value given for %s; not read", phrase, f.name);
		q->unknown++;
	} else {
		const char *as = value;
		bool known = f.ncategories == 0;
		for (size_t k = 0; k < f.ncategories && !known; k++) {
			char *cfold = utf8_fold(f.categories[k]);
			if (strcmp(cfold, vfold) == 0) {
				as = f.categories[k];
				known = true;
			}
			free(cfold);
		}
		if (!known) {
			for (size_t k = 0; k < f.ncategories; k++)
				strbuf_printf(&b, "%s%s", k ? ", " : "", f.categories[k]);
			note(q, "%s \"%s\" never occurred in the training rows (they had %s): the model has not learned it",
			     f.name, value, b.s);
		}
		table_set_str(t, f.col, 0, as);
		given[i] = true;
	}
	free(vfold);
out:
	strbuf_free(&b);
	free(folded);
}

/* Facts the question left out, at their training median or most common
 * value. */
static void assume_rest(struct question *q, const bool *given)
{
	const struct textualizer *tz = q->p.tz;
	struct table *t = q->p.t;
	for (size_t i = 0; i < textualize_nfacts(tz); i++) {
		struct fact_profile f;
		textualize_profile(tz, i, &f);
		if (given[i] || (!f.level && !f.category))
			continue;
		char num[32];
		if (f.level) {
			double x = f.quantiles ? f.quantiles[TEXT_QUANTILES / 2] : f.center;
			if (isnan(x)) {
				note(q, "%s: not given, and the model kept no typical reading; left out", f.name);
				continue;
			}
			t->cols[f.col].num[0] = x;
			table_display_number(x, num, sizeof num);
			note(q, "%s: not given; assumed %s, the %s of the training rows", f.name, num,
			     f.quantiles ? "median" : "mean");
		} else if (f.ncategories) {
			table_set_str(t, f.col, 0, f.categories[0]);
			note(q, "%s: not given; assumed %s, the most common in the training rows (%.0f%%)", f.name, f.categories[0],
			     100 * f.shares[0]);
		} else {
			note(q, "%s: not given, and the model kept no common value; left out", f.name);
			continue;
		}
		q->assumed++;
	}
}

int question_parse(const struct learner *l, const char *text, struct question *q, struct err *e)
{
	memset(q, 0, sizeof *q);
	long bad = utf8_invalid_at(text, strlen(text));
	if (bad >= 0)
		return err_set(e, "the question is not valid UTF-8 (byte %ld)", bad + 1);
	const char *spec = l->mf.textualizer;
	if (!spec || !*spec || strcmp(spec, "{}") == 0) {
		q->p.texts = xcalloc(2, sizeof *q->p.texts);
		q->p.texts[0] = xstrdup(text);
		return 0;
	}
	if (!(q->p.t = textualize_blank_table(spec, e)) || textualize_from_spec(spec, q->p.t, &q->p.tz, e)) {
		question_free(q);
		return err_prefix(e, "%s: ", l->path);
	}
	q->row = true;
	table_append_row(q->p.t, 0);
	bool *given = xcalloc(textualize_nfacts(q->p.tz) + 1, sizeof *given);
	char *copy = xstrdup(text);
	/* Phrases end at the separators of either wording, and commas. */
	static const char *const seps[] = {";", "\xEF\xBC\x9B", ",", "\xEF\xBC\x8C", "\n"};
	char *at = copy;
	while (*at) {
		size_t len = strlen(at), cut = len, width = 0;
		for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
			char *hit = strstr(at, seps[k]);
			if (hit && (size_t)(hit - at) < cut) {
				cut = (size_t)(hit - at);
				width = strlen(seps[k]);
			}
		}
		at[cut] = 0;
		char *phrase = trim(at);
		if (*phrase)
			read_phrase(q, phrase, given);
		at += cut + (cut < len ? width : 0);
	}
	assume_rest(q, given);
	free(copy);
	free(given);
	q->p.texts = textualize_table(q->p.tz, q->p.t);
	return 0;
}

void question_free(struct question *q)
{
	for (size_t i = 0; q->p.texts && i < (q->p.t ? q->p.t->nrows : 1); i++)
		free(q->p.texts[i]);
	free(q->p.texts);
	textualize_free(q->p.tz);
	table_free(q->p.t);
	for (size_t i = 0; i < q->nnotes; i++)
		free(q->notes[i]);
	free(q->notes);
	memset(q, 0, sizeof *q);
}
