#include "config.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

long utf8_invalid_at(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0)
			return (long)i;
		i += (size_t)k;
	}
	return -1;
}

size_t utf8_repair(const char *s, size_t n, struct strbuf *out)
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0, bad = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = p[i] < 0x80 ? 1 : utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) {
			strbuf_add(out, replacement, 3);
			bad++;
			i++;
			continue;
		}
		strbuf_add(out, s + i, (size_t)k);
		i += (size_t)k;
	}
	if (!out->s)
		strbuf_add(out, "", 0);
	return bad;
}

size_t utf8_prefix(const char *s, size_t width, size_t *used)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0;
	while (*p) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		int cw = 1;
		if (k <= 0) {
			k = 1;
		} else {
			cw = utf8proc_charwidth(cp);
			cw = cw > 0 ? cw : 0;
		}
		if (w + (size_t)cw > width)
			break;
		w += (size_t)cw;
		p += k;
	}
	if (used)
		*used = w;
	return (size_t)((const char *)p - s);
}

size_t utf8_width(const char *s)
{
	size_t w;
	utf8_prefix(s, (size_t)-1, &w);
	return w;
}

void utf8_pad(FILE *fp, const char *s, size_t width)
{
	fputs(s, fp);
	for (size_t w = utf8_width(s); w < width; w++)
		fputc(' ', fp);
}

void utf8_pad_buf(struct strbuf *b, const char *s, size_t width)
{
	strbuf_puts(b, s);
	for (size_t w = utf8_width(s); w < width; w++)
		strbuf_puts(b, " ");
}

char *utf8_fold(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
	                                  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (n < 0)
		return xstrdup(s);
	return (char *)out;
}

void utf8_escape_controls(const char *s, size_t n, unsigned keep, struct strbuf *out)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F;
		bool kept = c == '\t' || (c == '\n' && (keep & UTF8_KEEP_NEWLINE)) || (c == '\r' && (keep & UTF8_KEEP_CR));
		if ((c >= 0x20 || kept) && c != 0x7F && !c1)
			continue;
		strbuf_add(out, s + start, i - start);
		if (c1)
			c = (unsigned char)s[++i];
		strbuf_printf(out, "\\x%02x", c);
		start = i + 1;
	}
	strbuf_add(out, s + start, n - start);
}

const char *utf8_printable(const char *s, struct strbuf *tmp)
{
	strbuf_clear(tmp);
	utf8_escape_controls(s, strlen(s), 0, tmp);
	return tmp->s ? tmp->s : "";
}
