#include "config.h"
#include "compress.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/sha256.h"
#include "core/learn.h"

/* Which parameters int8 takes: every table and matrix but the output
 * layer, whose errors land on the probabilities unaveraged. */
bool compress_int8_takes(const struct model *m, size_t i)
{
	const struct model_param *p;
	model_params(m, &p);
	return model_param_quantizable(m, i) && strncmp(p[i].name, "classifier.", 11) != 0;
}

/* The int8 twin of m on the same backend, and how far each tensor moved. */
static struct model *quantize(struct model *m, struct compress_report *r, struct err *e)
{
	const struct model_param *p;
	size_t np = model_params(m, &p);
	enum dtype *dtype = xcalloc(np + 1, sizeof *dtype);
	for (size_t i = 0; i < np; i++)
		dtype[i] = compress_int8_takes(m, i) ? DTYPE_I8 : DTYPE_F32;
	struct model *q =
	    model_new(model_config(m), model_backend(m), &(struct model_opts){.max_batch = 1, .dtype = dtype}, e);
	free(dtype);
	if (!q)
		return NULL;
	model_copy_matching(q, m);
	size_t most = 0;
	for (size_t i = 0; i < np; i++)
		most = p[i].count > most ? p[i].count : most;
	float *a = xmalloc((most + 1) * sizeof *a), *b = xmalloc((most + 1) * sizeof *b);
	for (size_t i = 0; i < np; i++) {
		if (!compress_int8_takes(m, i)) {
			r->kept++;
			continue;
		}
		r->quantized++;
		model_read(m, MODEL_WEIGHT, i, a);
		model_read(q, MODEL_WEIGHT, i, b);
		double d = 0, s = 0;
		for (size_t k = 0; k < p[i].count; k++)
			d += ((double)a[k] - b[k]) * ((double)a[k] - b[k]), s += (double)a[k] * a[k];
		double rel = s > 0 ? sqrt(d / s) : 0;
		if (rel > r->worst_error) {
			r->worst_error = rel;
			snprintf(r->worst_name, sizeof r->worst_name, "%s", p[i].name);
		}
	}
	free(a);
	free(b);
	r->bytes_before += model_param_bytes(m);
	r->bytes_after += model_param_bytes(q);
	return q;
}

static char *compression_json(const char *in, const char *hash, const struct compress_report *r)
{
	const char *base = strrchr(in, '/');
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:f}", "method", "int8", "source",
	                      base ? base + 1 : in, "source_sha256", hash, "quantized", r->quantized, "kept", r->kept,
	                      "bytes_before", (json_int_t)r->bytes_before, "bytes_after", (json_int_t)r->bytes_after,
	                      "worst_error", r->worst_error);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(o);
	return s;
}

int compress_int8(const char *in, const char *out, struct compress_report *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	char hash[65];
	if (sha256_file(in, hash, e))
		return -1;
	struct learner l;
	if (learner_load(in, 1, &l, e))
		return -1;
	int rc = -1;
	const struct model_param *p;
	size_t np = model_params(l.model, &p);
	for (size_t i = 0; i < np; i++)
		if (p[i].dtype != DTYPE_F32) {
			err_at(e, in, 0, "already compressed (tensor %s is not F32): compress the fp32 model",
			       p[i].name);
			learner_free(&l);
			return -1;
		}
	r->trees_only = l.mf.trees.nnodes > 0 && l.mf.blend == 0;
	size_t nm = l.mf.nmembers;
	struct model *encoder = quantize(l.model, r, e), **members = xcalloc(nm + 1, sizeof *members);
	bool made = encoder != NULL;
	for (size_t k = 0; k < nm && made; k++)
		made = (members[k] = quantize(l.mf.members[k], r, e)) != NULL;
	char *meta = made ? compression_json(in, hash, r) : NULL;
	if (made && !meta)
		err_set(e, "out of memory");
	if (meta) {
		/* the file's own parts, with the int8 encoders in place */
		struct model **fp32 = l.mf.members;
		l.mf.members = members;
		char *before = l.mf.compression;
		l.mf.compression = meta;
		rc = model_file_save(out, encoder, &l.mf, e);
		l.mf.compression = before;
		l.mf.members = fp32;
	}
	free(meta);
	model_free(encoder);
	for (size_t k = 0; k < nm; k++)
		model_free(members[k]);
	free(members);
	learner_free(&l);
	return rc;
}
