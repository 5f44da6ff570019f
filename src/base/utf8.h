#ifndef LATHE_BASE_UTF8_H
#define LATHE_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "strbuf.h"

/* Byte offset of the first invalid UTF-8 sequence in s[0..n), or -1. */
long utf8_invalid_at(const char *s, size_t n);
/* Appends s to out with every invalid sequence replaced by U+FFFD;
 * returns how many were replaced. */
size_t utf8_repair(const char *s, size_t n, struct strbuf *out);
/* Bytes of the longest prefix of s that fits in width terminal cells;
 * *used (may be NULL) gets its width. */
size_t utf8_prefix(const char *s, size_t width, size_t *used);
/* Terminal display width of valid UTF-8 text (CJK counts 2). */
size_t utf8_width(const char *s);
/* Writes s and pads it with spaces to width terminal columns. */
void utf8_pad(FILE *fp, const char *s, size_t width);
/* The same into a buffer. */
void utf8_pad_buf(struct strbuf *b, const char *s, size_t width);
/* Appends s with every control character (C0 but tab, DEL, C1) written
 * as \xNN, but for newline and carriage return where keep says so: text
 * from a log or a model file must not drive the terminal it is printed
 * on. */
#define UTF8_KEEP_NEWLINE 1u
#define UTF8_KEEP_CR 2u
void utf8_escape_controls(const char *s, size_t n, unsigned keep, struct strbuf *out);
/* s escaped so, in tmp (reused across calls); for printf's %s. */
const char *utf8_printable(const char *s, struct strbuf *tmp);
/* Lower-cased (Unicode case folding) copy; caller frees. */
char *utf8_fold(const char *s);

#endif
