#include "config.h"
#include "model.h"

#include "ml/matmul_dnnl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LN_PARAMS(prefix) prefix ".weight", prefix ".bias"

/* Parameters of one encoder layer, in the order they are laid out. */
enum {
	P_QKV_W, P_QKV_B, P_O_W, P_O_B, P_LN1_G, P_LN1_B, P_FF1_W, P_FF1_B, P_FF2_W, P_FF2_B, P_LN2_G, P_LN2_B, P_LAYER
};

/* Per-layer activations kept for backward. */
struct layer_acts {
	float *in, *qkv, *att, *ctx, *o, *o_mask, *res1, *x1, *ln1_mean, *ln1_rstd;
	float *ff1, *gelu, *ff2, *ff2_mask, *res2, *ln2_mean, *ln2_rstd;
};

struct model {
	struct model_config c;
	struct backend *be;
	bool train; /* has gradients, optimizer state, backward scratch */
	int max_batch;
	size_t max_masked;          /* masked-LM positions a batch may have */
	bool dropout_on;            /* in the last forward */
	bool *frozen;               /* per parameter; NULL: none is */
	struct model_param *p;
	size_t np;
	/* In the backend's memory: the f32 parameters (weights, gradients,
	 * Adam moments), and the int8 or bf16 ones with their scales. */
	float *w, *g, *am, *av;
	size_t n; /* f32 parameter floats */
	void *wl; /* the other dtypes' storage */
	float *ws;
	size_t nl_bytes, nscales;
	/* Where the backend has no exact int8 products, each i8 parameter's
	 * f32 copy, made as it is written, for the products to read:
	 * compute[i] places it in wf (SIZE_MAX: none). */
	float *wf;
	size_t nf, *compute;
	/* the batch's inputs, uploaded */
	int32_t *in_tok, *in_value_fact, *in_label, *in_target;
	int *in_len, *in_qoff_all, *in_qoff_head;
	uint64_t *in_key;
	float *in_value_enc, *in_class_weight, *in_soft;
	int adam_t;
	struct rng rng;
	/* activations */
	float *emb, *emb_ln, *emb_mean, *emb_rstd, *emb_mask;
	struct layer_acts *la;
	/* The last layer computes only the positions its head reads ([CLS],
	 * or the masked positions): their queries and inputs gathered, and
	 * the query row ranges per sequence, for every position and for the
	 * head's. */
	size_t max_queries;
	float *q_sel, *in_sel, *dq_sel;
	int *qoff_all, *qoff_head;
	int32_t *head_rows;
	uint64_t *row_key; /* host: names the dropout draws of a batch that brings none */
	float *head_in, *pool_pre, *pool_out, *head_logits, *head_dlogits;
	float *mlm_h, *mlm_dense, *mlm_gelu, *mlm_ln, *mlm_mean, *mlm_rstd;
	/* backward scratch */
	float *d_a, *d_b, *d_c, *d_big, *d_qkv, *d_att;
	float *arena;
};

int model_config_check(const struct model_config *c, struct err *e)
{
	if (c->vocab < 8 || c->max_seq < 2 || c->C < 2 || c->layers < 1 || c->heads < 1 || c->ff < 1 || c->classes < 0)
		return err_set(e, "model config: every size must be positive (vocab >= 8, max_seq >= 2)");
	/* Bounds well above any model this tool trains on a CPU, so that a
	 * config read from a file cannot ask for terabytes. */
	if (c->vocab > MODEL_MAX_VOCAB || c->max_seq > MODEL_MAX_SEQ || c->C > MODEL_MAX_HIDDEN ||
	    c->layers > MODEL_MAX_LAYERS || c->heads > c->C || c->ff > 4 * MODEL_MAX_HIDDEN || c->classes > MODEL_MAX_CLASSES)
		return err_set(e, "model config: a size is out of range (vocab <= %d, max_seq <= %d, hidden <= %d, layers <= %d, "
		                  "heads <= hidden, ff <= %d, classes <= %d)",
		               MODEL_MAX_VOCAB, MODEL_MAX_SEQ, MODEL_MAX_HIDDEN, MODEL_MAX_LAYERS, 4 * MODEL_MAX_HIDDEN,
		               MODEL_MAX_CLASSES);
	if (c->head_size < 0 || c->head_size > MODEL_MAX_HIDDEN || (long)c->head_size * c->heads > 4 * MODEL_MAX_HIDDEN)
		return err_set(e,
		               "model config: head_size must be from 0 (hidden / heads) to %d, heads * head_size at "
		               "most %d",
		               MODEL_MAX_HIDDEN, 4 * MODEL_MAX_HIDDEN);
	if (!c->head_size && c->C % c->heads)
		return err_set(e, "model config: hidden size %d is not a multiple of %d heads", c->C, c->heads);
	if (c->values < 0 || c->values > MODEL_MAX_VALUES)
		return err_set(e, "model config: values must be from 0 to %d", MODEL_MAX_VALUES);
	if (c->value_knots < 0 || c->value_knots > MODEL_MAX_VALUE_KNOTS)
		return err_set(e, "model config: value_knots must be from 0 to %d", MODEL_MAX_VALUE_KNOTS);
	if (c->dropout < 0 || c->dropout >= 1)
		return err_set(e, "model config: dropout %g is outside [0, 1)", (double)c->dropout);
	return 0;
}

int model_attention_width(const struct model_config *c)
{
	return c->heads * (c->head_size ? c->head_size : c->C / c->heads);
}

int model_config_named(const char *name, struct model_config *c, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->dropout = 0.1f;
	c->classes = 4;
	if (strcmp(name, "tiny") == 0) {
		c->vocab = 2048, c->C = 128, c->layers = 2, c->heads = 4, c->ff = 512, c->max_seq = 64;
	} else if (strcmp(name, "small") == 0) {
		c->vocab = 8192, c->C = 256, c->layers = 4, c->heads = 4, c->ff = 1024, c->max_seq = 128;
	} else {
		return err_set(e, "unknown model config '%s' (tiny or small)", name);
	}
	return 0;
}

