#include "config.h"
#include "ops.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* ---- linear ---- */

static void linear_forward(float *out, const float *in, const float *W, const float *b, int N, int C, int OC)
{
	if (b)
		for (int n = 0; n < N; n++)
			memcpy(out + (size_t)n * OC, b, (size_t)OC * sizeof *out);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, in, C, W, C, b ? 1.0f : 0.0f, out, OC);
}

static void linear_backward(float *din, float *dW, float *db, const float *dout, const float *in, const float *W,
                            int N, int C, int OC)
{
	/* din[N,C] += dout[N,OC] W[OC,C]; dW[OC,C] += dout^T in; db += sum dout */
	if (din)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, W, C, 1.0f, din, C);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, in, C, 1.0f, dW, C);
	if (db)
		for (int n = 0; n < N; n++)
			for (int o = 0; o < OC; o++)
				db[o] += dout[(size_t)n * OC + o];
}

/* ---- layer norm ---- */

#define LAYERNORM_EPS 1e-12f  /* BERT's */

static void layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *g, const float *b,
                              int N, int C)
{
	for (int n = 0; n < N; n++) {
		const float *x = in + (size_t)n * C;
		float *y = out + (size_t)n * C;
		double m = 0, v = 0;
		for (int i = 0; i < C; i++)
			m += x[i];
		m /= C;
		for (int i = 0; i < C; i++)
			v += (x[i] - m) * (x[i] - m);
		v /= C;
		float s = 1.0f / sqrtf((float)v + LAYERNORM_EPS);
		for (int i = 0; i < C; i++)
			y[i] = ((x[i] - (float)m) * s) * g[i] + b[i];
		mean[n] = (float)m;
		rstd[n] = s;
	}
}

static void layernorm_backward(float *din, float *dg, float *db, const float *dout, const float *in, const float *g,
                               const float *mean, const float *rstd, int N, int C)
{
	for (int n = 0; n < N; n++) {
		const float *x = in + (size_t)n * C, *dy = dout + (size_t)n * C;
		float *dx = din + (size_t)n * C;
		float m = mean[n], s = rstd[n];
		/* With xhat = (x - m) s and dxhat = dy g:
		 * dx = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) */
		double sum_d = 0, sum_dx = 0;
		for (int i = 0; i < C; i++) {
			float xhat = (x[i] - m) * s, dxhat = dy[i] * g[i];
			sum_d += dxhat;
			sum_dx += dxhat * xhat;
			dg[i] += dy[i] * xhat;
			db[i] += dy[i];
		}
		float md = (float)(sum_d / C), mdx = (float)(sum_dx / C);
		for (int i = 0; i < C; i++) {
			float xhat = (x[i] - m) * s;
			dx[i] += s * (dy[i] * g[i] - md - xhat * mdx);
		}
	}
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
 * 2^k e^r with |r| <= ln2 and a degree-6 polynomial (libm's expf is a call
 * per element). */
static LATHE_INLINE float exp_nonpositive(float x)
{
	x = x < -87.0f ? -87.0f : x;  /* a select (fmaxf would be a call) */
	int32_t k = (int32_t)(x * 1.44269504f - 0.5f);
	float kf = (float)k;
	float r = x - kf * 0.693145752f - kf * 1.42860677e-6f;
	float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
	int32_t bits = (k + 127) << 23;
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

static void gelu_forward(float *out, const float *in, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		float g;
		out[i] = in[i] * normal_cdf(in[i], &g);
	}
}

static void gelu_backward(float *din, const float *in, const float *dout, size_t n)
{
	const float inv_sqrt_2pi = 0.3989422804014327f;
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		float g, cdf = normal_cdf(in[i], &g);
		din[i] += dout[i] * (cdf + in[i] * inv_sqrt_2pi * g);
	}
}

/* ---- tanh (the pooler) ---- */

static void tanh_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

static void tanh_backward(float *din, const float *out, const float *dout, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] += dout[i] * (1.0f - out[i] * out[i]);
}

/* ---- attention ---- */

