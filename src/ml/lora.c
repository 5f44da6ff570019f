#include "config.h"
#include "lora.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct adapter {
	size_t param;
	int out, in;
	/* in the backend's memory: A [rank, in], B [out, rank], the frozen
	 * base W0, and A's and B's gradients and Adam moments */
	float *A, *B, *W0, *gA, *gB, *mA, *vA, *mB, *vB;
};

struct lora {
	struct model *m;
	struct backend *be;
	int rank, t;
	float alpha;
	struct adapter *ad;
	size_t n;
};

bool lora_adapts(const struct model *m, size_t i)
{
	const struct model_param *p;
	model_params(m, &p);
	static const char *const parts[] = {".attention.self.qkv.weight", ".attention.output.dense.weight",
	                                    ".intermediate.dense.weight", ".output.dense.weight", NULL};
	if (strncmp(p[i].name, "encoder.layer.", 14) != 0)
		return false;
	size_t len = strlen(p[i].name);
	for (int k = 0; parts[k]; k++) {
		size_t pl = strlen(parts[k]);
		if (len > pl && strcmp(p[i].name + len - pl, parts[k]) == 0)
			return true;
	}
	return false;
}

/* Whether parameter i of m came from base, which it then keeps: not the
 * head, new to the task, nor a tensor base has not. */
static bool from_base(const struct model *m, size_t i, const struct model *base)
{
	const struct model_param *p, *q;
	model_params(m, &p);
	size_t nq = model_params(base, &q);
	if (strncmp(p[i].name, "pooler.", 7) == 0 || strncmp(p[i].name, "classifier.", 11) == 0)
		return false;
	for (size_t j = 0; j < nq; j++)
		if (strcmp(p[i].name, q[j].name) == 0 && p[i].count == q[j].count && p[i].shape[0] == q[j].shape[0])
			return true;
	return false;
}

static float scaling(const struct lora *l)
{
	return l->alpha / (float)l->rank;
}

/* W = W0 + s B A in the model. */
static void merge(struct lora *l, struct adapter *a)
{
	const struct ops *o = l->be->ops;
	float *W = model_param_memory(l->m, MODEL_WEIGHT, a->param);
	o->copy(l->be, W, a->W0, (size_t)a->out * a->in * sizeof *W);
	o->gemm(l->be, false, false, a->out, a->in, l->rank, scaling(l), a->B, a->A, 1.0f, W);
}

struct lora *lora_new(struct model *m, const struct model *base, int rank, float alpha, uint64_t seed,
                      struct err *e)
{
	if (!model_trainable(m))
		return err_set(e, "low-rank adapters train on a training model"), NULL;
	if (rank < 1 || rank > 1024)
		return err_set(e, "a LoRA rank is from 1 to 1024, not %d", rank), NULL;
	const struct model_param *p;
	size_t np = model_params(m, &p);
	struct lora *l = xcalloc(1, sizeof *l);
	l->m = m;
	l->be = model_backend(m);
	l->rank = rank;
	l->alpha = alpha;
	l->ad = xcalloc(np + 1, sizeof *l->ad);
	struct rng r;
	rng_seed(&r, seed ^ 0x10A4ull);
	const struct ops *o = l->be->ops;
	bool failed = false;
	for (size_t i = 0; i < np; i++) {
		bool frozen = from_base(m, i, base);
		model_freeze(m, i, frozen);
		if (!frozen || !lora_adapts(m, i))
			continue;
		struct adapter *a = &l->ad[l->n++];
		a->param = i;
		a->out = (int)p[i].shape[0];
		a->in = (int)p[i].shape[1];
		size_t nA = (size_t)rank * a->in, nB = (size_t)a->out * rank, nW = (size_t)a->out * a->in;
		float **buf[] = {&a->A, &a->gA, &a->mA, &a->vA, &a->B, &a->gB, &a->mB, &a->vB, &a->W0};
		size_t size[] = {nA, nA, nA, nA, nB, nB, nB, nB, nW};
		for (int k = 0; k < 9; k++)
			failed |= !(*buf[k] = o->alloc(l->be, size[k] * sizeof(float)));
		if (failed)
			break;
		o->copy(l->be, a->W0, model_param_memory(m, MODEL_WEIGHT, i), nW * sizeof(float));
		/* A as PEFT does it: Kaiming-uniform, bound 1/sqrt(in); B zero */
		float *host = xmalloc(nA * sizeof *host), bound = 1.0f / sqrtf((float)a->in);
		for (size_t k = 0; k < nA; k++)
			host[k] = (float)((rng_uniform(&r) * 2 - 1) * bound);
		o->upload(l->be, a->A, host, nA * sizeof *host);
		free(host);
	}
	if (failed || l->n == 0) {
		if (!failed)
			err_set(e, "this model has no matrices to adapt");
		else
			err_set(e, "out of memory for the adapters");
		lora_free(l);
		return NULL;
	}
	return l;
}

