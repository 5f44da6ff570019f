#include "config.h"
#include "wordpiece.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "base/strbuf.h"
#include "base/strpool.h"

static const char *const specials[WORDPIECE_SPECIALS] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

/* Longer words are [UNK] outright, as in BERT. */
#define WORDPIECE_MAX_WORD 100

struct wordpiece {
	struct strpool *pool;     /* token -> pool id = token id + 1 */
	size_t n;
};

/* ---- normalization and words ---- */

static bool is_cjk(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
	       (c >= 0x2A700 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static bool is_punct(int32_t c)
{
	if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
		return true;
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

static bool is_blank(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_CC;
}

/* Calls word(ctx, s, n) for each word of the normalized text. */
static void each_word(const char *text, void (*word)(void *ctx, const char *s, size_t n), void *ctx)
{
	utf8proc_uint8_t *norm = NULL;
	if (utf8proc_map((const utf8proc_uint8_t *)text, 0, &norm,
	                 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD) < 0)
		return;
	const char *p = (const char *)norm, *start = NULL;
	while (*p) {
		int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);
		if (k <= 0) {
			p++;
			continue;
		}
		bool alone = is_cjk(c) || is_punct(c) || (c >= '0' && c <= '9');
		if (is_blank(c) || alone) {
			if (start)
				word(ctx, start, (size_t)(p - start));
			start = NULL;
			if (alone)
				word(ctx, p, (size_t)k);
		} else if (!start) {
			start = p;
		}
		p += k;
	}
	if (start)
		word(ctx, start, (size_t)(p - start));
	free(norm);
}

/* ---- vocabulary ---- */

static struct wordpiece *empty_vocab(void)
{
	struct wordpiece *wp = xcalloc(1, sizeof *wp);
	wp->pool = strpool_new();
	return wp;
}

/* Adds a token unless present. */
static void add_token(struct wordpiece *wp, const char *s, size_t n)
{
	if (!strpool_find(wp->pool, s, n)) {
		strpool_intern(wp->pool, s, n);
		wp->n++;
	}
}

struct wordpiece *wordpiece_from_tokens(const char *const *tokens, size_t n, struct err *e)
{
	if (n < WORDPIECE_SPECIALS)
		return err_set(e, "a vocabulary needs at least the %d special tokens", WORDPIECE_SPECIALS), NULL;
	struct wordpiece *wp = empty_vocab();
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(tokens[i]);
		if ((i < WORDPIECE_SPECIALS && strcmp(tokens[i], specials[i]) != 0) || len == 0 ||
		    strpool_find(wp->pool, tokens[i], len)) {
			err_set(e, "vocabulary token %zu (\"%.40s\") is %s", i, tokens[i],
			        i < WORDPIECE_SPECIALS ? "not the expected special token" : "empty or repeated");
			wordpiece_free(wp);
			return NULL;
		}
		add_token(wp, tokens[i], len);
	}
	return wp;
}

void wordpiece_free(struct wordpiece *wp)
{
	if (!wp)
		return;
	strpool_free(wp->pool);
	free(wp);
}

size_t wordpiece_size(const struct wordpiece *wp)
{
	return wp->n;
}

const char *wordpiece_token(const struct wordpiece *wp, int32_t id)
{
	return id >= 0 && (size_t)id < wp->n ? strpool_get(wp->pool, (uint32_t)id + 1) : "";
}

int32_t wordpiece_find(const struct wordpiece *wp, const char *token)
{
	return (int32_t)strpool_find(wp->pool, token, strlen(token)) - 1;
}

/* ---- encoding ---- */

struct encode_ctx {
	const struct wordpiece *wp;
	int32_t *ids;
	size_t max, n;
	struct strbuf piece;
};

static void emit(struct encode_ctx *x, int32_t id)
{
	if (x->n < x->max)
		x->ids[x->n] = id;
	x->n++;
}

static void encode_word(void *ctx, const char *s, size_t n)
{
	struct encode_ctx *x = ctx;
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	if (chars > WORDPIECE_MAX_WORD) {
		emit(x, WORDPIECE_UNK);
		return;
	}
	int32_t pieces[WORDPIECE_MAX_WORD];
	size_t np = 0, at = 0;
	while (at < n) {
		/* The longest piece from here that the vocabulary has. */
		int32_t found = -1;
		size_t end = n;
		for (; end > at; end--) {
			if (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
				continue;  /* not a character boundary */
			strbuf_clear(&x->piece);
			if (at > 0)
				strbuf_puts(&x->piece, "##");
			strbuf_add(&x->piece, s + at, end - at);
			found = (int32_t)strpool_find(x->wp->pool, x->piece.s, x->piece.len) - 1;
			if (found >= 0)
				break;
		}
		if (found < 0) {
			emit(x, WORDPIECE_UNK);
			return;
		}
		pieces[np++] = found;
		at = end;
	}
	for (size_t i = 0; i < np; i++)
		emit(x, pieces[i]);
}

size_t wordpiece_encode(const struct wordpiece *wp, const char *text, int32_t *ids, size_t max)
{
	struct encode_ctx x = {.wp = wp, .ids = ids, .max = max};
	each_word(text, encode_word, &x);
	strbuf_free(&x.piece);
	return x.n;
}

/* ---- training ---- */

/* Each distinct word with its count, as a sequence of symbol ids. */
struct train_word {
	uint32_t *sym;
	size_t n;
	uint64_t count;
};

struct trainer {
	struct strpool *words;   /* distinct words */
	uint64_t *word_count;
	size_t cap;
	struct strpool *syms;    /* symbols: "a", "##b", merged pieces */
	struct strbuf buf;
};

static void count_word(void *ctx, const char *s, size_t n)
{
	struct trainer *tr = ctx;
	uint32_t id = strpool_intern(tr->words, s, n);
	xgrow(&tr->word_count, &tr->cap, (size_t)id + 1, sizeof *tr->word_count);
	if (id + 1 == strpool_count(tr->words))
		tr->word_count[id] = 0;
	tr->word_count[id]++;
}

static uint32_t symbol(struct trainer *tr, const char *s, size_t n, bool continuing)
{
	strbuf_clear(&tr->buf);
	if (continuing)
		strbuf_puts(&tr->buf, "##");
	strbuf_add(&tr->buf, s, n);
	return strpool_intern(tr->syms, tr->buf.s, tr->buf.len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct pair_slot {
	uint64_t key;            /* a << 32 | b, 0 = empty */
	uint64_t count;
};

struct wordpiece *wordpiece_train(const char *const *texts, size_t n, size_t vocab_size, struct err *e)
{
	struct trainer tr = {.words = strpool_new(), .syms = strpool_new()};
	for (size_t i = 0; i < n; i++)
		each_word(texts[i], count_word, &tr);
	size_t nw = strpool_count(tr.words) - 1;
	struct train_word *w = xcalloc(nw + 1, sizeof *w);
	for (size_t i = 0; i < nw; i++) {
		const char *s = strpool_get(tr.words, (uint32_t)i + 1);
		size_t len = strlen(s);
		w[i].sym = xmalloc((len + 1) * sizeof *w[i].sym);
		w[i].count = tr.word_count[i + 1];
		for (size_t at = 0; at < len;) {
			size_t k = 1;
			while (at + k < len && ((unsigned char)s[at + k] & 0xC0) == 0x80)
				k++;
			w[i].sym[w[i].n++] = symbol(&tr, s + at, k, at > 0);
			at += k;
		}
	}
	/* Specials; every ASCII digit, letter and punctuation mark (so any
	 * number or ASCII word can be spelled, seen in training or not); the
	 * other characters seen, in a fixed order; then merges. */
	struct wordpiece *wp = empty_vocab();
	for (int i = 0; i < WORDPIECE_SPECIALS; i++)
		add_token(wp, specials[i], strlen(specials[i]));
	for (int c = '!'; c <= '~'; c++) {
		char piece[4] = {'#', '#', (char)c, 0};
		if (c >= 'A' && c <= 'Z')
			continue;  /* case folding leaves none */
		add_token(wp, piece + 2, 1);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			add_token(wp, piece, 3);
	}
	if (wp->n > vocab_size) {
		err_set(e, "vocabulary size %zu is too small: the special tokens and ASCII take %zu", vocab_size, wp->n);
		wordpiece_free(wp);
		wp = NULL;
		goto out;
	}
	size_t nchars = strpool_count(tr.syms) - 1;
	const char **chars = xmalloc((nchars + 1) * sizeof *chars);
	for (size_t i = 0; i < nchars; i++)
		chars[i] = strpool_get(tr.syms, (uint32_t)i + 1);
	qsort(chars, nchars, sizeof *chars, cmp_str);
	for (size_t i = 0; i < nchars && wp->n < vocab_size; i++)
		add_token(wp, chars[i], strlen(chars[i]));
	free(chars);

	size_t nslots = 1024;
	struct pair_slot *slots = NULL;
	uint64_t *freq = NULL;
	size_t freq_cap = 0;
	while (wp->n < vocab_size) {
		size_t positions = 0;
		for (size_t i = 0; i < nw; i++)
			positions += w[i].n;
		while (nslots < positions * 2 + 16)
			nslots *= 2;
		slots = xrealloc(slots, nslots * sizeof *slots);
		memset(slots, 0, nslots * sizeof *slots);
		size_t nsym = strpool_count(tr.syms);
		xgrow(&freq, &freq_cap, nsym, sizeof *freq);
		memset(freq, 0, nsym * sizeof *freq);
		for (size_t i = 0; i < nw; i++)
			for (size_t k = 0; k < w[i].n; k++) {
				freq[w[i].sym[k]] += w[i].count;
				if (k + 1 == w[i].n)
					continue;
				uint64_t key = (uint64_t)w[i].sym[k] << 32 | w[i].sym[k + 1];
				size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (nslots - 1);
				while (slots[h].key && slots[h].key != key)
					h = (h + 1) & (nslots - 1);
				slots[h].key = key;
				slots[h].count += w[i].count;
			}
		/* The best pair by score; ties to the more frequent, then to the
		 * smaller merged string, so training is deterministic. */
		struct pair_slot *best = NULL;
		double best_score = -1;
		char *best_str = NULL;
		for (size_t h = 0; h < nslots; h++) {
			if (!slots[h].key)
				continue;
			uint32_t a = (uint32_t)(slots[h].key >> 32), b = (uint32_t)slots[h].key;
			double score = (double)slots[h].count / ((double)freq[a] * (double)freq[b]);
			const char *sb = strpool_get(tr.syms, b);
			strbuf_clear(&tr.buf);
			strbuf_puts(&tr.buf, strpool_get(tr.syms, a));
			strbuf_puts(&tr.buf, strncmp(sb, "##", 2) == 0 ? sb + 2 : sb);
			bool better = score > best_score ||
			              (score == best_score && (slots[h].count > best->count ||
			                                       (slots[h].count == best->count && strcmp(tr.buf.s, best_str) < 0)));
			if (better) {
				best = &slots[h];
				best_score = score;
				free(best_str);
				best_str = xstrdup(tr.buf.s);
			}
		}
		if (!best) {
			free(best_str);
			break;  /* every word is one piece */
		}
		uint32_t a = (uint32_t)(best->key >> 32), b = (uint32_t)best->key;
		uint32_t merged = strpool_intern(tr.syms, best_str, strlen(best_str));
		add_token(wp, best_str, strlen(best_str));
		free(best_str);
		for (size_t i = 0; i < nw; i++) {
			size_t out = 0;
			for (size_t k = 0; k < w[i].n; k++) {
				if (k + 1 < w[i].n && w[i].sym[k] == a && w[i].sym[k + 1] == b) {
					w[i].sym[out++] = merged;
					k++;
				} else {
					w[i].sym[out++] = w[i].sym[k];
				}
			}
			w[i].n = out;
		}
	}
	free(slots);
	free(freq);
out:
	for (size_t i = 0; i < nw; i++)
		free(w[i].sym);
	free(w);
	free(tr.word_count);
	strpool_free(tr.words);
	strpool_free(tr.syms);
	strbuf_free(&tr.buf);
	return wp;
}
