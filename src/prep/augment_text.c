#include "config.h"
#include "augment_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "base/err.h"
#include "base/strbuf.h"

size_t facts_split(const char *text, const char *sep, char ***out)
{
	size_t n = 0, cap = 8, k = strlen(sep);
	char **f = xmalloc(cap * sizeof *f);
	const char *p = text;
	for (;;) {
		const char *end = k ? strstr(p, sep) : NULL;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			if (n == cap)
				f = xrealloc(f, (cap *= 2) * sizeof *f);
			f[n++] = xstrndup(p, len);
		}
		if (!end)
			break;
		p = end + k;
	}
	*out = f;
	return n;
}

void facts_free(char **facts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(facts[i]);
	free(facts);
}

char *facts_join(char *const *f, size_t n, const char *sep)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_puts(&b, sep);
		strbuf_puts(&b, f[i]);
	}
	return b.s ? b.s : xstrdup("");
}

/* At least one, at most limit. */
static size_t count_of(double share, size_t n, size_t limit)
{
	size_t k = (size_t)(share * (double)n + 0.5);
	return k < 1 ? 1 : k > limit ? limit : k;
}

char *augment_swap(const char *text, const char *sep, double strength, struct rng *r)
{
	char **f;
	size_t n = facts_split(text, sep, &f);
	if (n >= 2)
		for (size_t k = count_of(strength / 2, n, n); k > 0; k--) {
			size_t i = (size_t)rng_below(r, n), j = (size_t)rng_below(r, n - 1);
			j += j >= i;
			char *t = f[i];
			f[i] = f[j];
			f[j] = t;
		}
	char *s = facts_join(f, n, sep);
	facts_free(f, n);
	return s;
}

char *augment_delete(const char *text, const char *sep, double strength, struct rng *r)
{
	char **f;
	size_t n = facts_split(text, sep, &f), kept = 0;
	if (n < 2) {
		char *s = facts_join(f, n, sep);
		facts_free(f, n);
		return s;
	}
	bool *drop = xcalloc(n, sizeof *drop);
	size_t dropped = 0;
	for (size_t i = 0; i < n; i++)
		if (rng_uniform(r) < strength)
			drop[i] = true, dropped++;
	if (dropped == 0)
		drop[rng_below(r, n)] = true;
	if (dropped == n)
		drop[rng_below(r, n)] = false;
	char **keep = xmalloc(n * sizeof *keep);
	for (size_t i = 0; i < n; i++)
		if (!drop[i])
			keep[kept++] = f[i];
	char *s = facts_join(keep, kept, sep);
	free(keep);
	free(drop);
	facts_free(f, n);
	return s;
}

char *augment_insert(const char *text, const char *donor, const char *sep, double strength, struct rng *r)
{
	char **f, **d;
	size_t n = facts_split(text, sep, &f), nd = facts_split(donor, sep, &d);
	size_t k = nd ? count_of(strength, n, nd) : 0;
	char **out = xmalloc((n + k + 1) * sizeof *out);
	memcpy(out, f, n * sizeof *out);
	for (size_t i = 0; i < k; i++) {
		size_t at = (size_t)rng_below(r, n + i + 1);
		memmove(out + at + 1, out + at, (n + i - at) * sizeof *out);
		out[at] = d[rng_below(r, nd)];
	}
	char *s = facts_join(out, n + k, sep);
	free(out);
	facts_free(f, n);
	facts_free(d, nd);
	return s;
}

/* ---- synonyms ---- */

struct synonym {
	char *phrase;
	size_t len;
	char **alt;
	size_t nalt;
};

struct synonyms {
	struct synonym *e;
	size_t n;
};

struct synonyms *synonyms_new(void)
{
	return xcalloc(1, sizeof(struct synonyms));
}

void synonyms_free(struct synonyms *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->e[i].phrase);
		for (size_t k = 0; k < s->e[i].nalt; k++)
			free(s->e[i].alt[k]);
		free(s->e[i].alt);
	}
	free(s->e);
	free(s);
}

size_t synonyms_count(const struct synonyms *s)
{
	return s->n;
}

void synonyms_add(struct synonyms *s, const char *phrase, const char *alternative)
{
	struct synonym *e = NULL;
	for (size_t i = 0; i < s->n && !e; i++)
		if (strcmp(s->e[i].phrase, phrase) == 0)
			e = &s->e[i];
	if (!e) {
		s->e = xrealloc(s->e, (s->n + 1) * sizeof *s->e);
		e = &s->e[s->n++];
		*e = (struct synonym){.phrase = xstrdup(phrase), .len = strlen(phrase)};
	}
	e->alt = xrealloc(e->alt, (e->nalt + 1) * sizeof *e->alt);
	e->alt[e->nalt++] = xstrdup(alternative);
}

static bool word_char(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '_';
}

/* The longest phrase at text + at, or NULL. */
static const struct synonym *match_at(const struct synonyms *s, const char *text, size_t at, bool words)
{
	if (words && at > 0 && word_char((unsigned char)text[at - 1]))
		return NULL;
	const struct synonym *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct synonym *e = &s->e[i];
		if (e->len == 0 || strncmp(text + at, e->phrase, e->len) != 0 || (best && best->len >= e->len))
			continue;
		if (words && word_char((unsigned char)text[at + e->len]))
			continue;
		best = e;
	}
	return best;
}

char *augment_synonyms(const char *text, const struct synonyms *s, bool words, double strength, struct rng *r)
{
	/* Find every match first, so that one can be forced when chance
	 * picks none. */
	size_t n = 0, cap = 8, len = strlen(text);
	size_t *at = xmalloc(cap * sizeof *at);
	const struct synonym **which = xmalloc(cap * sizeof *which);
	for (size_t i = 0; i < len;) {
		const struct synonym *e = match_at(s, text, i, words);
		if (!e) {
			i++;
			while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
				i++;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			at = xrealloc(at, cap * sizeof *at);
			which = xrealloc(which, cap * sizeof *which);
		}
		at[n] = i;
		which[n++] = e;
		i += e->len;
	}
	bool *pick = xcalloc(n + 1, sizeof *pick);
	size_t picked = 0;
	for (size_t k = 0; k < n; k++)
		if (rng_uniform(r) < strength)
			pick[k] = true, picked++;
	if (n && !picked)
		pick[rng_below(r, n)] = true;
	struct strbuf b = {0};
	size_t from = 0;
	for (size_t k = 0; k < n; k++) {
		if (!pick[k])
			continue;
		strbuf_add(&b, text + from, at[k] - from);
		strbuf_puts(&b, which[k]->alt[rng_below(r, which[k]->nalt)]);
		from = at[k] + which[k]->len;
	}
	strbuf_add(&b, text + from, len - from);
	free(at);
	free(which);
	free(pick);
	return b.s ? b.s : xstrdup("");
}