static void add_param(struct model *m, const char *name, int ndim, int64_t d0, int64_t d1, bool decay)
{
	m->p = xrealloc(m->p, (m->np + 1) * sizeof *m->p);
	struct model_param *p = &m->p[m->np++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->ndim = ndim;
	p->shape[0] = d0;
	p->shape[1] = ndim > 1 ? d1 : 0;
	p->count = (size_t)d0 * (size_t)(ndim > 1 ? d1 : 1);
	p->offset = m->n;
	p->decay = decay;
	m->n += p->count;
}

/* The parameter list; names follow Hugging Face's BERT where one exists. */
static void layout(struct model *m)
{
	const struct model_config *c = &m->c;
	char name[96];
	add_param(m, "embeddings.word_embeddings.weight", 2, c->vocab, c->C, true);
	add_param(m, "embeddings.position_embeddings.weight", 2, c->max_seq, c->C, true);
	add_param(m, "embeddings.LayerNorm.weight", 1, c->C, 0, false);
	add_param(m, "embeddings.LayerNorm.bias", 1, c->C, 0, false);
	static const char *const parts[P_LAYER] = {
		"attention.self.qkv.weight",      "attention.self.qkv.bias",      "attention.output.dense.weight",
		"attention.output.dense.bias",    LN_PARAMS("attention.output.LayerNorm"),
		"intermediate.dense.weight",      "intermediate.dense.bias",      "output.dense.weight",
		"output.dense.bias",              LN_PARAMS("output.LayerNorm"),
	};
	for (int l = 0; l < c->layers; l++)
		for (int k = 0; k < P_LAYER; k++) {
			snprintf(name, sizeof name, "encoder.layer.%d.%s", l, parts[k]);
			int64_t A = model_attention_width(c);
			int64_t rows = k == P_QKV_W || k == P_QKV_B   ? 3 * A
			               : k == P_FF1_W || k == P_FF1_B ? c->ff
			                                              : c->C;
			int64_t cols = k == P_FF2_W ? c->ff : k == P_O_W ? A : c->C;
			bool matrix = k == P_QKV_W || k == P_O_W || k == P_FF1_W || k == P_FF2_W;
			add_param(m, name, matrix ? 2 : 1, rows, cols, matrix);
		}
	if (c->classes > 0) {
		add_param(m, "pooler.dense.weight", 2, c->C, c->C, true);
		add_param(m, "pooler.dense.bias", 1, c->C, 0, false);
		add_param(m, "classifier.weight", 2, c->classes, c->C, true);
		add_param(m, "classifier.bias", 1, c->classes, 0, false);
	}
	add_param(m, "cls.predictions.transform.dense.weight", 2, c->C, c->C, true);
	add_param(m, "cls.predictions.transform.dense.bias", 1, c->C, 0, false);
	add_param(m, "cls.predictions.transform.LayerNorm.weight", 1, c->C, 0, false);
	add_param(m, "cls.predictions.transform.LayerNorm.bias", 1, c->C, 0, false);
	add_param(m, "cls.predictions.bias", 1, c->vocab, 0, false);
	if (c->values > 0)
		add_param(m, "embeddings.value_directions", 2, (int64_t)c->values * (1 + c->value_knots), c->C, true);
}

size_t model_layout(const struct model_config *c, struct model_param **list)
{
	struct model m = {.c = *c};
	layout(&m);
	*list = m.p;
	return m.np;
}

/* An f32 parameter, in the backend's memory. */
static float *P(const struct model *m, size_t i)
{
	return m->w + m->p[i].store;
}

static float *G(const struct model *m, size_t i)
{
	return m->g + m->p[i].store;
}

/* A matrix as the products take it, whatever its dtype. */
static struct weight PW(const struct model *m, size_t i) {
	const struct model_param *p = &m->p[i];
	if (p->dtype == DTYPE_F32)
		return (struct weight){.data = m->w + p->store, .dtype = DTYPE_F32};
	if (m->compute[i] != SIZE_MAX)
		return (struct weight){.data = m->wf + m->compute[i], .dtype = DTYPE_F32};
	return (struct weight){.data = (const char *)m->wl + p->store,
	                       .scale = p->dtype == DTYPE_I8 ? m->ws + p->scale : NULL,
	                       .dtype = p->dtype};
}

/* Index of a layer parameter. */
static size_t
LP(int l, int k)
{
	return 4 + (size_t)l * P_LAYER + (size_t)k;
}

/* Index of the first head parameter: the pooler, then the classifier
 * (with classes), then the MLM head. */
static size_t head_index(const struct model *m)
{
	return 4 + (size_t)m->c.layers * P_LAYER;
}

static size_t mlm_index(const struct model *m)
{
	return head_index(m) + (m->c.classes > 0 ? 4 : 0);
}

/* The value directions come last, so the indices above stay. */
static size_t value_index(const struct model *m)
{
	return mlm_index(m) + 5;
}

static double gauss(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Places every activation and scratch buffer in one arena; with base
 * NULL only counts the floats needed. An inference model keeps no
 * activations for backward: its layers share one set (each layer's output
 * overwrites its input only after the last read of it), and it has no
 * dropout masks or backward scratch. */
static size_t arena_layout(struct model *m, float *base)
{
	const struct model_config *c = &m->c;
	size_t BT = (size_t)m->max_batch * c->max_seq, C = (size_t)c->C, F = (size_t)c->ff, Q = m->max_queries;
	size_t A = (size_t)model_attention_width(c), A3 = 3 * A;
	size_t att = BT * c->heads * c->max_seq, wide = BT * (A3 > F ? A3 : F);
	wide = wide > BT * C ? wide : BT * C;
	size_t head = (size_t)m->max_batch * c->classes > m->max_masked * c->vocab ? (size_t)m->max_batch * c->classes
	                                                                          : m->max_masked * c->vocab;
	size_t used = 0;
#define TAKE(ptr, count) ((ptr) = base ? base + used : NULL, used += (count))
	bool train = m->train;
	TAKE(m->emb, BT * C);
	TAKE(m->emb_ln, BT * C);
	TAKE(m->emb_mask, train ? BT * C : 0);
	TAKE(m->emb_mean, BT);
	TAKE(m->emb_rstd, BT);
	for (int l = 0; l < c->layers; l++) {
		struct layer_acts *L = &m->la[l];
		if (!train && l > 0) {
			*L = m->la[0];
			continue;
		}
		TAKE(L->in, BT * C);
		TAKE(L->qkv, BT * A3);
		TAKE(L->att, att);
		TAKE(L->ctx, BT * A);
		TAKE(L->o, BT * C);
		TAKE(L->o_mask, train ? BT * C : 0);
		TAKE(L->res1, BT * C);
		TAKE(L->x1, BT * C);
		TAKE(L->ff1, BT * F);
		TAKE(L->gelu, BT * F);
		TAKE(L->ff2, BT * C);
		TAKE(L->ff2_mask, train ? BT * C : 0);
		TAKE(L->res2, BT * C);
		TAKE(L->ln1_mean, BT);
		TAKE(L->ln1_rstd, BT);
		TAKE(L->ln2_mean, BT);
		TAKE(L->ln2_rstd, BT);
	}
	TAKE(m->q_sel, Q * A3);
	TAKE(m->in_sel, Q * C);
	TAKE(m->dq_sel, train ? Q * A3 : 0);
	TAKE(m->head_in, Q * C);
	TAKE(m->pool_pre, Q * C);
	TAKE(m->pool_out, Q * C);
	TAKE(m->mlm_h, Q * C);
	TAKE(m->mlm_dense, Q * C);
	TAKE(m->mlm_gelu, Q * C);
	TAKE(m->mlm_ln, Q * C);
	TAKE(m->mlm_mean, Q);
	TAKE(m->mlm_rstd, Q);
	TAKE(m->head_logits, head);
	TAKE(m->head_dlogits, head);
	TAKE(m->d_a, train ? BT * C : 0);
	TAKE(m->d_b, train ? BT * C : 0);
	TAKE(m->d_c, train ? BT * C : 0);
	TAKE(m->d_big, train ? wide : 0);
	TAKE(m->d_qkv, train ? BT * A3 : 0);
	TAKE(m->d_att, train ? (size_t)c->max_seq * c->max_seq : 0);
#undef TAKE
	return used;
}

bool model_param_quantizable(const struct model *m, size_t i)
{
	if (i == 0 || (m->c.values > 0 && i == value_index(m)))
		return true; /* the token embeddings, the value directions: tables read by rows */
	const char *n = m->p[i].name;
	size_t len = strlen(n);
	bool weight = len > 7 && strcmp(n + len - 7, ".weight") == 0;
	return weight && m->p[i].ndim == 2 && strncmp(n, "embeddings.", 11) != 0;
}

static size_t stored_size(enum dtype t)
{
	return t == DTYPE_F32 ? 4 : t == DTYPE_BF16 ? 2 : 1;
}

/* Places each parameter in the storage of its dtype; -1 when a dtype is
 * not one the parameter may have. */
static int place_params(struct model *m, const enum dtype *dtype, struct err *e)
{
	m->n = m->nl_bytes = m->nscales = m->nf = 0;
	m->compute = xmalloc((m->np + 1) * sizeof *m->compute);
	for (size_t i = 0; i < m->np; i++) {
		struct model_param *p = &m->p[i];
		m->compute[i] = SIZE_MAX;
		p->dtype = dtype ? dtype[i] : DTYPE_F32;
		if (p->dtype != DTYPE_F32 && (m->train || !model_param_quantizable(m, i)))
			return err_set(e, "parameter %s must be F32%s", p->name, m->train ? " to train" : "");
		if (p->dtype == DTYPE_F32) {
			p->store = m->n;
			m->n += p->count;
		} else {
			p->store = m->nl_bytes;
			m->nl_bytes += (p->count * stored_size(p->dtype) + 63) & ~(size_t)63;
			p->scale = m->nscales;
			m->nscales += p->dtype == DTYPE_I8 ? (size_t)p->shape[0] : 0;
			if (p->dtype == DTYPE_I8 && !m->be->int8_products) {
				m->compute[i] = m->nf;
				m->nf += p->count;
			}
		}
	}
	return 0;
}

static void *take(struct model *m, size_t bytes, bool *failed)
{
	void *p = m->be->ops->alloc(m->be, bytes);
	*failed = *failed || !p;
	return p;
}

/* The batch's inputs, in the backend's memory. */
static bool alloc_inputs(struct model *m)
{
	const struct model_config *c = &m->c;
	size_t B = (size_t)m->max_batch, BT = B * (size_t)c->max_seq, W = 1 + (size_t)c->value_knots;
	bool failed = false;
	m->in_tok = take(m, BT * sizeof(int32_t), &failed);
	m->in_value_fact = take(m, BT * sizeof(int32_t), &failed);
	m->in_value_enc = take(m, BT * W * sizeof(float), &failed);
	m->in_label = take(m, B * sizeof(int32_t), &failed);
	m->in_target = take(m, m->max_masked * sizeof(int32_t), &failed);
	m->in_class_weight = take(m, ((size_t)c->classes + 1) * sizeof(float), &failed);
	m->in_soft = take(m, (B * (size_t)c->classes + 1) * sizeof(float), &failed);
	m->in_len = take(m, B * sizeof(int), &failed);
	m->in_qoff_all = take(m, (B + 1) * sizeof(int), &failed);
	m->in_qoff_head = take(m, (B + 1) * sizeof(int), &failed);
	m->in_key = take(m, B * sizeof(uint64_t), &failed);
	return !failed;
}

struct model *model_new(const struct model_config *c, struct backend *be, const struct model_opts *o, struct err *e)
{
	if (model_config_check(c, e))
		return NULL;
	if (o->max_batch < 1)
		return err_set(e, "batch size must be positive"), NULL;
	struct model *m = xcalloc(1, sizeof *m);
	m->c = *c;
	m->be = be;
	m->train = o->train;
	m->max_batch = o->max_batch;
	layout(m);
	if (place_params(m, o->dtype, e)) {
		model_free(m);
		return NULL;
	}
	/* At most a quarter of a batch's tokens may be masked (BERT masks
	 * 15%): the masked-LM logits are the largest buffer. */
	size_t BT = (size_t)o->max_batch * c->max_seq;
	m->max_masked = BT / 4 + (size_t)o->max_batch;
	m->max_queries = m->max_masked > (size_t)o->max_batch ? m->max_masked : (size_t)o->max_batch;
	bool failed = false;
	m->w = take(m, m->n * sizeof *m->w, &failed);
	if (m->nl_bytes) {
		m->wl = take(m, m->nl_bytes, &failed);
		m->ws = take(m, (m->nscales ? m->nscales : 1) * sizeof *m->ws, &failed);
		if (m->nf)
			m->wf = take(m, m->nf * sizeof *m->wf, &failed);
	}
	if (m->train) {
		m->g = take(m, m->n * sizeof *m->g, &failed);
		m->am = take(m, m->n * sizeof *m->am, &failed);
		m->av = take(m, m->n * sizeof *m->av, &failed);
	}
	failed = failed || !alloc_inputs(m);
	m->la = xcalloc((size_t)c->layers, sizeof *m->la);
	m->qoff_all = xcalloc((size_t)o->max_batch + 1, sizeof *m->qoff_all);
	m->qoff_head = xcalloc((size_t)o->max_batch + 1, sizeof *m->qoff_head);
	m->head_rows = xcalloc((size_t)o->max_batch, sizeof *m->head_rows);
	m->row_key = xcalloc((size_t)o->max_batch, sizeof *m->row_key);
	size_t total = arena_layout(m, NULL);
	m->arena = !failed && total <= MODEL_MAX_ARENA ? take(m, total * sizeof *m->arena, &failed) : NULL;
	if (!m->arena) {
		model_free(m);
		return err_set(e, "out of memory for a model with batches of %d x %d", o->max_batch, c->max_seq), NULL;
	}
	arena_layout(m, m->arena);
	rng_seed(&m->rng, o->seed);
	float *host = xmalloc((model_param_count(m) + 1) * sizeof *host);
	for (size_t i = 0; i < m->np; i++) {
		float *w = host + m->p[i].offset;
		bool gain = strstr(m->p[i].name, "LayerNorm.weight") != NULL;
		for (size_t k = 0; k < m->p[i].count; k++)
			w[k] = gain ? 1.0f : m->p[i].ndim == 2 ? (float)(0.02 * gauss(&m->rng)) : 0.0f;
	}
	model_restore(m, MODEL_WEIGHT, host);
	free(host);
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	struct backend *be = m->be;
	void *mem[] = {m->w,
	               m->g,
	               m->am,
	               m->av,
	               m->wl,
	               m->ws,
	               m->wf,
	               m->arena,
	               m->in_tok,
	               m->in_value_fact,
	               m->in_value_enc,
	               m->in_label,
	               m->in_target,
	               m->in_class_weight,
	               m->in_soft,
	               m->in_len,
	               m->in_qoff_all,
	               m->in_qoff_head,
	               m->in_key};
	for (size_t i = 0; i < sizeof mem / sizeof *mem; i++)
		if (mem[i])
			be->ops->release(be, mem[i]);
	free(m->p);
	free(m->frozen);
	free(m->compute);
	free(m->la);
	free(m->qoff_all);
	free(m->qoff_head);
	free(m->head_rows);
	free(m->row_key);
	free(m);
}

const struct model_config *model_config(const struct model *m)
{
	return &m->c;
}

struct backend *model_backend(const struct model *m)
{
	return m->be;
}

bool model_trainable(const struct model *m)
{
	return m->train;
}

void model_pooled(const struct model *m, int B, float *host)
{
	m->be->ops->download(m->be, host, m->pool_out, (size_t)B * m->c.C * sizeof *host);
}

size_t model_param_count(const struct model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->np; i++)
		n += m->p[i].count;
	return n;
}

size_t model_param_bytes(const struct model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->np; i++)
		n += m->p[i].count * stored_size(m->p[i].dtype) +
		     (m->p[i].dtype == DTYPE_I8 ? (size_t)m->p[i].shape[0] * sizeof(float) : 0);
	return n;
}

