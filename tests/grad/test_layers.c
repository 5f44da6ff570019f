/* Finite-difference checks of every backward, run against each backend
 * (the CPU's in fp32 here), and the matrix products against the naive
 * oracle: fp32, int8 weights and inputs, and bf16 where the processor
 * runs it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "ml/matmul_dnnl.h"
#include "ml/ops.h"
#include "../unit/tap.h"

static struct rng rng;
static struct backend *be; /* the backend under test */

static float *randn(size_t n, float scale)
{
	float *x = malloc((n ? n : 1) * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((rng_uniform(&rng) * 2 - 1) * scale);
	return x;
}

static float *zeros(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

/* The checked function: forward the layer, return sum(out * R). */
typedef double (*loss_fn)(void *ctx);

/* Compares grad[i] with the central difference of loss in x[i], on up to
 * 40 elements spread over x. */
static int check_grad(const char *what, loss_fn loss, void *ctx, float *x, const float *grad, size_t n)
{
	double worst = 0;
	size_t step = n > 40 ? n / 40 : 1;
	for (size_t i = 0; i < n; i += step) {
		float keep = x[i];
		float h = 1e-2f * fmaxf(1.0f, fabsf(keep));
		x[i] = keep + h;
		double up = loss(ctx);
		x[i] = keep - h;
		double down = loss(ctx);
		x[i] = keep;
		double numeric = (up - down) / (2.0 * h);
		double err = fabs(numeric - grad[i]) / fmax(1e-2, fmax(fabs(numeric), fabs((double)grad[i])));
		worst = fmax(worst, err);
	}
	return ok(worst < 2e-2, "%s: worst relative error %.2e", what, worst);
}

static double dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* ---- linear ---- */
struct lin {
	int N, C, OC;
	float *in, *W, *b, *out, *R;
};

static double lin_loss(void *p)
{
	struct lin *l = p;
	be->ops->linear_forward(be, l->out, l->in, &(struct weight){.data = l->W}, l->b, l->N, l->C, l->OC);
	return dot(l->out, l->R, (size_t)l->N * l->OC);
}

static void test_linear(void)
{
	struct lin l = {.N = 7, .C = 5, .OC = 4};
	l.in = randn(35, 1);
	l.W = randn(20, 1);
	l.b = randn(4, 1);
	l.out = zeros(28);
	l.R = randn(28, 1);
	float *din = zeros(35), *dW = zeros(20), *db = zeros(4);
	lin_loss(&l);
	be->ops->linear_backward(be, din, dW, db, l.R, l.in, l.W, l.N, l.C, l.OC);
	check_grad("linear d input", lin_loss, &l, l.in, din, 35);
	check_grad("linear d weight", lin_loss, &l, l.W, dW, 20);
	check_grad("linear d bias", lin_loss, &l, l.b, db, 4);
	free(din), free(dW), free(db), free(l.in), free(l.W), free(l.b), free(l.out), free(l.R);
}

/* ---- layer norm ---- */
struct ln {
	int N, C;
	float *in, *g, *b, *out, *mean, *rstd, *R;
};

static double ln_loss(void *p)
{
	struct ln *l = p;
	be->ops->layernorm_forward(be, l->out, l->mean, l->rstd, l->in, l->g, l->b, l->N, l->C);
	return dot(l->out, l->R, (size_t)l->N * l->C);
}

static void test_layernorm(void)
{
	struct ln l = {.N = 4, .C = 8};
	l.in = randn(32, 2);
	l.g = randn(8, 1);
	l.b = randn(8, 1);
	l.out = zeros(32);
	l.mean = zeros(4);
	l.rstd = zeros(4);
	l.R = randn(32, 1);
	float *din = zeros(32), *dg = zeros(8), *db = zeros(8);
	ln_loss(&l);
	be->ops->layernorm_backward(be, din, dg, db, l.R, l.in, l.g, l.mean, l.rstd, l.N, l.C);
	check_grad("layernorm d input", ln_loss, &l, l.in, din, 32);
	check_grad("layernorm d gain", ln_loss, &l, l.g, dg, 8);
	check_grad("layernorm d bias", ln_loss, &l, l.b, db, 8);
	double m = 0;
	for (int i = 0; i < 8; i++)
		m += l.in[i] / 8;
	is_dbl(l.mean[0], m, 1e-6, "layernorm keeps each row's mean");
	free(din), free(dg), free(db), free(l.in), free(l.g), free(l.b), free(l.out), free(l.mean), free(l.rstd), free(l.R);
}

/* ---- GELU ---- */
struct gl {
	size_t n;
	float *in, *out, *R;
};

static double gelu_loss(void *p)
{
	struct gl *g = p;
	be->ops->gelu_forward(be, g->out, g->in, g->n);
	return dot(g->out, g->R, g->n);
}

static void test_gelu(void)
{
	struct gl g = {.n = 50};
	g.in = randn(50, 4);
	g.out = zeros(50);
	g.R = randn(50, 1);
	float *din = zeros(50);
	gelu_loss(&g);
	be->ops->gelu_backward(be, din, g.in, g.R, g.n);
	check_grad("gelu d input", gelu_loss, &g, g.in, din, 50);
	float x = 1.0f, y;
	be->ops->gelu_forward(be, &y, &x, 1);
	is_dbl(y, 0.8413447460685429, 1e-6, "gelu(1) = 1 * Phi(1)");
	free(din), free(g.in), free(g.out), free(g.R);
}

/* ---- attention ---- */
struct at {
	int B, T, C, NH;
	int len[2], qoff[3];
	float *q, *qkv, *out, *att, *R;
};

static double att_loss(void *p)
{
	struct at *a = p;
	be->ops->attention_forward(be, a->out, a->att, a->q, a->qkv, a->qoff, a->len, a->B, a->T, a->C, a->NH);
	return dot(a->out, a->R, (size_t)a->qoff[a->B] * a->C);
}

static void test_attention(void)
{
	struct at a = {.B = 2, .T = 5, .C = 8, .NH = 2, .len = {5, 3}, .qoff = {0, 5, 10}};
	size_t nq = (size_t)a.B * a.T * 3 * a.C, no = (size_t)a.B * a.T * a.C;
	a.qkv = randn(nq, 1);
	a.q = a.qkv;
	a.out = zeros(no);
	a.att = zeros((size_t)a.B * a.NH * a.T * a.T);
	a.R = randn(no, 1);
	float *dqkv = zeros(nq), *scratch = zeros((size_t)a.T * a.T);
	att_loss(&a);
	be->ops->attention_backward(be, dqkv, dqkv, scratch, a.R, a.qkv, a.qkv, a.att, a.qoff, a.B, a.T, a.C, a.NH);
	check_grad("attention d qkv", att_loss, &a, a.qkv, dqkv, nq);
	/* A padded key of sequence 1 (t = 4) gets no gradient and no weight. */
	double padded = 0;
	for (int i = 0; i < 3 * a.C; i++)
		padded += fabs(i >= a.C ? dqkv[(size_t)(1 * a.T + 4) * 3 * a.C + i] : 0);
	ok(padded == 0, "padded keys and values get no gradient");
	ok(a.att[(size_t)(1 * a.NH) * a.T * a.T + 3] == 0 && a.att[(size_t)(1 * a.NH) * a.T * a.T + 4] == 0,
	   "padded keys get no attention");
	double row = 0;
	for (int u = 0; u < a.T; u++)
		row += a.att[u];
	is_dbl(row, 1, 1e-5, "attention rows sum to one");

	/* Only some queries: rows 1 and 3 of sequence 0, row 2 of sequence 1,
	 * gathered; they must match the same rows of the full pass. */
	static const int sel[3] = {1, 3, 7};
	struct at s = a;
	s.qoff[0] = 0, s.qoff[1] = 2, s.qoff[2] = 3;
	s.q = zeros((size_t)3 * 3 * a.C);
	for (int r = 0; r < 3; r++)
		memcpy(s.q + (size_t)r * 3 * a.C, a.qkv + (size_t)sel[r] * 3 * a.C, (size_t)a.C * sizeof(float));
	s.out = zeros((size_t)3 * a.C);
	s.att = zeros((size_t)3 * a.NH * a.T);
	s.R = randn((size_t)3 * a.C, 2);
	att_loss(&a);
	att_loss(&s);
	double diff = 0;
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < a.C; i++)
			diff = fmax(diff, fabs(s.out[r * a.C + i] - a.out[sel[r] * a.C + i]));
	is_dbl(diff, 0, 1e-6, "gathered queries give the rows of the full pass");
	float *dq = zeros((size_t)3 * 3 * a.C), *dkv = zeros(nq);
	be->ops->attention_backward(be, dq, dkv, scratch, s.R, s.q, s.qkv, s.att, s.qoff, s.B, s.T, s.C, s.NH);
	check_grad("attention, gathered queries: d q", att_loss, &s, s.q, dq, (size_t)3 * 3 * a.C);
	check_grad("attention, gathered queries: d keys and values", att_loss, &s, s.qkv, dkv, nq);
	free(dq), free(dkv), free(s.q), free(s.out), free(s.att), free(s.R);
	free(dqkv), free(scratch), free(a.qkv), free(a.out), free(a.att), free(a.R);
}

/* ---- embeddings ---- */
struct em {
	int B, T, C, W;
	int32_t tok[6], fact[6];
	float enc[18];
	float *wte, *wpe, *dirs, *out, *R;
};

static double emb_loss(void *p)
{
	struct em *m = p;
	be->ops->embedding_forward(be, m->out, m->tok, &(struct weight){.data = m->wte}, m->wpe, m->B, m->T, m->C);
	be->ops->value_forward(be, m->out, m->fact, m->enc, m->W, &(struct weight){.data = m->dirs},
	                       (size_t)m->B * m->T, m->C);
	return dot(m->out, m->R, (size_t)m->B * m->T * m->C);
}

static void test_embedding(void)
{
	/* Tokens 0, 1 and 4 carry values of facts 1, 0 and 1, each as three
	 * numbers: a z-score and two bin fills (a zero one skipped). */
	struct em m = {.B = 2, .T = 3, .C = 4, .W = 3, .tok = {1, 3, 1, 0, 2, 2}, .fact = {1, 0, -1, -1, 1, -1},
	               .enc = {0.5f, 1, 0.25f, -2.0f, 0, 0, 0, 0, 0, 0, 0, 0, 1.5f, 1, 1, 0, 0, 0}};
	m.wte = randn(16, 1);
	m.wpe = randn(12, 1);
	m.dirs = randn(24, 1);
	m.out = zeros(24);
	m.R = randn(24, 1);
	float *dwte = zeros(16), *dwpe = zeros(12), *ddirs = zeros(24);
	emb_loss(&m);
	be->ops->embedding_backward(be, dwte, dwpe, m.R, m.tok, m.B, m.T, m.C);
	be->ops->value_backward(be, ddirs, m.R, m.fact, m.enc, m.W, (size_t)m.B * m.T, m.C);
	check_grad("embedding d token table (repeated tokens add up)", emb_loss, &m, m.wte, dwte, 16);
	check_grad("embedding d positions", emb_loss, &m, m.wpe, dwpe, 12);
	check_grad("value-aware embedding d fact and bin directions", emb_loss, &m, m.dirs, ddirs, 24);
	free(dwte), free(dwpe), free(ddirs), free(m.wte), free(m.wpe), free(m.dirs), free(m.out), free(m.R);
}

/* ---- cross-entropy ---- */
struct xe {
	int N, V;
	int32_t target[4];
	float weight[3];
	float *logits, *d;
};

static double xe_loss(void *p)
{
	struct xe *x = p;
	return be->ops->crossentropy(be, x->d, x->logits, x->target, x->weight, x->N, x->V, 1.0f);
}

static void test_crossentropy(void)
{
	struct xe x = {.N = 4, .V = 3, .target = {0, 2, -1, 2}, .weight = {1, 3, 0.5f}};
	x.logits = randn(12, 3);
	x.d = zeros(12);
	float *grad = zeros(12);
	xe_loss(&x);
	memcpy(grad, x.d, 12 * sizeof *grad);
	check_grad("cross-entropy d logits (class weights, an ignored row)", xe_loss, &x, x.logits, grad, 12);
	ok(grad[6] == 0 && grad[7] == 0 && grad[8] == 0, "ignored row has no gradient");
	float z[3] = {0, 0, 0};
	int32_t t = 1;
	is_dbl(be->ops->crossentropy(be, x.d, z, &t, NULL, 1, 3, 1.0f), log(3.0), 1e-6, "uniform logits cost log V");
	free(grad), free(x.logits), free(x.d);
}

/* ---- distillation's soft targets ---- */
struct soft {
	int N, V;
	float T;
	float *logits, *target, *d;
};

static double soft_loss(void *p)
{
	struct soft *x = p;
	memset(x->d, 0, (size_t)x->N * x->V * sizeof *x->d);
	return be->ops->soft_crossentropy(be, x->d, x->logits, x->target, x->N, x->V, x->T, 1.0f);
}

static void test_soft_crossentropy(void)
{
	struct soft x = {.N = 3, .V = 4, .T = 2.5f};
	x.logits = randn(12, 2);
	x.d = zeros(12);
	/* rows of probabilities, one with a zero */
	float target[12] = {0.1f, 0.2f, 0.3f, 0.4f, 0.7f, 0.1f, 0.2f, 0, 0.25f, 0.25f, 0.25f, 0.25f};
	x.target = target;
	float *grad = zeros(12);
	soft_loss(&x);
	memcpy(grad, x.d, 12 * sizeof *grad);
	check_grad("soft cross-entropy d logits (temperature 2.5)", soft_loss, &x, x.logits, grad, 12);
	/* logits that are the targets' log, times T: nothing left to learn */
	float z[4];
	for (int v = 0; v < 4; v++)
		z[v] = x.T * logf(target[v]);
	float dz[4] = {1, 1, 1, 1};
	is_dbl(be->ops->soft_crossentropy(be, dz, z, target, 1, 4, x.T, 1.0f), 0, 1e-6,
	       "soft targets matched: no loss");
	is_dbl(dz[0] + dz[1] + dz[2] + dz[3], 4, 1e-5, "soft cross-entropy adds to the gradient there");
	free(grad), free(x.logits), free(x.d);
}

/* ---- cblas against the oracle ---- */
static void test_backend_gemm(void)
{
	int M = 7, N = 5, K = 9;
	float *A = randn((size_t)M * K, 1), *B = randn((size_t)K * N, 1), *ref = zeros((size_t)M * N);
	ops_ref_gemm(false, false, M, N, K, A, B, ref);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			/* the operands stored transposed where asked */
			float *a = zeros((size_t)M * K), *b = zeros((size_t)K * N), *c = zeros((size_t)M * N);
			for (int i = 0; i < M; i++)
				for (int k = 0; k < K; k++)
					a[ta ? (size_t)k * M + i : (size_t)i * K + k] = A[(size_t)i * K + k];
			for (int k = 0; k < K; k++)
				for (int j = 0; j < N; j++)
					b[tb ? (size_t)j * K + k : (size_t)k * N + j] = B[(size_t)k * N + j];
			for (int i = 0; i < M * N; i++)
				c[i] = 1;
			be->ops->gemm(be, ta, tb, M, N, K, 2.0f, a, b, 0.5f, c);
			double worst = 0;
			for (int i = 0; i < M * N; i++)
				worst = fmax(worst, fabs(c[i] - (2 * ref[i] + 0.5)));
			ok(worst < 1e-4, "gemm (transposed A %d, B %d) = 2 A B + C / 2 (worst %.2g)", ta, tb, worst);
			free(a), free(b), free(c);
		}
	free(A), free(B), free(ref);
}

