#include "config.h"
#include "cpu.h"

#include <cblas.h>
#include "base/pool.h"
#include "base/rng.h"
#include <stdlib.h>
#include <math.h>
#include <string.h>

/* ---- layer norm ---- */

#define LAYERNORM_EPS 1e-12f  /* BERT's */

/* Elementwise passes split across the pool's threads in chunks of at
 * least this many floats: below it, waking a thread costs more than it
 * saves. */
#define MIN_CHUNK 16384

/* The arguments of a pass split by rows or by elements. */
struct pass {
	float *out, *out2, *out3, *out4;
	const float *in, *in2, *in3, *in4, *in5;
	int C;
	float a, b, c, d, e, f, g;
};

WIDE_SIMD static void layernorm_forward_rows(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	int C = p->C;
	for (size_t n = first; n < end; n++) {
		const float *x = p->in + n * C, *g = p->in2, *b = p->in3;
		float *y = p->out + n * C;
		float m = 0, v = 0;
#pragma omp simd reduction(+ : m)
		for (int i = 0; i < C; i++)
			m += x[i];
		m /= (float)C;
#pragma omp simd reduction(+ : v)
		for (int i = 0; i < C; i++)
			v += (x[i] - m) * (x[i] - m);
		v /= (float)C;
		float s = 1.0f / sqrtf(v + LAYERNORM_EPS);
#pragma omp simd
		for (int i = 0; i < C; i++)
			y[i] = ((x[i] - m) * s) * g[i] + b[i];
		p->out2[n] = m;
		p->out3[n] = s;
	}
}

static void layernorm_forward(struct backend *be, float *out, float *mean, float *rstd, const float *in, const float *g,
                              const float *b, int N, int C)
{
	(void)be;
	struct pass p = {.out = out, .out2 = mean, .out3 = rstd, .in = in, .in2 = g, .in3 = b, .C = C};
	pool_for((size_t)N, MIN_CHUNK / (size_t)C + 1, layernorm_forward_rows, &p);
}

/* With xhat = (x - m) s and dxhat = dy g:
 * dx = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), row by row. */
WIDE_SIMD static void layernorm_backward_rows(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	int C = p->C;
	const float *g = p->in2;
	for (size_t n = first; n < end; n++) {
		const float *x = p->in + n * C, *dy = p->in3 + n * C;
		float *dx = p->out + n * C;
		float m = p->in4[n], s = p->in5[n], sum_d = 0, sum_dx = 0;
#pragma omp simd reduction(+ : sum_d, sum_dx)
		for (int i = 0; i < C; i++) {
			float xhat = (x[i] - m) * s, dxhat = dy[i] * g[i];
			sum_d += dxhat;
			sum_dx += dxhat * xhat;
		}
		float md = sum_d / (float)C, mdx = sum_dx / (float)C;
#pragma omp simd
		for (int i = 0; i < C; i++) {
			float xhat = (x[i] - m) * s;
			dx[i] = s * (dy[i] * g[i] - md - xhat * mdx);
		}
	}
}

/* dg and db sum over rows: split by columns, so no two threads add into
 * one sum and the order of the additions never changes. */
WIDE_SIMD static void layernorm_backward_params(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	int C = p->C, N = (int)p->a;
	float *dg = p->out2, *db = p->out3;
	for (int n = 0; n < N; n++) {
		const float *x = p->in + (size_t)n * C, *dy = p->in3 + (size_t)n * C;
		float m = p->in4[n], s = p->in5[n];
#pragma omp simd
		for (size_t i = first; i < end; i++) {
			dg[i] += dy[i] * ((x[i] - m) * s);
			db[i] += dy[i];
		}
	}
}

static void layernorm_backward(struct backend *be, float *din, float *dg, float *db, const float *dout, const float *in,
                               const float *g, const float *mean, const float *rstd, int N, int C)
{
	(void)be;
	struct pass p = {.out = din, .out2 = dg, .out3 = db, .in = in, .in2 = g, .in3 = dout, .in4 = mean, .in5 = rstd,
	                 .C = C, .a = (float)N};
	pool_for((size_t)N, MIN_CHUNK / (size_t)C + 1, layernorm_backward_rows, &p);
	size_t per_column = (size_t)N ? (size_t)N : 1;
	pool_for((size_t)C, MIN_CHUNK / per_column + 16, layernorm_backward_params, &p);
}

