#include "config.h"
#include "safetensors.h"

#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/fileio.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
	[ST_F32] = {"F32", 4}, [ST_F16] = {"F16", 2}, [ST_BF16] = {"BF16", 2}, [ST_F64] = {"F64", 8},
	[ST_I64] = {"I64", 8}, [ST_I32] = {"I32", 4}, [ST_I16] = {"I16", 2},  [ST_I8] = {"I8", 1},
	[ST_U8] = {"U8", 1},   [ST_BOOL] = {"BOOL", 1},
};

#define N_DTYPES (sizeof dtypes / sizeof *dtypes)

const char *st_dtype_name(enum st_dtype d)
{
	return dtypes[d].name;
}

size_t st_dtype_size(enum st_dtype d)
{
	return dtypes[d].size;
}

struct st_file {
	unsigned char *bytes;       /* the whole file */
	size_t size;
	struct st_tensor *t;
	size_t n;
	char **meta_key, **meta_value;
	size_t nmeta;
};

static int bad(struct err *e, const char *path, const char *what)
{
	return err_at(e, path, 0, "not a valid safetensors file: %s", what);
}

static int cmp_begin(const void *a, const void *b)
{
	const struct st_tensor *x = *(const struct st_tensor *const *)a, *y = *(const struct st_tensor *const *)b;
	return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Parses one tensor entry of the header. */
static int parse_entry(const char *path, const char *name, json_t *v, size_t data_size, struct st_tensor *t,
                       struct err *e)
{
	char what[300];
	if (!json_is_object(v)) {
		snprintf(what, sizeof what, "entry \"%.200s\" is not an object", name);
		return bad(e, path, what);
	}
	const char *dt = json_string_value(json_object_get(v, "dtype"));
	json_t *shape = json_object_get(v, "shape"), *off = json_object_get(v, "data_offsets");
	size_t d = 0;
	while (dt && d < N_DTYPES && strcmp(dtypes[d].name, dt) != 0)
		d++;
	if (!dt || d == N_DTYPES) {
		snprintf(what, sizeof what, "tensor \"%.200s\" has an unknown dtype", name);
		return bad(e, path, what);
	}
	if (!json_is_array(shape) || json_array_size(shape) > ST_MAX_DIMS || !json_is_array(off) ||
	    json_array_size(off) != 2 || json_object_size(v) != 3) {
		snprintf(what, sizeof what, "tensor \"%.200s\" needs exactly dtype, shape and data_offsets", name);
		return bad(e, path, what);
	}
	t->dtype = (enum st_dtype)d;
	t->ndim = (int)json_array_size(shape);
	uint64_t count = 1;
	for (int i = 0; i < t->ndim; i++) {
		json_t *s = json_array_get(shape, (size_t)i);
		if (!json_is_integer(s) || json_integer_value(s) < 0) {
			snprintf(what, sizeof what, "tensor \"%.200s\" has a bad shape", name);
			return bad(e, path, what);
		}
		t->shape[i] = json_integer_value(s);
		if (t->shape[i] && count > UINT64_MAX / (uint64_t)t->shape[i]) {
			snprintf(what, sizeof what, "tensor \"%.200s\" is impossibly large", name);
			return bad(e, path, what);
		}
		count *= (uint64_t)t->shape[i];
	}
	json_t *b = json_array_get(off, 0), *en = json_array_get(off, 1);
	if (!json_is_integer(b) || !json_is_integer(en) || json_integer_value(b) < 0 ||
	    json_integer_value(en) < json_integer_value(b) || (uint64_t)json_integer_value(en) > data_size) {
		snprintf(what, sizeof what, "tensor \"%.200s\" lies outside the data (the file may be truncated)", name);
		return bad(e, path, what);
	}
	t->begin = (size_t)json_integer_value(b);
	t->end = (size_t)json_integer_value(en);
	if (count > UINT64_MAX / dtypes[d].size || count * dtypes[d].size != t->end - t->begin) {
		snprintf(what, sizeof what, "tensor \"%.200s\": %zu bytes for a %s tensor of %llu values", name,
		         t->end - t->begin, dtypes[d].name, (unsigned long long)count);
		return bad(e, path, what);
	}
	t->name = xstrdup(name);
	return 0;
}

int st_open(const char *path, struct st_file **out, struct err *e)
{
	*out = NULL;
	struct st_file *f = xcalloc(1, sizeof *f);
	char *bytes;
	if (fileio_read_regular(path, ST_MAX_FILE, &bytes, &f->size, e)) {
		free(f);
		return -1;
	}
	f->bytes = (unsigned char *)bytes;
	int rc = -1;
	json_t *root = NULL;
	if (f->size < 8) {
		bad(e, path, "shorter than its 8-byte header length");
		goto out;
	}
	uint64_t hlen = 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | f->bytes[i];
	if (hlen > ST_MAX_HEADER || hlen > f->size - 8) {
		bad(e, path, hlen > ST_MAX_HEADER ? "header longer than 100 MB" : "header runs past the end (truncated?)");
		goto out;
	}
	json_error_t je;
	root = json_loadb((const char *)f->bytes + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(root)) {
		char what[300];
		snprintf(what, sizeof what, "header is not a JSON object (%s)", root ? "other JSON" : je.text);
		bad(e, path, what);
		goto out;
	}
	size_t data_size = f->size - 8 - (size_t)hlen;
	const unsigned char *data = f->bytes + 8 + hlen;
	f->t = xcalloc(json_object_size(root) + 1, sizeof *f->t);
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "__metadata__") == 0) {
			if (!json_is_object(v)) {
				bad(e, path, "__metadata__ is not an object");
				goto out;
			}
			f->meta_key = xcalloc(json_object_size(v) + 1, sizeof *f->meta_key);
			f->meta_value = xcalloc(json_object_size(v) + 1, sizeof *f->meta_value);
			const char *mk;
			json_t *mv;
			json_object_foreach(v, mk, mv) {
				if (!json_is_string(mv)) {
					bad(e, path, "a __metadata__ value is not a string");
					goto out;
				}
				f->meta_key[f->nmeta] = xstrdup(mk);
				f->meta_value[f->nmeta++] = xstrdup(json_string_value(mv));
			}
			continue;
		}
		if (parse_entry(path, key, v, data_size, &f->t[f->n], e))
			goto out;
		f->t[f->n].data = data + f->t[f->n].begin;
		f->n++;
	}
	/* Ranges must tile the data exactly: no gaps, no overlaps. */
	struct st_tensor **by = xmalloc((f->n + 1) * sizeof *by);
	for (size_t i = 0; i < f->n; i++)
		by[i] = &f->t[i];
	qsort(by, f->n, sizeof *by, cmp_begin);
	size_t at = 0;
	bool tiled = true;
	for (size_t i = 0; i < f->n && tiled; i++) {
		tiled = by[i]->begin == at;
		at = by[i]->end;
	}
	free(by);
	if (!tiled || at != data_size) {
		bad(e, path, "tensor data overlaps, leaves gaps or does not fill the file");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc) {
		st_close(f);
		return -1;
	}
	*out = f;
	return 0;
}

