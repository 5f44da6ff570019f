/* The whole model's gradient against finite differences, for the
 * classification and the masked-LM losses; AdamW against its formula; the
 * trainer's micro-batches against one batch; the inference-only and int8
 * models against the training one. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml/model.h"
#include "ml/trainer.h"
#include "ml/lora.h"
#include "../unit/tap.h"
#include "batch.h"

static struct backend *be;


static double loss_of(struct model *m, const struct model_batch *b)
{
	return model_step(m, b, false, false, NULL);
}

static void check(struct model *m, const struct model_batch *b, const char *what)
{
	model_step(m, b, false, true, NULL);
	const struct model_param *p;
	size_t np = model_params(m, &p);
	float *w = malloc(model_param_count(m) * sizeof *w), *g = malloc(model_param_count(m) * sizeof *g);
	model_snapshot(m, MODEL_WEIGHT, w);
	model_snapshot(m, MODEL_GRAD, g);
	double worst = 0;
	const char *worst_name = "";
	int checked = 0;
	for (size_t i = 0; i < np; i++) {
		size_t step = p[i].count > 6 ? p[i].count / 6 : 1;
		for (size_t k = 0; k < p[i].count; k += step) {
			size_t at = p[i].offset + k;
			float keep = w[at], h = 3e-3f;
			w[at] = keep + h;
			model_write(m, MODEL_WEIGHT, i, w + p[i].offset);
			double up = loss_of(m, b);
			w[at] = keep - h;
			model_write(m, MODEL_WEIGHT, i, w + p[i].offset);
			double down = loss_of(m, b);
			w[at] = keep;
			model_write(m, MODEL_WEIGHT, i, w + p[i].offset);
			double num = (up - down) / (2.0 * h), ana = g[at];
			double err = fabs(num - ana) / fmax(1e-2, fmax(fabs(num), fabs(ana)));
			if (err > worst) {
				worst = err;
				worst_name = p[i].name;
			}
			checked++;
		}
	}
	ok(worst < 3e-2, "%s: %d gradients, worst relative error %.2e (%s)", what, checked, worst, worst_name);
	free(g);
	free(w);
}

/* Larger weights than BERT's 0.02, so every path carries gradient. */
static void shake(struct model *m, struct rng *r)
{
	float *w = malloc(model_param_count(m) * sizeof *w);
	model_snapshot(m, MODEL_WEIGHT, w);
	for (size_t i = 0; i < model_param_count(m); i++)
		w[i] += (float)((rng_uniform(r) - 0.5) * 0.6);
	model_restore(m, MODEL_WEIGHT, w);
	free(w);
}

static struct model *train_model(const struct model_config *c, int max_batch, uint64_t seed)
{
	struct err e;
	return model_new(c, be, &(struct model_opts){.max_batch = max_batch, .seed = seed, .train = true}, &e);
}

/* Micro-batches of 2 and 1 rows take the step one batch of 3 takes: the
 * loss is normalised over the global batch, not per micro-batch; the
 * gradient reduction runs once per step with the global batch's weight. */
struct reduce_seen {
	int calls;
	double weight;
};

static int count_reduce(void *ctx, struct backend *b, float *grads, size_t n, double *sums, struct err *e)
{
	(void)b, (void)grads, (void)n, (void)e;
	struct reduce_seen *seen = ctx;
	seen->calls++;
	seen->weight = sums[STEP_WEIGHT];
	return 0;
}

struct micro {
	const struct model_batch *parts;
};

static int next_part(void *ctx, int i, struct model_batch *b, struct err *e)
{
	(void)e;
	*b = ((const struct micro *)ctx)->parts[i];
	return 0;
}

