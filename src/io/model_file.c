#include "config.h"
#include "model_file.h"

#include <jansson.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/safetensors.h"
#include "base/sha256.h"
#include "ml/lora.h"
#include <sys/stat.h>
#include <unistd.h>

static char *config_json(const struct model_config *c)
{
	json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "vocab", c->vocab, "max_seq", c->max_seq,
	                      "hidden", c->C, "layers", c->layers, "heads", c->heads, "ff", c->ff, "classes", c->classes,
	                      "dropout", round((double)c->dropout * 1e6) / 1e6);
	if (c->values)
		json_object_set_new(o, "values", json_integer(c->values));
	if (c->value_knots)
		json_object_set_new(o, "value_knots", json_integer(c->value_knots));
	if (c->head_size)
		json_object_set_new(o, "head_size", json_integer(c->head_size));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(o);
	return s;
}

static char *list_json(char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* An adapter file's tensors for parameter i: its A and B, its own
 * values (what trained whole), or none (frozen: the base's). */
static int add_adapter(struct st_writer *w, const struct model *m, const struct model_file *mf, int rank,
                       const struct model_param *p, size_t i, bool *done, struct err *e)
{
	*done = true;
	char name[200];
	if (mf->lora_A[i]) {
		int64_t a[2] = {rank, p[i].shape[1]}, b[2] = {p[i].shape[0], rank};
		snprintf(name, sizeof name, "%s.lora_A", p[i].name);
		if (st_writer_add(w, name, ST_F32, 2, a, mf->lora_A[i], e))
			return -1;
		snprintf(name, sizeof name, "%s.lora_B", p[i].name);
		return st_writer_add(w, name, ST_F32, 2, b, mf->lora_B[i], e);
	}
	*done = model_frozen(m, i);
	return 0;
}

/* Adds one encoder's parameters, named prefix + each parameter's name,
 * as stored: F32, BF16, or I8 with an F32 "_scale" per row beside it (of
 * an adapter file, only what add_adapter keeps). The writer keeps
 * pointers until it saves: *keep holds the copies. */
static int add_encoder(struct st_writer *w, const struct model *m, const struct model_file *mf, int rank,
                       const char *prefix, char **keep, struct err *e)
{
	const struct model_param *p;
	size_t np = model_params(m, &p), at = 0;
	*keep = xmalloc(model_param_bytes(m) + 4 * np + 1);
	int rc = 0;
	for (size_t i = 0; i < np && !rc; i++) {
		bool done = false;
		if (mf->adapters && (rc = add_adapter(w, m, mf, rank, p, i, &done, e)) == 0 && done)
			continue;
		char name[200];
		snprintf(name, sizeof name, "%s%s", prefix, p[i].name);
		size_t elem = p[i].dtype == DTYPE_F32 ? 4 : p[i].dtype == DTYPE_BF16 ? 2 : 1;
		void *data = *keep + at;
		at += (p[i].count * elem + 3) & ~(size_t)3;
		float *scale = p[i].dtype == DTYPE_I8 ? (float *)(*keep + at) : NULL;
		if (scale)
			at += (size_t)p[i].shape[0] * sizeof *scale;
		model_read_stored(m, i, data, scale);
		enum st_dtype dt = p[i].dtype == DTYPE_F32 ? ST_F32 : p[i].dtype == DTYPE_BF16 ? ST_BF16 : ST_I8;
		rc = st_writer_add(w, name, dt, p[i].ndim, p[i].shape, data, e);
		if (!rc && scale) {
			snprintf(name, sizeof name, "%s%s%s", prefix, p[i].name, MODEL_FILE_SCALE_SUFFIX);
			rc = st_writer_add(w, name, ST_F32, 1, p[i].shape, scale, e);
		}
	}
	return rc;
}

int model_file_save(const char *path, struct model *m, const struct model_file *mf, struct err *e)
{
	struct st_writer *w = st_writer_new();
	if (!w)
		return err_set(e, "out of memory");
	char **keep = xcalloc(mf->nmembers + 1, sizeof *keep);
	json_t *lora = mf->adapters ? json_loads(mf->adapters, 0, NULL) : NULL;
	int rank = (int)json_integer_value(json_object_get(lora, "rank"));
	json_decref(lora);
	int rc = add_encoder(w, m, mf, rank, "", &keep[0], e);
	for (size_t k = 0; k < mf->nmembers && !rc; k++) {
		char prefix[32];
		snprintf(prefix, sizeof prefix, "ensemble.%zu.", k + 2);
		rc = add_encoder(w, mf->members[k], mf, rank, prefix, &keep[k + 1], e);
	}
	if (mf->nmembers) {
		char count[16];
		snprintf(count, sizeof count, "%zu", mf->nmembers + 1);
		st_writer_meta(w, "ensemble", count);
	}
	char *config = config_json(model_config(m));
	char *vocab = list_json(mf->vocab, mf->nvocab), *labels = list_json(mf->labels, mf->nlabels);
	st_writer_meta(w, "format", MODEL_FILE_FORMAT);
	st_writer_meta(w, "config", config);
	st_writer_meta(w, "vocab", vocab);
	st_writer_meta(w, "labels", labels);
	st_writer_meta(w, "textualizer", mf->textualizer ? mf->textualizer : "{}");
	st_writer_meta(w, "pipeline", mf->pipeline ? mf->pipeline : "{}");
	st_writer_meta(w, "manifest", mf->manifest ? mf->manifest : "{}");
	if (mf->training)
		st_writer_meta(w, "training", mf->training);
	if (mf->compression)
		st_writer_meta(w, "compression", mf->compression);
	if (mf->adapters)
		st_writer_meta(w, "lora", mf->adapters);
	char *gbdt = NULL;
	if (!rc && mf->trees.nnodes) {
		const struct trees *t = &mf->trees;
		int64_t nt[1] = {(int64_t)t->ntrees}, nn[1] = {(int64_t)t->nnodes};
		if (st_writer_add(w, "gbdt.root", ST_I32, 1, nt, t->root, e) ||
		    st_writer_add(w, "gbdt.feature", ST_I32, 1, nn, t->feature, e) ||
		    st_writer_add(w, "gbdt.value", ST_F32, 1, nn, t->value, e) ||
		    st_writer_add(w, "gbdt.yes", ST_I32, 1, nn, t->yes, e) ||
		    st_writer_add(w, "gbdt.no", ST_I32, 1, nn, t->no, e) ||
		    st_writer_add(w, "gbdt.missing", ST_I32, 1, nn, t->missing, e))
			rc = -1;
		json_t *o = json_pack("{s:i, s:i, s:f}", "classes", t->K, "features", t->nfeat, "blend", (double)mf->blend);
		gbdt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
		json_decref(o);
		st_writer_meta(w, "gbdt", gbdt);
	}
	free(gbdt);
	if (!rc)
		rc = casebook_write(w, &mf->casebook, (int)mf->nlabels, e);
	free(config);
	free(vocab);
	free(labels);
	if (!rc)
		rc = st_writer_save(w, path, e);
	st_writer_free(w);
	for (size_t k = 0; k <= mf->nmembers; k++)
		free(keep[k]);
	free(keep);
	return rc;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A list of texts; with distinct, every entry non-empty and no two the
 * same (labels: a prediction must name one class). */
static int read_list(const char *path, const char *key, const char *text, bool distinct, char ***out, size_t *n,
                     struct err *e)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_array(a)) {
		json_decref(a);
		return err_at(e, path, 0, "model file: metadata \"%s\" is missing or not a JSON list", key);
	}
	*n = json_array_size(a);
	*out = xcalloc(*n + 1, sizeof **out);
	for (size_t i = 0; i < *n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s || (distinct && !*s)) {
			json_decref(a);
			return err_at(e, path, 0, "model file: \"%s\" entry %zu is %s", key, i, s ? "empty" : "not text");
		}
		(*out)[i] = xstrdup(s);
	}
	json_decref(a);
	if (!distinct || *n < 2)
		return 0;
	char **sorted = xmalloc(*n * sizeof *sorted);
	memcpy(sorted, *out, *n * sizeof *sorted);
	qsort(sorted, *n, sizeof *sorted, cmp_text);
	int rc = 0;
	for (size_t i = 1; i < *n && !rc; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			rc = err_at(e, path, 0, "model file: \"%s\" names \"%.60s\" twice", key, sorted[i]);
	free(sorted);
	return rc;
}

static char *meta_copy(const struct st_file *f, const char *key)
{
	const char *v = st_meta(f, key);
	return v ? xstrdup(v) : NULL;
}

/* The trees, when the metadata says there are some: every array present
 * with its length, then trees_check, as a shared file is untrusted. */
static int read_trees(const char *path, const struct st_file *f, int K, struct model_file *mf, struct err *e)
{
	mf->blend = 1;
	const char *meta = st_meta(f, "gbdt");
	if (!meta)
		return 0;
	json_t *o = json_loads(meta, 0, NULL);
	json_t *classes = json_object_get(o, "classes"), *features = json_object_get(o, "features"),
	       *blend = json_object_get(o, "blend");
	const struct st_tensor *root = st_find(f, "gbdt.root"), *value = st_find(f, "gbdt.value");
	bool shaped = json_is_integer(classes) && json_is_integer(features) && json_is_number(blend) &&
	              json_number_value(blend) >= 0 && json_number_value(blend) <= 1 &&
	              json_integer_value(classes) == K && json_integer_value(features) > 0 &&
	              json_integer_value(features) <= MODEL_MAX_VALUES && root && value && root->ndim == 1 &&
	              value->ndim == 1;
	if (!shaped) {
		json_decref(o);
		return err_at(e, path, 0, "model file: the trees' metadata or shape is not what lathe writes");
	}
	struct trees *t = &mf->trees;
	t->K = K;
	t->nfeat = (int)json_integer_value(features);
	mf->blend = (float)json_number_value(blend);
	json_decref(o);
	t->ntrees = (size_t)root->shape[0];
	t->nnodes = (size_t)value->shape[0];
	if (!(t->root = st_copy(path, f, "gbdt.root", ST_I32, t->ntrees, 0, e)) ||
	    !(t->feature = st_copy(path, f, "gbdt.feature", ST_I32, t->nnodes, 0, e)) ||
	    !(t->value = st_copy(path, f, "gbdt.value", ST_F32, t->nnodes, 0, e)) ||
	    !(t->yes = st_copy(path, f, "gbdt.yes", ST_I32, t->nnodes, 0, e)) ||
	    !(t->no = st_copy(path, f, "gbdt.no", ST_I32, t->nnodes, 0, e)) ||
	    !(t->missing = st_copy(path, f, "gbdt.missing", ST_I32, t->nnodes, 0, e)))
		return -1;
	if (trees_check(t, e))
		return err_prefix(e, "%s: model file: ", path);
	return 0;
}

/* Every float finite (and with positive set, above zero). Tensor data may
 * be unaligned within the file: read it bytewise. */
static bool floats_sound(const void *data, size_t n, bool positive)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++) {
		float x;
		memcpy(&x, b + i * sizeof x, sizeof x);
		if (!isfinite(x) || (positive && !(x > 0)))
			return false;
	}
	return true;
}