size_t model_params(const struct model *m, const struct model_param **list)
{
	*list = m->p;
	return m->np;
}

static float *slot_memory(const struct model *m, enum model_slot s)
{
	return s == MODEL_WEIGHT ? m->w : s == MODEL_GRAD ? m->g : s == MODEL_ADAM_M ? m->am : m->av;
}

int model_read(const struct model *m, enum model_slot s, size_t i, float *host)
{
	const struct model_param *p = &m->p[i];
	struct backend *be = m->be;
	if (s != MODEL_WEIGHT && !m->train)
		return -1;
	if (p->dtype == DTYPE_F32) {
		be->ops->download(be, host, slot_memory(m, s) + p->store, p->count * sizeof *host);
		return 0;
	}
	size_t rows = (size_t)p->shape[0], cols = p->count / rows;
	if (p->dtype == DTYPE_BF16) {
		uint16_t *h = xmalloc(p->count * sizeof *h);
		be->ops->download(be, h, (const char *)m->wl + p->store, p->count * sizeof *h);
		for (size_t k = 0; k < p->count; k++)
			host[k] = bf16_to_float(h[k]);
		free(h);
		return 0;
	}
	int8_t *q = xmalloc(p->count);
	float *scale = xmalloc(rows * sizeof *scale);
	model_read_stored(m, i, q, scale);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++)
			host[r * cols + c] = scale[r] * (float)q[r * cols + c];
	free(q);
	free(scale);
	return 0;
}