/* ---- GELU ---- */

/* The elementwise loops are written branch-free so the compiler vectorizes
 * them (#pragma omp simd with -fopenmp-simd; -fno-trapping-math lets the
 * compiler turn comparisons into selects). */
/* The loops vectorize only with the helpers inlined into them. */
#if defined(__GNUC__)
#define LATHE_INLINE inline __attribute__((always_inline))
#else
#define LATHE_INLINE inline
#endif

/* exp(x) for x <= 0, within about 2e-7 relative: range reduction to
 * 2^k e^r with |r| <= ln2 / 2 and a degree-6 polynomial (libm's expf is a call
 * per element). */
static LATHE_INLINE float exp_nonpositive(float x)
{
	x = x < -87.0f ? -87.0f : x;  /* a select (fmaxf would be a call) */
	/* k = round(x log2 e) by adding 1.5 * 2^23, which leaves k in the low
	 * mantissa bits: a float-to-int conversion would be a rounding call
	 * on AVX that keeps the loop from vectorizing */
	float shifted = x * 1.44269504f + 12582912.0f;
	float kf = shifted - 12582912.0f;
	/* Unsigned: a NaN input gives any bits here (and NaN out), and signed
	 * arithmetic on them could overflow or shift a negative number. */
	uint32_t k;
	memcpy(&k, &shifted, sizeof k);
	k -= 0x4B400000u;
	float r = x - kf * 0.693145752f - kf * 1.42860677e-6f;
	float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
	uint32_t bits = (k + 127u) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* Phi(x) = (1 + erf(x / sqrt 2)) / 2 with Abramowitz and Stegun's 7.1.26
 * (error under 1.5e-7), and e^(-x^2/2), which the derivative needs too. */
static LATHE_INLINE float normal_cdf(float x, float *gauss)
{
	float u = fabsf(x) * (float)M_SQRT1_2;
	float t = 1.0f / (1.0f + 0.3275911f * u);
	float g = exp_nonpositive(-u * u);
	float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
	*gauss = g;
	return 0.5f * (1.0f + copysignf(1.0f - poly * g, x));
}

WIDE_SIMD static void gelu_forward_range(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	float *out = p->out;
	const float *in = p->in;
#pragma omp simd
	for (size_t i = first; i < end; i++) {
		float g;
		out[i] = in[i] * normal_cdf(in[i], &g);
	}
}

static void gelu_forward(struct backend *be, float *out, const float *in, size_t n)
{
	(void)be;
	pool_for(n, MIN_CHUNK, gelu_forward_range, &(struct pass){.out = out, .in = in});
}

WIDE_SIMD static void gelu_backward_range(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	const float inv_sqrt_2pi = 0.3989422804014327f;
	float *din = p->out;
	const float *in = p->in, *dout = p->in2;
#pragma omp simd
	for (size_t i = first; i < end; i++) {
		float g, cdf = normal_cdf(in[i], &g);
		din[i] = dout[i] * (cdf + in[i] * inv_sqrt_2pi * g);
	}
}

static void gelu_backward(struct backend *be, float *din, const float *in, const float *dout, size_t n)
{
	(void)be;
	pool_for(n, MIN_CHUNK, gelu_backward_range, &(struct pass){.out = din, .in = in, .in2 = dout});
}

/* ---- tanh (the pooler) ---- */

static void tanh_forward(struct backend *be, float *out, const float *in, size_t n)
{
	(void)be;
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

static void tanh_backward(struct backend *be, float *din, const float *out, const float *dout, size_t n)
{
	(void)be;
	for (size_t i = 0; i < n; i++)
		din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

/* ---- attention ---- */

/* Queries of sequence b are rows qoff[b] .. qoff[b+1] of q (stride 3C,
 * so q may be qkv itself); their probabilities sit in att from row
 * qoff[b] * NH on, one T-wide row per query and head. */
WIDE_SIMD static void attention_forward(struct backend *be, float *out, float *att, const float *q, const float *qkv,
                                        const int *qoff, const int *len, int B, int T, int C, int NH)
{
	(void)be;
	int hs = C / NH, C3 = 3 * C;
	float scale = 1.0f / sqrtf((float)hs);
	for (int b = 0; b < B; b++) {
		int nq = qoff[b + 1] - qoff[b], L = len[b] > 0 ? len[b] : 1;
		if (nq == 0)
			continue;
		for (int h = 0; h < NH; h++) {
			const float *qh = q + (size_t)qoff[b] * C3 + h * hs;
			const float *k = qkv + (size_t)b * T * C3 + C + h * hs, *v = k + C;
			float *p = att + ((size_t)qoff[b] * NH + (size_t)h * nq) * T;
			/* scores[nq,T] = Q K^T / sqrt(hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, T, hs, scale, qh, C3, k, C3, 0.0f, p, T);
			for (int t = 0; t < nq; t++) {
				float *row = p + (size_t)t * T, mx = -INFINITY, sum = 0;
				for (int u = 0; u < L; u++)
					mx = row[u] > mx ? row[u] : mx;
#pragma omp simd reduction(+ : sum)
				for (int u = 0; u < L; u++) {
					row[u] = exp_nonpositive(row[u] - mx);
					sum += row[u];
				}
				float inv = 1.0f / sum;
				for (int u = 0; u < L; u++)
					row[u] *= inv;
				for (int u = L; u < T; u++)
					row[u] = 0;
			}
			/* out[nq,hs] = P V */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hs, T, 1.0f, p, T, v, C3, 0.0f,
			            out + (size_t)qoff[b] * C + h * hs, C);
		}
	}
}

WIDE_SIMD static void attention_backward(struct backend *be, float *dq, float *dqkv, float *scratch, const float *dout,
                                         const float *q, const float *qkv, const float *att, const int *qoff, int B,
                                         int T, int C, int NH)
{
	(void)be;
	int hs = C / NH, C3 = 3 * C;
	float scale = 1.0f / sqrtf((float)hs);
	float *ds = scratch;
	for (int b = 0; b < B; b++) {
		int nq = qoff[b + 1] - qoff[b];
		if (nq == 0)
			continue;
		for (int h = 0; h < NH; h++) {
			const float *qh = q + (size_t)qoff[b] * C3 + h * hs;
			const float *k = qkv + (size_t)b * T * C3 + C + h * hs, *v = k + C;
			float *dqh = dq + (size_t)qoff[b] * C3 + h * hs;
			float *dk = dqkv + (size_t)b * T * C3 + C + h * hs, *dv = dk + C;
			const float *p = att + ((size_t)qoff[b] * NH + (size_t)h * nq) * T;
			const float *dO = dout + (size_t)qoff[b] * C + h * hs;
			/* dV += P^T dO */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, nq, 1.0f, p, T, dO, C, 1.0f, dv, C3);
			/* dP = dO V^T; through the softmax dS = P (dP - rowsum(P dP)),
			 * and the 1/sqrt(hs) of the scores. Masked keys have P = 0, so
			 * they get no gradient. */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, T, hs, 1.0f, dO, C, v, C3, 0.0f, ds, T);
			for (int t = 0; t < nq; t++) {
				const float *pr = p + (size_t)t * T;
				float *dr = ds + (size_t)t * T, dot = 0;
#pragma omp simd reduction(+ : dot)
				for (int u = 0; u < T; u++)
					dot += pr[u] * dr[u];
#pragma omp simd
				for (int u = 0; u < T; u++)
					dr[u] = pr[u] * (dr[u] - dot) * scale;
			}
			/* dQ += dS K; dK += dS^T Q */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hs, T, 1.0f, ds, T, k, C3, 1.0f, dqh, C3);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, nq, 1.0f, ds, T, qh, C3, 1.0f, dk, C3);
		}
	}
}

