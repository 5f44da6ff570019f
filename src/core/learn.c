#include "config.h"
#include "learn.h"

#include <jansson.h>
#include <lauxlib.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base/rng.h"
#include "base/sha256.h"
#include "io/safetensors.h"
#include "ml/gbdt.h"
#include "ml/prune.h"
#include "ml/lora.h"
#include "base/strpool.h"
#include "base/utf8.h"
#include "hooks/sandbox.h"
#include "data/split.h"
#include "prep/value_tokens.h"
#include "core/cases.h"
#include "ml/calibration.h"
#include "ml/trainer.h"
#include "ml/dist.h"

/* Processes training together on one machine share its processors. */
int learn_default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN) / dist_local_size();
	return cpus > 0 ? (int)(cpus < 16 ? cpus : 16) : 1;
}

int learn_max_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (int)(cpus < 64 ? 4 * cpus : 256) : 4;
}

void learn_opts_init(struct learn_opts *o)
{
	memset(o, 0, sizeof *o);
	o->config = "tiny";
	o->vocab_size = 1000;
	o->epochs = 0;  /* by the budget */
	o->batch = 32;
	o->accumulate = 1;
	o->lr = 1e-3f;
	o->weight_decay = 0.01f;
	o->warmup = 0.1f;
	o->clip = 1.0f;
	o->dropout = -1;  /* the config's */
	o->patience = 8;
	o->class_weights = true;
	o->stack = true;
	o->ensemble = 1;
	o->values = LEARN_VALUES_DEFAULT;
	o->seed = 42;
	o->threads = learn_default_threads();
	o->distill_weight = 0.5f;
	o->distill_temperature = 2.0f;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n > k && strcmp(s + n - k, tail) == 0;
}

/* Reads the shape's keys from a JSON object. */
static int config_from_json(json_t *o, const char *path, struct model_config *c, struct err *e)
{
	static const char *const keys[] = {"max_seq", "hidden", "layers",  "heads",
	                                   "ff",      "vocab",  "classes", "head_size"};
	int *fields[] = {&c->max_seq, &c->C, &c->layers, &c->heads, &c->ff, &c->vocab, &c->classes, &c->head_size};
	enum { NKEYS = sizeof keys / sizeof *keys };
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		size_t i = 0;
		while (i < NKEYS && strcmp(keys[i], key) != 0)
			i++;
		if (i < NKEYS && json_is_integer(v))
			*fields[i] = (int)json_integer_value(v);
		else if (strcmp(key, "dropout") == 0 && json_is_number(v))
			c->dropout = (float)json_number_value(v);
		else
			return err_at(e, path, 0, "model config: unknown key or not a number: %s", key);
	}
	return model_config_check(c, e) ? err_prefix(e, "%s: ", path) : 0;
}

int learn_config(const char *spec, struct model_config *c, struct err *e)
{
	if (!ends_with(spec, ".json") && !ends_with(spec, ".lua"))
		return model_config_named(spec, c, e);
	model_config_named("tiny", c, e);
	json_t *o = NULL;
	if (ends_with(spec, ".json")) {
		json_error_t je;
		o = json_load_file(spec, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(o)) {
			json_decref(o);
			return err_at(e, spec, je.line > 0 ? je.line : 0, "model config: %s",
			              o ? "not a JSON object" : je.text);
		}
	} else {
		/* A Lua file returning a table, read through JSON's shape. A
		 * config file travels with data, so it runs sandboxed. */
		lua_State *L = sandbox_open(SANDBOX_DEFAULT_INSTRUCTIONS, SANDBOX_DEFAULT_MEMORY, e);
		if (!L)
			return -1;
		if (sandbox_load_file(L, spec, e) || sandbox_pcall(L, 0, 1, NULL, e) ||
		    (!lua_istable(L, -1) && err_set(e, "model config: the file must return a table"))) {
			if (!strstr(e->msg, spec))
				err_prefix(e, "%s: ", spec);
			sandbox_close(L);
			return -1;
		}
		o = json_object();
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TNUMBER)
				json_object_set_new(o, lua_tostring(L, -2),
				                    lua_isinteger(L, -1) ? json_integer(lua_tointeger(L, -1))
				                                         : json_real(lua_tonumber(L, -1)));
			else
				json_object_set_new(o, lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?", json_null());
			lua_pop(L, 1);
		}
		sandbox_close(L);
	}
	int rc = config_from_json(o, spec, c, e);
	json_decref(o);
	return rc;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The readings behind the texts, for value-aware facts: nv readings per
 * text (borrowed), the textualizer that encodes them as W numbers each,
 * and where each fact's name sits among a text's tokens. */
struct text_values {
	struct value_tokens *vt;
	const struct textualizer *tz;
	float *x;
	size_t nv, W;
};

/* Token ids of every text: [CLS] pieces [SEP], cut to max_seq (and
 * counted); with value-aware facts also each token's fact, whose reading
 * a batch encodes when it is filled. */
struct encoded {
	int32_t *ids;
	int32_t *fact;   /* NULL without values */
	struct text_values tv;
	size_t *start;
	int *len;
	size_t n;
	size_t cut;      /* texts longer than max_seq, cut to fit */
};

static void encode_all(const struct wordpiece *wp, char *const *texts, size_t n, int max_seq,
                       const struct text_values *tv, struct encoded *out)
{
	out->n = n;
	out->cut = 0;
	out->start = xmalloc((n + 1) * sizeof *out->start);
	out->len = xmalloc((n + 1) * sizeof *out->len);
	out->ids = xmalloc((n * (size_t)max_seq + 1) * sizeof *out->ids);
	out->fact = tv ? xmalloc((n * (size_t)max_seq + 1) * sizeof *out->fact) : NULL;
	out->tv = tv ? *tv : (struct text_values){0};
	for (size_t i = 0; i < n; i++) {
		size_t at = i * (size_t)max_seq;
		int32_t *ids = out->ids + at;
		ids[0] = WORDPIECE_CLS;
		size_t k = wordpiece_encode(wp, texts[i], ids + 1, (size_t)max_seq - 2);
		if (k > (size_t)max_seq - 2) {
			k = (size_t)max_seq - 2;
			out->cut++;
		}
		ids[k + 1] = WORDPIECE_SEP;
		out->start[i] = at;
		out->len[i] = (int)k + 2;
		if (tv) {
			value_tokens_mark(tv->vt, ids + 1, k, tv->x + i * tv->nv, out->fact + at + 1);
			out->fact[at] = out->fact[at + k + 1] = -1;
		}
	}
}

static void encoded_free(struct encoded *x)
{
	free(x->ids);
	free(x->fact);
	free(x->start);
	free(x->len);
}

/* Where fill_batch puts a batch. */
struct batch_buffers {
	int32_t *tok, *fact;
	float *enc;      /* W numbers per token */
	int *len;
	uint64_t *key; /* each row's dropout key (ml/model.h) */
};

static void batch_buffers_init(struct batch_buffers *bb, int B, int T, size_t W)
{
	bb->tok = xmalloc((size_t)B * T * sizeof *bb->tok);
	bb->fact = xmalloc((size_t)B * T * sizeof *bb->fact);
	bb->enc = xmalloc((size_t)B * T * W * sizeof *bb->enc);
	bb->len = xmalloc((size_t)B * sizeof *bb->len);
	bb->key = xmalloc((size_t)B * sizeof *bb->key);
}

static void batch_buffers_free(struct batch_buffers *bb)
{
	free(bb->tok);
	free(bb->fact);
	free(bb->enc);
	free(bb->len);
	free(bb->key);
}

/* Gathers the sequences idx[0..B) into a padded batch. */
static struct model_batch fill_batch(const struct encoded *x, const size_t *idx, int B, struct batch_buffers *bb)
{
	int T = 2;
	for (int b = 0; b < B; b++)
		if (x->len[idx[b]] > T)
			T = x->len[idx[b]];
	for (int b = 0; b < B; b++) {
		size_t from = x->start[idx[b]], to = (size_t)b * T;
		int L = x->len[idx[b]];
		memcpy(bb->tok + to, x->ids + from, (size_t)L * sizeof *bb->tok);
		for (int t = L; t < T; t++)
			bb->tok[to + t] = WORDPIECE_PAD;
		if (x->fact) {
			const struct text_values *tv = &x->tv;
			const float *readings = tv->x + idx[b] * tv->nv;
			memcpy(bb->fact + to, x->fact + from, (size_t)L * sizeof *bb->fact);
			for (int t = L; t < T; t++)
				bb->fact[to + t] = -1;
			for (int t = 0; t < T; t++) {
				float *enc = bb->enc + (to + (size_t)t) * tv->W;
				int32_t k = bb->fact[to + t];
				if (k >= 0)
					textualize_encode_value(tv->tz, (size_t)k, readings[k], tv->W, enc);
				else
					memset(enc, 0, tv->W * sizeof *enc);
			}
		}
		bb->len[b] = L;
	}
	return (struct model_batch){.B = B, .T = T, .tok = bb->tok, .len = bb->len,
	                            .value_fact = x->fact ? bb->fact : NULL, .value_enc = x->fact ? bb->enc : NULL};
}

static void softmax_rows(float *z, int rows, int K)
{
	for (int r = 0; r < rows; r++) {
		float *p = z + (size_t)r * K, mx = -INFINITY, sum = 0;
		for (int k = 0; k < K; k++)
			mx = fmaxf(mx, p[k]);
		for (int k = 0; k < K; k++)
			sum += p[k] = expf(p[k] - mx);
		for (int k = 0; k < K; k++)
			p[k] /= sum;
	}
}

/* Probabilities of the encoded sequences idx[0..n) into probs[n, K]: the
 * mean of the nm encoders' (an ensemble's members share one config);
 * emb (may be NULL) gets the first encoder's pooled vectors [n, C]. */
static void predict_encoded(struct model *const *models, size_t nm, const struct encoded *x, const size_t *idx,
                            size_t n, int max_batch, float temperature, float *probs, float *emb)
{
	const struct model_config *c = model_config(models[0]);
	int K = c->classes;
	struct batch_buffers bb;
	batch_buffers_init(&bb, max_batch, c->max_seq, 1 + (size_t)c->value_knots);
	int32_t *dummy = xcalloc((size_t)max_batch, sizeof *dummy);
	float *member = xmalloc((size_t)max_batch * K * sizeof *member);
	for (size_t at = 0; at < n; at += (size_t)max_batch) {
		int B = n - at < (size_t)max_batch ? (int)(n - at) : max_batch;
		struct model_batch b = fill_batch(x, idx + at, B, &bb);
		b.label = dummy;
		float *out = probs + at * K;
		for (size_t k = 0; k < nm; k++) {
			float *z = k ? member : out;
			model_step(models[k], &b, false, false, z);
			if (emb && k == 0)
				model_pooled(models[0], B, emb + at * (size_t)c->C);
			for (size_t i = 0; temperature != 1 && i < (size_t)B * K; i++)
				z[i] /= temperature;
			softmax_rows(k ? member : out, B, K);
			for (size_t i = 0; k && i < (size_t)B * K; i++)
				out[i] += member[i];
		}
		for (size_t i = 0; nm > 1 && i < (size_t)B * K; i++)
			out[i] /= (float)nm;
	}
	batch_buffers_free(&bb);
	free(dummy);
	free(member);
}