int model_write(struct model *m, enum model_slot s, size_t i, const float *host)
{
	const struct model_param *p = &m->p[i];
	struct backend *be = m->be;
	if (s != MODEL_WEIGHT && !m->train)
		return -1;
	if (p->dtype == DTYPE_F32) {
		be->ops->upload(be, slot_memory(m, s) + p->store, host, p->count * sizeof *host);
		return 0;
	}
	size_t rows = (size_t)p->shape[0];
	if (p->dtype == DTYPE_BF16) {
		uint16_t *h = xmalloc(p->count * sizeof *h);
		bf16_convert(h, host, p->count);
		model_write_stored(m, i, h, NULL);
		free(h);
		return 0;
	}
	int8_t *q = xmalloc(p->count);
	float *scale = xmalloc(rows * sizeof *scale);
	int8_quantize_rows(q, scale, host, rows, p->count / rows);
	model_write_stored(m, i, q, scale);
	free(q);
	free(scale);
	return 0;
}

void model_read_stored(const struct model *m, size_t i, void *host, float *scale)
{
	const struct model_param *p = &m->p[i];
	struct backend *be = m->be;
	if (p->dtype == DTYPE_F32) {
		be->ops->download(be, host, m->w + p->store, p->count * sizeof(float));
		return;
	}
	be->ops->download(be, host, (const char *)m->wl + p->store, p->count * stored_size(p->dtype));
	if (p->dtype == DTYPE_I8 && scale)
		be->ops->download(be, scale, m->ws + p->scale, (size_t)p->shape[0] * sizeof *scale);
}

