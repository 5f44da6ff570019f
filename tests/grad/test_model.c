/* The whole model's gradient against finite differences, for the
 * classification and the masked-LM losses, and AdamW against its formula. */
#include "config.h"

#include <stdlib.h>
#include "ml/model.h"
#include "../unit/tap.h"

static const int32_t tok[15] = {2, 7, 9, 11, 3, 2, 8, 3, 0, 0, 2, 12, 5, 3, 0};
static const int len[3] = {5, 4, 4};
static const int32_t label[3] = {0, 2, 1};
static const float weight[3] = {1.0f, 2.0f, 0.5f};
static const int32_t mlm_pos[3] = {1, 6, 12};
static const int32_t mlm_target[3] = {7, 8, 5};

static double loss_of(struct model *m, const struct model_batch *b)
{
	return model_step(m, b, false, false, NULL);
}

static void check(struct model *m, const struct model_batch *b, const char *what)
{
	model_step(m, b, false, true, NULL);
	const struct model_param *p;
	size_t np = model_params(m, &p);
	float *w = model_weights(m);
	float *g = malloc(model_param_count(m) * sizeof *g);
	memcpy(g, model_grads(m), model_param_count(m) * sizeof *g);
	double worst = 0;
	const char *worst_name = "";
	int checked = 0;
	for (size_t i = 0; i < np; i++) {
		size_t step = p[i].count > 6 ? p[i].count / 6 : 1;
		for (size_t k = 0; k < p[i].count; k += step) {
			size_t at = p[i].offset + k;
			float keep = w[at], h = 3e-3f;
			w[at] = keep + h;
			double up = loss_of(m, b);
			w[at] = keep - h;
			double down = loss_of(m, b);
			w[at] = keep;
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
}

int main(void)
{
	struct model_config c = {.vocab = 16, .max_seq = 6, .C = 8, .layers = 2, .heads = 2, .ff = 12, .classes = 3,
	                         .dropout = 0};
	struct err e;
	struct model *m = model_new(&c, &ops_cpu, 3, 7, &e);
	ok(m != NULL, "model made");
	/* Larger weights than BERT's 0.02, so every path carries gradient. */
	float *w = model_weights(m);
	struct rng r;
	rng_seed(&r, 3);
	for (size_t i = 0; i < model_param_count(m); i++)
		w[i] += (float)((rng_uniform(&r) - 0.5) * 0.6);
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
	struct model *mv = model_new(&cv, &ops_cpu, 3, 7, &e);
	float *wv = model_weights(mv);
	for (size_t i = 0; i < model_param_count(mv); i++)
		wv[i] += (float)((rng_uniform(&r) - 0.5) * 0.6);
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
	struct model *d1 = model_new(&c, &ops_cpu, 3, 11, &e), *d2 = model_new(&c, &ops_cpu, 3, 11, &e);
	float l1 = model_step(d1, &cls, true, false, NULL), l2 = model_step(d2, &cls, true, false, NULL);
	float l3 = model_step(d1, &cls, false, false, NULL);
	ok(l1 == l2 && l1 != l3, "dropout: reproducible by seed, off in evaluation");
	model_free(d1);
	model_free(d2);

	/* AdamW: the first step moves each weight by lr (m/v normalized to
	 * sign), plus the decoupled decay on matrices only. */
	model_step(m, &cls, false, true, NULL);
	const struct model_param *p;
	model_params(m, &p);
	size_t wi = p[4].offset, bi = p[5].offset;  /* layer 0 qkv weight, bias */
	float w0 = w[wi], g0 = model_grads(m)[wi], b0 = w[bi], gb = model_grads(m)[bi];
	model_adamw(m, 0.1f, 0.5f, 0.9f, 0.999f, 1e-8f);
	double want = w0 - 0.1 * (g0 / (fabs(g0) + 1e-8)) - 0.1 * 0.5 * w0;
	is_dbl(w[wi], want, 1e-5, "AdamW step with decoupled weight decay");
	is_dbl(w[bi], b0 - 0.1 * (gb / (fabs(gb) + 1e-8)), 1e-5, "no decay on a bias");
	is_int(model_adam_step(m), 1, "step counted");
	double norm = model_clip_grads(m, 1e-3);
	ok(norm > 1e-3 && fabs(sqrt(ops_cpu.sumsq(model_grads(m), model_param_count(m))) - 1e-3) < 1e-6,
	   "clipping scales the gradient to the limit");
	struct model_batch big = cls;
	big.B = 4;
	ok(isnan(model_step(m, &big, false, false, NULL)), "a batch beyond the model's sizes is refused");
	model_free(m);
	ok(model_new(&(struct model_config){.vocab = 16, .max_seq = 4, .C = 6, .layers = 1, .heads = 4, .ff = 4},
	             &ops_cpu, 1, 1, &e) == NULL && strstr(e.msg, "multiple"),
	   "heads must divide the hidden size");
	return tap_done();
}