static int argmax(const float *p, int K)
{
	int best = 0;
	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Evaluates rows idx[0..n): macro-F1 and mean cross-entropy. */
static double evaluate(struct model *const *models, size_t nm, const struct encoded *x, const size_t *idx,
                       const int32_t *cls, size_t n, int max_batch, double *loss)
{
	int K = model_config(models[0])->classes;
	float *probs = xmalloc((n * (size_t)K + 1) * sizeof *probs);
	int32_t *truth = xmalloc((n + 1) * sizeof *truth), *pred = xmalloc((n + 1) * sizeof *pred);
	predict_encoded(models, nm, x, idx, n, max_batch, 1, probs, NULL);
	double l = 0;
	for (size_t i = 0; i < n; i++) {
		truth[i] = cls[idx[i]];
		pred[i] = argmax(probs + i * K, K);
		l -= log(fmax(probs[i * K + truth[i]], 1e-12));
	}
	struct metrics mt;
	metrics_compute(&mt, truth, pred, n, K);
	double f1 = mt.macro_f1;
	metrics_free(&mt);
	*loss = n ? l / (double)n : 0;
	free(probs);
	free(truth);
	free(pred);
	return f1;
}

static char *manifest_json(const struct pipeline *p, const char *data_path, const struct learn_opts *o,
                           const struct model_config *c)
{
	char data_hash[65] = "", rules_hash[65] = "";
	struct err e;
	if (sha256_file(data_path, data_hash, &e))
		data_hash[0] = '\0';
	const char *script = p->rules ? rules_text(p->rules) : NULL;
	if (script)
		sha256_text(script, strlen(script), rules_hash);
	char created[32];
	time_t t = time(NULL);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:i, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, "
	                      "s:s, s:{s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:b, s:i, s:b}}",
	                      "lathe_version", PACKAGE_VERSION, "created", created, "data_file", data_path, "data_sha256",
	                      data_hash, "rules_file", p->rules ? json_string(rules_path(p->rules)) : json_null(),
	                      "rules_sha256", script ? json_string(rules_hash) : json_null(), "seed", (json_int_t)o->seed,
	                      "threads", o->threads, "config_name", o->config, "config", "vocab", c->vocab, "max_seq",
	                      c->max_seq, "hidden", c->C, "layers", c->layers, "heads", c->heads, "ff", c->ff, "classes",
	                      c->classes, "split", split_method_name(p->split.method), "training", "epochs", o->epochs,
	                      "batch", o->batch, "lr", (double)o->lr, "weight_decay", (double)o->weight_decay, "warmup",
	                      (double)o->warmup, "clip", (double)o->clip, "patience", o->patience, "class_weights",
	                      o->class_weights, "ensemble", o->ensemble, "stack", o->stack);
	if (p->split.group)
		json_object_set_new(m, "split_group", json_string(p->split.group));
	json_object_set_new(m, "split_ratios",
	                    json_pack("[f, f, f]", p->split.frac[0], p->split.frac[1], p->split.frac[2]));
	char *s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	return s;
}

