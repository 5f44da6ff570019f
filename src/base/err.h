#ifndef LATHE_BASE_ERR_H
#define LATHE_BASE_ERR_H

#include <stddef.h>

/* An error travels up as a message that already names where it happened,
 * in the form "FILE:LINE: message" (or "FILE: message" when no line is
 * known); the front end only adds the "lathe: " prefix. */
struct err {
	char msg[1024];
};

#if defined(__GNUC__)
#define ERR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ERR_PRINTF(a, b)
#endif

/* Formats a message into e and returns -1, so callers can write
 * "return err_set(e, ...)". A NULL e is allowed and ignored. */
int err_set(struct err *e, const char *fmt, ...) ERR_PRINTF(2, 3);
/* The same with a location: where and line (0 = no line) prefix it. */
int err_at(struct err *e, const char *where, long line, const char *fmt, ...) ERR_PRINTF(4, 5);
/* Puts "prefix" before the message already in e (for adding context). */
int err_prefix(struct err *e, const char *fmt, ...) ERR_PRINTF(2, 3);

/* Allocation that never returns NULL: out of memory ends the program with a
 * message, as no caller could do better. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (an array of elem bytes each) so it holds at least need elements. */
void xgrow(void *p, size_t *cap, size_t need, size_t elem);

#endif