void st_close(struct st_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->t[i].name);
	for (size_t i = 0; i < f->nmeta; i++) {
		free(f->meta_key[i]);
		free(f->meta_value[i]);
	}
	free(f->meta_key);
	free(f->meta_value);
	free(f->t);
	free(f->bytes);
	free(f);
}

size_t st_count(const struct st_file *f)
{
	return f->n;
}

const struct st_tensor *st_tensor_at(const struct st_file *f, size_t i)
{
	return i < f->n ? &f->t[i] : NULL;
}

const struct st_tensor *st_find(const struct st_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return &f->t[i];
	return NULL;
}

const char *st_meta(const struct st_file *f, const char *key)
{
	for (size_t i = 0; i < f->nmeta; i++)
		if (strcmp(f->meta_key[i], key) == 0)
			return f->meta_value[i];
	return NULL;
}

size_t st_meta_count(const struct st_file *f)
{
	return f->nmeta;
}

void st_meta_at(const struct st_file *f, size_t i, const char **key, const char **value)
{
	*key = f->meta_key[i];
	*value = f->meta_value[i];
}

/* ---- writing ---- */

struct st_writer {
	struct st_tensor *t;
	size_t n;
	json_t *meta;
};

struct st_writer *st_writer_new(void)
{
	struct st_writer *w = xcalloc(1, sizeof *w);
	w->meta = json_object();
	if (!w->meta) {
		free(w);
		return NULL;
	}
	return w;
}