static void test_trainer(const struct model_config *c0)
{
	struct model_config c = *c0;
	c.dropout = 0;
	struct model *one = train_model(&c, 3, 5), *two = train_model(&c, 3, 5);
	struct rng r1, r2;
	rng_seed(&r1, 4);
	rng_seed(&r2, 4);
	shake(one, &r1);
	shake(two, &r2);
	static const int len2[2] = {5, 4}, len1[1] = {4};
	struct model_batch whole = {.B = 3, .T = 5, .tok = tok, .len = len, .label = label, .class_weight = NULL};
	struct model_batch parts[2] = {{.B = 2, .T = 5, .tok = tok, .len = len2, .label = label},
	                               {.B = 1, .T = 5, .tok = tok + 10, .len = len1, .label = label + 2}};
	struct reduce_seen seen = {0};
	struct trainer t1 = {.m = one}, t2 = {.m = two, .reduce = count_reduce, .reduce_ctx = &seen};
	struct trainer_step s1, s2;
	struct err e;
	int rc1 = trainer_step(&t1, 1, next_part, &(struct micro){&whole}, 0.01f, 0.01f, 0, &s1, &e);
	int rc2 = trainer_step(&t2, 2, next_part, &(struct micro){parts}, 0.01f, 0.01f, 0, &s2, &e);
	/* Adam's first step is the gradient's sign: compare the gradients,
	 * which the step leaves in place */
	size_t n = model_param_count(one);
	float *g1 = malloc(n * sizeof *g1), *g2 = malloc(n * sizeof *g2);
	model_snapshot(one, MODEL_GRAD, g1);
	model_snapshot(two, MODEL_GRAD, g2);
	double d = 0, s = 0;
	for (size_t i = 0; i < n; i++)
		d += ((double)g1[i] - g2[i]) * ((double)g1[i] - g2[i]), s += (double)g1[i] * g1[i];
	double rel = sqrt(d / s);
	ok(rc1 == 0 && rc2 == 0 && rel < 1e-5 && fabs(s1.loss - s2.loss) < 1e-6,
	   "micro-batches of 2 and 1 rows give one batch of 3's loss and gradient (within %.1e)", rel);
	ok(seen.calls == 1 && seen.weight == 3, "one gradient reduction per step, over the global batch's 3 rows");
	free(g1), free(g2);
	model_free(one);
	model_free(two);
}

/* Data parallelism without MPI: two threads stand for two processes,
 * their reduction a sum through shared memory. With dropout on, class
 * weights and soft targets, the global batch of 3 rows split 2 + 1 (the
 * second padded to its own length) takes the step one process takes on
 * all 3, since each row's dropout follows its key; and one process's
 * wish to stop reaches both. */
struct shared_sum {
	pthread_barrier_t barrier;
	float *grads[2];
	double *sums[2];
	size_t n;
};

struct rank {
	struct shared_sum *sum;
	int id;
	struct trainer t;
	const struct model_batch *part;
	struct trainer_step out;
	int rc;
};

static int shared_reduce(void *ctx, struct backend *b, float *grads, size_t n, double *sums, struct err *e)
{
	(void)b, (void)e;
	struct rank *me = ctx;
	struct shared_sum *s = me->sum;
	s->grads[me->id] = grads;
	s->sums[me->id] = sums;
	s->n = n;
	pthread_barrier_wait(&s->barrier);
	/* both add the same two numbers in the same order */
	float *total = malloc(n * sizeof *total);
	double t[STEP_SUMS];
	for (size_t i = 0; i < n; i++)
		total[i] = s->grads[0][i] + s->grads[1][i];
	for (int k = 0; k < STEP_SUMS; k++)
		t[k] = s->sums[0][k] + s->sums[1][k];
	pthread_barrier_wait(&s->barrier);
	memcpy(grads, total, n * sizeof *total);
	memcpy(sums, t, sizeof t);
	free(total);
	return 0;
}

static void *run_rank(void *arg)
{
	struct rank *r = arg;
	struct err e;
	r->rc = trainer_step(&r->t, 1, next_part, &(struct micro){r->part}, 0.01f, 0.01f, 1.0, &r->out, &e);
	return NULL;
}

