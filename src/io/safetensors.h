#ifndef LATHE_IO_SAFETENSORS_H
#define LATHE_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* The safetensors format: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and [begin, end) byte range in
 * the data that follows, and an optional "__metadata__" object of string
 * values. Tensors are stored little-endian, back to back. */

enum st_dtype { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL };

#define ST_MAX_DIMS 8
/* The reference implementation refuses headers above 100 MB. */
#define ST_MAX_HEADER (100u * 1000 * 1000)
/* A file lathe reads whole: 16 GiB, far above any model it trains. */
#define ST_MAX_FILE ((size_t)16 << 30)

struct st_tensor {
	char *name;
	enum st_dtype dtype;
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	size_t begin, end;          /* byte range within the data part */
	const void *data;           /* in a loaded file (maybe unaligned: copy it out); caller's in a writer */
};

struct st_file;

/* Reads and validates a whole file: every range inside the data, ranges
 * contiguous and non-overlapping, sizes matching dtype x shape, metadata
 * values strings. Any violation is an error naming the file. */
int st_open(const char *path, struct st_file **out, struct err *e);
void st_close(struct st_file *f);
size_t st_count(const struct st_file *f);
const struct st_tensor *st_tensor_at(const struct st_file *f, size_t i);
const struct st_tensor *st_find(const struct st_file *f, const char *name);
/* A copy (caller frees) of tensor name when it is exactly dtype and
 * rows x cols (cols 0: 1-D, rows long); NULL with an error naming path
 * and the shape it should have. File data may be unaligned: copying
 * makes it usable. */
void *st_copy(const char *path, const struct st_file *f, const char *name, enum st_dtype dtype, size_t rows,
              size_t cols, struct err *e);
/* A metadata value, or NULL. */
const char *st_meta(const struct st_file *f, const char *key);
size_t st_meta_count(const struct st_file *f);
void st_meta_at(const struct st_file *f, size_t i, const char **key, const char **value);

/* Building a file: add tensors (the data is copied at write time, so it
 * must stay valid until then) and metadata, then write atomically. */
struct st_writer;

struct st_writer *st_writer_new(void);
void st_writer_free(struct st_writer *w);
int st_writer_add(struct st_writer *w, const char *name, enum st_dtype dtype, int ndim, const int64_t *shape,
                  const void *data, struct err *e);
void st_writer_meta(struct st_writer *w, const char *key, const char *value);
int st_writer_save(const struct st_writer *w, const char *path, struct err *e);

const char *st_dtype_name(enum st_dtype d);
size_t st_dtype_size(enum st_dtype d);

#endif