static char *pipeline_json(const struct pipeline *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "label", json_string(p->label));
	json_object_set_new(o, "input", json_string(p->samples ? "samples" : "csv"));
	json_object_set_new(o, "machine", p->machine ? json_string(p->machine) : json_null());
	json_object_set_new(o, "time", p->time ? json_string(p->time) : json_null());
	json_object_set_new(o, "rules_file", p->rules ? json_string(rules_path(p->rules)) : json_null());
	json_object_set_new(o, "rules", p->rules ? json_string(rules_text(p->rules)) : json_null());
	if (p->rules) {
		/* Which hooks the script defines, so that a model can be applied
		 * without it (--no-rules) only where that gives the same texts. */
		json_t *hooks = json_array();
		if (rules_has_clean(p->rules))
			json_array_append_new(hooks, json_string("clean"));
		if (rules_has_label(p->rules))
			json_array_append_new(hooks, json_string("label"));
		if (rules_has_textualize(p->rules))
			json_array_append_new(hooks, json_string("textualize"));
		json_object_set_new(o, "rules_hooks", hooks);
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* One training run: the data, the model and the work buffers. */
struct fit {
	struct pipeline *p;
	const struct learn_opts *o;
	bool mlm;
	int K;
	char **labels;
	int32_t *cls;               /* class of each row, -1 = none (or unused) */
	size_t *rows[3], count[3];
	struct wordpiece *wp;
	struct backend *be;         /* the training's */
	struct model *m;            /* the encoder in training */
	/* The trained encoders, once all are: one, or an ensemble's members. */
	struct model *ensemble[MODEL_FILE_MAX_ENSEMBLE];
	size_t nensemble;
	struct encoded x;
	float *weights;
	struct batch_buffers bb;
	int32_t *blabel, *mpos, *mtarget;
	struct value_tokens *vt;    /* value-aware facts, or NULL */
	struct learner *teacher;    /* distillation's, until its targets are made */
	struct lora *lora;          /* the adapters that train in the encoder's place, or NULL */
	float *soft, *bsoft;        /* its probabilities [rows, K], and a batch's */
	struct trees trees;         /* the referee's, once fitted */
	float *values;
	struct rng rng;
};

/* Masks a batch for masked LM: each text's tokens (not [CLS]/[SEP]) are
 * picked with probability 0.15, at least one and at most a quarter (as
 * the model's buffers allow), and shown as [MASK] (80%), a random token
 * (10%) or themselves (10%). Row b draws from its own generator, seeded
 * by mask_key[b], so its masking does not depend on the rows beside it. */
static int mask_batch(struct fit *f, int B, int T, const uint64_t *mask_key)
{
	int M = 0, vocab = (int)wordpiece_size(f->wp);
	for (int b = 0; b < B; b++) {
		struct rng r;
		rng_seed(&r, mask_key[b]);
		int L = f->bb.len[b], first = M, cap = M + L / 4 + 1;
		for (int t = 1; t < L - 1 && M < cap; t++) {
			if (rng_uniform(&r) >= 0.15 && !(t == L - 2 && M == first))
				continue;
			int32_t *at = f->bb.tok + (size_t)b * T + t;
			f->mpos[M] = b * T + t;
			f->mtarget[M++] = *at;
			double u = rng_uniform(&r);
			if (u < 0.8)
				*at = WORDPIECE_MASK;
			else if (u < 0.9)
				*at =
				    WORDPIECE_SPECIALS + (int32_t)rng_below(&r, (uint64_t)(vocab - WORDPIECE_SPECIALS));
		}
	}
	return M;
}

/* Fills the batch of rows idx[0..B) for a step. The random draws of row
 * idx[i] (its masking, its dropout) come from salt and the row alone, so
 * a row is trained alike whichever micro-batch or process it falls in.
 * The masking keys are the dropout keys' odd neighbours. */
static struct model_batch make_batch(struct fit *f, const size_t *idx, int B, uint64_t salt)
{
	struct model_batch b = fill_batch(&f->x, idx, B, &f->bb);
	uint64_t *key = f->bb.key;
	for (int i = 0; i < B; i++)
		key[i] = rng_hash(salt, 2 * (uint64_t)idx[i] + 1);
	if (f->mlm)
		b.M = mask_batch(f, B, b.T, key);
	for (int i = 0; i < B; i++)
		key[i] = rng_hash(salt, 2 * (uint64_t)idx[i]);
	b.row_key = key;
	if (f->mlm) {
		b.mlm_pos = f->mpos;
		b.mlm_target = f->mtarget;
	} else {
		for (int i = 0; i < B; i++)
			f->blabel[i] = f->cls[idx[i]];
		b.label = f->blabel;
		b.class_weight = f->weights;
	}
	if (f->soft) {
		for (int i = 0; i < B; i++)
			memcpy(f->bsoft + (size_t)i * f->K, f->soft + idx[i] * (size_t)f->K,
			       (size_t)f->K * sizeof *f->bsoft);
		b.soft_target = f->bsoft;
		b.soft_weight = f->o->distill_weight;
		b.temperature = f->o->distill_temperature;
	}
	return b;
}

/* The early-stopping score (higher is better) of rows idx[0..n): macro-F1
 * for a classifier, minus the masked-LM loss (under a fixed masking) for
 * pretraining. */
static double score(struct fit *f, const size_t *idx, size_t n, double *loss)
{
	if (!f->mlm)
		return evaluate(&f->m, 1, &f->x, idx, f->cls, n, f->o->batch, loss);
	double sum = 0;
	for (size_t at = 0; at < n; at += (size_t)f->o->batch) {
		int B = n - at < (size_t)f->o->batch ? (int)(n - at) : f->o->batch;
		struct model_batch b = make_batch(f, idx + at, B, 0xD0E5);
		sum += model_step(f->m, &b, false, false, NULL) * (double)B;
	}
	*loss = n ? sum / (double)n : 0;
	return -*loss;
}

/* Classes, in sorted label order, and each row's class. */
static int find_classes(struct fit *f, struct err *e)
{
	struct pipeline *p = f->p;
	size_t n = p->t->nrows;
	f->cls = xmalloc((n + 1) * sizeof *f->cls);
	for (size_t r = 0; r < n; r++)
		f->cls[r] = -1;
	if (f->mlm)
		return 0;
	if (!p->label)
		return err_set(e, "training needs a label: --label COLUMN, or a rules script with label()");
	struct strpool *names = strpool_new();
	char buf[64];
	for (size_t r = 0; r < n; r++) {
		const char *l = pipeline_label(p, r, buf, sizeof buf);
		if (*l)
			strpool_intern(names, l, strlen(l));
	}
	f->K = (int)strpool_count(names) - 1;
	f->labels = xmalloc(((size_t)f->K + 1) * sizeof *f->labels);
	for (int k = 0; k < f->K; k++)
		f->labels[k] = xstrdup(strpool_get(names, (uint32_t)k + 1));
	qsort(f->labels, (size_t)f->K, sizeof *f->labels, cmp_str);
	strpool_free(names);
	for (size_t r = 0; r < n; r++) {
		const char *l = pipeline_label(p, r, buf, sizeof buf);
		for (int k = 0; *l && k < f->K; k++)
			if (strcmp(f->labels[k], l) == 0)
				f->cls[r] = k;
	}
	return 0;
}

/* The value-aware readings of rows[0..n) (NULL: every row) of the
 * table, [n x nvalues], beside what encodes them for a model with
 * config c; free .x. */
static struct text_values table_values(const struct model_config *c, struct value_tokens *vt,
                                       const struct textualizer *tz, const struct table *t, const size_t *rows,
                                       size_t n)
{
	size_t nv = textualize_nvalues(tz);
	float *x = xmalloc((n * nv + 1) * sizeof *x);
	for (size_t i = 0; i < n; i++)
		textualize_readings(tz, t, rows ? rows[i] : i, x + i * nv);
	return (struct text_values){.vt = vt, .tz = tz, .x = x, .nv = nv, .W = 1 + (size_t)c->value_knots};
}

/* Whether data textualized by tz can feed a model with c->values. */
static int check_values(const struct model_config *c, const struct textualizer *tz, struct err *e)
{
	size_t nv = tz ? textualize_nvalues(tz) : 0;
	if (c->values && (size_t)c->values != nv)
		return err_set(e, "the model reads %d value-aware facts; this data has %zu (the same numeric columns are "
		                  "needed)",
		               c->values, nv);
	if (c->values && tz && textualize_value_knots(tz) > (size_t)c->value_knots)
		return err_set(e, "the model encodes readings on %d knots; its textualizer asks for %zu", c->value_knots,
		               textualize_value_knots(tz));
	return 0;
}

/* Tokens of the longest text with [CLS] and [SEP], of the training rows
 * or of all (a new model's length: its dev and test rows are read whole
 * too; only their length is used); *row gets its row in the table. */
static int longest_text(const struct fit *f, bool all, size_t *row)
{
	int longest = 2;
	size_t n = all ? f->p->t->nrows : f->count[SPLIT_TRAIN];
	for (size_t i = 0; i < n; i++) {
		size_t r = all ? i : f->rows[SPLIT_TRAIN][i];
		int k = (int)wordpiece_encode(f->wp, f->p->texts[r], NULL, 0) + 2;
		if (k > longest) {
			longest = k;
			*row = r;
		}
	}
	return longest;
}

/* The teacher of a distillation: a classifier of this data's classes, in
 * the same order. */
static int load_teacher(struct fit *f, struct err *e)
{
	f->teacher = xcalloc(1, sizeof *f->teacher);
	if (learner_load(f->o->teacher, f->o->batch, f->teacher, e))
		return -1;
	const struct model_file *mf = &f->teacher->mf;
	bool same = mf->nlabels == (size_t)f->K;
	for (int k = 0; same && k < f->K; k++)
		same = strcmp(mf->labels[k], f->labels[k]) == 0;
	if (!same)
		return err_set(
		    e,
		    "teacher %s does not diagnose this data's %d classes (it knows %zu): distil on the log it "
		    "was trained on",
		    f->o->teacher, f->K, mf->nlabels);
	return 0;
}

static bool same_vocabulary(const struct model_file *a, const struct model_file *b)
{
	if (a->nvocab != b->nvocab)
		return false;
	for (size_t i = 0; i < a->nvocab; i++)
		if (strcmp(a->vocab[i], b->vocab[i]) != 0)
			return false;
	return true;
}

/* The vocabulary and the model: learned here, or a pretrained model's or
 * a teacher's (whose vocabulary and text length the model then keeps). */
static int make_model(struct fit *f, uint64_t seed, struct learn_result *res, struct err *e)
{
	const struct learn_opts *o = f->o;
	struct model_config c;
	struct learner pre = {0};
	const char *source = o->init ? o->init : o->teacher;
	int rc = -1;
	if (o->teacher && load_teacher(f, e))
		return -1;
	struct prune_plan plan = {0};
	if (o->init) {
		if (learner_load(o->init, 1, &pre, e))
			return -1;
		c = *model_config(pre.model);
		if (o->prune > 0) {
			if (prune_plan_make(pre.model, o->prune, &plan, e)) {
				err_prefix(e, "%s: ", o->init);
				goto out;
			}
			c = plan.c;
		}
		if (o->teacher && !same_vocabulary(&pre.mf, &f->teacher->mf)) {
			err_set(e,
			        "%s and teacher %s have different vocabularies: a student reads its teacher's tokens",
			        o->init, o->teacher);
			goto out;
		}
		f->wp = pre.wp;
		pre.wp = NULL;
	} else if (o->teacher) {
		if (learn_config(o->config, &c, e))
			return -1;
		f->wp = f->teacher->wp;
		f->teacher->wp = NULL;
		c.vocab = (int)wordpiece_size(f->wp);
		c.max_seq = model_config(f->teacher->model)->max_seq;
	} else {
		const char **texts = xmalloc((f->count[SPLIT_TRAIN] + 1) * sizeof *texts);
		for (size_t i = 0; i < f->count[SPLIT_TRAIN]; i++)
			texts[i] = f->p->texts[f->rows[SPLIT_TRAIN][i]];
		f->wp = wordpiece_train(texts, f->count[SPLIT_TRAIN], (size_t)o->vocab_size, e);
		free((void *)texts);
		if (!f->wp || learn_config(o->config, &c, e))
			return -1;
		c.vocab = (int)wordpiece_size(f->wp);
	}
	/* Every fact of every text reaches the model: the position table is
	 * as long as the longest text, and a limit that would cut one is an
	 * error that says so. */
	size_t longest_row = 0;
	int longest = longest_text(f, !source, &longest_row);
	long long row = f->p->t->nrows ? (long long)f->p->t->source_row[longest_row] : 0;
	if (source && longest > c.max_seq) {
		err_set(e,
		        "the longest training text (data row %lld) has %d tokens, more than the %d positions of %s: "
		        "pretrain on these texts, or leave facts out (--exclude)",
		        row, longest, c.max_seq, source);
		goto out;
	}
	if (!source && o->max_seq && o->max_seq < longest)
		return err_set(e, "--max-seq %d would cut texts: the longest (data row %lld) has %d tokens; raise it to "
		                  "%d or leave it out",
		               o->max_seq, row, longest, longest);
	if (!source && longest > MODEL_MAX_SEQ)
		return err_set(e, "the longest text (data row %lld) has %d tokens, more than a model's %d: leave facts "
		                  "out (--exclude) or shorten textualize()",
		               row, longest, MODEL_MAX_SEQ);
	if (!source)
		c.max_seq = o->max_seq ? o->max_seq : longest;
	c.classes = f->K;
	if (o->dropout >= 0)
		c.dropout = o->dropout;
	if (o->values != 0) {
		size_t nv = f->p->tz ? textualize_nvalues(f->p->tz) : 0;
		if (nv == 0 && o->values > 0) {
			err_set(e, "value-aware facts need a CSV log with numeric readings to carry");
			goto out;
		}
		c.values = (int)nv;
		c.value_knots = nv ? (int)textualize_value_knots(f->p->tz) : 0;
	} else {
		c.values = 0;
		c.value_knots = 0;
	}
	if (check_values(&c, f->p->tz, e))
		goto out;
	if (o->teacher) {
		const struct model_config *t = model_config(f->teacher->model);
		if (t->values != c.values || t->value_knots != c.value_knots) {
			err_set(
			    e,
			    "teacher %s reads %d readings on %d knots, the student would read %d on %d: give it the "
			    "teacher's --values and --value-bins",
			    o->teacher, t->values, t->value_knots, c.values, c.value_knots);
			goto out;
		}
	}
	f->m = model_new(&c, f->be, &(struct model_opts){.max_batch = o->batch, .seed = seed, .train = true}, e);
	if (f->m && pre.model)
		res->init_copied =
		    o->prune > 0 ? prune_apply(&plan, pre.model, f->m) : model_copy_matching(f->m, pre.model);
	if (f->m && o->lora_rank > 0 && pre.model &&
	    !(f->lora = lora_new(f->m, pre.model, o->lora_rank, 2.0f * (float)o->lora_rank, seed, e)))
		goto out;
	rc = f->m ? 0 : -1;
out:
	prune_plan_free(&plan);
	learner_free(&pre);
	return rc;
}

/* The teacher's probabilities at the distillation's temperature for
 * every training row, made once; the teacher is let go then. */
static void teach(struct fit *f)
{
	struct learner *t = f->teacher;
	struct model *models[MODEL_FILE_MAX_ENSEMBLE] = {t->model};
	for (size_t k = 0; k < t->mf.nmembers && k + 1 < MODEL_FILE_MAX_ENSEMBLE; k++)
		models[k + 1] = t->mf.members[k];
	size_t n = f->count[SPLIT_TRAIN], K = (size_t)f->K;
	float *probs = xmalloc((n * K + 1) * sizeof *probs);
	predict_encoded(models, 1 + t->mf.nmembers, &f->x, f->rows[SPLIT_TRAIN], n, f->o->batch,
	                f->o->distill_temperature, probs, NULL);
	f->soft = xcalloc(f->p->t->nrows * K + 1, sizeof *f->soft);
	for (size_t i = 0; i < n; i++)
		memcpy(f->soft + f->rows[SPLIT_TRAIN][i] * K, probs + i * K, K * sizeof *probs);
	f->bsoft = xmalloc(((size_t)f->o->batch * K + 1) * sizeof *f->bsoft);
	free(probs);
	learner_free(t);
	free(t);
	f->teacher = NULL;
}

static void fit_free(struct fit *f)
{
	for (int k = 0; k < f->K; k++)
		free(f->labels[k]);
	free(f->labels);
	free(f->cls);
	for (int s = 0; s < 3; s++)
		free(f->rows[s]);
	encoded_free(&f->x);
	trees_free(&f->trees);
	free(f->weights);
	batch_buffers_free(&f->bb);
	value_tokens_free(f->vt);
	free(f->values);
	free(f->blabel);
	free(f->mpos);
	free(f->mtarget);
	free(f->soft);
	free(f->bsoft);
	if (f->teacher)
		learner_free(f->teacher);
	free(f->teacher);
	lora_free(f->lora);
	model_free(f->m);
	for (size_t k = 0; k < f->nensemble; k++)
		model_free(f->ensemble[k]);
	backend_free(f->be);
	wordpiece_free(f->wp);
}

/* One part's labelled rows: their table rows, readings and classes (and
 * class weights when w is given); returns how many. */
static size_t part_rows(const struct fit *f, int part, size_t nv, size_t *idx, float *x, int32_t *y, float *w)
{
	size_t m = 0;
	for (size_t i = 0; i < f->count[part]; i++) {
		size_t r = f->rows[part][i];
		if (f->cls[r] < 0)
			continue;
		idx[m] = r;
		textualize_readings(f->p->tz, f->p->t, r, x + m * nv);
		y[m] = f->cls[r];
		if (w)
			w[m] = f->weights[f->cls[r]];
		m++;
	}
	return m;
}

/* out = a * enc + (1 - a) * trees, row by row. */
static void blend_probs(const float *enc, const float *trees, size_t n, int K, float a, float *out)
{
	for (size_t i = 0; i < n * (size_t)K; i++)
		out[i] = a * enc[i] + (1 - a) * trees[i];
}

/* The referee: gradient-boosted trees on the same rows' readings, with the
 * same class weights, early-stopped on the same dev rows; their dev and
 * test macro-F1 go beside the encoder's, and the trees into the model file
 * (evaluated by lathe, ml/trees.h). With stack the encoder's share of a
 * blend of the two is chosen on the dev rows, in tenths; of shares that
 * score alike the one nearest an even blend wins, since a dev part is
 * small and two different models averaged err less than either one
 * picked on a few dev rows (bench/README.md, "The partner"). Nothing to
 * fit without readings (JSON Lines samples). */
static void fit_referee(struct fit *f, struct learn_result *res)
{
	res->gbdt_rounds = 0;
	res->blend = 1;
	res->stack_dev_macro_f1 = res->stack_test_macro_f1 = -1;
	size_t nv = f->p->tz ? textualize_nvalues(f->p->tz) : 0;
	if (nv == 0 || f->K < 2)
		return;
	size_t n = f->p->t->nrows, K = (size_t)f->K;
	float *x[3], *w = xmalloc((n + 1) * sizeof *w);
	int32_t *y[3];
	size_t *idx[3], m[3];
	for (int s = 0; s < 3; s++) {
		x[s] = xmalloc((f->count[s] * nv + 1) * sizeof *x[s]);
		y[s] = xmalloc((f->count[s] + 1) * sizeof *y[s]);
		idx[s] = xmalloc((f->count[s] + 1) * sizeof *idx[s]);
		m[s] = part_rows(f, s, nv, idx[s], x[s], y[s], s == SPLIT_TRAIN ? w : NULL);
	}
	struct gbdt_opts go;
	gbdt_opts_init(&go);
	go.threads = f->o->threads;
	go.seed = f->o->seed;
	struct err e;
	struct gbdt *g = gbdt_fit(x[SPLIT_TRAIN], y[SPLIT_TRAIN], w, m[SPLIT_TRAIN], x[SPLIT_DEV], y[SPLIT_DEV],
	                          m[SPLIT_DEV], nv, f->K, &go, &e);
	if (!g || gbdt_export(g, &f->trees, &e)) {
		snprintf(res->gbdt_error, sizeof res->gbdt_error, "%.250s", e.msg);
	} else {
		res->gbdt_rounds = gbdt_rounds(g);
		float *tp[3] = {NULL}, *ep[3] = {NULL};
		for (int s = SPLIT_DEV; s <= SPLIT_TEST; s++) {
			tp[s] = xmalloc((m[s] * K + 1) * sizeof *tp[s]);
			trees_predict(&f->trees, x[s], m[s], tp[s]);
			/* The encoder's probabilities only matter to a blend. */
			if (f->o->stack) {
				ep[s] = xmalloc((m[s] * K + 1) * sizeof *ep[s]);
				predict_encoded(f->ensemble, f->nensemble, &f->x, idx[s], m[s], f->o->batch, 1, ep[s],
				                NULL);
			}
			*(s == SPLIT_DEV ? &res->gbdt_dev_macro_f1 : &res->gbdt_test_macro_f1) =
			        m[s] ? metrics_macro_f1(tp[s], y[s], m[s], f->K) : -1;
		}
		if (f->o->stack && m[SPLIT_DEV]) {
			float *mix = xmalloc((m[SPLIT_DEV] * K + 1) * sizeof *mix);
			double best = -1;
			static const int nearest_even_first[11] = {5, 6, 4, 7, 3, 8, 2, 9, 1, 10, 0};
			for (int i = 0; i < 11; i++) {
				int tenth = nearest_even_first[i];
				blend_probs(ep[SPLIT_DEV], tp[SPLIT_DEV], m[SPLIT_DEV], f->K, (float)tenth / 10, mix);
				double f1 = metrics_macro_f1(mix, y[SPLIT_DEV], m[SPLIT_DEV], f->K);
				if (f1 > best + 1e-12) {
					best = f1;
					res->blend = (float)tenth / 10;
				}
			}
			res->stack_dev_macro_f1 = best;
			free(mix);
			mix = xmalloc((m[SPLIT_TEST] * K + 1) * sizeof *mix);
			blend_probs(ep[SPLIT_TEST], tp[SPLIT_TEST], m[SPLIT_TEST], f->K, res->blend, mix);
			res->stack_test_macro_f1 = m[SPLIT_TEST] ? metrics_macro_f1(mix, y[SPLIT_TEST], m[SPLIT_TEST], f->K) : -1;
			free(mix);
		}
		for (int s = 0; s < 3; s++) {
			free(tp[s]);
			free(ep[s]);
		}
	}
	gbdt_free(g);
	for (int s = 0; s < 3; s++) {
		free(x[s]);
		free(y[s]);
		free(idx[s]);
	}
	free(w);
}

/* The casebook (io/casebook.h) of a classifier: its dev rows' diagnoses
 * as learner_predict_rows makes them (encoders, then the trees' share),
 * and its training rows' embeddings, augmented rows left out. */
static void fill_casebook(struct fit *f, float blend, struct model_casebook *cb)
{
	size_t K = (size_t)f->K, C = (size_t)model_config(f->ensemble[0])->C;
	size_t ndev = f->count[SPLIT_DEV], n = 0, *dev = f->rows[SPLIT_DEV];
	size_t *train = xmalloc((f->count[SPLIT_TRAIN] + 1) * sizeof *train);
	for (size_t i = 0; i < f->count[SPLIT_TRAIN]; i++) {
		size_t r = f->rows[SPLIT_TRAIN][i];
		if (!f->p->method || !f->p->method[r])
			train[n++] = r;
	}
	/* Beyond CASES_MAX an even stride bounds the file and still spans
	 * the whole log. */
	size_t keep = n < CASES_MAX ? n : CASES_MAX;
	for (size_t i = 0; i < keep && keep < n; i++)
		train[i] = train[(size_t)((double)i * (double)n / (double)keep)];
	int32_t *cls = xmalloc((keep + 1) * sizeof *cls), *dev_cls = xmalloc((ndev + 1) * sizeof *dev_cls);
	for (size_t i = 0; i < keep; i++)
		cls[i] = f->cls[train[i]];
	for (size_t i = 0; i < ndev; i++)
		dev_cls[i] = f->cls[dev[i]];
	float *emb = xmalloc((keep * C + 1) * sizeof *emb), *probs = xmalloc((keep * K + 1) * sizeof *probs);
	predict_encoded(f->ensemble, f->nensemble, &f->x, train, keep, f->o->batch, 1, probs, emb);
	free(probs);
	float *dev_probs = xmalloc((ndev * K + 1) * sizeof *dev_probs), *dev_emb = xmalloc((ndev * C + 1) * sizeof *dev_emb);
	predict_encoded(f->ensemble, f->nensemble, &f->x, dev, ndev, f->o->batch, 1, dev_probs, dev_emb);
	size_t nv = f->p->tz ? textualize_nvalues(f->p->tz) : 0;
	if (f->trees.nnodes && blend < 1 && nv == (size_t)f->trees.nfeat) {
		float *x = xmalloc((ndev * nv + 1) * sizeof *x), *tp = xmalloc((ndev * K + 1) * sizeof *tp);
		for (size_t i = 0; i < ndev; i++)
			textualize_readings(f->p->tz, f->p->t, dev[i], x + i * nv);
		trees_predict(&f->trees, x, ndev, tp);
		blend_probs(dev_probs, tp, ndev, f->K, blend, dev_probs);
		free(x);
		free(tp);
	}
	cases_fill(cb, f->p, train, cls, emb, keep, C, dev_probs, dev_cls, dev_emb, ndev);
	free(dev_emb);
	free(train);
}

static int save_model(struct fit *f, const char *data_path, const char *out_path, const struct learn_result *res,
                      struct err *e)
{
	struct model_file mf = {.nvocab = wordpiece_size(f->wp), .labels = f->labels, .nlabels = (size_t)f->K,
	                        .trees = f->trees, .blend = res->blend};
	if (!f->mlm)
		fill_casebook(f, res->blend, &mf.casebook);
	mf.vocab = xmalloc(mf.nvocab * sizeof *mf.vocab);
	for (size_t i = 0; i < mf.nvocab; i++)
		mf.vocab[i] = (char *)wordpiece_token(f->wp, (int32_t)i);
	mf.textualizer = f->p->tz ? textualize_spec(f->p->tz, f->p->t) : NULL;
	mf.pipeline = pipeline_json(f->p);
	mf.manifest = manifest_json(f->p, data_path, f->o, model_config(f->ensemble[0]));
	mf.members = f->ensemble + 1;
	mf.nmembers = f->nensemble - 1;
	json_t *summary = json_pack("{s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:I, s:f, s:f, s:o}", "objective",
	                            f->mlm ? "masked-lm" : "classification", "epochs", res->epochs_run, "best_epoch",
	                            res->best_epoch, "steps", res->steps, "train_loss", res->train_loss, "dev_loss",
	                            res->dev_loss, "dev_macro_f1", res->dev_macro_f1, "test_macro_f1", res->test_macro_f1,
	                            "test_rows", (json_int_t)res->test_rows, "tokens_per_s", res->tokens_per_s, "wall_s",
	                            res->wall_s, "init", f->o->init ? json_string(f->o->init) : json_null());
	if (f->o->teacher)
		json_object_set_new(summary, "distilled",
		                    json_pack("{s:s, s:f, s:f}", "teacher", f->o->teacher, "weight",
		                              (double)f->o->distill_weight, "temperature",
		                              (double)f->o->distill_temperature));
	if (res->precision)
		json_object_set_new(summary, "precision", json_string(res->precision));
	if (res->gbdt_rounds > 0)
		json_object_set_new(summary, "gbdt",
		                    json_pack("{s:s, s:i, s:f, s:f, s:f}", "library", "xgboost", "rounds", res->gbdt_rounds,
		                              "dev_macro_f1", res->gbdt_dev_macro_f1, "test_macro_f1",
		                              res->gbdt_test_macro_f1, "blend", (double)res->blend));
	mf.training = json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(summary);
	char base_hash[65];
	const struct model_param *params;
	size_t np = model_params(f->ensemble[0], &params);
	if (f->lora) {
		if (sha256_file(f->o->init, base_hash, e))
			return -1;
		json_t *meta = json_pack("{s:s, s:s, s:i, s:f}", "base", f->o->init, "base_sha256", base_hash, "rank",
		                         lora_rank(f->lora), "alpha", (double)lora_alpha(f->lora));
		mf.adapters = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(meta);
		mf.lora_A = xcalloc(np + 1, sizeof *mf.lora_A);
		mf.lora_B = xcalloc(np + 1, sizeof *mf.lora_B);
		for (size_t k = 0; k < lora_count(f->lora); k++) {
			size_t i = lora_get(f->lora, k, NULL, NULL);
			mf.lora_A[i] = xmalloc((size_t)lora_rank(f->lora) * (size_t)params[i].shape[1] * sizeof(float));
			mf.lora_B[i] = xmalloc((size_t)lora_rank(f->lora) * (size_t)params[i].shape[0] * sizeof(float));
			lora_get(f->lora, k, mf.lora_A[i], mf.lora_B[i]);
		}
	}
	int rc = model_file_save(out_path, f->ensemble[0], &mf, e);
	for (size_t i = 0; f->lora && i < np; i++) {
		free(mf.lora_A[i]);
		free(mf.lora_B[i]);
	}
	free(mf.lora_A);
	free(mf.lora_B);
	free(mf.adapters);
	casebook_free(&mf.casebook);
	free(mf.vocab);
	free(mf.textualizer);
	free(mf.pipeline);
	free(mf.manifest);
	free(mf.training);
	return rc;
}

/* ---- checkpoints ---- */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Where a run is, beyond the model's own state. */
struct run_state {
	int epoch;
	size_t at;                /* next batch start within the epoch's order */
	double sum, tokens, best_score, elapsed;
	int stale;
};

#define CHECKPOINT_FORMAT "lathe-checkpoint-1"

static int save_checkpoint(struct fit *f, const char *path, const char *data_hash, const struct run_state *st,
                           const struct learn_result *res, const size_t *order, size_t ntrain, const float *best,
                           struct err *e)
{
	struct st_writer *w = st_writer_new();
	if (!w)
		return err_set(e, "out of memory");
	struct model_state ms = model_state(f->m);
	const struct model_param *p;
	size_t np = model_params(f->m, &p);
	/* the weights, Adam's moments and the best weights of each parameter */
	float *host = xmalloc((model_param_count(f->m) + 1) * 3 * sizeof *host);
	static const char *const prefix[3] = {"", "adam.m.", "adam.v."};
	static const enum model_slot slot[3] = {MODEL_WEIGHT, MODEL_ADAM_M, MODEL_ADAM_V};
	char name[128];
	int rc = 0;
	for (size_t i = 0; i < np && !rc; i++) {
		for (int k = 0; k < 3 && !rc; k++) {
			float *at = host + k * (model_param_count(f->m) + 1) + p[i].offset;
			model_read(f->m, slot[k], i, at);
			snprintf(name, sizeof name, "%s%s", prefix[k], p[i].name);
			rc = st_writer_add(w, name, ST_F32, p[i].ndim, p[i].shape, at, e);
		}
		snprintf(name, sizeof name, "best.%s", p[i].name);
		rc = rc ? rc : st_writer_add(w, name, ST_F32, p[i].ndim, p[i].shape, best + p[i].offset, e);
	}
	int64_t *ord = xmalloc((ntrain + 1) * sizeof *ord);
	for (size_t i = 0; i < ntrain; i++)
		ord[i] = (int64_t)order[i];
	uint64_t rngs[8];
	memcpy(rngs, f->rng.s, sizeof f->rng.s);
	memcpy(rngs + 4, ms.rng->s, sizeof ms.rng->s);
	if (!rc)
		rc = st_writer_add(w, "state.order", ST_I64, 1, (int64_t[]){(int64_t)ntrain}, ord, e);
	if (!rc)
		rc = st_writer_add(w, "state.rng", ST_I64, 1, (int64_t[]){8}, rngs, e);
	json_t *meta = json_pack("{s:s, s:i, s:I, s:f, s:f, s:f, s:f, s:i, s:I, s:i, s:i, s:f, s:f, s:f, s:I}", "data_sha256",
	                         data_hash, "epoch", st->epoch, "at", (json_int_t)st->at, "sum", st->sum, "tokens",
	                         st->tokens, "best_score", isfinite(st->best_score) ? st->best_score : -1e300, "elapsed", st->elapsed, "stale", st->stale,
	                         "steps", (json_int_t)res->steps, "adam_t", *ms.adam_t, "best_epoch", res->best_epoch,
	                         "dev_loss", res->dev_loss, "dev_macro_f1", res->dev_macro_f1, "train_loss",
	                         res->train_loss, "ntrain", (json_int_t)ntrain);
	char *text = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	if (!text && !rc)
		rc = err_set(e, "checkpoint: cannot encode the run's state");
	st_writer_meta(w, "format", CHECKPOINT_FORMAT);
	if (text)
		st_writer_meta(w, "state", text);
	free(text);
	if (!rc)
		rc = st_writer_save(w, path, e);
	st_writer_free(w);
	free(ord);
	free(host);
	return rc;
}

static int copy_tensor(const struct st_file *cf, const char *path, const char *name, void *dst, size_t bytes,
                       struct err *e)
{
	const struct st_tensor *t = st_find(cf, name);
	if (!t || t->end - t->begin != bytes)
		return err_at(e, path, 0, "checkpoint: tensor %s is missing or of another size (other options?)", name);
	memcpy(dst, t->data, bytes);
	return 0;
}

/* A checkpoint's state field: an integer within [lo, hi]. */
static int state_int(json_t *meta, const char *key, long long lo, long long hi, long long *out, const char *path,
                     struct err *e)
{
	json_t *v = json_object_get(meta, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return err_at(e, path, 0, "checkpoint: state \"%s\" is not a whole number from %lld to %lld", key, lo, hi);
	*out = json_integer_value(v);
	return 0;
}

/* ... a finite number, never negative unless signed. */
static int state_real(json_t *meta, const char *key, double *out, bool sign, const char *path, struct err *e)
{
	json_t *v = json_object_get(meta, key);
	double x = json_number_value(v);
	if (!json_is_number(v) || !isfinite(x) || (!sign && x < 0))
		return err_at(e, path, 0, "checkpoint: state \"%s\" is not a %sfinite number", key, sign ? "" : "non-negative ");
	*out = x;
	return 0;
}

static bool values_sound(const float *x, size_t n, bool nonnegative)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]) || (nonnegative && x[i] < 0))
			return false;
	return true;
}

