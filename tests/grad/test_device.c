/* The GPU against the CPU: from the same weights and batch, a training
 * step's loss, gradients and updated weights, and an inference model's
 * logits, agree (fp32: 1e-4 relative; bf16 products: 2e-2, bf16's 8-bit
 * mantissa rounding each operand by up to 2^-9 relative, summed over a
 * product's terms in fp32). Every layer the model has runs through the
 * backend under test: embeddings and value-aware readings, attention
 * over every position and over the head's rows, layer norms, GELU,
 * dropout (its masks are drawn from the rows' keys, so both devices draw
 * the same), both losses, distillation, LoRA's adapters, clipping and
 * AdamW. The checks run first with a second CPU backend in the GPU's
 * place, so they are known to hold where the GPU is missing; the GPU's
 * are skipped, with the reason, where there is none or the build has no
 * CUDA. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml/model.h"
#include "ml/trainer.h"
#include "ml/lora.h"
#include "base/rng.h"
#include "../unit/tap.h"
#include "batch.h"

static const uint64_t key[3] = {11, 22, 33};
static const float soft[9] = {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f, 0.2f, 0.5f, 0.3f};
static const int32_t fact[15] = {-1, 0, 0, 1, -1, -1, 1, -1, -1, -1, -1, -1, 0, -1, -1};

/* Largest |a - b| over the largest |b|. */
static double rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0, s = 0;
	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		s = fmax(s, fabs((double)b[i]));
	}
	return s > 0 ? d / s : d;
}

struct pair {
	struct model *cpu, *gpu;
	size_t n;
};

static struct pair make_pair(const struct model_config *c, struct backend *cpu, struct backend *gpu, bool train)
{
	struct err e;
	struct model_opts mo = {.max_batch = 3, .seed = 9, .train = train};
	struct pair p = {model_new(c, cpu, &mo, &e), model_new(c, gpu, &mo, &e), 0};
	if (!p.cpu || !p.gpu)
		return p;
	p.n = model_param_count(p.cpu);
	float *w = malloc(p.n * sizeof *w);
	struct rng r;
	rng_seed(&r, 5);
	model_snapshot(p.cpu, MODEL_WEIGHT, w);
	for (size_t i = 0; i < p.n; i++)
		w[i] += (float)((rng_uniform(&r) - 0.5) * 0.6); /* every path carries gradient */
	model_restore(p.cpu, MODEL_WEIGHT, w);
	model_restore(p.gpu, MODEL_WEIGHT, w);
	free(w);
	return p;
}

static void pair_free(struct pair *p)
{
	model_free(p->cpu);
	model_free(p->gpu);
}

static int next_one(void *ctx, int i, struct model_batch *b, struct err *e)
{
	(void)i, (void)e;
	*b = *(const struct model_batch *)ctx;
	return 0;
}

/* One training step on both: loss, gradients, then the weights after
 * clipping and AdamW; with lora_rank, of rank-r adapters (the backend's
 * gemm) in place of the matrices. */
static void compare_step(const struct model_config *c, struct backend *cpu, struct backend *gpu,
                         const struct model_batch *b, const char *what, double tol, int lora_rank)
{
	struct pair p = make_pair(c, cpu, gpu, true);
	if (!p.cpu || !p.gpu) {
		ok(0, "%s: models made on both", what);
		pair_free(&p);
		return;
	}
	struct trainer_step s1, s2;
	struct err e;
	struct lora *l1 = NULL, *l2 = NULL;
	if (lora_rank) {
		/* their base: the CPU model (lora_new reads only its names) */
		l1 = lora_new(p.cpu, p.cpu, lora_rank, 2.0f * lora_rank, 3, &e);
		l2 = lora_new(p.gpu, p.cpu, lora_rank, 2.0f * lora_rank, 3, &e);
	}
	int r1 = trainer_step(&(struct trainer){.m = p.cpu, .lora = l1}, 1, next_one, (void *)b, 0.01f, 0.01f, 1.0, &s1,
	                      &e);
	int r2 = trainer_step(&(struct trainer){.m = p.gpu, .lora = l2}, 1, next_one, (void *)b, 0.01f, 0.01f, 1.0, &s2,
	                      &e);
	/* a second step: B is no longer zero, so A's gradient is not either */
	if (lora_rank && !r1 && !r2) {
		r1 = trainer_step(&(struct trainer){.m = p.cpu, .lora = l1}, 1, next_one, (void *)b, 0.01f, 0.01f, 1.0, &s1,
		                  &e);
		r2 = trainer_step(&(struct trainer){.m = p.gpu, .lora = l2}, 1, next_one, (void *)b, 0.01f, 0.01f, 1.0, &s2,
		                  &e);
	}
	lora_free(l1);
	lora_free(l2);
	float *g1 = malloc(p.n * sizeof *g1), *g2 = malloc(p.n * sizeof *g2);
	float *w1 = malloc(p.n * sizeof *w1), *w2 = malloc(p.n * sizeof *w2);
	model_snapshot(p.cpu, MODEL_GRAD, g1);
	model_snapshot(p.gpu, MODEL_GRAD, g2);
	double dg = rel_diff(g2, g1, p.n);
	model_snapshot(p.cpu, MODEL_WEIGHT, w1);
	model_snapshot(p.gpu, MODEL_WEIGHT, w2);
	/* AdamW's first steps move a weight by about lr times its gradient's
	 * sign, which rounding flips where the gradient is near zero: the
	 * weights are compared where the gradient is not (above 1e-3 of the
	 * largest), the rest being the gradients' comparison's */
	double gmax = 0;
	for (size_t i = 0; i < p.n; i++)
		gmax = fmax(gmax, fabs(g1[i]));
	size_t kept = 0;
	for (size_t i = 0; i < p.n; i++)
		if (fabs(g1[i]) > 1e-3 * gmax)
			w1[kept] = w1[i], w2[kept++] = w2[i];
	double dw = rel_diff(w2, w1, kept);
	free(w1);
	free(w2);
	ok(r1 == 0 && r2 == 0 && fabs(s1.loss - s2.loss) <= tol * fabs(s1.loss) && dg <= tol && dw <= tol,
	   "%s: loss %.6f against %.6f, gradients within %.1e, weights after AdamW within %.1e (bound %.0e)", what,
	   s2.loss, s1.loss, dg, dw, tol);
	free(g1);
	free(g2);
	pair_free(&p);
}

