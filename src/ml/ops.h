#ifndef LATHE_ML_OPS_H
#define LATHE_ML_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* The backend seam: every tensor operation the model makes, and every
 * allocation, copy and clear of tensor memory, goes through a backend, so
 * a backend (the CPU one on OpenBLAS and oneDNN here, a device later) is
 * picked at run time without touching model code, and no code outside a
 * backend touches tensor memory directly. Tensors are row-major arrays in
 * the backend's memory; shapes are stated per operation. Index arrays
 * (tok, len, qoff, rows, targets) live in the backend's memory too, except
 * where an operation says "host". A backward ADDS into the parameter
 * gradients (+=), so shared weights and accumulated batches sum up (the
 * caller zeroes them once per step), and WRITES the gradient of its input
 * (din =), so no caller clears a buffer first; attention, whose query rows
 * may be a subset, adds into dq and dqkv instead. */

enum dtype { DTYPE_F32, DTYPE_BF16, DTYPE_I8 };

/* How the matrix products run: fp32 throughout, or bf16 operands with
 * fp32 accumulation (master weights, optimizer and layer norms stay
 * fp32). */
enum precision { PRECISION_FP32, PRECISION_BF16 };

/* A weight matrix [OC, C] as the model stores it: f32; bf16; or i8 with
 * one f32 scale per output row (w = scale[o] * q[o, c]). */
struct weight {
	const void *data;
	const float *scale;
	enum dtype dtype;
};

struct backend;