static int load_checkpoint(struct fit *f, const char *path, const char *data_hash, struct run_state *st,
                           struct learn_result *res, size_t *order, size_t ntrain, float *best, struct err *e)
{
	struct st_file *cf;
	if (st_open(path, &cf, e))
		return -1;
	int rc = -1;
	json_t *meta = NULL;
	const char *format = st_meta(cf, "format");
	if (!format || strcmp(format, CHECKPOINT_FORMAT) != 0) {
		err_at(e, path, 0, "not a lathe checkpoint");
		goto out;
	}
	meta = json_loads(st_meta(cf, "state") ? st_meta(cf, "state") : "", 0, NULL);
	const char *hash = json_string_value(json_object_get(meta, "data_sha256"));
	if (!hash || strcmp(hash, data_hash) != 0 ||
	    (size_t)json_integer_value(json_object_get(meta, "ntrain")) != ntrain) {
		err_at(e, path, 0, "checkpoint of another data file or split: resume with the same data and options");
		goto out;
	}
	struct model_state ms = model_state(f->m);
	const struct model_param *p;
	size_t np = model_params(f->m, &p);
	float *host = xmalloc((model_param_count(f->m) + 1) * sizeof *host);
	static const char *const prefix[3] = {"", "adam.m.", "adam.v."};
	static const enum model_slot slot[3] = {MODEL_WEIGHT, MODEL_ADAM_M, MODEL_ADAM_V};
	char name[128];
	for (size_t i = 0; i < np; i++) {
		size_t bytes = p[i].count * sizeof(float);
		for (int k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "%s%s", prefix[k], p[i].name);
			/* NaN weights or moments would train on silently as NaN;
			 * Adam's second moments are never negative */
			bool read = copy_tensor(cf, path, name, host, bytes, e) == 0;
			if (read && !values_sound(host, p[i].count, k == 2))
				err_at(e, path, 0, "checkpoint: its tensors hold NaN, infinite or impossible values");
			if (!read || !values_sound(host, p[i].count, k == 2)) {
				free(host);
				goto out;
			}
			model_write(f->m, slot[k], i, host);
		}
		snprintf(name, sizeof name, "best.%s", p[i].name);
		if (copy_tensor(cf, path, name, best + p[i].offset, bytes, e)) {
			free(host);
			goto out;
		}
	}
	free(host);
	int64_t *ord = xmalloc((ntrain + 1) * sizeof *ord);
	uint64_t rngs[8];
	if (copy_tensor(cf, path, "state.order", ord, ntrain * sizeof *ord, e) ||
	    copy_tensor(cf, path, "state.rng", rngs, sizeof rngs, e)) {
		free(ord);
		goto out;
	}
	/* The order must be an order of the training rows: batches index the
	 * table with it. 1 marks a training row, 2 one already in the order. */
	size_t nrows = f->p->t->nrows;
	unsigned char *mark = xcalloc(nrows + 1, 1);
	for (size_t i = 0; i < f->count[SPLIT_TRAIN]; i++)
		mark[f->rows[SPLIT_TRAIN][i]] = 1;
	bool bad = false;
	for (size_t i = 0; i < ntrain && !bad; i++) {
		bad = ord[i] < 0 || (uint64_t)ord[i] >= nrows || mark[ord[i]] != 1;
		if (!bad) {
			mark[ord[i]] = 2;
			order[i] = (size_t)ord[i];
		}
	}
	free(mark);
	free(ord);
	if (bad) {
		err_at(e, path, 0, "checkpoint: state.order is not an order of the %zu training rows", ntrain);
		goto out;
	}
	memcpy(f->rng.s, rngs, sizeof f->rng.s);
	memcpy(ms.rng->s, rngs + 4, sizeof ms.rng->s);
	/* Every number is bounded by what the run could have reached. */
	long long max_steps = (long long)f->o->epochs * (long long)(ntrain + 1);
	long long epoch, at, stale, steps, adam_t, best_epoch;
	if (state_int(meta, "epoch", 0, f->o->epochs, &epoch, path, e) ||
	    state_int(meta, "at", 0, (long long)ntrain, &at, path, e) ||
	    state_int(meta, "stale", 0, f->o->epochs, &stale, path, e) ||
	    state_int(meta, "steps", 0, max_steps, &steps, path, e) ||
	    state_int(meta, "adam_t", 0, steps, &adam_t, path, e) ||
	    state_int(meta, "best_epoch", 0, epoch, &best_epoch, path, e) ||
	    state_real(meta, "sum", &st->sum, false, path, e) || state_real(meta, "tokens", &st->tokens, false, path, e) ||
	    state_real(meta, "best_score", &st->best_score, true, path, e) ||
	    state_real(meta, "elapsed", &st->elapsed, false, path, e) ||
	    state_real(meta, "dev_loss", &res->dev_loss, true, path, e) ||
	    state_real(meta, "dev_macro_f1", &res->dev_macro_f1, true, path, e) ||
	    state_real(meta, "train_loss", &res->train_loss, true, path, e))
		goto out;
	st->epoch = (int)epoch;
	st->at = (size_t)at;
	st->stale = (int)stale;
	res->steps = (int)steps;
	*ms.adam_t = (int)adam_t;
	res->best_epoch = (int)best_epoch;
	if (!values_sound(best, model_param_count(f->m), false)) {
		err_at(e, path, 0, "checkpoint: its tensors hold NaN, infinite or impossible values");
		goto out;
	}
	rc = 0;