static void compare_inference(const struct model_config *c, struct backend *cpu, struct backend *gpu, double tol)
{
	struct pair p = make_pair(c, cpu, gpu, false);
	struct model_batch b = {.B = 3, .T = 5, .tok = tok, .len = len, .label = label};
	float l1[9], l2[9], e1[3 * 64], e2[3 * 64];
	model_step(p.cpu, &b, false, false, l1);
	model_step(p.gpu, &b, false, false, l2);
	model_pooled(p.cpu, 3, e1);
	model_pooled(p.gpu, 3, e2);
	ok(rel_diff(l2, l1, 9) <= tol && rel_diff(e2, e1, 3 * (size_t)c->C) <= tol,
	   "inference: logits within %.1e, pooled rows within %.1e", rel_diff(l2, l1, 9),
	   rel_diff(e2, e1, 3 * (size_t)c->C));
	pair_free(&p);
}

static void run_checks(struct backend *cpu, struct backend *gpu, double tol)
{
	struct model_config c = {
	    .vocab = 16, .max_seq = 6, .C = 64, .layers = 2, .heads = 4, .ff = 96, .classes = 3, .dropout = 0.2f};
	struct model_batch cls = {
	    .B = 3, .T = 5, .tok = tok, .len = len, .label = label, .class_weight = weight, .row_key = key};
	compare_step(&c, cpu, gpu, &cls, "classification with dropout and class weights", tol, 0);
	compare_step(&c, cpu, gpu, &cls, "LoRA of rank 4, two steps", tol, 4);
	struct model_batch mlm = {.B = 3,
	                          .T = 5,
	                          .tok = tok,
	                          .len = len,
	                          .M = 3,
	                          .mlm_pos = mlm_pos,
	                          .mlm_target = mlm_target,
	                          .row_key = key};
	compare_step(&c, cpu, gpu, &mlm, "masked LM (the head's rows gathered)", tol, 0);
	struct model_batch distil = cls;
	distil.soft_target = soft;
	distil.soft_weight = 0.5f;
	distil.temperature = 2;
	compare_step(&c, cpu, gpu, &distil, "distillation", tol, 0);
	struct model_config cv = c;
	cv.values = 2;
	cv.value_knots = 2;
	float enc[45] = {0};
	for (int i = 0; i < 15; i++)
		if (fact[i] >= 0)
			enc[i * 3] = 0.5f * (float)(i % 4) - 0.7f, enc[i * 3 + 1] = 0.4f,
			        enc[i * 3 + 2] = i % 2 ? 0.6f : 0;
	struct model_batch vals = cls;
	vals.value_fact = fact;
	vals.value_enc = enc;
	compare_step(&cv, cpu, gpu, &vals, "value-aware readings", tol, 0);
	compare_inference(&c, cpu, gpu, tol);
}

int main(void)
{
	struct err e;
	const char *note;
	struct backend *cpu = backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e);
	/* the checks themselves, everywhere: the CPU against a second CPU
	 * backend of two threads */
	struct backend *cpu2 = backend_cpu_new(2, PRECISION_ASK_FP32, &note, &e);
	printf("# the CPU against the CPU with two threads\n");
	run_checks(cpu, cpu2, 1e-4);
	backend_free(cpu2);
	int gpus = backend_cuda_count(&e);
	if (gpus < 1) {
		tap_skip("the GPU against the CPU: %s", e.msg);
		backend_free(cpu);
		return tap_done();
	}
	struct backend *gpu = backend_cuda_new(0, PRECISION_ASK_FP32, &note, &e);
	ok(gpu != NULL, "the CUDA backend starts on cuda:0%s%s", gpu ? "" : ": ", gpu ? "" : e.msg);
	if (gpu) {
		char what[256];
		if (backend_cuda_describe(0, what, sizeof what, &e) == 0)
			printf("# %s\n", what);
		run_checks(cpu, gpu, 1e-4);
		backend_free(gpu);
	}
	gpu = backend_cuda_new(0, PRECISION_ASK_BF16, &note, &e);
	if (gpu && gpu->precision == PRECISION_BF16) {
		printf("# bf16 products\n");
		run_checks(cpu, gpu, 2e-2);
	} else {
		tap_skip("bf16 products on the GPU: %s", gpu ? note : e.msg);
	}
	backend_free(gpu);
	struct backend *none = backend_cuda_new(gpus, PRECISION_ASK_FP32, &note, &e);
	ok(!none && strstr(e.msg, "no GPU cuda:"), "a GPU number beyond the machine's is refused: %s", e.msg);
	backend_free(cpu);
	return tap_done();
}