static void test_gemm(void)
{
	int N = 33, C = 65, OC = 17;
	float *in = randn((size_t)N * C, 1), *W = randn((size_t)OC * C, 1), *out = zeros((size_t)N * OC),
	      *ref = zeros((size_t)N * OC);
	be->ops->linear_forward(be, out, in, &(struct weight){.data = W}, NULL, N, C, OC);
	ops_ref_gemm(false, true, N, OC, C, in, W, ref);
	double worst = 0;
	for (int i = 0; i < N * OC; i++)
		worst = fmax(worst, fabs(out[i] - ref[i]) / fmax(1.0, fabs(ref[i])));
	ok(worst < 1e-5, "cblas linear matches the naive product (worst %.1e)", worst);
	free(in), free(W), free(out), free(ref);
}

/* ‖a - b‖ / ‖b‖ */
static double rel_error(const float *a, const float *b, size_t n)
{
	double d = 0, r = 0;
	for (size_t i = 0; i < n; i++) {
		d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
		r += (double)b[i] * b[i];
	}
	return sqrt(d / fmax(r, 1e-30));
}

/* int8: weights per output row, inputs per row, both symmetric with 127
 * steps, so each operand is off by at most half a step (0.4% of its
 * row's largest value): the product lands within about 1% of fp32. */