static void test_data_parallel(const struct model_config *c0)
{
	struct model_config c = *c0;
	c.dropout = 0.3f;
	struct err e;
	const char *note;
	struct backend *be2[2] = {backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e),
	                          backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e)};
	struct model *alone = train_model(&c, 3, 5), *m[2];
	for (int k = 0; k < 2; k++)
		m[k] = model_new(&c, be2[k], &(struct model_opts){.max_batch = 3, .seed = 5, .train = true}, &e);
	struct rng r;
	for (int k = 0; k < 3; k++) {
		rng_seed(&r, 4);
		shake(k < 2 ? m[k] : alone, &r);
	}
	static const uint64_t key[3] = {101, 202, 303};
	static const int len2[2] = {5, 4}, len1[1] = {4};
	static const int32_t tok1[4] = {2, 12, 5, 3};
	/* distilled, with class weights: the soft part's share of each
	 * process's rows is by rows, the labels' by weight */
	static const float soft[9] = {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f, 0.2f, 0.5f, 0.3f};
	double w0 = weight[label[0]] + weight[label[1]], w1 = weight[label[2]], ws = w0 + w1;
	struct model_batch whole = {.B = 3,
	                            .T = 5,
	                            .tok = tok,
	                            .len = len,
	                            .label = label,
	                            .row_key = key,
	                            .class_weight = weight,
	                            .soft_target = soft,
	                            .soft_weight = 0.4f,
	                            .temperature = 2};
	struct model_batch part[2] = {whole, whole};
	part[0].B = 2, part[0].len = len2, part[0].soft_scale = (float)(2 * ws / (w0 * 3));
	part[1] = (struct model_batch){.B = 1,
	                               .T = 4,
	                               .tok = tok1,
	                               .len = len1,
	                               .label = label + 2,
	                               .row_key = key + 2,
	                               .class_weight = weight,
	                               .soft_target = soft + 6,
	                               .soft_weight = 0.4f,
	                               .temperature = 2,
	                               .soft_scale = (float)(1 * ws / (w1 * 3))};
	struct trainer_step s1;
	int rc1 = trainer_step(&(struct trainer){.m = alone}, 1, next_part, &(struct micro){&whole}, 0.01f, 0.01f, 1.0,
	                       &s1, &e);
	struct shared_sum sum = {0};
	pthread_barrier_init(&sum.barrier, NULL, 2);
	struct rank ranks[2];
	pthread_t th[2];
	for (int k = 0; k < 2; k++) {
		ranks[k] =
		    (struct rank){.sum = &sum,
		                  .id = k,
		                  .part = &part[k],
		                  .t = {.m = m[k], .reduce = shared_reduce, .reduce_ctx = &ranks[k], .stop = k == 1}};
		pthread_create(&th[k], NULL, run_rank, &ranks[k]);
	}
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	size_t n = model_param_count(alone);
	float *w[3], *g[2];
	for (int k = 0; k < 3; k++) {
		w[k] = malloc(n * sizeof *w[k]);
		model_snapshot(k < 2 ? m[k] : alone, MODEL_WEIGHT, w[k]);
	}
	/* Adam's first step is about the gradient's sign, which rounding
	 * flips where it is near zero: compare the gradients, which the step
	 * leaves in place (clipped alike) */
	for (int k = 0; k < 2; k++) {
		g[k] = malloc(n * sizeof *g[k]);
		model_snapshot(k ? alone : m[0], MODEL_GRAD, g[k]);
	}
	double d = 0, s = 0;
	for (size_t i = 0; i < n; i++)
		d += ((double)g[0][i] - g[1][i]) * ((double)g[0][i] - g[1][i]), s += (double)g[1][i] * g[1][i];
	ok(rc1 == 0 && ranks[0].rc == 0 && ranks[1].rc == 0 && memcmp(w[0], w[1], n * sizeof *w[0]) == 0,
	   "two processes' reduced step leaves them the same weights");
	ok(sqrt(d / s) < 1e-5 && fabs(ranks[0].out.loss - s1.loss) < 1e-5 && fabs(ranks[0].out.weight - ws) < 1e-6,
	   "with dropout, class weights and a teacher, rows split 2 + 1 across two processes step as one process on "
	   "all 3 (gradient within %.1e, loss %.6f against %.6f)",
	   sqrt(d / s), ranks[0].out.loss, s1.loss);
	free(g[0]), free(g[1]);
	ok(ranks[0].t.stop && ranks[1].t.stop, "one process's wish to stop reaches both");
	for (int k = 0; k < 3; k++)
		free(w[k]);
	pthread_barrier_destroy(&sum.barrier);
	for (int k = 0; k < 2; k++) {
		model_free(m[k]);
		backend_free(be2[k]);
	}
	model_free(alone);
}

