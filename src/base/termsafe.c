#include "config.h"
#include "termsafe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/err.h"

struct termsafe {
	int fd;
	bool keep_cr;
	bool lead; /* the last byte written was 0xC2, held back: a C1 may follow */
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

static ssize_t termsafe_write(void *cookie, const char *buf, size_t size)
{
	struct termsafe *t = cookie;
	char out[4096 + 8];
	size_t len = 0;
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (len > sizeof out - 8) {
			if (write_all(t->fd, out, len))
				return -1;
			len = 0;
		}
		if (t->lead) {
			t->lead = false;
			if (c >= 0x80 && c <= 0x9F) {
				len += (size_t)snprintf(out + len, 5, "\\x%02x", c);
				continue;
			}
			out[len++] = (char)0xC2;
		}
		if (c == 0xC2) {
			t->lead = true;
		} else if ((c < 0x20 && c != '\n' && c != '\t' && !(t->keep_cr && c == '\r')) || c == 0x7F) {
			len += (size_t)snprintf(out + len, 5, "\\x%02x", c);
		} else {
			out[len++] = (char)c;
		}
	}
	if (len && write_all(t->fd, out, len))
		return -1;
	return (ssize_t)size;
}

static int termsafe_close(void *cookie)
{
	struct termsafe *t = cookie;
	int rc = t->lead ? write_all(t->fd, "\xC2", 1) : 0;
	free(t);
	return rc;
}

FILE *termsafe_open(int fd, bool keep_cr)
{
	struct termsafe *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->fd = fd;
	t->keep_cr = keep_cr;
	cookie_io_functions_t io = {.write = termsafe_write, .close = termsafe_close};
	FILE *fp = fopencookie(t, "w", io);
	if (!fp)
		free(t);
	return fp;
}