out:
	json_decref(meta);
	st_close(cf);
	return rc;
}

/* A non-finite loss or gradient: nothing after it can be saved, and the
 * checkpoint the run may have, from before, stays as it was. */
static bool diverged(struct err *e, const char *what, int epoch, long step, const char *ckpt)
{
	bool kept = ckpt && access(ckpt, F_OK) == 0;
	err_set(e, "epoch %d, step %ld: the %s is not a finite number (a learning rate too high, or readings too "
	           "large?); training stopped, no model written%s%s",
	        epoch, step, what, kept ? "; the last checkpoint is kept: " : "", kept ? ckpt : "");
	return true;
}

/* The rows of one optimizer step, handed to the trainer a micro-batch at
 * a time; counts the rows and tokens of the step, in every process.
 * Processes training together each take their share of every
 * micro-batch: rank r of n the rows from r/n to (r+1)/n of it. */
struct step_rows {
	struct fit *f;
	const size_t *order;
	size_t left, rows;
	int batch, micro, rank, ranks;
	uint64_t salt;
	double tokens;
	double weight; /* the class weights of the step's rows, all processes', once known (else < 0) */
};

/* The class weights of rows idx[0..n) summed. */
static double class_weight_sum(const struct fit *f, const size_t *idx, size_t n)
{
	double w = 0;
	for (size_t i = 0; i < n; i++)
		w += f->weights[f->cls[idx[i]]];
	return w;
}

static int next_micro_batch(void *ctx, int i, struct model_batch *b, struct err *e)
{
	(void)e;
	struct step_rows *sr = ctx;
	size_t at = (size_t)i * (size_t)sr->batch;
	size_t B = sr->left - at < (size_t)sr->batch ? sr->left - at : (size_t)sr->batch;
	size_t first = B * (size_t)sr->rank / (size_t)sr->ranks, end = B * (size_t)(sr->rank + 1) / (size_t)sr->ranks;
	*b = make_batch(sr->f, sr->order + at + first, (int)(end - first), sr->salt);
	if (b->soft_target && end > first) {
		/* the soft part's share of the step is by rows, the labels' by
		 * class weight, over every process's rows of the step */
		size_t step = sr->left < (size_t)sr->batch * sr->micro ? sr->left : (size_t)sr->batch * sr->micro;
		if (sr->weight < 0)
			sr->weight = class_weight_sum(sr->f, sr->order, step);
		double wb = class_weight_sum(sr->f, sr->order + at + first, end - first);
		b->soft_scale = (float)(((double)(end - first) * sr->weight) / (wb * (double)step));
	}
	for (size_t k = 0; k < B; k++)
		sr->tokens += sr->f->x.len[sr->order[at + k]];
	sr->rows += B;
	return 0;
}

/* The trainer's reduction across processes: the backend's own collective
 * where it has joined one (NCCL between GPUs), the step's few numbers
 * through MPI; else MPI's on host memory, a device's gradients travelling
 * through it (ctx: a host buffer, made at the first step), as Debian's
 * Open MPI reads no device memory. */
static int reduce_across_processes(void *ctx, struct backend *be, float *grads, size_t n, double *sums, struct err *e)
{
	float **host = ctx;
	if (be->ops->allreduce)
		return be->ops->allreduce(be, grads, n, e) || dist_allreduce(NULL, 0, sums, STEP_SUMS, e) ? -1 : 0;
	if (be->ops->host_memory)
		return dist_allreduce(grads, n, sums, STEP_SUMS, e);
	if (!*host)
		*host = xmalloc((n + 1) * sizeof **host);
	be->ops->download(be, *host, grads, n * sizeof **host);
	if (dist_allreduce(*host, n, sums, STEP_SUMS, e))
		return -1;
	be->ops->upload(be, grads, *host, n * sizeof **host);
	return 0;
}

/* The early-stopping score, computed by rank 0 and sent to the others,
 * so that every process takes the same decisions from it. */
static int agreed_score(struct fit *f, const size_t *idx, size_t n, double *sc, double *loss, struct err *e)
{
	double both[2] = {0, 0};
	if (dist_rank() == 0)
		both[0] = score(f, idx, n, &both[1]);
	if (dist_broadcast(both, sizeof both, e))
		return -1;
	*sc = both[0];
	*loss = both[1];
	return 0;
}

/* Trains f->m (made with seed) on the training rows, early-stopped on the
 * dev rows, and leaves it with its best weights: 0. An interruption
 * (Ctrl-C, --stop-after, a cancel) writes a checkpoint to ckpt, or with
 * ckpt NULL (an ensemble) none, and returns 1 with res->interrupted and
 * what happened in e; a failure -1 with e set. */
