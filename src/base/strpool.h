#ifndef LATHE_BASE_STRPOOL_H
#define LATHE_BASE_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Interned strings: each distinct string is stored once and named by a
 * small id, so a string column is an array of ids. Id 0 is reserved for
 * "no string" (a missing cell). */
struct strpool;

struct strpool *strpool_new(void);
void strpool_free(struct strpool *p);
uint32_t strpool_intern(struct strpool *p, const char *s, size_t n);
/* The id of s if it was interned, else 0. */
uint32_t strpool_find(const struct strpool *p, const char *s, size_t n);
/* The string of an id; "" for id 0. */
const char *strpool_get(const struct strpool *p, uint32_t id);
size_t strpool_len(const struct strpool *p, uint32_t id);
/* Bytes held, for memory reports. */
size_t strpool_bytes(const struct strpool *p);
/* Number of ids handed out, including the reserved 0. */
uint32_t strpool_count(const struct strpool *p);

#endif