/* An inference model (no gradients, optimizer state or backward scratch)
 * gives the training model's logits; its int8 form comes close. */
static void test_inference(const struct model_config *c)
{
	struct err e;
	struct model *m = train_model(c, 3, 21);
	struct rng r;
	rng_seed(&r, 8);
	shake(m, &r);
	size_t n = model_param_count(m);
	float *w = malloc(n * sizeof *w);
	model_snapshot(m, MODEL_WEIGHT, w);
	struct model *inf = model_new(c, be, &(struct model_opts){.max_batch = 3}, &e);
	model_restore(inf, MODEL_WEIGHT, w);
	struct model_batch cls = {.B = 3, .T = 5, .tok = tok, .len = len, .label = label};
	float a[9], b[9], q[9];
	model_step(m, &cls, false, false, a);
	model_step(inf, &cls, false, false, b);
	ok(memcmp(a, b, sizeof a) == 0, "an inference model's logits are the training model's");
	ok(isnan(model_step(inf, &cls, false, true, NULL)) && isnan(model_step(inf, &cls, true, false, NULL)) &&
	       model_read(inf, MODEL_GRAD, 0, w) < 0,
	   "an inference model refuses backward, dropout and gradient reads");
	const struct model_param *p;
	size_t np = model_params(m, &p);
	enum dtype *dt = calloc(np, sizeof *dt);
	for (size_t i = 0; i < np; i++)
		dt[i] = model_param_quantizable(m, i) ? DTYPE_I8 : DTYPE_F32;
	struct model *q8 = model_new(c, be, &(struct model_opts){.max_batch = 3, .dtype = dt}, &e);
	model_restore(q8, MODEL_WEIGHT, w);
	model_step(q8, &cls, false, false, q);
	double d = 0, s = 0;
	for (int i = 0; i < 9; i++)
		d += (a[i] - q[i]) * (a[i] - q[i]), s += a[i] * a[i];
	ok(q8 && sqrt(d / s) < 0.05, "int8 logits within 5%% of fp32 (%.3f)", sqrt(d / s));
	/* this toy is mostly vectors, which stay f32 */
	ok(model_param_bytes(q8) * 2 < model_param_bytes(m),
	   "int8 parameters take under half of fp32's (%zu of %zu bytes)", model_param_bytes(q8), model_param_bytes(m));
	dt[1] = DTYPE_I8; /* the position table is read as floats */
	ok(model_new(c, be, &(struct model_opts){.max_batch = 3, .dtype = dt}, &e) == NULL && strstr(e.msg, "position"),
	   "a parameter read as floats cannot be int8");
	free(dt);
	free(w);
	model_free(q8);
	model_free(inf);
	model_free(m);
}

