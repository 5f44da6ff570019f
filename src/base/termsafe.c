#include "config.h"
#include "termsafe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/strbuf.h"
#include "base/utf8.h"

struct termsafe {
	int fd;
	unsigned keep;      /* UTF8_KEEP_* */
	bool lead;          /* the last byte written was 0xC2, held back: a C1 may follow */
	struct strbuf in, out;  /* reused across writes */
};

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A write may end inside a two-byte C1 character: its lead byte waits
 * for the next write, which decides whether it was one. */
static ssize_t termsafe_write(void *cookie, const char *buf, size_t size)
{
	struct termsafe *t = cookie;
	if (size == 0)
		return 0;
	strbuf_clear(&t->in);
	if (t->lead)
		strbuf_add(&t->in, "\xC2", 1);
	strbuf_add(&t->in, buf, size);
	t->lead = (unsigned char)t->in.s[t->in.len - 1] == 0xC2;
	strbuf_clear(&t->out);
	utf8_escape_controls(t->in.s, t->in.len - t->lead, t->keep, &t->out);
	if (t->out.len && write_all(t->fd, t->out.s, t->out.len))
		return -1;
	return (ssize_t)size;
}

static int termsafe_close(void *cookie)
{
	struct termsafe *t = cookie;
	int rc = t->lead ? write_all(t->fd, "\xC2", 1) : 0;
	strbuf_free(&t->in);
	strbuf_free(&t->out);
	free(t);
	return rc;
}

FILE *termsafe_open(int fd, bool keep_cr)
{
	struct termsafe *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->fd = fd;
	t->keep = UTF8_KEEP_NEWLINE | (keep_cr ? UTF8_KEEP_CR : 0);
	cookie_io_functions_t io = {.write = termsafe_write, .close = termsafe_close};
	FILE *fp = fopencookie(t, "w", io);
	if (!fp)
		free(t);
	return fp;
}
