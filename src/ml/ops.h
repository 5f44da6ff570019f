#ifndef LATHE_ML_OPS_H
#define LATHE_ML_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The backend seam: every tensor operation the model makes goes through a
 * struct ops, so a backend (the CPU one on OpenBLAS here, CUDA later) is
 * picked at run time without touching model code. Tensors are row-major
 * float arrays; shapes are stated per operation. A backward ADDS into the
 * parameter gradients (+=), so shared weights and accumulated batches sum
 * up (the caller zeroes them once per step), and WRITES the gradient of
 * its input (din =), so no caller clears a buffer first; attention, whose
 * query rows may be a subset, adds into dq and dqkv instead. */
struct ops {
	const char *name;
	/* out[N,OC] = in[N,C] W[OC,C]^T + b[OC] (b may be NULL) */
	void (*linear_forward)(float *out, const float *in, const float *W, const float *b, int N, int C, int OC);
	void (*linear_backward)(float *din, float *dW, float *db, const float *dout, const float *in, const float *W,
	                        int N, int C, int OC);
	/* out[N,C] = (in - mean) * rstd * g + b per row; keeps mean[N], rstd[N] */
	void (*layernorm_forward)(float *out, float *mean, float *rstd, const float *in, const float *g, const float *b,
	                          int N, int C);
	void (*layernorm_backward)(float *din, float *dg, float *db, const float *dout, const float *in, const float *g,
	                           const float *mean, const float *rstd, int N, int C);
	/* out[n] = GELU(in[n]) with the exact erf form, as PyTorch's default */
	void (*gelu_forward)(float *out, const float *in, size_t n);
	void (*gelu_backward)(float *din, const float *in, const float *dout, size_t n);
	/* out[n] = tanh(in[n]); backward from the output: din = dout (1 - out^2) */
	void (*tanh_forward)(float *out, const float *in, size_t n);
	void (*tanh_backward)(float *din, const float *out, const float *dout, size_t n);
	/* Multi-head self-attention. qkv[B,T,3C] holds Q, K, V side by side,
	 * head h in columns h*C/NH ..; len[B] is each sequence's length (keys
	 * at t >= len are masked). The queries are rows of q (stride 3C, Q in
	 * its first C columns): those of sequence b are rows qoff[b] ..
	 * qoff[b+1], so q = qkv with qoff[b] = b*T asks for every position,
	 * and a gathered subset asks for only the positions a head reads.
	 * out[qoff[B],C]; att[qoff[B],NH,T] keeps the probabilities for
	 * backward (sequence b's block from row qoff[b]*NH, head-major). */
	void (*attention_forward)(float *out, float *att, const float *q, const float *qkv, const int *qoff,
	                          const int *len, int B, int T, int C, int NH);
	/* dq gets the query gradients (rows as q's; it may be dqkv when q is
	 * qkv), dqkv those of the keys and values. scratch: T*T floats of
	 * work space, allocated once by the caller. */
	void (*attention_backward)(float *dq, float *dqkv, float *scratch, const float *dout, const float *q,
	                           const float *qkv, const float *att, const int *qoff, int B, int T, int C, int NH);
	/* out[B,T,C] = wte[tok[b,t]] + wpe[t] */
	void (*embedding_forward)(float *out, const int32_t *tok, const float *wte, const float *wpe, int B, int T, int C);
	void (*embedding_backward)(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int B, int T, int C);
	/* out[i,:] += sum over w < W of enc[i,w] dirs[fact[i]*W + w,:] for the
	 * n rows with fact[i] >= 0: value-aware token embeddings, each reading
	 * encoded as W numbers (its z-score, then its piecewise-linear bins).
	 * Backward adds enc[i,w] dout[i,:] into ddirs[fact[i]*W + w,:]. */
	void (*value_forward)(float *out, const int32_t *fact, const float *enc, int W, const float *dirs, size_t n,
	                      int C);
	void (*value_backward)(float *ddirs, const float *dout, const int32_t *fact, const float *enc, int W, size_t n,
	                       int C);
	/* Softmax cross-entropy over logits[N,V] against target[N] (-1 =
	 * ignored), each row weighted by weight[target] (NULL = 1). Returns
	 * the weighted mean loss; writes dlogits[N,V] of that mean (not +=). */
	float (*crossentropy)(float *dlogits, const float *logits, const int32_t *target, const float *weight, int N,
	                      int V);
	/* out[i] = a[i] + b[i] * mask[i] (mask NULL = 1): a residual branch
	 * through dropout; out may be a. */
	void (*add_masked)(float *out, const float *a, const float *b, const float *mask, size_t n);
	/* dst[i] += src[i] * mask[i] (mask NULL = 1) */
	void (*acc_masked)(float *dst, const float *src, const float *mask, size_t n);
	/* Sum of squares, for gradient norms. */
	double (*sumsq)(const float *x, size_t n);
	void (*scale)(float *x, size_t n, float s);
	/* One AdamW step with decoupled weight decay:
	 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
	 * p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) + lr wd p */
	void (*adamw)(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float eps,
	              float wd, int t);
	/* Threads the backend may use (OpenBLAS's pool on the CPU). */
	void (*set_threads)(int n);
};

extern const struct ops ops_cpu;

/* Plain triple-loop matrix product C[M,N] = A[M,K] B[K,N] (with the
 * operands transposed as asked): the oracle the fast paths are checked
 * against. */
void ops_ref_gemm(bool ta, bool tb, int M, int N, int K, const float *A, const float *B, float *C);

#endif
