#include "config.h"
#include "compress.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/sha256.h"
#include "core/learn.h"
#include "core/options.h"
#include "data/split.h"
#include <unistd.h>

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

/* The first tensor of m not stored as F32 (a compressed model's), or NULL. */
static const char *compressed_tensor(const struct model *m)
{
	const struct model_param *p;
	size_t np = model_params(m, &p);
	for (size_t i = 0; i < np; i++)
		if (p[i].dtype != DTYPE_F32)
			return p[i].name;
	return NULL;
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
	const char *stored = compressed_tensor(l.model);
	if (stored) {
		err_at(e, in, 0, "already compressed (tensor %s is not F32): compress the fp32 model", stored);
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

static double number(json_t *o, const char *key, double otherwise)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : otherwise;
}

/* A training option from the manifest, held to the bounds the command
 * line holds it to: the file is not trusted to ask for a batch of a
 * billion rows. */
static int bounded(json_t *t, const char *key, const char *option, double *value, const char *path, struct err *e)
{
	const struct option_spec *s = option_find(option);
	double v = number(t, key, *value);
	if (!(v >= s->min && v <= s->max) || (s->kind == OPTION_INT && v != floor(v)))
		return err_at(e, path, 0, "manifest: training %s %g is outside [%g, %g]", key, v, s->min, s->max);
	*value = v;
	return 0;
}

/* The training options the model was made with, from its manifest. */
static int options_from(json_t *manifest, struct learn_opts *o, const char *path, struct err *e)
{
	json_t *t = json_object_get(manifest, "training");
	double seed = (double)o->seed, batch = o->batch, lr = o->lr, wd = o->weight_decay, warmup = o->warmup,
	       patience = o->patience;
	if (bounded(manifest, "seed", "seed", &seed, path, e) || bounded(t, "batch", "batch", &batch, path, e) ||
	    bounded(t, "lr", "lr", &lr, path, e) || bounded(t, "weight_decay", "weight-decay", &wd, path, e) ||
	    bounded(t, "patience", "patience", &patience, path, e))
		return -1;
	warmup = number(t, "warmup", warmup);
	double clip = number(t, "clip", o->clip);
	if (!(warmup >= 0 && warmup < 1) || !(clip >= 0 && clip <= 1e6))
		return err_at(e, path, 0, "manifest: training warmup %g or clip %g is out of range", warmup, clip);
	o->seed = (uint64_t)seed;
	o->batch = (int)batch;
	o->lr = (float)lr;
	o->weight_decay = (float)wd;
	o->warmup = (float)warmup;
	o->clip = (float)clip;
	o->patience = (int)patience;
	json_t *flag = json_object_get(t, "class_weights");
	o->class_weights = json_is_boolean(flag) ? json_is_true(flag) : o->class_weights;
	flag = json_object_get(t, "stack");
	o->stack = json_is_boolean(flag) ? json_is_true(flag) : o->stack;
	return 0;
}

/* Opens the model's training log as it was split and textualized. */
static int reopen_log(struct learner *l, json_t *manifest, const char *path, struct pipeline *p,
                      struct pipeline_opts *po, struct err *e)
{
	const char *hash = json_string_value(json_object_get(manifest, "data_sha256"));
	if (!path)
		return err_set(e, "%s does not name its training log: give it with --log FILE", l->path);
	char have[65];
	if (access(path, R_OK) != 0)
		return err_set(e, "%s was trained on %s, which is not readable here: give the log with --log FILE",
		               l->path, path);
	if (sha256_file(path, have, e))
		return -1;
	if (hash && *hash && strcmp(hash, have) != 0)
		return err_set(
		    e, "%s is not the log %s was trained on (its SHA-256 differs): give that log with --log FILE", path,
		    l->path);
	if (learner_pipeline_opts(l, po, e))
		return -1;
	const char *method = json_string_value(json_object_get(manifest, "split"));
	if (method && split_parse_method(method, &po->split.method, e))
		return err_prefix(e, "%s: manifest: ", l->path);
	po->split_set = method != NULL;
	po->force_row_split = true; /* the model was split so */
	po->split.seed = (uint64_t)number(manifest, "seed", (double)po->split.seed);
	po->split.group = json_string_value(json_object_get(manifest, "split_group"));
	json_t *ratios = json_object_get(manifest, "split_ratios");
	double sum = 0;
	for (size_t i = 0; i < 3 && json_array_size(ratios) == 3; i++) {
		double v = json_number_value(json_array_get(ratios, i));
		if (!(v >= 0 && v <= 1))
			return err_at(e, l->path, 0, "manifest: split_ratios are not three shares summing to 1");
		sum += po->split.frac[i] = v;
	}
	if (ratios && fabs(sum - 1) > 1e-6)
		return err_at(e, l->path, 0, "manifest: split_ratios are not three shares summing to 1");
	if (pipeline_open(p, po, e) || pipeline_load(p, path, e) || pipeline_clean(p, e) || pipeline_split(p, e))
		return -1;
	if (!p->label)
		return err_set(e, "%s: the log has no label to learn", path);
	return l->mf.textualizer ? pipeline_textualize_with(p, l->mf.textualizer, e) : pipeline_textualize(p, e);
}

int compress_retrain(const char *in, const char *out, const struct learn_opts *how, struct compress_retrain *r,
                     struct err *e)
{
	memset(&r->res, 0, sizeof r->res);
	r->teacher_test_macro_f1 = -1;
	if (!r->config == !(r->prune > 0))
		return err_set(e, "say how: a student's shape to distil into, or a share to prune");
	struct learner l;
	if (learner_load(in, 1, &l, e))
		return -1;
	int rc = -1;
	struct pipeline p = {0};
	struct pipeline_opts po;
	pipeline_opts_init(&po);
	json_t *manifest = json_loads(l.mf.manifest ? l.mf.manifest : "", 0, NULL);
	json_t *training = json_loads(l.mf.training ? l.mf.training : "", 0, NULL);
	const char *stored = compressed_tensor(l.model);
	if (stored) {
		err_at(e, in, 0, "an int8 model is a finished form (tensor %s): distil or prune the fp32 model", stored);
		goto out;
	}
	if (model_config(l.model)->classes < 1) {
		err_at(e, in, 0, "a pretrained encoder has no diagnoses to teach: compress a classifier");
		goto out;
	}
	if (!json_is_object(manifest)) {
		err_at(e, in, 0, "its manifest is missing, so its training cannot be repeated");
		goto out;
	}
	r->teacher_test_macro_f1 = number(training, "test_macro_f1", -1);
	const char *log = r->log ? r->log : json_string_value(json_object_get(manifest, "data_file"));
	struct learn_opts o = *how;
	rc = options_from(manifest, &o, in, e);
	if (!rc)
		rc = reopen_log(&l, manifest, log, &p, &po, e);
	if (rc)
		goto out;
	if (r->notes && p.split_note[0])
		fprintf(r->notes, "lathe: note: %s\n", p.split_note);
	o.values = model_config(l.model)->values ? 1 : 0;
	o.teacher = in;
	if (r->config) {
		o.config = r->config;
	} else {
		/* a short fine-tune of what is left, from where it is */
		o.init = in;
		o.prune = r->prune;
		o.epochs = LEARN_MIN_EPOCHS;
	}
	rc = learn_train(&p, log, &o, out, &r->res, e);
	struct learner student;
	if (!rc && !r->res.interrupted && learner_load(out, 1, &student, e) == 0) {
		r->bytes_before = model_param_bytes(l.model);
		r->bytes_after = model_param_bytes(student.model);
		for (size_t k = 0; k < l.mf.nmembers; k++)
			r->bytes_before += model_param_bytes(l.mf.members[k]);
		learner_free(&student);
	}
out:
	pipeline_close(&p);
	pipeline_opts_free(&po);
	json_decref(manifest);
	json_decref(training);
	learner_free(&l);
	return rc;
}

int compress_merge(const char *in, const char *out, struct err *e)
{
	struct learner l;
	if (learner_load(in, 1, &l, e))
		return -1;
	int rc = -1;
	if (!l.mf.adapters) {
		err_at(e, in, 0, "not a LoRA adapter file: it has nothing to merge");
	} else {
		free(l.mf.adapters);
		l.mf.adapters = NULL;
		rc = model_file_save(out, l.model, &l.mf, e);
	}
	learner_free(&l);
	return rc;
}