static int train_encoder(struct fit *f, uint64_t seed, const char *data_hash, const char *ckpt,
                         struct learn_result *res, struct err *e)
{
	const struct learn_opts *o = f->o;
	bool mlm = f->mlm;
	/* Dev rows stop training early; with none, the training rows do. */
	size_t *dev = f->count[SPLIT_DEV] ? f->rows[SPLIT_DEV] : f->rows[SPLIT_TRAIN];
	size_t ndev = f->count[SPLIT_DEV] ? f->count[SPLIT_DEV] : f->count[SPLIT_TRAIN];
	size_t ntrain = f->count[SPLIT_TRAIN], nparams = model_param_count(f->m);
	size_t *order = xmalloc(ntrain * sizeof *order);
	memcpy(order, f->rows[SPLIT_TRAIN], ntrain * sizeof *order);
	float *best = xmalloc(nparams * sizeof *best);
	model_snapshot(f->m, MODEL_WEIGHT, best);
	/* Under mpirun: the processes train one model together, each on its
	 * share of every step's rows; rank 0 alone reports and writes. */
	int rank = dist_rank(), ranks = dist_size();
	bool writer = rank == 0;
	float *staged = NULL;
	struct trainer tr = {
	    .m = f->m, .lora = f->lora, .reduce = ranks > 1 ? reduce_across_processes : NULL, .reduce_ctx = &staged};
	float *best_lora = f->lora ? xmalloc((lora_floats(f->lora) + 1) * sizeof *best_lora) : NULL;
	if (f->lora)
		lora_snapshot(f->lora, best_lora);
	rng_seed(&f->rng, seed ^ 0x5EEDull);
	long micro = (long)((ntrain + (size_t)o->batch - 1) / (size_t)o->batch);
	int accum = o->accumulate > 0 ? o->accumulate : 1;
	long per_epoch = (micro + accum - 1) / accum;
	long total = per_epoch * o->epochs, warm = (long)(o->warmup * (float)total);
	struct run_state st = {.epoch = 1, .best_score = -INFINITY};
	if (o->resume && load_checkpoint(f, o->resume, data_hash, &st, res, order, ntrain, best, e)) {
		free(best);
		free(best_lora);
		free(order);
		return -1;
	}
	bool mid_epoch = o->resume && st.at > 0, failed = false;
	double t0 = now() - st.elapsed;
	/* SIGINT and SIGTERM stop after the current step, with a checkpoint;
	 * so does SIGUSR1, which mpirun passes on to its processes without
	 * killing them a second later, as it does after a SIGTERM. */
	struct sigaction sa, old_int, old_term, old_usr1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	stop_requested = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGUSR1, &sa, &old_usr1);
	for (; st.epoch <= o->epochs && !res->interrupted && !failed; st.epoch++) {
		if (!mid_epoch) {
			rng_shuffle(&f->rng, order, ntrain);
			st.sum = 0;
			st.at = 0;
		}
		mid_epoch = false;
		/* An optimizer step per `accum` micro-batches; a stop comes
		 * between steps, as checkpoints hold no partial gradients. */
		while (st.at < ntrain) {
			/* Processes training together stop at the step where one of
			 * them asked to, which the step's reduction tells them all. */
			bool asked = stop_requested || (o->cancel && atomic_load(o->cancel));
			if ((asked && !tr.reduce) || tr.stop || (o->stop_after && res->steps >= o->stop_after)) {
				res->interrupted = true;
				res->signalled = asked || tr.stop;
				break;
			}
			tr.stop = asked;
			size_t left = ntrain - st.at, per = (size_t)o->batch;
			int nmicro =
			    (int)((left + per - 1) / per < (size_t)accum ? (left + per - 1) / per : (size_t)accum);
			struct step_rows sr = {.f = f,
			                       .order = order + st.at,
			                       .left = left,
			                       .batch = o->batch,
			                       .micro = nmicro,
			                       .rank = rank,
			                       .ranks = ranks,
			                       .salt = rng_hash(seed, (uint64_t)st.epoch),
			                       .weight = -1};
			long s = res->steps;
			float lr = s < warm ? o->lr * (float)(s + 1) / (float)warm
			                    : o->lr * (float)(total - s) / (float)(total - warm > 0 ? total - warm : 1);
			struct trainer_step ts;
			int r = trainer_step(&tr, nmicro, next_micro_batch, &sr, lr, o->weight_decay, o->clip, &ts, e);
			if (r) {
				failed = r < 0 || diverged(e, isfinite(ts.loss) ? "gradient" : "loss", st.epoch,
				                           res->steps + 1, o->resume ? o->resume : ckpt);
				break;
			}
			st.at += sr.rows;
			st.tokens += sr.tokens;
			st.sum += ts.loss * (double)sr.rows;
			res->steps++;
			if (o->on_step && writer) {
				double spent = now() - t0;
				struct learn_step ls = {.epoch = st.epoch,
				                        .epochs = o->epochs,
				                        .step = res->steps,
				                        .total = total,
				                        .loss = (float)ts.loss,
				                        .lr = lr,
				                        .grad_norm = ts.grad_norm,
				                        .tokens_per_s = spent > 0 ? st.tokens / spent : 0,
				                        .eta_s =
				                            spent / (double)res->steps * (double)(total - res->steps)};
				o->on_step(o->ctx, &ls);
			}
		}
		if (res->interrupted || failed)
			break;
		double dev_loss, sc;
		if (agreed_score(f, dev, ndev, &sc, &dev_loss, e)) {
			failed = true;
			break;
		}
		res->epochs_run = st.epoch;
		res->train_loss = st.sum / (double)ntrain;
		if (sc > st.best_score) {
			st.best_score = sc;
			res->best_epoch = st.epoch;
			res->dev_loss = dev_loss;
			res->dev_macro_f1 = mlm ? 0 : sc;
			model_snapshot(f->m, MODEL_WEIGHT, best);
			if (f->lora)
				lora_snapshot(f->lora, best_lora);
			st.stale = 0;
		} else {
			st.stale++;
		}
		struct learn_epoch ep = {.epoch = st.epoch, .epochs = o->epochs, .steps = res->steps, .mlm = mlm,
		                         .best = !st.stale, .train_loss = res->train_loss, .dev_loss = dev_loss,
		                         .dev_macro_f1 = mlm ? 0 : sc, .wall_s = now() - t0};
		if (o->on_epoch && writer && o->on_epoch(o->ctx, &ep, e)) {
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			sigaction(SIGUSR1, &old_usr1, NULL);
			free(staged);
			free(best);
			free(best_lora);
			free(order);
			return -1;
		}
		if (st.stale >= o->patience)
			break;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	free(staged);
	int rc = failed ? -1 : 0;
	if (res->interrupted && !ckpt) {
		if (f->lora)
			err_set(e, "stopped at epoch %d, step %d: LoRA training keeps no checkpoint, and no model is "
			           "written (train again to finish)",
			        st.epoch, res->steps);
		else
			err_set(e, "stopped in the training of encoder %zu of an ensemble: an ensemble keeps no checkpoint",
			        f->nensemble + 1);
	} else if (res->interrupted) {
		st.elapsed = now() - t0;
		rc = writer ? save_checkpoint(f, ckpt, data_hash, &st, res, order, ntrain, best, e) : 0;
		/* no process ends before rank 0 has written it */
		struct err be;
		if (dist_barrier(&be) && !rc)
			rc = err_set(e, "%s", be.msg);
		if (!rc)
			err_set(e, "stopped at epoch %d, step %d: checkpoint %s (continue with --resume %s)", st.epoch,
			        res->steps, ckpt, ckpt);
	}
	if (failed || res->interrupted) {
		free(best);
		free(best_lora);
		free(order);
		return rc ? -1 : 1;
	}
	res->tokens_per_s = st.tokens / (now() - t0);
	res->wall_s = now() - t0;
	model_restore(f->m, MODEL_WEIGHT, best);
	if (f->lora)
		lora_restore(f->lora, best_lora);
	free(best_lora);
	free(best);
	free(order);
	return 0;
}

/* The next encoder of an ensemble: the first's shape and vocabulary, its
 * own seed, and the pretrained model's weights when it started from one. */
static int next_member(struct fit *f, uint64_t seed, struct err *e)
{
	f->m = model_new(model_config(f->ensemble[0]), f->be,
	                 &(struct model_opts){.max_batch = f->o->batch, .seed = seed, .train = true}, e);
	if (!f->m || !f->o->init)
		return f->m ? 0 : -1;
	struct learner pre = {0};
	if (learner_load(f->o->init, 1, &pre, e))
		return -1;
	model_copy_matching(f->m, pre.model);
	learner_free(&pre);
	return 0;
}

/* Epochs when none were asked for: as many passes as LEARN_TOKEN_BUDGET
 * training tokens allow, from LEARN_MIN_EPOCHS to LEARN_MAX_EPOCHS, so a
 * small log trains to convergence and a large one within minutes. */
static int budget_epochs(const struct fit *f)
{
	double tokens = 0;
	for (size_t i = 0; i < f->count[SPLIT_TRAIN]; i++)
		tokens += f->x.len[f->rows[SPLIT_TRAIN][i]];
	double epochs = tokens > 0 ? LEARN_TOKEN_BUDGET / tokens : LEARN_MAX_EPOCHS;
	return epochs < LEARN_MIN_EPOCHS ? LEARN_MIN_EPOCHS : epochs > LEARN_MAX_EPOCHS ? LEARN_MAX_EPOCHS : (int)epochs;
}