static bool bf16_finite(const void *data, size_t n)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, b + i * sizeof h, sizeof h);
		if ((h & 0x7f80u) == 0x7f80u)
			return false;
	}
	return true;
}

/* What a LoRA adapter file reads beside itself. */
struct base {
	const struct st_file *f;
	const char *path;
	int rank;
	float alpha;
};

/* An adapted matrix, W0 + alpha/rank B A, as an F32 tensor of its own
 * (in *merged, which the caller frees); NULL with e set when its parts
 * are not sound. */
static const struct st_tensor *adapted(const char *path, const struct st_file *f, const struct base *base,
                                       const struct model_param *want, struct st_tensor *merged, struct err *e)
{
	char name[200];
	snprintf(name, sizeof name, "%s.lora_A", want->name);
	const struct st_tensor *A = st_find(f, name);
	snprintf(name, sizeof name, "%s.lora_B", want->name);
	const struct st_tensor *B = st_find(f, name);
	const struct st_tensor *W0 = st_find(base->f, want->name);
	int64_t out = want->shape[0], in = want->shape[1];
	if (!A || !B || A->dtype != ST_F32 || B->dtype != ST_F32 || A->ndim != 2 || B->ndim != 2 ||
	    A->shape[0] != base->rank || A->shape[1] != in || B->shape[0] != out || B->shape[1] != base->rank ||
	    !floats_sound(A->data, (size_t)(base->rank * in), false) ||
	    !floats_sound(B->data, (size_t)(out * base->rank), false))
		return err_at(e, path, 0, "model file: the adapter %s.lora_A [%d, %lld] and .lora_B [%lld, %d] are %s",
		              want->name, base->rank, (long long)in, (long long)out, base->rank,
		              A && B ? "not F32 of those shapes, finite" : "missing"),
		       NULL;
	if (!W0 || W0->dtype != ST_F32 || W0->ndim != 2 || W0->shape[0] != out || W0->shape[1] != in ||
	    !floats_sound(W0->data, want->count, false))
		return err_at(e, base->path, 0,
		              "model file: tensor %s is not the F32 [%lld, %lld] the adapter file needs", want->name,
		              (long long)out, (long long)in),
		       NULL;
	float *W = xmalloc(want->count * sizeof *W);
	memcpy(W, W0->data, want->count * sizeof *W);
	lora_merge(W, A->data, B->data, (int)out, (int)in, base->rank, base->alpha);
	if (!floats_sound(W, want->count, false)) {
		free(W);
		return err_at(e, path, 0, "model file: the adapters of %s make weights beyond floats", want->name), NULL;
	}
	*merged = *W0;
	merged->data = W;
	return merged;
}