/* ---- embeddings ---- */

WIDE_SIMD static void embedding_forward(struct backend *be, float *out, const int32_t *tok, const struct weight *wte,
                                        const float *wpe, int B, int T, int C)
{
	(void)be;
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++) {
			float *o = out + ((size_t)b * T + t) * C;
			size_t row = (size_t)tok[b * T + t];
			const float *p = wpe + (size_t)t * C;
			if (wte->dtype == DTYPE_F32) {
				const float *e = (const float *)wte->data + row * C;
				for (int i = 0; i < C; i++)
					o[i] = e[i] + p[i];
			} else if (wte->dtype == DTYPE_BF16) {
				const uint16_t *e = (const uint16_t *)wte->data + row * C;
				for (int i = 0; i < C; i++)
					o[i] = bf16_to_float(e[i]) + p[i];
			} else {
				const int8_t *e = (const int8_t *)wte->data + row * C;
				float s = wte->scale[row];
				for (int i = 0; i < C; i++)
					o[i] = s * (float)e[i] + p[i];
			}
		}
}

WIDE_SIMD static void embedding_backward(struct backend *be, float *dwte, float *dwpe, const float *dout,
                                         const int32_t *tok, int B, int T, int C)
{
	(void)be;
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++) {
			const float *d = dout + ((size_t)b * T + t) * C;
			float *de = dwte + (size_t)tok[b * T + t] * C, *dp = dwpe + (size_t)t * C;
			for (int i = 0; i < C; i++) {
				de[i] += d[i];
				dp[i] += d[i];
			}
		}
}