void model_write_stored(struct model *m, size_t i, const void *host, const float *scale)
{
	const struct model_param *p = &m->p[i];
	struct backend *be = m->be;
	if (p->dtype == DTYPE_F32) {
		be->ops->upload(be, m->w + p->store, host, p->count * sizeof(float));
		return;
	}
	be->ops->upload(be, (char *)m->wl + p->store, host, p->count * stored_size(p->dtype));
	if (p->dtype == DTYPE_I8 && scale)
		be->ops->upload(be, m->ws + p->scale, scale, (size_t)p->shape[0] * sizeof *scale);
	if (m->compute[i] != SIZE_MAX && scale) {
		size_t rows = (size_t)p->shape[0], cols = p->count / rows;
		const int8_t *q = host;
		float *f = xmalloc(p->count * sizeof *f);
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < cols; c++)
				f[r * cols + c] = scale[r] * (float)q[r * cols + c];
		be->ops->upload(be, m->wf + m->compute[i], f, p->count * sizeof *f);
		free(f);
	}
}

void model_snapshot(const struct model *m, enum model_slot s, float *host)
{
	for (size_t i = 0; i < m->np; i++)
		model_read(m, s, i, host + m->p[i].offset);
}

void model_restore(struct model *m, enum model_slot s, const float *host)
{
	for (size_t i = 0; i < m->np; i++)
		model_write(m, s, i, host + m->p[i].offset);
}

float *model_grad_memory(struct model *m)
{
	return m->g;
}

struct model_state model_state(struct model *m)
{
	return (struct model_state){.adam_t = &m->adam_t, .rng = &m->rng};
}

int model_adam_step(const struct model *m)
{
	return m->adam_t;
}

/* The query positions a layer computes: every token (sel NULL, rows =
 * B*T) or the rows sel[0..rows) of the batch, those of sequence b being
 * off[b] .. off[b+1]. */
struct queries {
	int rows;
	const int32_t *sel;
	const int *off;
};

/* The dropout mask of a layer's rows qs [rows, C] at site (one per
 * place dropout is applied); NULL when off. */
static const float *dropout_mask(struct model *m, float *mask, int B, const struct queries *qs, uint32_t site)
{
	if (!m->dropout_on)
		return NULL;
	m->be->ops->dropout_mask(m->be, mask, m->in_key, qs->off, B, m->c.C, m->c.dropout, site);
	return mask;
}

static void linear(const struct model *m, float *out, const float *in, size_t wi, const float *b, int N, int C, int OC)
{
	struct weight w = PW(m, wi);
	m->be->ops->linear_forward(m->be, out, in, &w, b, N, C, OC);
}

/* One encoder layer from L->in into out[rows, C]: keys and values for
 * every token, everything else for the query rows only. */