/* The encoder whose tensors are named prefix + each parameter's name
 * (of an adapter file, what it lacks from its base, its adapted matrices
 * merged). Every tensor is checked against the config before the model
 * is made, so a small file cannot make lathe allocate a large model. */
static struct model *read_encoder(const char *path, const struct st_file *f, const char *prefix,
                                  const struct model_config *c, const struct base *base, struct backend *be,
                                  int max_batch, struct err *e)
{
	struct model_param *want;
	size_t nwant = model_layout(c, &want);
	const struct st_tensor **found = xcalloc(nwant + 1, sizeof *found), **scale = xcalloc(nwant + 1, sizeof *scale);
	struct st_tensor *merged = xcalloc(nwant + 1, sizeof *merged);
	enum dtype *dtype = xcalloc(nwant + 1, sizeof *dtype);
	struct model *m = NULL;
	for (size_t i = 0; i < nwant; i++) {
		char name[200];
		const char *where = path;
		snprintf(name, sizeof name, "%s%s", prefix, want[i].name);
		const struct st_tensor *t = found[i] = st_find(f, name);
		if (!t && base) {
			snprintf(name, sizeof name, "%s.lora_A", want[i].name);
			if (st_find(f, name)) {
				if (!(t = found[i] = adapted(path, f, base, &want[i], &merged[i], e)))
					goto out;
			} else {
				t = found[i] = st_find(base->f, want[i].name);
				where = base->path;
			}
			snprintf(name, sizeof name, "%s", want[i].name);
		}
		if (!t || (t->dtype != ST_F32 && t->dtype != ST_BF16 && t->dtype != ST_I8) || t->ndim != want[i].ndim ||
		    t->shape[0] != want[i].shape[0] || (t->ndim > 1 && t->shape[1] != want[i].shape[1])) {
			err_at(e, where, 0, "model file: tensor %s is %s", name,
			       t ? "not of the shape the config implies, in F32, BF16 or I8" : "missing");
			goto out;
		}
		dtype[i] = t->dtype == ST_F32 ? DTYPE_F32 : t->dtype == ST_BF16 ? DTYPE_BF16 : DTYPE_I8;
		if (dtype[i] == DTYPE_F32 && !floats_sound(t->data, want[i].count, false)) {
			err_at(e, where, 0, "model file: tensor %s holds NaN or infinite weights", name);
			goto out;
		}
		if (dtype[i] == DTYPE_BF16 && !bf16_finite(t->data, want[i].count)) {
			err_at(e, where, 0, "model file: tensor %s holds NaN or infinite weights", name);
			goto out;
		}
		if (dtype[i] == DTYPE_I8) {
			snprintf(name, sizeof name, "%s%s%s", prefix, want[i].name, MODEL_FILE_SCALE_SUFFIX);
			const struct st_tensor *s = scale[i] = st_find(f, name);
			if (!s || s->dtype != ST_F32 || s->ndim != 1 || s->shape[0] != want[i].shape[0] ||
			    !floats_sound(s->data, (size_t)want[i].shape[0], true)) {
				err_at(e, where, 0, "model file: tensor %s is %s", name,
				       s ? "not an F32 row of finite positive scales, one per row of its I8 tensor"
				         : "missing");
				goto out;
			}
		}
	}
	m = model_new(c, be, &(struct model_opts){.max_batch = max_batch, .dtype = dtype}, e);
	if (!m) {
		err_prefix(e, "%s: ", path);
		goto out;
	}
	/* model_layout's order is the model's. */
	for (size_t i = 0; i < nwant; i++) {
		float *s = NULL;
		if (scale[i]) {
			s = xmalloc((size_t)want[i].shape[0] * sizeof *s);
			memcpy(s, scale[i]->data, (size_t)want[i].shape[0] * sizeof *s);
		}
		model_write_stored(m, i, found[i]->data, s);
		free(s);
	}
out:
	for (size_t i = 0; i < nwant; i++)
		free((void *)merged[i].data);
	free(merged);
	free(found);
	free(scale);
	free(dtype);
	free(want);
	return m;
}