WIDE_SIMD static void value_forward(struct backend *be, float *out, const int32_t *fact, const float *enc, int W,
                                    const struct weight *dirs, size_t n, int C)
{
	(void)be;
	for (size_t i = 0; i < n; i++) {
		if (fact[i] < 0)
			continue;
		float *o = out + i * C;
		for (int w = 0; w < W; w++) {
			float e = enc[i * W + w];
			if (e == 0)  /* most piecewise-linear components are */
				continue;
			size_t row = (size_t)fact[i] * W + w;
			if (dirs->dtype == DTYPE_F32) {
				const float *d = (const float *)dirs->data + row * C;
#pragma omp simd
				for (int j = 0; j < C; j++)
					o[j] += e * d[j];
			} else if (dirs->dtype == DTYPE_BF16) {
				const uint16_t *d = (const uint16_t *)dirs->data + row * C;
				for (int j = 0; j < C; j++)
					o[j] += e * bf16_to_float(d[j]);
			} else {
				const int8_t *d = (const int8_t *)dirs->data + row * C;
				float es = e * dirs->scale[row];
#pragma omp simd
				for (int j = 0; j < C; j++)
					o[j] += es * (float)d[j];
			}
		}
	}
}

WIDE_SIMD static void value_backward(struct backend *be, float *ddirs, const float *dout, const int32_t *fact,
                                     const float *enc, int W, size_t n, int C)
{
	(void)be;
	for (size_t i = 0; i < n; i++) {
		if (fact[i] < 0)
			continue;
		const float *g = dout + i * C;
		for (int w = 0; w < W; w++) {
			float e = enc[i * W + w];
			if (e == 0)
				continue;
			float *d = ddirs + ((size_t)fact[i] * W + w) * C;
#pragma omp simd
			for (int j = 0; j < C; j++)
				d[j] += e * g[j];
		}
	}
}

static void gemm(struct backend *be, bool ta, bool tb, int M, int N, int K, float alpha, const float *A, const float *B,
                 float beta, float *C)
{
	(void)be;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
	            ta ? M : K, B, tb ? K : N, beta, C, N);
}

/* ---- loss ---- */

WIDE_SIMD static float crossentropy(struct backend *be, float *dlogits, const float *logits, const int32_t *target,
                                    const float *weight, int N, int V, float grad_scale)
{
	(void)be;
	double loss = 0, total = 0;
	for (int n = 0; n < N; n++)
		if (target[n] >= 0)
			total += weight ? weight[target[n]] : 1.0f;
	for (int n = 0; n < N; n++) {
		const float *z = logits + (size_t)n * V;
		float *dz = dlogits + (size_t)n * V;
		if (target[n] < 0 || total == 0) {
			memset(dz, 0, (size_t)V * sizeof *dz);
			continue;
		}
		float mx = -INFINITY, sum = 0;
		for (int v = 0; v < V; v++)
			mx = z[v] > mx ? z[v] : mx;
#pragma omp simd reduction(+ : sum)
		for (int v = 0; v < V; v++) {
			dz[v] = exp_nonpositive(z[v] - mx);
			sum += dz[v];
		}
		float w = (weight ? weight[target[n]] : 1.0f) / (float)total, ws = w / sum;
		loss += w * (log(sum) - (z[target[n]] - mx));
		float gs = ws * grad_scale;
#pragma omp simd
		for (int v = 0; v < V; v++)
			dz[v] *= gs;
		dz[target[n]] -= w * grad_scale;
	}
	return (float)loss;
}