static void test_int8(void)
{
	int N = 37, C = 96, OC = 50;
	float *in = randn((size_t)N * C, 1), *W = randn((size_t)OC * C, 1), *b = randn((size_t)OC, 1);
	float *out = zeros((size_t)N * OC), *ref = zeros((size_t)N * OC), *scale = zeros((size_t)OC);
	int8_t *q = malloc((size_t)OC * C);
	int8_quantize_rows(q, scale, W, (size_t)OC, (size_t)C);
	be->ops->linear_forward(be, out, in, &(struct weight){.data = q, .scale = scale, .dtype = DTYPE_I8}, b, N, C,
	                        OC);
	ops_ref_gemm(false, true, N, OC, C, in, W, ref);
	for (int n = 0; n < N; n++)
		for (int o = 0; o < OC; o++)
			ref[n * OC + o] += b[o];
	double err = rel_error(out, ref, (size_t)N * OC);
	ok(err < 1.5e-2, "int8 linear is within 1.5%% of fp32 (%.2e)", err);
	/* Where the processor multiplies int8 exactly, the layer's product is
	 * oneDNN's; elsewhere the layer dequantizes (see matmul_has_int8). */
	if (!be->int8_products) {
		tap_skip("int8 products in oneDNN: no VNNI or AMX here, int8 weights multiply in f32");
	} else {
		struct err e = {0};
		struct matmul *mm = matmul_new(&e);
		int8_t *a = malloc((size_t)N * C);
		float *as = zeros((size_t)N), *direct = zeros((size_t)N * OC);
		int8_quantize_rows(a, as, in, (size_t)N, (size_t)C);
		int rc = mm ? matmul_run(mm, MM_S8, N, OC, C, (struct mm_operand){a, C, 1},
		                         (struct mm_operand){q, 1, C}, direct, false, &e)
		            : -1;
		double worst = 0;
		long inexact = 0;
		for (int n = 0; n < N; n++)
			for (int o = 0; o < OC; o++) {
				long sum = 0;
				for (int c = 0; c < C; c++)
					sum += (long)a[n * C + c] * q[o * C + c];
				inexact += direct[n * OC + o] != (float)sum;
				worst =
				    fmax(worst, fabs(direct[n * OC + o] * as[n] * scale[o] + b[o] - out[n * OC + o]));
			}
		ok(rc == 0 && inexact == 0, "oneDNN's int8 product gives the exact integer sums (%ld differ%s%s)",
		   inexact, rc ? ": " : "", rc ? e.msg : "");
		ok(rc == 0 && worst < 1e-4, "the int8 layer is that product, scaled by rows and columns (%.2e)", worst);
		matmul_free(mm);
		free(a), free(as), free(direct);
	}
	free(in), free(W), free(b), free(out), free(ref), free(scale), free(q);
}