static bool regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* An adapter file's base: beside it, else where it was at training, and
 * only with the SHA-256 the adapter file names. */
static int open_base(const char *path, const char *meta, struct st_file **bf, struct base *base, char **base_path,
                     struct err *e)
{
	json_t *o = json_loads(meta, 0, NULL);
	const char *given = json_string_value(json_object_get(o, "base"));
	const char *hash = json_string_value(json_object_get(o, "base_sha256"));
	json_t *rank = json_object_get(o, "rank"), *alpha = json_object_get(o, "alpha");
	int rc = -1;
	if (!given || !*given || !hash || strlen(hash) != 64 || !json_is_integer(rank) ||
	    json_integer_value(rank) < 1 || json_integer_value(rank) > 1024 || !json_is_number(alpha) ||
	    !(fabs(json_number_value(alpha)) <= 1e6)) {
		err_at(e, path, 0,
		       "model file: \"lora\" does not name a base, its SHA-256, a rank from 1 to 1024 and an alpha");
		goto out;
	}
	const char *name = strrchr(given, '/') ? strrchr(given, '/') + 1 : given;
	const char *dir_end = strrchr(path, '/');
	int dir = dir_end ? (int)(dir_end - path) + 1 : 0;
	size_t size = (size_t)dir + strlen(name) + 1;
	*base_path = xmalloc(size > strlen(given) + 1 ? size : strlen(given) + 1);
	/* The names come from the file, untrusted: only a regular file is
	 * read (a device or a pipe could stall the hash forever). */
	snprintf(*base_path, size, "%.*s%s", dir, path, name);
	if (!regular_file(*base_path))
		strcpy(*base_path, given);
	char have[65];
	if (!regular_file(*base_path)) {
		err_at(e, path, 0, "an adapter file for the base model %s, which is neither beside it nor at %s", name,
		       given);
		goto out;
	}
	if (sha256_file(*base_path, have, e))
		goto out;
	if (strcmp(have, hash) != 0) {
		err_at(e, path, 0, "%s is not the base model these adapters were trained on (its SHA-256 differs)",
		       *base_path);
		goto out;
	}
	if (st_open(*base_path, bf, e))
		goto out;
	*base = (struct base){.f = *bf,
	                      .path = *base_path,
	                      .rank = (int)json_integer_value(rank),
	                      .alpha = (float)json_number_value(alpha)};
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int model_file_load(const char *path, struct backend *be, int max_batch, struct model **out, struct model_file *mf,
                    struct err *e)
{
	*out = NULL;
	memset(mf, 0, sizeof *mf);
	struct st_file *f;
	if (st_open(path, &f, e))
		return -1;
	int rc = -1;
	struct model *m = NULL;
	json_t *cfg = NULL;
	struct st_file *base_file = NULL;
	struct base base;
	char *base_path = NULL;
	const char *format = st_meta(f, "format");
	if (!format || strcmp(format, MODEL_FILE_FORMAT) != 0) {
		err_at(e, path, 0, "not a lathe model (format %s%s%s; this lathe reads %s)", format ? "\"" : "",
		       format ? format : "missing", format ? "\"" : "", MODEL_FILE_FORMAT);
		goto out;
	}
	cfg = json_loads(st_meta(f, "config") ? st_meta(f, "config") : "", 0, NULL);
	struct model_config c = {0};
	if (json_unpack(cfg, "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "vocab", &c.vocab, "max_seq", &c.max_seq,
	                "hidden", &c.C, "layers", &c.layers, "heads", &c.heads, "ff", &c.ff, "classes", &c.classes,
	                "dropout", &(double){0}) != 0) {
		err_at(e, path, 0, "model file: the config is missing or incomplete");
		goto out;
	}
	c.dropout = (float)json_real_value(json_object_get(cfg, "dropout"));
	json_t *values = json_object_get(cfg, "values");
	if (values && (!json_is_integer(values) || json_integer_value(values) < 0 || json_integer_value(values) > 100000)) {
		err_at(e, path, 0, "model file: \"values\" in the config is not a small count");
		goto out;
	}
	c.values = (int)json_integer_value(values);
	json_t *bins = json_object_get(cfg, "value_knots");
	if (bins && (!json_is_integer(bins) || json_integer_value(bins) < 0 ||
	             json_integer_value(bins) > MODEL_MAX_VALUE_KNOTS)) {
		err_at(e, path, 0, "model file: \"value_knots\" in the config is not a count from 0 to %d",
		       MODEL_MAX_VALUE_KNOTS);
		goto out;
	}
	c.value_knots = (int)json_integer_value(bins);
	json_t *head_size = json_object_get(cfg, "head_size");
	if (head_size && (!json_is_integer(head_size) || json_integer_value(head_size) < 1 ||
	                  json_integer_value(head_size) > MODEL_MAX_HIDDEN)) {
		err_at(e, path, 0, "model file: \"head_size\" in the config is not a width from 1 to %d",
		       MODEL_MAX_HIDDEN);
		goto out;
	}
	c.head_size = (int)json_integer_value(head_size);
	if (model_config_check(&c, e)) {
		err_prefix(e, "%s: ", path);
		goto out;
	}
	const char *ensemble = st_meta(f, "ensemble");
	long members = 1;
	if (ensemble) {
		char *end;
		members = strtol(ensemble, &end, 10);
		if (*end || end == ensemble || members < 2 || members > MODEL_FILE_MAX_ENSEMBLE) {
			err_at(e, path, 0, "model file: \"ensemble\" is not a count of encoders from 2 to %d",
			       MODEL_FILE_MAX_ENSEMBLE);
			goto out;
		}
	}
	const char *lora = st_meta(f, "lora");
	if (lora && (ensemble || open_base(path, lora, &base_file, &base, &base_path, e))) {
		if (ensemble)
			err_at(e, path, 0, "model file: an ensemble has no adapters");
		goto out;
	}
	if (!(m = read_encoder(path, f, "", &c, lora ? &base : NULL, be, max_batch, e)))
		goto out;
	mf->adapters = lora ? xstrdup(lora) : NULL;
	if (members > 1)
		mf->members = xcalloc((size_t)members, sizeof *mf->members);
	for (long k = 2; k <= members; k++) {
		char prefix[32];
		snprintf(prefix, sizeof prefix, "ensemble.%ld.", k);
		if (!(mf->members[mf->nmembers] = read_encoder(path, f, prefix, &c, NULL, be, max_batch, e)))
			goto out;
		mf->nmembers++;
	}
	if (read_list(path, "vocab", st_meta(f, "vocab"), false, &mf->vocab, &mf->nvocab, e) ||
	    read_list(path, "labels", st_meta(f, "labels"), true, &mf->labels, &mf->nlabels, e))
		goto out;
	if (mf->nvocab != (size_t)c.vocab || mf->nlabels != (size_t)c.classes) {
		err_at(e, path, 0, "model file: %zu tokens and %zu labels for a model of %d and %d", mf->nvocab, mf->nlabels,
		       c.vocab, c.classes);
		goto out;
	}
	if (read_trees(path, f, (int)mf->nlabels, mf, e) ||
	    casebook_read(path, f, (int)mf->nlabels, (size_t)c.C, &mf->casebook, e))
		goto out;
	mf->textualizer = meta_copy(f, "textualizer");
	mf->pipeline = meta_copy(f, "pipeline");
	mf->manifest = meta_copy(f, "manifest");
	mf->training = meta_copy(f, "training");
	mf->compression = meta_copy(f, "compression");
	rc = 0;
out:
	json_decref(cfg);
	st_close(f);
	if (base_file)
		st_close(base_file);
	free(base_path);
	if (rc) {
		model_free(m);
		model_file_free(mf);
		return -1;
	}
	*out = m;
	return 0;
}

void model_file_free(struct model_file *mf)
{
	for (size_t i = 0; i < mf->nvocab; i++)
		free(mf->vocab[i]);
	for (size_t i = 0; i < mf->nlabels; i++)
		free(mf->labels[i]);
	free(mf->vocab);
	free(mf->labels);
	free(mf->textualizer);
	free(mf->pipeline);
	free(mf->manifest);
	free(mf->training);
	free(mf->compression);
	free(mf->adapters);
	trees_free(&mf->trees);
	casebook_free(&mf->casebook);
	for (size_t k = 0; k < mf->nmembers; k++)
		model_free(mf->members[k]);
	free(mf->members);
	memset(mf, 0, sizeof *mf);
}