static int fit_run(struct pipeline *p, const char *data_path, const struct learn_opts *given, const char *out_path,
                   bool mlm, struct learn_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct learn_opts chosen = *given;  /* with the epochs, once the data says how many */
	const struct learn_opts *o = &chosen;
	if (o->ensemble < 1 || o->ensemble > MODEL_FILE_MAX_ENSEMBLE)
		return err_set(e, "an ensemble has 1 to %d encoders, not %d", MODEL_FILE_MAX_ENSEMBLE, o->ensemble);
	if (o->ensemble > 1 && (mlm || o->resume || o->stop_after))
		return err_set(e, "an ensemble of classifiers trains in one go: not with %s",
		               mlm ? "pretraining" : o->resume ? "--resume" : "--stop-after");
	if (o->prune > 0 && (!o->init || o->ensemble > 1))
		return err_set(e, "pruning starts from one trained encoder (init), not an ensemble");
	if (o->lora_rank > 0 && (!o->init || o->ensemble > 1 || o->resume || o->stop_after || o->prune > 0 || mlm))
		return err_set(e, "LoRA adapts one pretrained encoder (--init) in one go: not with %s",
		               !o->init          ? "no --init"
		               : o->ensemble > 1 ? "an ensemble"
		               : mlm             ? "pretraining"
		               : o->prune > 0    ? "pruning"
		                                 : "checkpoints");
	if (mlm && o->teacher)
		return err_set(e, "a teacher teaches a classifier: --teacher is for train, not pretraining");
	struct fit f = {.p = p, .o = o, .mlm = mlm};
	size_t n = p->t->nrows;
	int rc = -1;
	if (find_classes(&f, e))
		goto out;
	for (int s = 0; s < 3; s++)
		f.rows[s] = xmalloc((n + 1) * sizeof *f.rows[s]);
	for (size_t r = 0; r < n; r++)
		if (mlm || f.cls[r] >= 0)
			f.rows[p->part[r]][f.count[p->part[r]]++] = r;
	if ((!mlm && f.K < 2) || f.count[SPLIT_TRAIN] < 2) {
		if (mlm)
			err_set(e, "pretraining needs two training texts or more (found %zu)", f.count[SPLIT_TRAIN]);
		else
			err_set(e, "training needs two classes or more and two labelled training rows (found %d, %zu)", f.K,
			        f.count[SPLIT_TRAIN]);
		goto out;
	}
	/* Processes on one machine take one GPU each: cuda:N is the first,
	 * the next process on the machine the next GPU, round the GPUs there. */
	struct device device = o->device;
	if (device.kind == DEVICE_CUDA && dist_local_size() > 1) {
		int gpus = backend_cuda_count(e);
		if (gpus < 1)
			goto out;
		device.index = (device.index + dist_local_rank()) % gpus;
	}
	f.be = backend_new(device, o->threads, o->precision, &res->precision_note, e);
	if (!f.be)
		goto out;
	/* processes training together on GPUs sum their gradients GPU to GPU */
	if (dist_size() > 1 && f.be->ops->join && f.be->ops->join(f.be, dist_rank(), dist_size(), dist_broadcast, e))
		goto out;
	res->precision = f.be->precision == PRECISION_BF16 ? "bf16" : "fp32";
	if (make_model(&f, o->seed, res, e))
		goto out;
	const struct model_config *c = model_config(f.m);
	struct text_values tv = {0};
	if (c->values) {
		f.vt = value_tokens_new(f.wp, p->tz);
		tv = table_values(c, f.vt, p->tz, p->t, NULL, n);
		f.values = tv.x;
	}
	encode_all(f.wp, p->texts, n, c->max_seq, c->values ? &tv : NULL, &f.x);
	if (f.teacher)
		teach(&f);
	if (chosen.epochs <= 0)
		chosen.epochs = budget_epochs(&f);
	/* Class weights: inverse frequency in the training rows. */
	f.weights = xcalloc((size_t)f.K + 1, sizeof *f.weights);
	for (size_t i = 0; i < f.count[SPLIT_TRAIN] && !mlm; i++)
		f.weights[f.cls[f.rows[SPLIT_TRAIN][i]]] += 1;
	for (int k = 0; k < f.K; k++)
		f.weights[k] = o->class_weights && f.weights[k] > 0
		                       ? (float)f.count[SPLIT_TRAIN] / ((float)f.K * f.weights[k])
		                       : 1.0f;
	size_t BT = (size_t)o->batch * c->max_seq;
	batch_buffers_init(&f.bb, o->batch, c->max_seq, 1 + (size_t)c->value_knots);
	f.blabel = xmalloc((size_t)o->batch * sizeof *f.blabel);
	f.mpos = xmalloc(BT * sizeof *f.mpos);
	f.mtarget = xmalloc(BT * sizeof *f.mtarget);
	char data_hash[65] = "";
	char ckpt[4200];
	snprintf(ckpt, sizeof ckpt, "%s", o->checkpoint ? o->checkpoint : out_path);
	if (!o->checkpoint)
		snprintf(ckpt + strlen(ckpt), sizeof ckpt - strlen(ckpt), ".ckpt");
	if (sha256_file(data_path, data_hash, e))
		goto out;
	/* An ensemble's members differ in their seed (their initial weights,
	 * dropout and order of rows), one after another, each with every
	 * thread. */
	int members = o->ensemble > 1 ? o->ensemble : 1;
	int steps = 0;
	double wall = 0, tokens = 0;
	for (int k = 0; k < members; k++) {
		if (k && next_member(&f, o->seed + (uint64_t)k, e))
			goto out;
		res->steps = 0;
		/* Ensembles and LoRA runs go in one go: a checkpoint holds one
		 * model's whole state, not an ensemble's or the adapters' */
		int trained = train_encoder(&f, o->seed + (uint64_t)k, data_hash, members > 1 || f.lora ? NULL : ckpt,
		                            res, e);
		if (trained) {
			rc = trained > 0 ? 0 : -1;
			goto out;
		}
		f.ensemble[f.nensemble++] = f.m;
		f.m = NULL;
		steps += res->steps;
		wall += res->wall_s;
		tokens += res->tokens_per_s * res->wall_s;
	}
	res->encoders = members;
	res->steps = steps;
	res->wall_s = wall;
	res->tokens_per_s = wall > 0 ? tokens / wall : 0;
	/* What follows (the test rows, the referee, the casebook) serves the
	 * model file, which rank 0 alone writes. */
	if (dist_rank() != 0) {
		rc = 0;
		goto out;
	}
	if (f.count[SPLIT_TEST] && !mlm) {
		double test_loss;
		res->test_macro_f1 = evaluate(f.ensemble, f.nensemble, &f.x, f.rows[SPLIT_TEST], f.cls, f.count[SPLIT_TEST],
		                              o->batch, &test_loss);
		res->test_rows = (long)f.count[SPLIT_TEST];
	}
	if (members > 1 && f.count[SPLIT_DEV] && !mlm)
		res->dev_macro_f1 = evaluate(f.ensemble, f.nensemble, &f.x, f.rows[SPLIT_DEV], f.cls, f.count[SPLIT_DEV],
		                             o->batch, &res->dev_loss);
	res->stacked = o->stack && !mlm;
	if (!mlm)
		fit_referee(&f, res);
	rc = save_model(&f, data_path, out_path, res, e);
out:
	fit_free(&f);
	return rc;
}

int learn_train(struct pipeline *p, const char *data_path, const struct learn_opts *o, const char *out_path,
                struct learn_result *res, struct err *e)
{
	return fit_run(p, data_path, o, out_path, false, res, e);
}

int learn_pretrain(struct pipeline *p, const char *data_path, const struct learn_opts *o, const char *out_path,
                   struct learn_result *res, struct err *e)
{
	return fit_run(p, data_path, o, out_path, true, res, e);
}

static void warn_leak(void *ctx, const char *column, double acc)
{
	fprintf(ctx, "lathe: warning: column \"%s\" alone predicts the label for %.1f%% of the rows: "
	             "is it the label's own source (leakage)? Exclude it from the text if so\n",
	        column, 100 * acc);
}

static void print_counts(const struct pipeline *p, FILE *fp)
{
	struct table_groups g;
	table_groups_by(p->t, table_find(p->t, p->label), &g);
	char buf[64];
	utf8_pad(fp, "class", 24);
	fprintf(fp, " %8s %8s %8s\n", "train", "dev", "test");
	for (size_t k = 0; k < g.n; k++) {
		size_t n[3] = {0};
		for (size_t i = g.start[k]; i < g.start[k + 1]; i++)
			n[p->part[g.rows[i]]]++;
		const char *label = pipeline_label(p, g.rows[g.start[k]], buf, sizeof buf);
		utf8_pad(fp, *label ? label : "(no label)", 24);
		fprintf(fp, " %8zu %8zu %8zu\n", n[0], n[1], n[2]);
	}
	table_groups_free(&g);
}

int learn_prepare(struct pipeline *p, const struct pipeline_opts *po, const char *data, bool need_label,
                  FILE *notes, struct err *e)
{
	if (pipeline_open(p, po, e) || pipeline_load(p, data, e) || pipeline_clean(p, e))
		return -1;
	if (need_label && !p->label)
		return err_set(e, "training needs a label: --label COLUMN, or a rules script with label()") - 1;
	int rc = pipeline_textualize(p, e);
	if (rc)
		return rc;
	if (notes && p->split_note[0])
		fprintf(notes, "lathe: note: %s\n", p->split_note);
	if (p->label && notes) {
		print_counts(p, notes);
		if (!p->samples)
			learn_leakage(p, 0.99, warn_leak, notes);
	}
	return 0;
}

/* ---- applying a model ---- */

int learner_load(const char *path, int max_batch, struct learner *l, struct err *e)
{
	return learner_load_on(path, (struct device){DEVICE_CPU, 0}, max_batch, l, e);
}

int learner_load_on(const char *path, struct device d, int max_batch, struct learner *l, struct err *e)
{
	memset(l, 0, sizeof *l);
	l->max_batch = max_batch;
	l->path = xstrdup(path);
	const char *note;
	/* Threads: the libraries' own (a training sets them); fp32, which
	 * every processor runs the same way. */
	l->be = backend_new(d, 0, PRECISION_ASK_FP32, &note, e);
	if (!l->be || model_file_load(path, l->be, max_batch, &l->model, &l->mf, e)) {
		backend_free(l->be);
		l->be = NULL;
		free(l->path);
		l->path = NULL;
		return -1;
	}
	const struct model_casebook *cb = &l->mf.casebook;
	l->temperature = calib_fit_temperature(cb->dev_probs, cb->dev_label, cb->ndev, (int)l->mf.nlabels);
	l->threshold_miss = l->threshold_false_alarm = NAN;
	l->normal = -1;
	/* the dev rows' most common class, or without dev rows the cases' */
	size_t *count = xcalloc(l->mf.nlabels + 1, sizeof *count), n = cb->ndev ? cb->ndev : cb->ncases;
	const int32_t *label = cb->ndev ? cb->dev_label : cb->label;
	for (size_t i = 0; i < n; i++)
		if (++count[label[i]] > (l->normal < 0 ? 0 : count[l->normal]))
			l->normal = label[i];
	free(count);
	l->wp = wordpiece_from_tokens((const char *const *)l->mf.vocab, l->mf.nvocab, e);
	if (!l->wp) {
		err_prefix(e, "%s: ", path);
		learner_free(l);
		return -1;
	}
	/* The data-path settings, parsed once: the strings they lend to
	 * pipeline options live as long as the learner, whatever number of
	 * pipelines it opens. */
	json_t *o = json_loads(l->mf.pipeline ? l->mf.pipeline : "", 0, NULL);
	if (json_is_object(o)) {
		l->settings = o;
		const char *file = json_string_value(json_object_get(o, "rules_file"));
		const char *base = file && strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		snprintf(l->rules_name, sizeof l->rules_name, "%s (rules %s)", l->path, base && *base ? base : "script");
	} else {
		json_decref(o);
	}
	return 0;
}

int learner_load_classifier(const char *path, struct device d, int max_batch, struct learner *l, struct err *e)
{
	if (learner_load_on(path, d, max_batch, l, e))
		return -1;
	if (l->mf.nlabels > 0)
		return 0;
	learner_free(l);
	return err_set(e, "%s is a pretrained encoder with no classes to diagnose: fine-tune it on labelled data "
	                  "(lathe train LOG --init %s)",
	               path, path);
}

void learner_free(struct learner *l)
{
	model_free(l->model);
	model_file_free(&l->mf);
	backend_free(l->be);
	wordpiece_free(l->wp);
	json_decref(l->settings);
	free(l->path);
	memset(l, 0, sizeof *l);
}

static const char *setting(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Whether the model's rules script defines hook (clean, label,
 * textualize); a model from before the list was kept may have any. */
static bool rules_define(json_t *o, const char *hook, bool unknown)
{
	json_t *hooks = json_object_get(o, "rules_hooks"), *h;
	if (!json_is_array(hooks))
		return unknown;
	size_t i;
	json_array_foreach(hooks, i, h) {
		if (json_is_string(h) && strcmp(json_string_value(h), hook) == 0)
			return true;
	}
	return false;
}

/* A model's rules script runs only as it was when the model was trained:
 * its SHA-256 must match the one the manifest recorded, and without one
 * it does not run at all. */
static int check_rules_hash(const struct learner *l, const char *script, struct err *e)
{
	json_t *m = json_loads(l->mf.manifest ? l->mf.manifest : "", 0, NULL);
	const char *want = json_string_value(json_object_get(m, "rules_sha256"));
	char got[65];
	sha256_text(script, strlen(script), got);
	int rc = 0;
	if (!want)
		rc = err_set(e, "%s: its rules script has no SHA-256 in the manifest, so it is not run", l->path);
	else if (strcmp(want, got) != 0)
		rc = err_set(e, "%s: its rules script does not match the SHA-256 in its manifest (changed after training?), "
		                "so it is not run",
		             l->path);
	json_decref(m);
	return rc;
}