static void attention_forward(float *out, float *att, const float *qkv, const int *len, int B, int T, int C, int NH)
{
	int hs = C / NH, C3 = 3 * C;
	float scale = 1.0f / sqrtf((float)hs);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			const float *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
			float *p = att + ((size_t)b * NH + h) * T * T;
			/* scores[T,T] = Q K^T / sqrt(hs) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, scale, q, C3, k, C3, 0.0f, p, T);
			int L = len[b] > 0 ? len[b] : 1;
			for (int t = 0; t < T; t++) {
				float *row = p + (size_t)t * T, mx = -INFINITY, sum = 0;
				for (int u = 0; u < L; u++)
					mx = fmaxf(mx, row[u]);
#pragma omp simd reduction(+ : sum)
				for (int u = 0; u < L; u++) {
					row[u] = exp_nonpositive(row[u] - mx);
					sum += row[u];
				}
				for (int u = 0; u < L; u++)
					row[u] /= sum;
				for (int u = L; u < T; u++)
					row[u] = 0;
			}
			/* out[T,hs] = P V */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, p, T, v, C3, 0.0f,
			            out + (size_t)b * T * C + h * hs, C);
		}
}

static void attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv, const float *att,
                               int B, int T, int C, int NH)
{
	int hs = C / NH, C3 = 3 * C;
	float scale = 1.0f / sqrtf((float)hs);
	float *ds = scratch;
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			const float *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
			float *dq = dqkv + (size_t)b * T * C3 + h * hs, *dk = dq + C, *dv = dq + 2 * C;
			const float *p = att + ((size_t)b * NH + h) * T * T, *dO = dout + (size_t)b * T * C + h * hs;
			/* dV += P^T dO */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, p, T, dO, C, 1.0f, dv, C3);
			/* dP = dO V^T; through the softmax dS = P (dP - rowsum(P dP)),
			 * and the 1/sqrt(hs) of the scores. Masked keys have P = 0, so
			 * they get no gradient. */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, dO, C, v, C3, 0.0f, ds, T);
			for (int t = 0; t < T; t++) {
				const float *pr = p + (size_t)t * T;
				float *dr = ds + (size_t)t * T, dot = 0;
				for (int u = 0; u < T; u++)
					dot += pr[u] * dr[u];
				for (int u = 0; u < T; u++)
					dr[u] = pr[u] * (dr[u] - dot) * scale;
			}
			/* dQ += dS K; dK += dS^T Q */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, ds, T, k, C3, 1.0f, dq, C3);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, ds, T, q, C3, 1.0f, dk, C3);
		}
}

/* ---- embeddings ---- */

static void embedding_forward(float *out, const int32_t *tok, const float *wte, const float *wpe, int B, int T, int C)
{
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++) {
			float *o = out + ((size_t)b * T + t) * C;
			const float *e = wte + (size_t)tok[b * T + t] * C, *p = wpe + (size_t)t * C;
			for (int i = 0; i < C; i++)
				o[i] = e[i] + p[i];
		}
}

static void embedding_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int B, int T, int C)
{
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

/* ---- loss ---- */

static float crossentropy(float *dlogits, const float *logits, const int32_t *target, const float *weight, int N,
                          int V)
{
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
		float mx = -INFINITY;
		for (int v = 0; v < V; v++)
			mx = fmaxf(mx, z[v]);
		double sum = 0;
		for (int v = 0; v < V; v++)
			sum += exp((double)(z[v] - mx));
		float w = (weight ? weight[target[n]] : 1.0f) / (float)total;
		loss += w * (log(sum) - (z[target[n]] - mx));
		for (int v = 0; v < V; v++)
			dz[v] = w * (float)(exp((double)(z[v] - mx)) / sum);
		dz[target[n]] -= w;
	}
	return (float)loss;
}

/* ---- elementwise ---- */

static void add_masked(float *out, const float *a, const float *b, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = a[i] + b[i] * (mask ? mask[i] : 1.0f);
}

static void acc_masked(float *dst, const float *src, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i] * (mask ? mask[i] : 1.0f);
}

static double sumsq(const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}

static void scale(float *x, size_t n, float s)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

static void adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float eps,
                  float wd, int t)
{
	float c1 = 1.0f - powf(b1, (float)t), c2 = 1.0f - powf(b2, (float)t);
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		float mhat = m[i] / c1, vhat = v[i] / c2;
		p[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[i]);
	}
}

static void set_threads(int n)
{
	openblas_set_num_threads(n);
}

const struct ops ops_cpu = {
	.name = "cpu",
	.linear_forward = linear_forward,
	.linear_backward = linear_backward,
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
	.crossentropy = crossentropy,
	.add_masked = add_masked,
	.acc_masked = acc_masked,
	.sumsq = sumsq,
	.scale = scale,
	.adamw = adamw,
	.set_threads = set_threads,
};