/* d/dz of T^2 KL(p || softmax(z/T)) is T (softmax(z/T) - p). */
WIDE_SIMD static float soft_crossentropy(struct backend *be, float *dlogits, const float *logits, const float *target,
                                         int N, int V, float temperature, float grad_scale)
{
	(void)be;
	double loss = 0;
	float inv_t = 1.0f / temperature, g = grad_scale * temperature / (float)N;
	for (int n = 0; n < N; n++) {
		const float *z = logits + (size_t)n * V, *p = target + (size_t)n * V;
		float *dz = dlogits + (size_t)n * V;
		float mx = -INFINITY;
		double sum = 0;
		for (int v = 0; v < V; v++)
			mx = z[v] > mx ? z[v] : mx;
		for (int v = 0; v < V; v++)
			sum += exp((double)(z[v] - mx) * inv_t);
		double log_sum = log(sum), kl = 0;
		for (int v = 0; v < V; v++) {
			double log_q = (double)(z[v] - mx) * inv_t - log_sum;
			if (p[v] > 0)
				kl += p[v] * (log(p[v]) - log_q);
			dz[v] += g * (float)(exp(log_q) - p[v]);
		}
		loss += kl;
	}
	return N ? (float)(loss * temperature * temperature / N) : 0.0f;
}

/* ---- elementwise ---- */

/* out = a + b * mask, or with p->a set, out += b * mask (a = out) */
WIDE_SIMD static void masked_range(void *ctx, size_t first, size_t end)
{
	const struct pass *p = ctx;
	float *out = p->out;
	const float *a = p->in ? p->in : p->out, *b = p->in2, *mask = p->in3;
	if (mask) {
#pragma omp simd
		for (size_t i = first; i < end; i++)
			out[i] = a[i] + b[i] * mask[i];
	} else {
#pragma omp simd
		for (size_t i = first; i < end; i++)
			out[i] = a[i] + b[i];
	}
}

static void add_masked(struct backend *be, float *out, const float *a, const float *b, const float *mask, size_t n)
{
	(void)be;
	pool_for(n, MIN_CHUNK, masked_range, &(struct pass){.out = out, .in = a, .in2 = b, .in3 = mask});
}

static void acc_masked(struct backend *be, float *dst, const float *src, const float *mask, size_t n)
{
	(void)be;
	pool_for(n, MIN_CHUNK, masked_range, &(struct pass){.out = dst, .in2 = src, .in3 = mask});
}

struct dropout_pass {
	float *mask;
	const uint64_t *key;
	const int *off;
	int width;
	uint32_t threshold, site;
	float keep;
};

static void dropout_sequences(void *ctx, size_t first, size_t end)
{
	const struct dropout_pass *p = ctx;
	for (size_t b = first; b < end; b++) {
		float *mask = p->mask + (size_t)p->off[b] * p->width;
		size_t n = (size_t)(p->off[b + 1] - p->off[b]) * p->width;
		uint64_t stream = rng_hash(p->key[b], p->site);
		for (size_t i = 0; i < n; i += 2) {
			uint64_t r = rng_hash(stream, i / 2);
			mask[i] = (uint32_t)r < p->threshold ? 0.0f : p->keep;
			if (i + 1 < n)
				mask[i + 1] = (uint32_t)(r >> 32) < p->threshold ? 0.0f : p->keep;
		}
	}
}