int learner_pipeline_opts(const struct learner *l, struct pipeline_opts *po, struct err *e)
{
	json_t *o = l->settings;
	if (!o)
		return err_set(e, "%s: its data-path settings are missing", l->path);
	po->label = setting(o, "label");
	po->machine = setting(o, "machine");
	po->time = setting(o, "time");
	/* The script travels inside the model; the path it was read from at
	 * training only names it in messages and is never opened. */
	po->rules_text = po->no_rules ? NULL : setting(o, "rules");
	po->rules_path = NULL;
	if (!po->rules_text) {
		json_t *r = json_object_get(o, "rules");
		if (!po->no_rules && r && !json_is_null(r))
			return err_set(e, "%s: its rules script is not text", l->path);
		if (po->no_rules && json_is_string(r) && rules_define(o, "textualize", false))
			return err_set(e, "%s: its rules script defines textualize(), so the model's texts cannot be made without it",
			               l->path);
		/* Without the script nothing makes its label column. */
		if (po->no_rules && json_is_string(r) && rules_define(o, "label", true))
			po->label = NULL;
		return 0;
	}
	if (check_rules_hash(l, po->rules_text, e))
		return -1;
	po->rules_path = l->rules_name;
	return 0;
}

static void predict_texts(struct learner *l, char *const *texts, size_t n, const struct text_values *tv,
                          float *probs, float *emb)
{
	int max_seq = model_config(l->model)->max_seq;
	struct encoded x;
	encode_all(l->wp, texts, n, max_seq, tv, &x);
	l->texts_cut += x.cut;
	size_t *idx = xmalloc((n + 1) * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	struct model *models[MODEL_FILE_MAX_ENSEMBLE] = {l->model};
	for (size_t k = 0; k < l->mf.nmembers && k + 1 < MODEL_FILE_MAX_ENSEMBLE; k++)
		models[k + 1] = l->mf.members[k];
	predict_encoded(models, 1 + l->mf.nmembers, &x, idx, n, l->max_batch, 1, probs, emb);
	free(idx);
	encoded_free(&x);
}

bool learner_take_cut_note(struct learner *l, char *buf, size_t size)
{
	if (!l->texts_cut)
		return false;
	snprintf(buf, size, "%zu text%s longer than the model's %d tokens %s cut: the facts past the limit were not read",
	         l->texts_cut, l->texts_cut == 1 ? "" : "s", model_config(l->model)->max_seq,
	         l->texts_cut == 1 ? "was" : "were");
	l->texts_cut = 0;
	return true;
}

void learner_predict(struct learner *l, char *const *texts, size_t n, float *probs)
{
	predict_texts(l, texts, n, NULL, probs, NULL);
}

void learner_answer(const struct learner *l, const float *probs, bool unicode, struct strbuf *out)
{
	size_t K = l->mf.nlabels, w = 8;
	size_t *order = xmalloc((K + 1) * sizeof *order);
	for (size_t k = 0; k < K; k++) {
		order[k] = k;
		if (utf8_width(l->mf.labels[k]) > w)
			w = utf8_width(l->mf.labels[k]);
	}
	for (size_t i = 1; i < K; i++)
		for (size_t j = i; j > 0 && probs[order[j]] > probs[order[j - 1]]; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < K; i++) {
		size_t k = order[i];
		strbuf_printf(out, "  %s%*s %6.2f%%  ", l->mf.labels[k], (int)(w - utf8_width(l->mf.labels[k])), "",
		              100 * probs[k]);
		strbuf_repeat(out, unicode ? "\xE2\x96\x88" : "#", (size_t)(probs[k] * 40 + 0.5f));
		strbuf_puts(out, "\n");
	}
	free(order);
}

int learner_class(const struct learner *l, const char *label)
{
	for (size_t k = 0; k < l->mf.nlabels; k++)
		if (strcmp(l->mf.labels[k], label) == 0)
			return (int)k;
	return -1;
}

void learn_leakage(const struct pipeline *p, double share, void (*warn)(void *ctx, const char *column, double acc),
                   void *ctx)
{
	const struct table *t = p->t;
	long lc = p->label ? table_find(t, p->label) : -1;
	if (lc < 0 || t->nrows == 0)
		return;
	size_t col = (size_t)lc, nlab;
	size_t *lab = table_group_ids(t, &col, 1, &nlab);
	size_t *count = xcalloc(nlab + 1, sizeof *count), majority = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (++count[lab[r]] > majority)
			majority = count[lab[r]];
	/* A column that beats the majority guess by that much is suspect. */
	if ((double)majority / (double)t->nrows < share) {
		for (size_t c = 0; c < t->ncols; c++) {
			/* Only what the model reads can leak: columns the texts leave
			 * out (excluded, or never made facts) are no risk, unless the
			 * rules' own textualize() may read any of them. */
			bool read = !p->tz || (p->rules && rules_has_textualize(p->rules)) || textualize_reads_column(p->tz, c);
			if ((long)c == lc || !read)
				continue;
			size_t pair[2] = {c, (size_t)lc}, nval, npair;
			size_t *val = table_group_ids(t, &c, 1, &nval);
			if (nval > 50) {
				free(val);
				continue;
			}
			size_t *both = table_group_ids(t, pair, 2, &npair);
			/* For each value, its most common label; count the rows it gets right. */
			size_t *pc = xcalloc(npair + 1, sizeof *pc), *best = xcalloc(nval + 1, sizeof *best);
			for (size_t r = 0; r < t->nrows; r++)
				pc[both[r]]++;
			for (size_t r = 0; r < t->nrows; r++)
				if (pc[both[r]] > best[val[r]])
					best[val[r]] = pc[both[r]];
			size_t right = 0;
			for (size_t v = 0; v < nval; v++)
				right += best[v];
			double acc = (double)right / (double)t->nrows;
			if (acc >= share)
				warn(ctx, t->cols[c].name, acc);
			free(pc);
			free(best);
			free(both);
			free(val);
		}
	}
	free(count);
	free(lab);
}

int learner_prepare(struct learner *l, struct pipeline_opts *po, const char *data, struct pipeline *p,
                    struct err *e)
{
	memset(p, 0, sizeof *p);
	if (learner_pipeline_opts(l, po, e) || pipeline_open(p, po, e) || pipeline_load(p, data, e))
		return -1;
	const char *input = setting(l->settings, "input");
	if (!p->samples && input && strcmp(input, "samples") == 0)
		return err_set(e, "%s: this model learned from textualized samples, so it reads JSON Lines samples or "
		                  "free text, not a CSV log",
		               data);
	const struct model_config *c = model_config(l->model);
	/* Its words alone would score a different model from the one diagnose
	 * runs on a log: no readings, no trees. */
	if (p->samples && (c->values || (l->mf.trees.nnodes && l->mf.blend < 1)))
		return err_set(e, "%s: the model reads the readings behind its words (%s), and samples carry words only: "
		                  "give it the CSV log (a model trained with --no-values --no-stack reads samples)",
		               data, c->values ? "value-aware facts" : "its trees");
	if (pipeline_clean(p, e) || pipeline_textualize_with(p, l->mf.textualizer, e))
		return -1;
	if (l->mf.trees.nnodes && p->tz && textualize_nvalues(p->tz) != (size_t)l->mf.trees.nfeat)
		return err_set(e, "%s: its trees read %d readings; this data gives %zu", l->path, l->mf.trees.nfeat,
		               textualize_nvalues(p->tz));
	return c->values && p->tz ? check_values(c, p->tz, e) : 0;
}

void learner_predict_rows(struct learner *l, const struct pipeline *p, const size_t *rows, size_t n, float *probs)
{
	learner_embed_rows(l, p, rows, n, probs, NULL);
}

void learner_embed_rows(struct learner *l, const struct pipeline *p, const size_t *rows, size_t n, float *probs,
                        float *emb)
{
	const struct model_config *c = model_config(l->model);
	/* A blend that is all trees needs no encoder pass for its answer. */
	if (!emb && l->mf.blend == 0 && learner_has_trees(l, p)) {
		learner_predict_trees(l, p, rows, n, probs);
		return;
	}
	/* Samples carry no readings: their texts alone go in. */
	bool values = c->values && p->tz;
	char **texts = xmalloc((n + 1) * sizeof *texts);
	for (size_t i = 0; i < n; i++)
		texts[i] = p->texts[rows ? rows[i] : i];
	struct text_values tv = {0};
	if (values)
		tv = table_values(c, value_tokens_new(l->wp, p->tz), p->tz, p->t, rows, n);
	predict_texts(l, texts, n, values ? &tv : NULL, probs, emb);
	value_tokens_free(tv.vt);
	free(tv.x);
	free(texts);
	if (l->mf.blend < 1 && learner_has_trees(l, p)) {
		size_t K = l->mf.nlabels;
		float *trees = xmalloc((n * K + 1) * sizeof *trees);
		learner_predict_trees(l, p, rows, n, trees);
		blend_probs(probs, trees, n, (int)K, l->mf.blend, probs);
		free(trees);
	}
}

bool learner_has_trees(const struct learner *l, const struct pipeline *p)
{
	return l->mf.trees.nnodes && p->tz && textualize_nvalues(p->tz) == (size_t)l->mf.trees.nfeat;
}

void learner_predict_trees(const struct learner *l, const struct pipeline *p, const size_t *rows, size_t n,
                           float *probs)
{
	size_t nv = (size_t)l->mf.trees.nfeat;
	float *x = xmalloc((n * nv + 1) * sizeof *x);
	for (size_t i = 0; i < n; i++)
		textualize_readings(p->tz, p->t, rows ? rows[i] : i, x + i * nv);
	trees_predict(&l->mf.trees, x, n, probs);
	free(x);
}

int learner_apply(struct learner *l, struct pipeline_opts *po, const char *data, struct pipeline *p, float **probs,
                  struct err *e)
{
	*probs = NULL;
	if (learner_prepare(l, po, data, p, e))
		return -1;
	*probs = xmalloc((p->t->nrows * l->mf.nlabels + 1) * sizeof **probs);
	learner_predict_rows(l, p, NULL, p->t->nrows, *probs);
	return 0;
}

/* Scores probs, one row of K for each of rows (all rows when NULL). */
static size_t score_rows(const struct learner *l, const struct pipeline *p, const size_t *rows, size_t n,
                         const float *probs, struct metrics *mt, size_t *unseen)
{
	size_t K = l->mf.nlabels, m = 0;
	int32_t *truth = xmalloc((n + 1) * sizeof *truth), *pred = xmalloc((n + 1) * sizeof *pred);
	char buf[64];
	*unseen = 0;
	for (size_t i = 0; i < n; i++) {
		int c = learner_class(l, pipeline_label(p, rows ? rows[i] : i, buf, sizeof buf));
		if (c < 0) {
			(*unseen)++;
			continue;
		}
		truth[m] = c;
		pred[m++] = argmax(probs + i * K, (int)K);
	}
	metrics_compute(mt, truth, pred, m, (int)K);
	free(truth);
	free(pred);
	return m;
}

void learner_score(const struct learner *l, const struct pipeline *p, const float *probs, struct metrics *mt,
                   size_t *unseen)
{
	score_rows(l, p, NULL, p->t->nrows, probs, mt, unseen);
}

size_t learner_score_part(struct learner *l, const struct pipeline *p, enum split_part part, struct metrics *mt)
{
	size_t n = 0, unseen;
	size_t *rows = xmalloc((p->t->nrows + 1) * sizeof *rows);
	for (size_t r = 0; r < p->t->nrows; r++)
		if (p->part[r] == part)
			rows[n++] = r;
	float *probs = xmalloc((n * l->mf.nlabels + 1) * sizeof *probs);
	learner_predict_rows(l, p, rows, n, probs);
	size_t m = score_rows(l, p, rows, n, probs, mt, &unseen);
	free(probs);
	free(rows);
	return m;
}
