#include "config.h"
#include "strpool.h"

#include <stdlib.h>
#include <string.h>
#include "err.h"

struct strpool {
	char *chars;          /* all strings, NUL-terminated, back to back */
	size_t chars_len, chars_cap;
	size_t *offset;       /* id -> offset in chars */
	uint32_t *length;     /* id -> byte length */
	size_t n_ids, ids_cap;
	uint32_t *slots;      /* open-addressing hash: id or 0 */
	size_t n_slots;       /* power of two */
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;  /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

struct strpool *strpool_new(void)
{
	struct strpool *p = xcalloc(1, sizeof *p);
	p->n_slots = 64;
	p->slots = xcalloc(p->n_slots, sizeof *p->slots);
	xgrow(&p->offset, &p->ids_cap, 16, sizeof *p->offset);
	p->length = xmalloc(p->ids_cap * sizeof *p->length);
	xgrow(&p->chars, &p->chars_cap, 1, 1);
	p->chars[0] = '\0';
	p->chars_len = 1;
	p->offset[0] = 0;
	p->length[0] = 0;
	p->n_ids = 1;
	return p;
}

void strpool_free(struct strpool *p)
{
	if (!p)
		return;
	free(p->chars);
	free(p->offset);
	free(p->length);
	free(p->slots);
	free(p);
}

static size_t find_slot(const struct strpool *p, const char *s, size_t n)
{
	size_t mask = p->n_slots - 1;
	size_t i = (size_t)hash_bytes(s, n) & mask;
	for (;;) {
		uint32_t id = p->slots[i];
		if (id == 0 || (p->length[id] == n && memcmp(p->chars + p->offset[id], s, n) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static void rehash(struct strpool *p)
{
	size_t n = p->n_slots * 2;
	uint32_t *old = p->slots;
	size_t old_n = p->n_slots;
	p->slots = xcalloc(n, sizeof *p->slots);
	p->n_slots = n;
	for (size_t i = 0; i < old_n; i++)
		if (old[i]) {
			uint32_t id = old[i];
			p->slots[find_slot(p, p->chars + p->offset[id], p->length[id])] = id;
		}
	free(old);
}

uint32_t strpool_intern(struct strpool *p, const char *s, size_t n)
{
	size_t slot = find_slot(p, s, n);
	if (p->slots[slot])
		return p->slots[slot];
	if (p->n_ids >= UINT32_MAX)
		abort();
	size_t cap = p->ids_cap;
	xgrow(&p->offset, &p->ids_cap, p->n_ids + 1, sizeof *p->offset);
	if (p->ids_cap != cap)
		p->length = xrealloc(p->length, p->ids_cap * sizeof *p->length);
	xgrow(&p->chars, &p->chars_cap, p->chars_len + n + 1, 1);
	uint32_t id = (uint32_t)p->n_ids++;
	p->offset[id] = p->chars_len;
	p->length[id] = (uint32_t)n;
	memcpy(p->chars + p->chars_len, s, n);
	p->chars[p->chars_len + n] = '\0';
	p->chars_len += n + 1;
	p->slots[slot] = id;
	if (p->n_ids * 2 > p->n_slots)
		rehash(p);
	return id;
}

uint32_t strpool_find(const struct strpool *p, const char *s, size_t n)
{
	return p->slots[find_slot(p, s, n)];
}

const char *strpool_get(const struct strpool *p, uint32_t id)
{
	return id < p->n_ids ? p->chars + p->offset[id] : "";
}

size_t strpool_len(const struct strpool *p, uint32_t id)
{
	return id < p->n_ids ? p->length[id] : 0;
}

uint32_t strpool_count(const struct strpool *p)
{
	return (uint32_t)p->n_ids;
}

size_t strpool_bytes(const struct strpool *p)
{
	return p->chars_cap + p->ids_cap * (sizeof *p->offset + sizeof *p->length) + p->n_slots * sizeof *p->slots;
}