void st_writer_free(struct st_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->t[i].name);
	free(w->t);
	json_decref(w->meta);
	free(w);
}

int st_writer_add(struct st_writer *w, const char *name, enum st_dtype dtype, int ndim, const int64_t *shape,
                  const void *data, struct err *e)
{
	if (ndim < 0 || ndim > ST_MAX_DIMS)
		return err_set(e, "tensor %s: %d dimensions (at most %d)", name, ndim, ST_MAX_DIMS);
	if (strcmp(name, "__metadata__") == 0)
		return err_set(e, "a tensor cannot be named __metadata__");
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->t[i].name, name) == 0)
			return err_set(e, "tensor %s added twice", name);
	size_t bytes = st_dtype_size(dtype);
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return err_set(e, "tensor %s: negative dimension", name);
		bytes *= (size_t)shape[i];
	}
	size_t begin = w->n ? w->t[w->n - 1].end : 0;
	w->t = xrealloc(w->t, (w->n + 1) * sizeof *w->t);
	struct st_tensor *t = &w->t[w->n++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->dtype = dtype;
	t->ndim = ndim;
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->begin = begin;
	t->end = begin + bytes;
	t->data = data;
	return 0;
}

void st_writer_meta(struct st_writer *w, const char *key, const char *value)
{
	json_object_set_new(w->meta, key, json_string(value));
}

int st_writer_save(const struct st_writer *w, const char *path, struct err *e)
{
	json_t *root = json_object();
	if (!root)
		return err_set(e, "out of memory");
	if (json_object_size(w->meta))
		json_object_set(root, "__metadata__", w->meta);
	for (size_t i = 0; i < w->n; i++) {
		const struct st_tensor *t = &w->t[i];
		json_t *shape = json_array();
		for (int d = 0; d < t->ndim; d++)
			json_array_append_new(shape, json_integer(t->shape[d]));
		json_object_set_new(root, t->name,
		                    json_pack("{s:s, s:o, s:[I, I]}", "dtype", st_dtype_name(t->dtype), "shape", shape,
		                              "data_offsets", (json_int_t)t->begin, (json_int_t)t->end));
	}
	char *header = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!header)
		return err_set(e, "out of memory");
	/* Pad with blanks so the data starts 8-byte aligned, as the format
	 * recommends. */
	size_t hlen = strlen(header), padded = (hlen + 7) / 8 * 8;
	unsigned char len_le[8];
	for (int i = 0; i < 8; i++)
		len_le[i] = (unsigned char)((uint64_t)padded >> (8 * i));
	struct atomic_file af;
	if (atomic_open(&af, path, e)) {
		free(header);
		return -1;
	}
	fwrite(len_le, 1, 8, af.fp);
	fwrite(header, 1, hlen, af.fp);
	for (size_t i = hlen; i < padded; i++)
		fputc(' ', af.fp);
	free(header);
	for (size_t i = 0; i < w->n; i++)
		if (w->t[i].end > w->t[i].begin)
			fwrite(w->t[i].data, 1, w->t[i].end - w->t[i].begin, af.fp);
	if (ferror(af.fp)) {
		atomic_abort(&af);
		return err_at(e, path, 0, "write failed: %s", strerror(errno));
	}
	return atomic_commit(&af, e);
}

void *st_copy(const char *path, const struct st_file *f, const char *name, enum st_dtype dtype, size_t rows,
              size_t cols, struct err *e)
{
	const struct st_tensor *t = st_find(f, name);
	size_t count = rows * (cols ? cols : 1), bytes = count * st_dtype_size(dtype);
	if (!t || t->dtype != dtype || t->ndim != (cols ? 2 : 1) || (size_t)t->shape[0] != rows ||
	    (cols && (size_t)t->shape[1] != cols) || t->end - t->begin != bytes) {
		char shape[48];
		snprintf(shape, sizeof shape, cols ? "%zux%zu" : "%zu", rows, cols);
		err_at(e, path, 0, "model file: tensor %s is missing or not %s of %s", name, st_dtype_name(dtype), shape);
		return NULL;
	}
	void *out = xmalloc(bytes + 1);
	memcpy(out, t->data, bytes);
	return out;
}