static void layer_forward(struct model *m, int l, const struct model_batch *b, const struct queries *qs, float *out)
{
	struct backend *be = m->be;
	const struct ops *o = be->ops;
	struct layer_acts *L = &m->la[l];
	int B = b->B, T = b->T, C = m->c.C, F = m->c.ff, BT = B * T, R = qs->rows, A = model_attention_width(&m->c);
	size_t N = (size_t)R * C;
	linear(m, L->qkv, L->in, LP(l, P_QKV_W), P(m, LP(l, P_QKV_B)), BT, C, 3 * A);
	const float *q = L->qkv, *resid = L->in;
	if (qs->sel) {
		o->gather_rows(be, m->q_sel, 3 * A, L->qkv, 3 * A, qs->sel, R, A);
		o->gather_rows(be, m->in_sel, C, L->in, C, qs->sel, R, C);
		q = m->q_sel;
		resid = m->in_sel;
	}
	o->attention_forward(be, L->ctx, L->att, q, L->qkv, qs->off, m->in_len, B, T, A, m->c.heads);
	linear(m, L->o, L->ctx, LP(l, P_O_W), P(m, LP(l, P_O_B)), R, A, C);
	o->add_masked(be, L->res1, resid, L->o, dropout_mask(m, L->o_mask, B, qs, 1 + 2 * (uint32_t)l), N);
	o->layernorm_forward(be, L->x1, L->ln1_mean, L->ln1_rstd, L->res1, P(m, LP(l, P_LN1_G)), P(m, LP(l, P_LN1_B)),
	                     R, C);
	linear(m, L->ff1, L->x1, LP(l, P_FF1_W), P(m, LP(l, P_FF1_B)), R, C, F);
	o->gelu_forward(be, L->gelu, L->ff1, (size_t)R * F);
	linear(m, L->ff2, L->gelu, LP(l, P_FF2_W), P(m, LP(l, P_FF2_B)), R, F, C);
	o->add_masked(be, L->res2, L->x1, L->ff2, dropout_mask(m, L->ff2_mask, B, qs, 2 + 2 * (uint32_t)l), N);
	o->layernorm_forward(be, out, L->ln2_mean, L->ln2_rstd, L->res2, P(m, LP(l, P_LN2_G)), P(m, LP(l, P_LN2_B)), R,
	                     C);
}

/* Backward through layer l: m->d_a holds the gradient of its output
 * [rows, C] on entry and that of its input [B*T, C] on return. */
static void layer_backward(struct model *m, int l, const struct model_batch *b, const struct queries *qs)
{
	struct backend *be = m->be;
	const struct ops *o = be->ops;
	struct layer_acts *L = &m->la[l];
	int B = b->B, T = b->T, C = m->c.C, F = m->c.ff, BT = B * T, R = qs->rows, A = model_attention_width(&m->c);
	size_t N = (size_t)R * C;
	const float *omask = m->dropout_on ? L->o_mask : NULL, *fmask = m->dropout_on ? L->ff2_mask : NULL;
	float *dx = m->d_a, *dres = m->d_b, *dx1 = m->d_c, *dbig = m->d_big;
	/* out = LN2(x1 + drop(ff2(gelu(ff1(x1))))) */
	o->layernorm_backward(be, dres, G(m, LP(l, P_LN2_G)), G(m, LP(l, P_LN2_B)), dx, L->res2, P(m, LP(l, P_LN2_G)),
	                      L->ln2_mean, L->ln2_rstd, R, C);
	/* dres through the dropout mask is the ff2 output gradient. */
	float *dff2 = dx;  /* dx is free now */
	o->zero(be, dff2, N * sizeof *dff2);
	o->acc_masked(be, dff2, dres, fmask, N);
	o->linear_backward(be, dbig, G(m, LP(l, P_FF2_W)), G(m, LP(l, P_FF2_B)), dff2, L->gelu, P(m, LP(l, P_FF2_W)), R,
	                   F, C);
	float *dff1 = L->gelu;  /* the GELU output is no longer needed */
	o->gelu_backward(be, dff1, L->ff1, dbig, (size_t)R * F);
	o->linear_backward(be, dx1, G(m, LP(l, P_FF1_W)), G(m, LP(l, P_FF1_B)), dff1, L->x1, P(m, LP(l, P_FF1_W)), R, C,
	                   F);
	o->acc_masked(be, dx1, dres, NULL, N); /* x1's residual path */
	/* x1 = LN1(in + drop(o(attention(qkv(in))))); dres keeps the gradient
	 * of that sum, for in's residual path at the end */
	o->layernorm_backward(be, dres, G(m, LP(l, P_LN1_G)), G(m, LP(l, P_LN1_B)), dx1, L->res1, P(m, LP(l, P_LN1_G)),
	                      L->ln1_mean, L->ln1_rstd, R, C);
	float *dout = dx1;  /* dx1 is free now */
	o->zero(be, dout, N * sizeof *dout);
	o->acc_masked(be, dout, dres, omask, N);
	float *dctx = dbig;  /* free again */
	o->linear_backward(be, dctx, G(m, LP(l, P_O_W)), G(m, LP(l, P_O_B)), dout, L->ctx, P(m, LP(l, P_O_W)), R, A, C);
	o->zero(be, m->d_qkv, (size_t)BT * 3 * A * sizeof *m->d_qkv);
	float *dq = m->d_qkv;
	const float *q = L->qkv;
	if (qs->sel) {
		dq = m->dq_sel;
		q = m->q_sel;
		o->zero(be, dq, (size_t)R * 3 * A * sizeof *dq);
	}
	o->attention_backward(be, dq, m->d_qkv, m->d_att, dctx, q, L->qkv, L->att, qs->off, B, T, A, m->c.heads);
	if (qs->sel)
		o->scatter_add_rows(be, m->d_qkv, 3 * A, dq, 3 * A, qs->sel, R, A); /* the queries' columns */
	o->linear_backward(be, dx, G(m, LP(l, P_QKV_W)), G(m, LP(l, P_QKV_B)), m->d_qkv, L->in, P(m, LP(l, P_QKV_W)),
	                   BT, C, 3 * A);
	/* in's residual path: the rows this layer computed */
	if (qs->sel)
		o->scatter_add_rows(be, dx, C, dres, C, qs->sel, R, C);
	else
		o->acc_masked(be, dx, dres, NULL, N);
}

/* The head's query rows: [CLS] of each sequence, or the masked
 * positions, which must come sequence by sequence. False when a masked
 * position is outside the batch or out of that order. */