struct ops {
	const char *name;
	bool host_memory; /* its memory is the host's (a host pointer reads it) */
	/* ---- memory ---- */
	/* Zeroed memory of the backend; NULL when there is none left. */
	void *(*alloc)(struct backend *be, size_t bytes);
	void (*release)(struct backend *be, void *p);
	void (*zero)(struct backend *be, void *p, size_t bytes);
	void (*copy)(struct backend *be, void *dst, const void *src, size_t bytes);
	/* between the host and the backend's memory */
	void (*upload)(struct backend *be, void *dst, const void *host, size_t bytes);
	void (*download)(struct backend *be, void *host, const void *src, size_t bytes);
	/* The first width columns: dst[r,:] = src[rows[r],:] and
	 * dst[rows[r],:] += src[r,:] for r < n, rows strides apart (rows a
	 * host array; no row twice in a scatter) */
	void (*gather_rows)(struct backend *be, float *dst, int dst_stride, const float *src, int src_stride,
	                    const int32_t *rows, int n, int width);
	void (*scatter_add_rows)(struct backend *be, float *dst, int dst_stride, const float *src, int src_stride,
	                         const int32_t *rows, int n, int width);
	/* C[M,N] = alpha op(A) op(B) + beta C, op transposing where asked
	 * (A [M,K] or [K,M], B [K,N] or [N,K]): for work on whole matrices,
	 * such as low-rank adapters (ml/lora.h). */
	void (*gemm)(struct backend *be, bool ta, bool tb, int M, int N, int K, float alpha, const float *A,
	             const float *B, float beta, float *C);
	/* ---- layers, each forward beside its backward ---- */
	/* out[N,OC] = in[N,C] W[OC,C]^T + b[OC] (b may be NULL) */
	void (*linear_forward)(struct backend *be, float *out, const float *in, const struct weight *W, const float *b,
	                       int N, int C, int OC);
	/* W must be f32 here: training keeps f32 master weights. */
	void (*linear_backward)(struct backend *be, float *din, float *dW, float *db, const float *dout,
	                        const float *in, const float *W, int N, int C, int OC);
	/* out[N,C] = (in - mean) * rstd * g + b per row; keeps mean[N], rstd[N] */
	void (*layernorm_forward)(struct backend *be, float *out, float *mean, float *rstd, const float *in,
	                          const float *g, const float *b, int N, int C);
	void (*layernorm_backward)(struct backend *be, float *din, float *dg, float *db, const float *dout,
	                           const float *in, const float *g, const float *mean, const float *rstd, int N, int C);
	/* out[n] = GELU(in[n]) with the exact erf form, as PyTorch's default */
	void (*gelu_forward)(struct backend *be, float *out, const float *in, size_t n);
	void (*gelu_backward)(struct backend *be, float *din, const float *in, const float *dout, size_t n);
	/* out[n] = tanh(in[n]); backward from the output: din = dout (1 - out^2) */
	void (*tanh_forward)(struct backend *be, float *out, const float *in, size_t n);
	void (*tanh_backward)(struct backend *be, float *din, const float *out, const float *dout, size_t n);
	/* Multi-head self-attention. qkv[B,T,3C] holds Q, K, V side by side,
	 * head h in columns h*C/NH ..; len[B] is each sequence's length (keys
	 * at t >= len are masked). The queries are rows of q (stride 3C, Q in
	 * its first C columns): those of sequence b are rows qoff[b] ..
	 * qoff[b+1], so q = qkv with qoff[b] = b*T asks for every position,
	 * and a gathered subset asks for only the positions a head reads.
	 * out[qoff[B],C]; att[qoff[B],NH,T] keeps the probabilities for
	 * backward (sequence b's block from row qoff[b]*NH, head-major). */
	void (*attention_forward)(struct backend *be, float *out, float *att, const float *q, const float *qkv,
	                          const int *qoff, const int *len, int B, int T, int C, int NH);
	/* dq gets the query gradients (rows as q's; it may be dqkv when q is
	 * qkv), dqkv those of the keys and values. scratch: T*T floats of
	 * work space, allocated once by the caller. */
	void (*attention_backward)(struct backend *be, float *dq, float *dqkv, float *scratch, const float *dout,
	                           const float *q, const float *qkv, const float *att, const int *qoff, int B, int T,
	                           int C, int NH);
	/* out[B,T,C] = wte[tok[b,t]] + wpe[t] (wte f32, bf16 or i8 by rows) */
	void (*embedding_forward)(struct backend *be, float *out, const int32_t *tok, const struct weight *wte,
	                          const float *wpe, int B, int T, int C);
	void (*embedding_backward)(struct backend *be, float *dwte, float *dwpe, const float *dout, const int32_t *tok,
	                           int B, int T, int C);
	/* out[i,:] += sum over w < W of enc[i,w] dirs[fact[i]*W + w,:] for the
	 * n rows with fact[i] >= 0: value-aware token embeddings, each reading
	 * encoded as W numbers (its z-score, then its piecewise-linear bins).
	 * dirs may be f32, bf16 or i8 by rows; backward adds enc[i,w] dout[i,:]
	 * into ddirs[fact[i]*W + w,:]. */
	void (*value_forward)(struct backend *be, float *out, const int32_t *fact, const float *enc, int W,
	                      const struct weight *dirs, size_t n, int C);
	void (*value_backward)(struct backend *be, float *ddirs, const float *dout, const int32_t *fact,
	                       const float *enc, int W, size_t n, int C);
	/* Softmax cross-entropy over logits[N,V] against target[N] (-1 =
	 * ignored), each row weighted by weight[target] (NULL = 1). Returns
	 * the weighted mean loss; writes dlogits[N,V] of that mean times
	 * grad_scale (not +=). */
	float (*crossentropy)(struct backend *be, float *dlogits, const float *logits, const int32_t *target,
	                      const float *weight, int N, int V, float grad_scale);
	/* Distillation's soft part (Hinton et al., 2015): against target
	 * probabilities [N,V] (a teacher's at temperature T), the mean of
	 * T^2 KL(target || softmax(logits / T)); ADDS that mean's gradient
	 * times grad_scale into dlogits, so it joins crossentropy's. The T^2
	 * keeps its gradients on the labels' scale whatever T is. */
	float (*soft_crossentropy)(struct backend *be, float *dlogits, const float *logits, const float *target, int N,
	                           int V, float temperature, float grad_scale);
	/* out[i] = a[i] + b[i] * mask[i] (mask NULL = 1): a residual branch
	 * through dropout; out may be a. */
	void (*add_masked)(struct backend *be, float *out, const float *a, const float *b, const float *mask, size_t n);
	/* dst[i] += src[i] * mask[i] (mask NULL = 1) */
	void (*acc_masked)(struct backend *be, float *dst, const float *src, const float *mask, size_t n);
	/* Inverted dropout's mask over the rows of B sequences, sequence b's
	 * being rows off[b] .. off[b+1] of width floats: each entry 0 with
	 * probability p, else 1/(1-p). Entries 2i and 2i+1 of sequence b
	 * compare the low and high 32 bits of rng_hash(rng_hash(key[b], site),
	 * i) (base/rng.h) with p 2^32, so every backend draws the same mask,
	 * and a sequence the same one whatever batch or process it is in. */
	void (*dropout_mask)(struct backend *be, float *mask, const uint64_t *key, const int *off, int B, int width,
	                     float p, uint32_t site);
	/* ---- optimizer ---- */
	/* Sum of squares, for gradient norms. */
	double (*sumsq)(struct backend *be, const float *x, size_t n);
	void (*scale)(struct backend *be, float *x, size_t n, float s);
	/* One AdamW step with decoupled weight decay:
	 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
	 * p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) + lr wd p */
	void (*adamw)(struct backend *be, float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
	              float b2, float eps, float wd, int t);
	/* Frees the backend and everything it keeps (backend_free). */
	void (*close)(struct backend *be);
	/* ---- processes training together (NULL where the backend has no
	 * collective of its own: the caller then sums through the host) ----
	 * join makes rank of size one of a group, rank 0's identity reaching
	 * the others through share (which sends rank 0's bytes to every
	 * process); allreduce then sums x[n] across the group, in place, in
	 * the backend's memory. Both return 0, or -1 with e set. */
	int (*join)(struct backend *be, int rank, int size, int (*share)(void *buf, size_t bytes, struct err *e),
	            struct err *e);
	int (*allreduce)(struct backend *be, float *x, size_t n, struct err *e);
};