void lora_free(struct lora *l)
{
	if (!l)
		return;
	for (size_t k = 0; k < l->n; k++) {
		struct adapter *a = &l->ad[k];
		float *buf[] = {a->A, a->gA, a->mA, a->vA, a->B, a->gB, a->mB, a->vB, a->W0};
		for (int i = 0; i < 9; i++)
			if (buf[i])
				l->be->ops->release(l->be, buf[i]);
	}
	free(l->ad);
	free(l);
}

int lora_rank(const struct lora *l)
{
	return l->rank;
}

float lora_alpha(const struct lora *l)
{
	return l->alpha;
}

double lora_grads(struct lora *l)
{
	const struct ops *o = l->be->ops;
	float s = scaling(l);
	double sum = 0;
	for (size_t k = 0; k < l->n; k++) {
		struct adapter *a = &l->ad[k];
		const float *dW = model_param_memory(l->m, MODEL_GRAD, a->param);
		/* dA [rank, in] = s B^T dW; dB [out, rank] = s dW A^T */
		o->gemm(l->be, true, false, l->rank, a->in, a->out, s, a->B, dW, 0.0f, a->gA);
		o->gemm(l->be, false, true, a->out, l->rank, a->in, s, dW, a->A, 0.0f, a->gB);
		sum +=
		    o->sumsq(l->be, a->gA, (size_t)l->rank * a->in) + o->sumsq(l->be, a->gB, (size_t)a->out * l->rank);
	}
	return sum;
}

void lora_scale_grads(struct lora *l, float s)
{
	for (size_t k = 0; k < l->n; k++) {
		struct adapter *a = &l->ad[k];
		l->be->ops->scale(l->be, a->gA, (size_t)l->rank * a->in, s);
		l->be->ops->scale(l->be, a->gB, (size_t)a->out * l->rank, s);
	}
}

void lora_adamw(struct lora *l, float lr, float weight_decay, float b1, float b2, float eps)
{
	const struct ops *o = l->be->ops;
	l->t++;
	for (size_t k = 0; k < l->n; k++) {
		struct adapter *a = &l->ad[k];
		o->adamw(l->be, a->A, a->gA, a->mA, a->vA, (size_t)l->rank * a->in, lr, b1, b2, eps, weight_decay,
		         l->t);
		o->adamw(l->be, a->B, a->gB, a->mB, a->vB, (size_t)a->out * l->rank, lr, b1, b2, eps, weight_decay,
		         l->t);
		merge(l, a);
	}
}

size_t lora_count(const struct lora *l)
{
	return l->n;
}

size_t lora_get(const struct lora *l, size_t k, float *A, float *B)
{
	const struct adapter *a = &l->ad[k];
	if (A)
		l->be->ops->download(l->be, A, a->A, (size_t)l->rank * a->in * sizeof *A);
	if (B)
		l->be->ops->download(l->be, B, a->B, (size_t)a->out * l->rank * sizeof *B);
	return a->param;
}

size_t lora_floats(const struct lora *l)
{
	size_t n = 0;
	for (size_t k = 0; k < l->n; k++)
		n += (size_t)l->rank * ((size_t)l->ad[k].in + (size_t)l->ad[k].out);
	return n;
}

void lora_snapshot(const struct lora *l, float *host)
{
	for (size_t k = 0; k < l->n; k++) {
		lora_get(l, k, host, host + (size_t)l->rank * l->ad[k].in);
		host += (size_t)l->rank * ((size_t)l->ad[k].in + (size_t)l->ad[k].out);
	}
}

void lora_read_grads(const struct lora *l, float *host)
{
	for (size_t k = 0; k < l->n; k++) {
		const struct adapter *a = &l->ad[k];
		size_t nA = (size_t)l->rank * a->in, nB = (size_t)a->out * l->rank;
		l->be->ops->download(l->be, host, a->gA, nA * sizeof *host);
		l->be->ops->download(l->be, host + nA, a->gB, nB * sizeof *host);
		host += nA + nB;
	}
}

void lora_restore(struct lora *l, const float *host)
{
	for (size_t k = 0; k < l->n; k++) {
		struct adapter *a = &l->ad[k];
		size_t nA = (size_t)l->rank * a->in;
		l->be->ops->upload(l->be, a->A, host, nA * sizeof *host);
		l->be->ops->upload(l->be, a->B, host + nA, (size_t)a->out * l->rank * sizeof *host);
		host += nA + (size_t)a->out * l->rank;
		merge(l, a);
	}
}

void lora_merge(float *W, const float *A, const float *B, int out, int in, int rank, float alpha)
{
	float s = alpha / (float)rank;
	for (int i = 0; i < out; i++)
		for (int r = 0; r < rank; r++) {
			float b = s * B[(size_t)i * rank + r];
			const float *a = A + (size_t)r * in;
			float *w = W + (size_t)i * in;
			for (int j = 0; j < in; j++)
				w[j] += b * a[j];
		}
}