static bool head_queries(struct model *m, const struct model_batch *b, struct queries *qs)
{
	int B = b->B, T = b->T;
	for (int i = 0; i <= B; i++)
		m->qoff_all[i] = i * T;
	if (b->label) {
		for (int i = 0; i < B; i++)
			m->head_rows[i] = i * T, m->qoff_head[i] = i;
		m->qoff_head[B] = B;
		*qs = (struct queries){.rows = B, .sel = m->head_rows, .off = m->qoff_head};
		return true;
	}
	int seq = 0;
	m->qoff_head[0] = 0;
	for (int r = 0; r < b->M; r++) {
		int32_t at = b->mlm_pos[r];
		if (at < 0 || at >= B * T || at / T < seq)
			return false;
		while (seq < at / T)
			m->qoff_head[++seq] = r;
	}
	while (seq < B)
		m->qoff_head[++seq] = b->M;
	*qs = (struct queries){.rows = b->M, .sel = b->mlm_pos, .off = m->qoff_head};
	return true;
}

float model_step(struct model *m, const struct model_batch *b, bool train, bool backward, float *logits)
{
	struct backend *be = m->be;
	const struct ops *o = be->ops;
	const struct model_config *c = &m->c;
	int B = b->B, T = b->T, C = c->C;
	size_t BT = (size_t)B * T, N = BT * C;
	struct queries head;
	if (B > m->max_batch || T > c->max_seq || (!b->label && (size_t)b->M > m->max_masked) ||
	    ((train || backward) && !m->train) || !head_queries(m, b, &head) ||
	    (b->soft_target && !(b->temperature > 0 && b->soft_weight >= 0 && b->soft_weight <= 1)))
		return NAN;
	bool classify = b->label != NULL;
	bool values = c->values > 0 && b->value_fact;
	for (size_t i = 0; values && i < BT; i++)
		if (b->value_fact[i] >= c->values)
			return NAN;
	int rows = head.rows, out_dim = classify ? c->classes : c->vocab, last = c->layers - 1;
	/* the batch into the backend's memory; the query offsets with it */
	o->upload(be, m->in_tok, b->tok, BT * sizeof *b->tok);
	o->upload(be, m->in_len, b->len, (size_t)B * sizeof *b->len);
	o->upload(be, m->in_qoff_all, m->qoff_all, ((size_t)B + 1) * sizeof *m->qoff_all);
	o->upload(be, m->in_qoff_head, m->qoff_head, ((size_t)B + 1) * sizeof *m->qoff_head);
	if (values) {
		o->upload(be, m->in_value_fact, b->value_fact, BT * sizeof *b->value_fact);
		o->upload(be, m->in_value_enc, b->value_enc, BT * (1 + (size_t)c->value_knots) * sizeof *b->value_enc);
	}
	if (classify) {
		o->upload(be, m->in_label, b->label, (size_t)B * sizeof *b->label);
		if (b->class_weight)
			o->upload(be, m->in_class_weight, b->class_weight,
			          (size_t)c->classes * sizeof *b->class_weight);
		if (b->soft_target)
			o->upload(be, m->in_soft, b->soft_target, (size_t)B * c->classes * sizeof *b->soft_target);
	} else {
		o->upload(be, m->in_target, b->mlm_target, (size_t)b->M * sizeof *b->mlm_target);
	}
	head.off = m->in_qoff_head;
	const struct queries every = {.rows = B * T, .off = m->in_qoff_all};
	m->dropout_on = train && c->dropout > 0;
	if (m->dropout_on) {
		const uint64_t *key = b->row_key;
		if (!key) {
			uint64_t salt = rng_next(&m->rng);
			for (int i = 0; i < B; i++)
				m->row_key[i] = rng_hash(salt, (uint64_t)i);
			key = m->row_key;
		}
		o->upload(be, m->in_key, key, (size_t)B * sizeof *key);
	}
	/* ---- forward ---- */
	struct weight wte = PW(m, 0);
	o->embedding_forward(be, m->emb, m->in_tok, &wte, P(m, 1), B, T, C);
	struct weight dirs = values ? PW(m, value_index(m)) : (struct weight){0};
	if (values)
		o->value_forward(be, m->emb, m->in_value_fact, m->in_value_enc, 1 + c->value_knots, &dirs, BT, C);
	o->layernorm_forward(be, m->emb_ln, m->emb_mean, m->emb_rstd, m->emb, P(m, 2), P(m, 3), (int)BT, C);
	const float *emask = dropout_mask(m, m->emb_mask, B, &every, 0);
	float *x = m->la[0].in;
	o->zero(be, x, N * sizeof *x);
	o->add_masked(be, x, x, m->emb_ln, emask, N);
	float *head_in = classify ? m->head_in : m->mlm_h;
	float grad_scale = b->grad_scale != 0 ? b->grad_scale : 1.0f;
	for (int l = 0; l < c->layers; l++)
		layer_forward(m, l, b, l == last ? &head : &every, l == last ? head_in : m->la[l + 1].in);
	/* ---- head and loss ---- */
	float loss;
	size_t mi = mlm_index(m);
	if (classify) {
		size_t hi = head_index(m);
		linear(m, m->pool_pre, m->head_in, hi, P(m, hi + 1), B, C, C);
		o->tanh_forward(be, m->pool_out, m->pool_pre, (size_t)B * C);
		linear(m, m->head_logits, m->pool_out, hi + 2, P(m, hi + 3), B, C, out_dim);
		float soft = b->soft_target ? b->soft_weight : 0.0f,
		      soft_scale = b->soft_scale != 0 ? b->soft_scale : 1.0f;
		loss = (1 - soft) * o->crossentropy(be, m->head_dlogits, m->head_logits, m->in_label,
		                                    b->class_weight ? m->in_class_weight : NULL, B, out_dim,
		                                    (1 - soft) * grad_scale);
		if (soft > 0)
			loss += soft * soft_scale *
			        o->soft_crossentropy(be, m->head_dlogits, m->head_logits, m->in_soft, B, out_dim,
			                             b->temperature, soft * soft_scale * grad_scale);
	} else {
		linear(m, m->mlm_dense, m->mlm_h, mi, P(m, mi + 1), rows, C, C);
		o->gelu_forward(be, m->mlm_gelu, m->mlm_dense, (size_t)rows * C);
		o->layernorm_forward(be, m->mlm_ln, m->mlm_mean, m->mlm_rstd, m->mlm_gelu, P(m, mi + 2), P(m, mi + 3),
		                     rows, C);
		/* The decoder is the token embedding table, tied. */
		linear(m, m->head_logits, m->mlm_ln, 0, P(m, mi + 4), rows, C, out_dim);
		loss =
		    o->crossentropy(be, m->head_dlogits, m->head_logits, m->in_target, NULL, rows, out_dim, grad_scale);
	}
	if (logits)
		o->download(be, logits, m->head_logits, (size_t)rows * out_dim * sizeof *logits);
	if (!backward)
		return loss;
	/* ---- backward ---- */
	if (!b->accumulate)
		o->zero(be, m->g, m->n * sizeof *m->g);
	float *dh = m->d_a;  /* the gradient of the last layer's output rows */
	if (classify) {
		size_t hi = head_index(m);
		float *dpool = m->d_c, *dpre = m->d_big;
		o->linear_backward(be, dpool, G(m, hi + 2), G(m, hi + 3), m->head_dlogits, m->pool_out, P(m, hi + 2), B,
		                   C, out_dim);
		o->tanh_backward(be, dpre, m->pool_out, dpool, (size_t)B * C);
		o->linear_backward(be, dh, G(m, hi), G(m, hi + 1), dpre, m->head_in, P(m, hi), B, C, C);
	} else {
		float *d1 = m->d_c, *d2 = m->d_big;
		o->linear_backward(be, d1, G(m, 0), G(m, mi + 4), m->head_dlogits, m->mlm_ln, P(m, 0), rows, C,
		                   out_dim);
		o->layernorm_backward(be, d2, G(m, mi + 2), G(m, mi + 3), d1, m->mlm_gelu, P(m, mi + 2), m->mlm_mean,
		                      m->mlm_rstd, rows, C);
		o->gelu_backward(be, d1, m->mlm_dense, d2, (size_t)rows * C);
		o->linear_backward(be, dh, G(m, mi), G(m, mi + 1), d1, m->mlm_h, P(m, mi), rows, C, C);
	}
	for (int l = last; l >= 0; l--)
		layer_backward(m, l, b, l == last ? &head : &every);
	/* in_0 = drop(LN(wte[tok] + wpe)) */
	float *dln = m->d_b;
	o->zero(be, dln, N * sizeof *dln);
	o->acc_masked(be, dln, m->d_a, emask, N);
	float *demb = m->d_c;
	o->layernorm_backward(be, demb, G(m, 2), G(m, 3), dln, m->emb, P(m, 2), m->emb_mean, m->emb_rstd, (int)BT, C);
	o->embedding_backward(be, G(m, 0), G(m, 1), demb, m->in_tok, B, T, C);
	if (values)
		o->value_backward(be, G(m, value_index(m)), demb, m->in_value_fact, m->in_value_enc, 1 + c->value_knots,
		                  BT, C);
	return loss;
}