/* A backend context: its operations, its threads and precision, and what
 * it keeps between calls (library handles, primitives, work space). One
 * per model user; not shared across threads that run at once. */
struct backend {
	const struct ops *ops;
	int threads; /* 0: the libraries' own */
	enum precision precision;
	/* i8 weights multiply in int8 (else in f32, dequantized once) */
	bool int8_products;
	void *impl;
};

/* The CPU backend: OpenBLAS for fp32 products, oneDNN for bf16 and int8.
 * Asked for bf16 where oneDNN has no fast bf16 product (no AMX-BF16 or
 * AVX512-BF16, or DNNL_MAX_CPU_ISA set below them), it runs fp32 and says
 * so in *note (a line for the user; NULL otherwise), never fails for it.
 * auto picks bf16 where the units are, quietly fp32 elsewhere. */
enum precision_choice { PRECISION_AUTO, PRECISION_ASK_FP32, PRECISION_ASK_BF16 };
struct backend *backend_cpu_new(int threads, enum precision_choice precision, const char **note, struct err *e);
void backend_free(struct backend *be);

/* Where a model runs: the CPU, or GPU number index (cuda:N). */
enum device_kind { DEVICE_CPU, DEVICE_CUDA };
struct device {
	enum device_kind kind;
	int index;
};
/* "cpu", "cuda" (cuda:0) or "cuda:N" into *d: 0, or -1. */
int device_parse(const char *text, struct device *d);
/* The backend of a device: the CPU's (threads, precision as above), or
 * the CUDA backend (precision: bf16 products with fp32 accumulation on
 * GPUs with bf16 tensor cores unless fp32 is asked for). NULL with e set
 * when the build has no GPU support, or the machine has no such GPU. */
struct backend *backend_new(struct device d, int threads, enum precision_choice precision, const char **note,
                            struct err *e);
/* The CUDA backend's parts (a build without it says so in e): the GPUs
 * here (or -1), and one of them in words (name, free and total memory). */
struct backend *backend_cuda_new(int device, enum precision_choice precision, const char **note, struct err *e);
int backend_cuda_count(struct err *e);
int backend_cuda_describe(int device, char *buf, size_t size, struct err *e);
/* Whether this processor and library can run bf16 products. */
bool backend_cpu_has_bf16(void);

/* Plain triple-loop matrix product C[M,N] = A[M,K] B[K,N] (with the
 * operands transposed as asked): the oracle the fast paths are checked
 * against. */
void ops_ref_gemm(bool ta, bool tb, int M, int N, int K, const float *A, const float *B, float *C);

#endif
