#ifndef LATHE_BASE_SHA256_H
#define LATHE_BASE_SHA256_H

#include <stddef.h>
#include "base/err.h"

/* SHA-256 as 64 lower-case hex digits plus NUL, as sha256sum prints it. */
int sha256_file(const char *path, char hex[65], struct err *e);
void sha256_text(const char *s, size_t n, char hex[65]);

#endif