/* bf16 keeps 8 bits of mantissa: each operand is off by at most 2^-9
 * relative, and with fp32 accumulation a product of random operands lands
 * within about 2^-8 (0.4%) of fp32; 1% allows for the sums' cancellation. */
static void test_bf16(struct backend *bf)
{
	int N = 41, C = 80, OC = 24;
	float *in = randn((size_t)N * C, 1), *W = randn((size_t)OC * C, 1), *dout = randn((size_t)N * OC, 1);
	float *out = zeros((size_t)N * OC), *ref = zeros((size_t)N * OC);
	float *din = zeros((size_t)N * C), *din_ref = zeros((size_t)N * C);
	float *dW = zeros((size_t)OC * C), *dW_ref = zeros((size_t)OC * C);
	bf->ops->linear_forward(bf, out, in, &(struct weight){.data = W}, NULL, N, C, OC);
	be->ops->linear_forward(be, ref, in, &(struct weight){.data = W}, NULL, N, C, OC);
	bf->ops->linear_backward(bf, din, dW, NULL, dout, in, W, N, C, OC);
	be->ops->linear_backward(be, din_ref, dW_ref, NULL, dout, in, W, N, C, OC);
	double e1 = rel_error(out, ref, (size_t)N * OC), e2 = rel_error(din, din_ref, (size_t)N * C),
	       e3 = rel_error(dW, dW_ref, (size_t)OC * C);
	ok(e1 < 1e-2 && e2 < 1e-2 && e3 < 1e-2,
	   "bf16 linear forward, d input, d weight within 1%% of fp32 (%.1e %.1e %.1e)", e1, e2, e3);
	ok(e1 > 0, "bf16 products are not fp32 ones");
	free(in), free(W), free(dout), free(out), free(ref), free(din), free(din_ref), free(dW), free(dW_ref);
}

int main(void)
{
	rng_seed(&rng, 1234);
	struct err e = {0};
	const char *note;
	be = backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e);
	if (!be)
		return fprintf(stderr, "%s\n", e.msg), 1;
	test_gemm();
	test_linear();
	test_layernorm();
	test_gelu();
	test_attention();
	test_embedding();
	test_crossentropy();
	test_soft_crossentropy();
	test_backend_gemm();
	test_int8();
	struct backend *bf = backend_cpu_new(1, PRECISION_ASK_BF16, &note, &e);
	if (bf && bf->precision == PRECISION_BF16)
		test_bf16(bf);
	else
		tap_skip("bf16 products: %s", note ? note : e.msg);
	ok(bf && (bf->precision == PRECISION_BF16) == (note == NULL),
	   "asked for bf16, a backend runs it or says why not");
	backend_free(bf);
	backend_free(be);
	return tap_done();
}
