#ifndef LATHE_BASE_STRBUF_H
#define LATHE_BASE_STRBUF_H

#include <stddef.h>
#include "err.h"

/* A growable NUL-terminated string. */
struct strbuf {
	char *s;
	size_t len, cap;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) ERR_PRINTF(2, 3);
/* s, n times over: a bar of cells. */
void strbuf_repeat(struct strbuf *b, const char *s, size_t n);
/* Keeps the first len bytes (nothing changes when it holds fewer). */
void strbuf_truncate(struct strbuf *b, size_t len);
void strbuf_clear(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