int main(void)
{
	struct model_config c = {.vocab = 16, .max_seq = 6, .C = 8, .layers = 2, .heads = 2, .ff = 12, .classes = 3,
	                         .dropout = 0};
	struct err e;
	const char *note;
	be = backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e);
	struct model *m = train_model(&c, 3, 7);
	ok(m != NULL, "model made");
	struct rng r;
	rng_seed(&r, 3);
	shake(m, &r);
	struct model_batch cls = {.B = 3, .T = 5, .tok = tok, .len = len, .label = label, .class_weight = weight};
	check(m, &cls, "classification");
	struct model_batch mlm = {.B = 3, .T = 5, .tok = tok, .len = len, .M = 3, .mlm_pos = mlm_pos,
	                          .mlm_target = mlm_target};
	check(m, &mlm, "masked LM (tied decoder)");

	/* Value-aware facts: two facts on three tokens, each reading as a
	 * z-score and two bin fills. */
	struct model_config cv = c;
	cv.values = 2;
	cv.value_knots = 2;
	struct model *mv = train_model(&cv, 3, 7);
	shake(mv, &r);
	static const int32_t fact[15] = {-1, 0, 0, 1, -1, -1, 1, -1, -1, -1, -1, -1, 0, -1, -1};
	float enc[45] = {0};
	static const float z[15] = {0, 1.2f, 1.2f, -0.7f, 0, 0, 2.0f, 0, 0, 0, 0, 0, -1.5f, 0, 0};
	for (int i = 0; i < 15; i++)
		if (fact[i] >= 0)
			enc[i * 3] = z[i], enc[i * 3 + 1] = z[i] > 0 ? 1 : 0.3f, enc[i * 3 + 2] = z[i] > 1 ? 0.6f : 0;
	struct model_batch vals = cls;
	vals.value_fact = fact;
	vals.value_enc = enc;
	check(mv, &vals, "classification with value-aware facts");
	float with[9], without[9];
	model_step(mv, &vals, false, false, with);
	model_step(mv, &cls, false, false, without);
	ok(fabsf(with[0] - without[0]) > 1e-6f, "the values change the logits");
	static const int32_t bad_fact[15] = {2};
	vals.value_fact = bad_fact;
	ok(isnan(model_step(mv, &vals, false, false, NULL)), "a value fact beyond the model's is refused");
	model_free(mv);

	/* Heads narrower than hidden / heads, as pruning leaves them: three
	 * heads of 2 over a hidden size of 8. */
	struct model_config cn = c;
	cn.heads = 3;
	cn.head_size = 2;
	struct model *mn = train_model(&cn, 3, 7);
	ok(mn != NULL && model_attention_width(&cn) == 6, "a model with an attention narrower than its hidden size");
	shake(mn, &r);
	check(mn, &cls, "classification through narrowed attention");
	check(mn, &mlm, "masked LM through narrowed attention");
	model_free(mn);

	/* Distillation: soft targets beside the labels. */
	static const float soft[9] = {0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f, 0.3f, 0.3f, 0.4f};
	struct model_batch dist = cls;
	dist.soft_target = soft;
	dist.soft_weight = 0.6f;
	dist.temperature = 2.0f;
	check(m, &dist, "classification distilled from soft targets (weight 0.6, temperature 2)");
	dist.temperature = 0;
	ok(isnan(model_step(m, &dist, false, false, NULL)), "a distillation without a temperature is refused");

	/* LoRA: the adapters' gradients, from the model's, against finite
	 * differences of the loss in A and B. */
	{
		struct model *ml = train_model(&c, 3, 7);
		shake(ml, &r);
		float before[9], after[9];
		model_step(ml, &cls, false, false, before);
		struct lora *lo = lora_new(ml, ml, 2, 4.0f, 11, &e);
		ok(lo != NULL && lora_count(lo) == 8, "LoRA adapts the 4 matrices of each of 2 layers");
		model_step(ml, &cls, false, false, after);
		ok(memcmp(before, after, sizeof before) == 0, "LoRA starts where the base is (B = 0)");
		size_t n = lora_floats(lo);
		float *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
		lora_snapshot(lo, x);
		for (size_t i = 0; i < n; i++)
			x[i] += (float)(0.3 * (rng_uniform(&r) - 0.5));
		lora_restore(lo, x);
		model_step(ml, &cls, false, true, NULL);
		lora_grads(lo);
		lora_read_grads(lo, g);
		double worst = 0;
		for (size_t i = 0; i < n; i += n / 23) {
			float keep = x[i], h = 1e-2f;
			x[i] = keep + h;
			lora_restore(lo, x);
			double up = model_step(ml, &cls, false, false, NULL);
			x[i] = keep - h;
			lora_restore(lo, x);
			double down = model_step(ml, &cls, false, false, NULL);
			x[i] = keep;
			double fd = (up - down) / (2 * h), err = fabs(fd - g[i]) / fmax(1e-3, fabs(fd) + fabs(g[i]));
			worst = fmax(worst, err);
		}
		lora_restore(lo, x);
		ok(worst < 2e-2, "LoRA d A and d B against finite differences: worst relative error %.2e", worst);
		/* a step moves the adapters and the head, nothing frozen */
		float *w0 = malloc(model_param_count(ml) * sizeof *w0),
		      *w1 = malloc(model_param_count(ml) * sizeof *w1);
		model_snapshot(ml, MODEL_WEIGHT, w0);
		struct trainer tr = {.m = ml, .lora = lo};
		struct trainer_step ts;
		trainer_step(&tr, 1, next_part, &(struct micro){&cls}, 1e-2f, 0, 1.0, &ts, &e);
		model_snapshot(ml, MODEL_WEIGHT, w1);
		const struct model_param *p;
		size_t np = model_params(ml, &p);
		bool frozen_kept = true, head_moved = false, adapted_moved = false;
		for (size_t i = 0; i < np; i++) {
			bool same = memcmp(w0 + p[i].offset, w1 + p[i].offset, p[i].count * sizeof *w0) == 0;
			if (strncmp(p[i].name, "classifier.", 11) == 0)
				head_moved |= !same;
			else if (lora_adapts(ml, i))
				adapted_moved |= !same;
			else if (strncmp(p[i].name, "pooler.", 7) != 0)
				frozen_kept &= same;
		}
		ok(frozen_kept && head_moved && adapted_moved,
		   "a LoRA step moves the head and the adapted matrices (as W0 + s B A), nothing else");
		free(w0), free(w1), free(x), free(g);
		lora_free(lo);
		model_free(ml);
	}

	/* A padded token changes nothing the real tokens see. */
	float a[9], bl[9];
	model_step(m, &cls, false, false, a);
	int32_t tok2[15];
	memcpy(tok2, tok, sizeof tok2);
	tok2[14] = 13;
	struct model_batch cls2 = cls;
	cls2.tok = tok2;
	model_step(m, &cls2, false, false, bl);
	ok(memcmp(a, bl, sizeof a) == 0, "padding is invisible");

	/* Dropout: training differs from evaluation, the same seed repeats. */
	c.dropout = 0.3f;
	struct model *d1 = train_model(&c, 3, 11), *d2 = train_model(&c, 3, 11);
	float l1 = model_step(d1, &cls, true, false, NULL), l2 = model_step(d2, &cls, true, false, NULL);
	float l3 = model_step(d1, &cls, false, false, NULL);
	ok(l1 == l2 && l1 != l3, "dropout: reproducible by seed, off in evaluation");
	model_free(d1);
	model_free(d2);

	/* AdamW: the first step moves each weight by lr (m/v normalized to
	 * sign), plus the decoupled decay on matrices only. */
	model_step(m, &cls, false, true, NULL);
	size_t n = model_param_count(m);
	float *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g), *after = malloc(n * sizeof *after);
	model_snapshot(m, MODEL_WEIGHT, w);
	model_snapshot(m, MODEL_GRAD, g);
	const struct model_param *p;
	model_params(m, &p);
	size_t wi = p[4].offset, bi = p[5].offset; /* layer 0 qkv weight, bias */
	model_adamw(m, 0.1f, 0.5f, 0.9f, 0.999f, 1e-8f);
	model_snapshot(m, MODEL_WEIGHT, after);
	double want = w[wi] - 0.1 * (g[wi] / (fabs(g[wi]) + 1e-8)) - 0.1 * 0.5 * w[wi];
	is_dbl(after[wi], want, 1e-5, "AdamW step with decoupled weight decay");
	is_dbl(after[bi], w[bi] - 0.1 * (g[bi] / (fabs(g[bi]) + 1e-8)), 1e-5, "no decay on a bias");
	is_int(model_adam_step(m), 1, "step counted");
	double norm = model_clip_grads(m, 1e-3), sq = 0;
	model_snapshot(m, MODEL_GRAD, g);
	for (size_t i = 0; i < n; i++)
		sq += (double)g[i] * g[i];
	ok(norm > 1e-3 && fabs(sqrt(sq) - 1e-3) < 1e-6, "clipping scales the gradient to the limit");
	free(w), free(g), free(after);
	struct model_batch big = cls;
	big.B = 4;
	ok(isnan(model_step(m, &big, false, false, NULL)), "a batch beyond the model's sizes is refused");
	model_free(m);
	ok(model_new(&(struct model_config){.vocab = 16, .max_seq = 4, .C = 6, .layers = 1, .heads = 4, .ff = 4}, be,
	             &(struct model_opts){.max_batch = 1}, &e) == NULL &&
	       strstr(e.msg, "multiple"),
	   "heads must divide the hidden size");
	test_trainer(&c);
	test_data_parallel(&c);
	test_inference(&c);
	backend_free(be);
	return tap_done();
}