static void dropout_mask(struct backend *be, float *mask, const uint64_t *key, const int *off, int B, int width,
                         float p, uint32_t site)
{
	(void)be;
	struct dropout_pass dp = {.mask = mask,
	                          .key = key,
	                          .off = off,
	                          .width = width,
	                          .site = site,
	                          .threshold = (uint32_t)((double)p * 4294967296.0),
	                          .keep = 1.0f / (1.0f - p)};
	pool_for((size_t)B, 1, dropout_sequences, &dp);
}

static double sumsq(struct backend *be, const float *x, size_t n)
{
	(void)be;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}

static void scale(struct backend *be, float *x, size_t n, float s)
{
	(void)be;
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

WIDE_SIMD static void adamw_range(void *ctx, size_t first, size_t end)
{
	const struct pass *q = ctx;
	float *p = q->out, *m = q->out2, *v = q->out3;
	const float *g = q->in;
	float lr = q->a, b1 = q->b, b2 = q->c, eps = q->d, wd = q->e, c1 = q->f, c2 = q->g;
#pragma omp simd
	for (size_t i = first; i < end; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		float mhat = m[i] / c1, vhat = v[i] / c2;
		p[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[i]);
	}
}

static void adamw(struct backend *be, float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
                  float b2, float eps, float wd, int t)
{
	(void)be;
	struct pass q = {.out = p, .out2 = m, .out3 = v, .in = g, .a = lr, .b = b1, .c = b2, .d = eps, .e = wd,
	                 .f = 1.0f - powf(b1, (float)t), .g = 1.0f - powf(b2, (float)t)};
	pool_for(n, MIN_CHUNK, adamw_range, &q);
}

/* ---- memory: the host's ---- */

static void *cpu_alloc(struct backend *be, size_t bytes)
{
	(void)be;
	return calloc(1, bytes ? bytes : 1);
}

static void cpu_release(struct backend *be, void *p)
{
	(void)be;
	free(p);
}

static void cpu_zero(struct backend *be, void *p, size_t bytes)
{
	(void)be;
	memset(p, 0, bytes);
}

static void cpu_copy(struct backend *be, void *dst, const void *src, size_t bytes)
{
	(void)be;
	memmove(dst, src, bytes);
}

static void cpu_gather_rows(struct backend *be, float *dst, int dst_stride, const float *src, int src_stride,
                            const int32_t *rows, int n, int width)
{
	(void)be;
	for (int r = 0; r < n; r++)
		memcpy(dst + (size_t)r * dst_stride, src + (size_t)rows[r] * src_stride, (size_t)width * sizeof *dst);
}

WIDE_SIMD static void cpu_scatter_add_rows(struct backend *be, float *dst, int dst_stride, const float *src,
                                           int src_stride, const int32_t *rows, int n, int width)
{
	(void)be;
	for (int r = 0; r < n; r++) {
		float *d = dst + (size_t)rows[r] * dst_stride;
		const float *s = src + (size_t)r * src_stride;
#pragma omp simd
		for (int i = 0; i < width; i++)
			d[i] += s[i];
	}
}

const struct ops ops_cpu = {
    .name = "cpu",
    .host_memory = true,
    .alloc = cpu_alloc,
    .release = cpu_release,
    .zero = cpu_zero,
    .copy = cpu_copy,
    .upload = cpu_copy,
    .download = cpu_copy,
    .gather_rows = cpu_gather_rows,
    .scatter_add_rows = cpu_scatter_add_rows,
    .gemm = gemm,
    .linear_forward = cpu_linear_forward,
    .linear_backward = cpu_linear_backward,
    .layernorm_forward = layernorm_forward,
    .layernorm_backward = layernorm_backward,
    .gelu_forward = gelu_forward,
    .gelu_backward = gelu_backward,
    .tanh_forward = tanh_forward,
    .tanh_backward = tanh_backward,
    .attention_forward = attention_forward,
    .attention_backward = attention_backward,
    .embedding_forward = embedding_forward,
    .embedding_backward = embedding_backward,
    .value_forward = value_forward,
    .value_backward = value_backward,
    .crossentropy = crossentropy,
    .soft_crossentropy = soft_crossentropy,
    .add_masked = add_masked,
    .acc_masked = acc_masked,
    .dropout_mask = dropout_mask,
    .sumsq = sumsq,
    .scale = scale,
    .adamw = adamw,
    .close = cpu_close,
};