size_t model_copy_matching(struct model *dst, const struct model *src)
{
	size_t copied = 0;
	for (size_t i = 0; i < dst->np; i++)
		for (size_t j = 0; j < src->np; j++)
			if (strcmp(dst->p[i].name, src->p[j].name) == 0 && dst->p[i].count == src->p[j].count &&
			    dst->p[i].shape[0] == src->p[j].shape[0]) {
				float *host = xmalloc(src->p[j].count * sizeof *host);
				model_read(src, MODEL_WEIGHT, j, host);
				model_write(dst, MODEL_WEIGHT, i, host);
				free(host);
				copied++;
				break;
			}
	return copied;
}

void model_scale_grads(struct model *m, float s)
{
	if (m->train)
		m->be->ops->scale(m->be, m->g, m->n, s);
}

void model_zero_grads(struct model *m)
{
	if (m->train)
		m->be->ops->zero(m->be, m->g, m->n * sizeof *m->g);
}

void model_freeze(struct model *m, size_t i, bool frozen)
{
	if (!m->frozen)
		m->frozen = xcalloc(m->np + 1, sizeof *m->frozen);
	m->frozen[i] = frozen;
}

bool model_frozen(const struct model *m, size_t i)
{
	return m->frozen && m->frozen[i];
}

float *model_param_memory(struct model *m, enum model_slot s, size_t i)
{
	if (m->p[i].dtype != DTYPE_F32 || (s != MODEL_WEIGHT && !m->train))
		return NULL;
	float *base = s == MODEL_WEIGHT ? m->w : s == MODEL_GRAD ? m->g : s == MODEL_ADAM_M ? m->am : m->av;
	return base + m->p[i].store;
}

double model_grad_sumsq(const struct model *m)
{
	if (!m->train)
		return 0;
	if (!m->frozen)
		return m->be->ops->sumsq(m->be, m->g, m->n);
	double sum = 0;
	for (size_t i = 0; i < m->np; i++)
		if (!m->frozen[i])
			sum += m->be->ops->sumsq(m->be, G(m, i), m->p[i].count);
	return sum;
}

double model_clip_grads(struct model *m, double max_norm)
{
	if (!m->train)
		return 0;
	double norm = sqrt(model_grad_sumsq(m));
	if (max_norm > 0 && norm > max_norm)
		m->be->ops->scale(m->be, m->g, m->n, (float)(max_norm / norm));
	return norm;
}

void model_adamw(struct model *m, float lr, float weight_decay, float b1, float b2, float eps)
{
	if (!m->train)
		return;
	m->adam_t++;
	for (size_t i = 0; i < m->np; i++) {
		if (m->frozen && m->frozen[i])
			continue;
		size_t off = m->p[i].store;
		m->be->ops->adamw(m->be, m->w + off, m->g + off, m->am + off, m->av + off, m->p[i].count, lr, b1, b2,
		                  eps, m->p[i].decay ? weight_decay : 0.0f, m->adam_t);
	}
}
