/* The CUDA backend: every tensor in the GPU's memory, the matrix products
 * through cuBLAS (fp32, or bf16 operands with fp32 accumulation on the
 * tensor cores where the GPU has them), kernels for everything else, all
 * on one stream. The host reads back only what an operation returns (a
 * loss, a sum of squares) and what download asks for. The kernels favour
 * plain, checkable code over the last bit of speed: one thread per
 * element, one warp per row or per query and head. */
extern "C" {
#include "config.h"
#include "ml/ops.h"
}

#include <cublas_v2.h>
#ifdef HAVE_NCCL
#include <nccl.h>
#endif
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define LAYERNORM_EPS 1e-12f /* BERT's, as the CPU backend */
#define THREADS 256

struct cuda_impl {
	cudaStream_t stream;
	cublasHandle_t blas;
	cublasComputeType_t compute; /* fp32, or bf16 products with fp32 sums */
	int device;
	/* work space kept between calls: index rows from the host, a
	 * dequantized weight, partial sums read back */
	void *scratch;
	size_t scratch_bytes;
	double *sums;
	double *host_sums; /* pinned */
#ifdef HAVE_NCCL
	ncclComm_t comm; /* the processes training together, GPU to GPU */
#endif
};

static struct cuda_impl *impl_of(struct backend *be)
{
	return (struct cuda_impl *)be->impl;
}

static cudaStream_t stream_of(struct backend *be)
{
	return impl_of(be)->stream;
}

static unsigned blocks_for(size_t n)
{
	size_t b = (n + THREADS - 1) / THREADS;
	return (unsigned)(b < 65535 * 16 ? (b ? b : 1) : 65535 * 16);
}

/* A failure inside an operation has no caller to tell (the seam's
 * operations return nothing): it is reported once and leaves the stream
 * failed, which the next read-back (download, a loss) sees as NaN. */
static void check(cudaError_t rc, const char *what)
{
	if (rc != cudaSuccess)
		fprintf(stderr, "lathe: CUDA: %s: %s\n", what, cudaGetErrorString(rc));
}

static void check_blas(cublasStatus_t rc, const char *what)
{
	if (rc != CUBLAS_STATUS_SUCCESS)
		fprintf(stderr, "lathe: cuBLAS: %s failed (status %d)\n", what, (int)rc);
}

static void *scratch(struct backend *be, size_t bytes)
{
	struct cuda_impl *im = impl_of(be);
	if (im->scratch_bytes >= bytes)
		return im->scratch;
	/* the old space may still be read by queued work */
	check(cudaStreamSynchronize(im->stream), "waiting for the stream");
	cudaFree(im->scratch);
	im->scratch = NULL;
	im->scratch_bytes = 0;
	if (cudaMalloc(&im->scratch, bytes) != cudaSuccess)
		return NULL;
	im->scratch_bytes = bytes;
	return im->scratch;
}

/* ---- memory ---- */

static void *cuda_alloc(struct backend *be, size_t bytes)
{
	void *p = NULL;
	if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess)
		return NULL;
	if (cudaMemsetAsync(p, 0, bytes ? bytes : 1, stream_of(be)) != cudaSuccess) {
		cudaFree(p);
		return NULL;
	}
	return p;
}

static void cuda_release(struct backend *be, void *p)
{
	check(cudaStreamSynchronize(stream_of(be)), "waiting for the stream");
	cudaFree(p);
}

static void cuda_zero(struct backend *be, void *p, size_t bytes)
{
	check(cudaMemsetAsync(p, 0, bytes, stream_of(be)), "clearing memory");
}

static void cuda_copy(struct backend *be, void *dst, const void *src, size_t bytes)
{
	check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_of(be)), "copying");
}

/* From pageable host memory the copy has taken the bytes when it
 * returns, so the caller may reuse its buffer at once. */
static void cuda_upload(struct backend *be, void *dst, const void *host, size_t bytes)
{
	check(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, stream_of(be)), "uploading");
}

static void cuda_download(struct backend *be, void *host, const void *src, size_t bytes)
{
	check(cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, stream_of(be)), "downloading");
	check(cudaStreamSynchronize(stream_of(be)), "waiting for a download");
}

/* Host row indices into the work space. */
static const int32_t *upload_rows(struct backend *be, const int32_t *rows, int n)
{
	int32_t *d = (int32_t *)scratch(be, (size_t)(n ? n : 1) * sizeof *d);
	if (d)
		cuda_upload(be, d, rows, (size_t)n * sizeof *d);
	return d;
}

__global__ void gather_kernel(float *dst, int dst_stride, const float *src, int src_stride, const int32_t *rows, int n,
                              int width)
{
	size_t total = (size_t)n * width;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
		size_t r = i / width, c = i % width;
		dst[r * dst_stride + c] = src[(size_t)rows[r] * src_stride + c];
	}
}

__global__ void scatter_add_kernel(float *dst, int dst_stride, const float *src, int src_stride, const int32_t *rows,
                                   int n, int width)
{
	size_t total = (size_t)n * width;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
		size_t r = i / width, c = i % width;
		dst[(size_t)rows[r] * dst_stride + c] += src[r * src_stride + c];
	}
}

static void cuda_gather_rows(struct backend *be, float *dst, int dst_stride, const float *src, int src_stride,
                             const int32_t *rows, int n, int width)
{
	const int32_t *d = upload_rows(be, rows, n);
	if (d && n > 0)
		gather_kernel<<<blocks_for((size_t)n * width), THREADS, 0, stream_of(be)>>>(dst, dst_stride, src,
		                                                                            src_stride, d, n, width);
}

/* No row twice (the seam's contract), so no two threads add into one
 * place. */
static void cuda_scatter_add_rows(struct backend *be, float *dst, int dst_stride, const float *src, int src_stride,
                                  const int32_t *rows, int n, int width)
{
	const int32_t *d = upload_rows(be, rows, n);
	if (d && n > 0)
		scatter_add_kernel<<<blocks_for((size_t)n * width), THREADS, 0, stream_of(be)>>>(dst, dst_stride, src,
		                                                                                src_stride, d, n, width);
}

/* ---- products ---- */

/* Row-major C[M,N] = alpha op(A) op(B) + beta C is column-major
 * C^T = op(B)^T op(A)^T: the operands swap, each read as stored. */
static void gemm_rm(struct backend *be, bool ta, bool tb, int M, int N, int K, float alpha, const float *A,
                    const float *B, float beta, float *C)
{
	struct cuda_impl *im = impl_of(be);
	if (M <= 0 || N <= 0)
		return;
	check_blas(cublasGemmEx(im->blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K,
	                        &alpha, B, CUDA_R_32F, tb ? K : N, A, CUDA_R_32F, ta ? M : K, &beta, C, CUDA_R_32F, N,
	                        im->compute, CUBLAS_GEMM_DEFAULT),
	           "a matrix product");
}

static void cuda_gemm(struct backend *be, bool ta, bool tb, int M, int N, int K, float alpha, const float *A,
                      const float *B, float beta, float *C)
{
	gemm_rm(be, ta, tb, M, N, K, alpha, A, B, beta, C);
}

__device__ float bf16_value(uint16_t h)
{
	return __uint_as_float((unsigned)h << 16);
}

/* A stored row of a weight as f32: f32, bf16, or i8 times its row's scale. */
__device__ float weight_at(const void *data, const float *scale, int dtype, size_t row, size_t i, int C)
{
	if (dtype == DTYPE_F32)
		return ((const float *)data)[row * C + i];
	if (dtype == DTYPE_BF16)
		return bf16_value(((const uint16_t *)data)[row * C + i]);
	return scale[row] * (float)((const int8_t *)data)[row * C + i];
}

__global__ void dequantize_kernel(float *out, const void *data, const float *scale, int dtype, int rows, int C)
{
	size_t total = (size_t)rows * C;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
		out[i] = weight_at(data, scale, dtype, i / C, i % C, C);
}

__global__ void bias_rows_kernel(float *out, const float *b, int N, int OC)
{
	size_t total = (size_t)N * OC;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
		out[i] = b ? b[i % OC] : 0.0f;
}

static void cuda_linear_forward(struct backend *be, float *out, const float *in, const struct weight *W, const float *b,
                                int N, int C, int OC)
{
	const float *w = (const float *)W->data;
	if (W->dtype != DTYPE_F32) {
		float *deq = (float *)scratch(be, (size_t)OC * C * sizeof *deq);
		if (!deq)
			return;
		dequantize_kernel<<<blocks_for((size_t)OC * C), THREADS, 0, stream_of(be)>>>(deq, W->data, W->scale,
		                                                                            W->dtype, OC, C);
		w = deq;
	}
	if (b)
		bias_rows_kernel<<<blocks_for((size_t)N * OC), THREADS, 0, stream_of(be)>>>(out, b, N, OC);
	gemm_rm(be, false, true, N, OC, C, 1.0f, in, w, b ? 1.0f : 0.0f, out);
}

/* db[o] += sum over rows of dout[n, o]: a thread per column, rows in
 * order, so the sum is the same every time. */
__global__ void column_sum_kernel(float *db, const float *dout, int N, int OC)
{
	int o = blockIdx.x * blockDim.x + threadIdx.x;
	if (o >= OC)
		return;
	float s = 0;
	for (int n = 0; n < N; n++)
		s += dout[(size_t)n * OC + o];
	db[o] += s;
}

static void cuda_linear_backward(struct backend *be, float *din, float *dW, float *db, const float *dout,
                                 const float *in, const float *W, int N, int C, int OC)
{
	if (din)
		gemm_rm(be, false, false, N, C, OC, 1.0f, dout, W, 0.0f, din);
	gemm_rm(be, true, false, OC, C, N, 1.0f, dout, in, 1.0f, dW);
	if (db)
		column_sum_kernel<<<(OC + THREADS - 1) / THREADS, THREADS, 0, stream_of(be)>>>(db, dout, N, OC);
}

/* ---- warp sums ---- */

__device__ float warp_sum(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ float warp_max(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

#define WARPS_PER_BLOCK (THREADS / 32)

static unsigned warp_blocks(size_t items)
{
	return (unsigned)((items + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK);
}

/* ---- layer norm: a warp per row ---- */

__global__ void layernorm_forward_kernel(float *out, float *mean, float *rstd, const float *in, const float *g,
                                         const float *b, int N, int C)
{
	int n = blockIdx.x * WARPS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (n >= N)
		return;
	const float *x = in + (size_t)n * C;
	float s = 0;
	for (int i = lane; i < C; i += 32)
		s += x[i];
	float m = warp_sum(s) / (float)C, v = 0;
	for (int i = lane; i < C; i += 32)
		v += (x[i] - m) * (x[i] - m);
	float r = rsqrtf(warp_sum(v) / (float)C + LAYERNORM_EPS);
	float *y = out + (size_t)n * C;
	for (int i = lane; i < C; i += 32)
		y[i] = ((x[i] - m) * r) * g[i] + b[i];
	if (lane == 0) {
		mean[n] = m;
		rstd[n] = r;
	}
}

static void cuda_layernorm_forward(struct backend *be, float *out, float *mean, float *rstd, const float *in,
                                   const float *g, const float *b, int N, int C)
{
	if (N > 0)
		layernorm_forward_kernel<<<warp_blocks((size_t)N), THREADS, 0, stream_of(be)>>>(out, mean, rstd, in, g, b,
		                                                                                N, C);
}

__global__ void layernorm_backward_kernel(float *din, const float *dout, const float *in, const float *g,
                                          const float *mean, const float *rstd, int N, int C)
{
	int n = blockIdx.x * WARPS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (n >= N)
		return;
	const float *x = in + (size_t)n * C, *dy = dout + (size_t)n * C;
	float m = mean[n], s = rstd[n], sum_d = 0, sum_dx = 0;
	for (int i = lane; i < C; i += 32) {
		float xhat = (x[i] - m) * s, dxhat = dy[i] * g[i];
		sum_d += dxhat;
		sum_dx += dxhat * xhat;
	}
	float md = warp_sum(sum_d) / (float)C, mdx = warp_sum(sum_dx) / (float)C;
	float *dx = din + (size_t)n * C;
	for (int i = lane; i < C; i += 32)
		dx[i] = s * (dy[i] * g[i] - md - (x[i] - m) * s * mdx);
}

/* dg and db: a thread per column, over the rows in order. */
__global__ void layernorm_params_kernel(float *dg, float *db, const float *dout, const float *in, const float *mean,
                                        const float *rstd, int N, int C)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= C)
		return;
	float sg = 0, sb = 0;
	for (int n = 0; n < N; n++) {
		float dy = dout[(size_t)n * C + i];
		sg += dy * ((in[(size_t)n * C + i] - mean[n]) * rstd[n]);
		sb += dy;
	}
	dg[i] += sg;
	db[i] += sb;
}

static void cuda_layernorm_backward(struct backend *be, float *din, float *dg, float *db, const float *dout,
                                    const float *in, const float *g, const float *mean, const float *rstd, int N, int C)
{
	if (N <= 0)
		return;
	layernorm_backward_kernel<<<warp_blocks((size_t)N), THREADS, 0, stream_of(be)>>>(din, dout, in, g, mean, rstd,
	                                                                                 N, C);
	layernorm_params_kernel<<<(C + THREADS - 1) / THREADS, THREADS, 0, stream_of(be)>>>(dg, db, dout, in, mean, rstd,
	                                                                                    N, C);
}

/* ---- elementwise ---- */

#define EACH(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

__global__ void gelu_forward_kernel(float *out, const float *in, size_t n)
{
	EACH(i, n)
	out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * 0.70710678118654752f));
}

__global__ void gelu_backward_kernel(float *din, const float *in, const float *dout, size_t n)
{
	EACH(i, n)
	{
		float x = in[i], cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
		din[i] = dout[i] * (cdf + x * 0.3989422804014327f * expf(-0.5f * x * x));
	}
}

__global__ void tanh_forward_kernel(float *out, const float *in, size_t n)
{
	EACH(i, n)
	out[i] = tanhf(in[i]);
}

__global__ void tanh_backward_kernel(float *din, const float *out, const float *dout, size_t n)
{
	EACH(i, n)
	din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

__global__ void masked_kernel(float *out, const float *a, const float *b, const float *mask, size_t n)
{
	EACH(i, n)
	out[i] = (a ? a[i] : out[i]) + b[i] * (mask ? mask[i] : 1.0f);
}

__global__ void scale_kernel(float *x, size_t n, float s)
{
	EACH(i, n)
	x[i] *= s;
}

__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2,
                             float eps, float wd, float c1, float c2)
{
	EACH(i, n)
	{
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		float mhat = m[i] / c1, vhat = v[i] / c2;
		p[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[i]);
	}
}

static void cuda_gelu_forward(struct backend *be, float *out, const float *in, size_t n)
{
	gelu_forward_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(out, in, n);
}

static void cuda_gelu_backward(struct backend *be, float *din, const float *in, const float *dout, size_t n)
{
	gelu_backward_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(din, in, dout, n);
}

static void cuda_tanh_forward(struct backend *be, float *out, const float *in, size_t n)
{
	tanh_forward_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(out, in, n);
}

static void cuda_tanh_backward(struct backend *be, float *din, const float *out, const float *dout, size_t n)
{
	tanh_backward_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(din, out, dout, n);
}

static void cuda_add_masked(struct backend *be, float *out, const float *a, const float *b, const float *mask, size_t n)
{
	masked_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(out, a, b, mask, n);
}

static void cuda_acc_masked(struct backend *be, float *dst, const float *src, const float *mask, size_t n)
{
	masked_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(dst, NULL, src, mask, n);
}

static void cuda_scale(struct backend *be, float *x, size_t n, float s)
{
	scale_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(x, n, s);
}

static void cuda_adamw(struct backend *be, float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
                       float b2, float eps, float wd, int t)
{
	adamw_kernel<<<blocks_for(n), THREADS, 0, stream_of(be)>>>(p, g, m, v, n, lr, b1, b2, eps, wd,
	                                                           1.0f - powf(b1, (float)t), 1.0f - powf(b2, (float)t));
}

/* ---- dropout: the CPU backend's draws (base/rng.c's rng_hash) ---- */

__device__ uint64_t hash_draw(uint64_t key, uint64_t i)
{
	uint64_t z = key + i * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

__global__ void dropout_kernel(float *mask, const uint64_t *key, const int *off, int width, uint32_t threshold,
                               uint32_t site, float keep)
{
	int b = blockIdx.y;
	float *m = mask + (size_t)off[b] * width;
	size_t n = (size_t)(off[b + 1] - off[b]) * width, pairs = (n + 1) / 2;
	uint64_t stream = hash_draw(key[b], site);
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < pairs; i += (size_t)gridDim.x * blockDim.x) {
		uint64_t r = hash_draw(stream, i);
		m[2 * i] = (uint32_t)r < threshold ? 0.0f : keep;
		if (2 * i + 1 < n)
			m[2 * i + 1] = (uint32_t)(r >> 32) < threshold ? 0.0f : keep;
	}
}

static void cuda_dropout_mask(struct backend *be, float *mask, const uint64_t *key, const int *off, int B, int width,
                              float p, uint32_t site)
{
	if (B <= 0)
		return;
	dim3 grid(16, (unsigned)B);
	dropout_kernel<<<grid, THREADS, 0, stream_of(be)>>>(mask, key, off, width, (uint32_t)((double)p * 4294967296.0),
	                                                   site, 1.0f / (1.0f - p));
}

/* ---- attention: a warp per query row and head ---- */

/* Sequence b's queries are rows qoff[b] .. qoff[b+1]; their
 * probabilities sit in att from row qoff[b] NH on, head-major (as the
 * CPU backend lays them out). */
__device__ void query_of(const int *qoff, int B, int row, int *b, int *r)
{
	int lo = 0, hi = B - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (qoff[mid] <= row)
			lo = mid;
		else
			hi = mid - 1;
	}
	*b = lo;
	*r = row - qoff[lo];
}

__global__ void attention_forward_kernel(float *out, float *att, const float *q, const float *qkv, const int *qoff,
                                         const int *len, int B, int T, int C, int NH)
{
	int item = blockIdx.x * WARPS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	int rows = qoff[B];
	if (item >= rows * NH)
		return;
	int row = item / NH, h = item % NH, b, r;
	query_of(qoff, B, row, &b, &r);
	int hs = C / NH, C3 = 3 * C, nq = qoff[b + 1] - qoff[b], L = len[b] > 0 ? len[b] : 1;
	float scale = rsqrtf((float)hs);
	const float *qh = q + (size_t)row * C3 + h * hs;
	const float *k = qkv + (size_t)b * T * C3 + C + h * hs, *v = k + C;
	float *p = att + ((size_t)qoff[b] * NH + (size_t)h * nq + r) * T;
	float mx = -INFINITY;
	for (int u = lane; u < T; u += 32) {
		float s = -INFINITY;
		if (u < L) {
			s = 0;
			for (int d = 0; d < hs; d++)
				s += qh[d] * k[(size_t)u * C3 + d];
			s *= scale;
		}
		p[u] = s;
		mx = fmaxf(mx, s);
	}
	mx = warp_max(mx);
	float sum = 0;
	for (int u = lane; u < T; u += 32) {
		float e = u < L ? expf(p[u] - mx) : 0.0f;
		p[u] = e;
		sum += e;
	}
	float inv = 1.0f / warp_sum(sum);
	for (int u = lane; u < T; u += 32)
		p[u] *= inv;
	__syncwarp();
	float *o = out + (size_t)row * C + h * hs;
	for (int d = lane; d < hs; d += 32) {
		float s = 0;
		for (int u = 0; u < L; u++)
			s += p[u] * v[(size_t)u * C3 + d];
		o[d] = s;
	}
}

static void cuda_attention_forward(struct backend *be, float *out, float *att, const float *q, const float *qkv,
                                   const int *qoff, const int *len, int B, int T, int C, int NH)
{
	/* the number of query rows lives in device memory; B T rows bound it */
	size_t items = (size_t)B * T * NH;
	if (items)
		attention_forward_kernel<<<warp_blocks(items), THREADS, 0, stream_of(be)>>>(out, att, q, qkv, qoff, len, B, T,
		                                                                            C, NH);
}

/* Through the softmax, dS = P (dP - sum(P dP)) / sqrt(hs) with dP = dO V^T,
 * kept per warp in shared memory (T floats); dQ += dS K, and the keys and
 * values of a sequence are shared by its queries, so dK += dS^T Q and
 * dV += P^T dO add atomically. */
__global__ void attention_backward_kernel(float *dq, float *dqkv, const float *dout, const float *q, const float *qkv,
                                          const float *att, const int *qoff, int B, int T, int C, int NH)
{
	extern __shared__ float shared_ds[];
	int warp = threadIdx.x / 32, item = blockIdx.x * WARPS_PER_BLOCK + warp, lane = threadIdx.x % 32;
	int rows = qoff[B];
	if (item >= rows * NH)
		return;
	float *ds = shared_ds + (size_t)warp * T;
	int row = item / NH, h = item % NH, b, r;
	query_of(qoff, B, row, &b, &r);
	int hs = C / NH, C3 = 3 * C, nq = qoff[b + 1] - qoff[b];
	float scale = rsqrtf((float)hs);
	const float *qh = q + (size_t)row * C3 + h * hs, *dO = dout + (size_t)row * C + h * hs;
	const float *k = qkv + (size_t)b * T * C3 + C + h * hs, *v = k + C;
	float *dk = dqkv + (size_t)b * T * C3 + C + h * hs, *dv = dk + C, *dqh = dq + (size_t)row * C3 + h * hs;
	const float *p = att + ((size_t)qoff[b] * NH + (size_t)h * nq + r) * T;
	float dot = 0;
	for (int u = lane; u < T; u += 32) {
		float dp = 0;
		if (p[u] != 0)
			for (int d = 0; d < hs; d++)
				dp += dO[d] * v[(size_t)u * C3 + d];
		ds[u] = dp;
		dot += p[u] * dp;
	}
	dot = warp_sum(dot);
	for (int u = lane; u < T; u += 32)
		ds[u] = p[u] * (ds[u] - dot) * scale;
	__syncwarp();
	for (int u = lane; u < T; u += 32) {
		if (p[u] == 0)
			continue;
		for (int d = 0; d < hs; d++) {
			atomicAdd(&dk[(size_t)u * C3 + d], ds[u] * qh[d]);
			atomicAdd(&dv[(size_t)u * C3 + d], p[u] * dO[d]);
		}
	}
	for (int d = lane; d < hs; d += 32) {
		float s = 0;
		for (int u = 0; u < T; u++)
			s += ds[u] * k[(size_t)u * C3 + d];
		dqh[d] += s;
	}
}

static void cuda_attention_backward(struct backend *be, float *dq, float *dqkv, float *scratch_tt, const float *dout,
                                    const float *q, const float *qkv, const float *att, const int *qoff, int B, int T,
                                    int C, int NH)
{
	(void)scratch_tt;
	size_t items = (size_t)B * T * NH;
	if (items)
		attention_backward_kernel<<<warp_blocks(items), THREADS, WARPS_PER_BLOCK * (size_t)T * sizeof(float),
		                            stream_of(be)>>>(dq, dqkv, dout, q, qkv, att, qoff, B, T, C, NH);
}

/* ---- embeddings ---- */

__global__ void embedding_forward_kernel(float *out, const int32_t *tok, const void *wte, const float *scale,
                                         int dtype, const float *wpe, int B, int T, int C)
{
	EACH(i, (size_t)B * T * C)
	{
		size_t bt = i / C, c = i % C, t = bt % T;
		out[i] = weight_at(wte, scale, dtype, (size_t)tok[bt], c, C) + wpe[t * C + c];
	}
}

__global__ void embedding_backward_kernel(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int B, int T,
                                          int C)
{
	EACH(i, (size_t)B * T * C)
	{
		size_t bt = i / C, c = i % C, t = bt % T;
		atomicAdd(&dwte[(size_t)tok[bt] * C + c], dout[i]);
		atomicAdd(&dwpe[t * C + c], dout[i]);
	}
}

static void cuda_embedding_forward(struct backend *be, float *out, const int32_t *tok, const struct weight *wte,
                                   const float *wpe, int B, int T, int C)
{
	embedding_forward_kernel<<<blocks_for((size_t)B * T * C), THREADS, 0, stream_of(be)>>>(
	    out, tok, wte->data, wte->scale, wte->dtype, wpe, B, T, C);
}

static void cuda_embedding_backward(struct backend *be, float *dwte, float *dwpe, const float *dout,
                                    const int32_t *tok, int B, int T, int C)
{
	embedding_backward_kernel<<<blocks_for((size_t)B * T * C), THREADS, 0, stream_of(be)>>>(dwte, dwpe, dout, tok, B,
	                                                                                       T, C);
}

__global__ void value_forward_kernel(float *out, const int32_t *fact, const float *enc, int W, const void *dirs,
                                     const float *scale, int dtype, size_t n, int C)
{
	EACH(i, n * C)
	{
		size_t row = i / C, c = i % C;
		if (fact[row] < 0)
			continue;
		float s = 0;
		for (int w = 0; w < W; w++) {
			float e = enc[row * W + w];
			if (e != 0)
				s += e * weight_at(dirs, scale, dtype, (size_t)fact[row] * W + w, c, C);
		}
		out[i] += s;
	}
}

__global__ void value_backward_kernel(float *ddirs, const float *dout, const int32_t *fact, const float *enc, int W,
                                      size_t n, int C)
{
	EACH(i, n * C)
	{
		size_t row = i / C, c = i % C;
		if (fact[row] < 0)
			continue;
		for (int w = 0; w < W; w++) {
			float e = enc[row * W + w];
			if (e != 0)
				atomicAdd(&ddirs[((size_t)fact[row] * W + w) * C + c], e * dout[i]);
		}
	}
}

static void cuda_value_forward(struct backend *be, float *out, const int32_t *fact, const float *enc, int W,
                               const struct weight *dirs, size_t n, int C)
{
	if (n)
		value_forward_kernel<<<blocks_for(n * C), THREADS, 0, stream_of(be)>>>(out, fact, enc, W, dirs->data,
		                                                                      dirs->scale, dirs->dtype, n, C);
}

static void cuda_value_backward(struct backend *be, float *ddirs, const float *dout, const int32_t *fact,
                                const float *enc, int W, size_t n, int C)
{
	if (n)
		value_backward_kernel<<<blocks_for(n * C), THREADS, 0, stream_of(be)>>>(ddirs, dout, fact, enc, W, n, C);
}

/* ---- losses: a warp per row, the mean read back ---- */

/* sums[0] = the rows' total weight (one thread, rows in order) */
__global__ void total_weight_kernel(double *sums, const int32_t *target, const float *weight, int N)
{
	if (blockIdx.x || threadIdx.x)
		return;
	double t = 0;
	for (int n = 0; n < N; n++)
		if (target[n] >= 0)
			t += weight ? weight[target[n]] : 1.0f;
	sums[0] = t;
}

__global__ void crossentropy_kernel(float *dlogits, float *row_loss, const float *logits, const int32_t *target,
                                    const float *weight, const double *sums, int N, int V, float grad_scale)
{
	int n = blockIdx.x * WARPS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (n >= N)
		return;
	const float *z = logits + (size_t)n * V;
	float *dz = dlogits + (size_t)n * V;
	double total = sums[0];
	if (target[n] < 0 || total == 0) {
		for (int v = lane; v < V; v += 32)
			dz[v] = 0;
		if (lane == 0)
			row_loss[n] = 0;
		return;
	}
	float mx = -INFINITY;
	for (int v = lane; v < V; v += 32)
		mx = fmaxf(mx, z[v]);
	mx = warp_max(mx);
	float sum = 0;
	for (int v = lane; v < V; v += 32)
		sum += expf(z[v] - mx);
	sum = warp_sum(sum);
	float w = (float)((weight ? weight[target[n]] : 1.0f) / total), ws = w / sum;
	for (int v = lane; v < V; v += 32)
		dz[v] = expf(z[v] - mx) * ws * grad_scale - (v == target[n] ? w * grad_scale : 0.0f);
	if (lane == 0)
		row_loss[n] = w * (logf(sum) - (z[target[n]] - mx));
}

/* The rows' losses summed in order, into sums[1]. */
__global__ void sum_rows_kernel(double *sums, const float *row_loss, int N)
{
	if (blockIdx.x || threadIdx.x)
		return;
	double s = 0;
	for (int n = 0; n < N; n++)
		s += row_loss[n];
	sums[1] = s;
}

static float read_sum(struct backend *be, int i)
{
	struct cuda_impl *im = impl_of(be);
	cuda_download(be, im->host_sums, im->sums, 2 * sizeof *im->sums);
	return (float)im->host_sums[i];
}

static float cuda_crossentropy(struct backend *be, float *dlogits, const float *logits, const int32_t *target,
                               const float *weight, int N, int V, float grad_scale)
{
	struct cuda_impl *im = impl_of(be);
	float *row_loss = (float *)scratch(be, (size_t)(N ? N : 1) * sizeof(float));
	if (!row_loss || N <= 0)
		return N <= 0 ? 0.0f : NAN;
	total_weight_kernel<<<1, 1, 0, im->stream>>>(im->sums, target, weight, N);
	crossentropy_kernel<<<warp_blocks((size_t)N), THREADS, 0, im->stream>>>(dlogits, row_loss, logits, target, weight,
	                                                                        im->sums, N, V, grad_scale);
	sum_rows_kernel<<<1, 1, 0, im->stream>>>(im->sums, row_loss, N);
	return read_sum(be, 1);
}

/* d/dz of T^2 KL(p || softmax(z/T)) is T (softmax(z/T) - p). */
__global__ void soft_crossentropy_kernel(float *dlogits, float *row_loss, const float *logits, const float *target,
                                         int N, int V, float temperature, float grad_scale)
{
	int n = blockIdx.x * WARPS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (n >= N)
		return;
	const float *z = logits + (size_t)n * V, *p = target + (size_t)n * V;
	float *dz = dlogits + (size_t)n * V;
	float inv_t = 1.0f / temperature, g = grad_scale * temperature / (float)N, mx = -INFINITY;
	for (int v = lane; v < V; v += 32)
		mx = fmaxf(mx, z[v]);
	mx = warp_max(mx);
	float sum = 0;
	for (int v = lane; v < V; v += 32)
		sum += expf((z[v] - mx) * inv_t);
	float log_sum = logf(warp_sum(sum)), kl = 0;
	for (int v = lane; v < V; v += 32) {
		float log_q = (z[v] - mx) * inv_t - log_sum;
		if (p[v] > 0)
			kl += p[v] * (logf(p[v]) - log_q);
		dz[v] += g * (expf(log_q) - p[v]);
	}
	kl = warp_sum(kl);
	if (lane == 0)
		row_loss[n] = kl;
}

static float cuda_soft_crossentropy(struct backend *be, float *dlogits, const float *logits, const float *target,
                                    int N, int V, float temperature, float grad_scale)
{
	struct cuda_impl *im = impl_of(be);
	float *row_loss = (float *)scratch(be, (size_t)(N ? N : 1) * sizeof(float));
	if (!row_loss || N <= 0)
		return N <= 0 ? 0.0f : NAN;
	soft_crossentropy_kernel<<<warp_blocks((size_t)N), THREADS, 0, im->stream>>>(dlogits, row_loss, logits, target,
	                                                                             N, V, temperature, grad_scale);
	sum_rows_kernel<<<1, 1, 0, im->stream>>>(im->sums, row_loss, N);
	return read_sum(be, 1) * temperature * temperature / (float)N;
}

/* ---- optimizer sums ---- */

/* Partial sums of squares per block, then one thread adds them in order:
 * the same sum every time. */
__global__ void sumsq_blocks_kernel(double *partial, const float *x, size_t n)
{
	__shared__ double part[THREADS];
	double s = 0;
	EACH(i, n)
	s += (double)x[i] * x[i];
	part[threadIdx.x] = s;
	__syncthreads();
	for (int o = THREADS / 2; o > 0; o >>= 1) {
		if ((int)threadIdx.x < o)
			part[threadIdx.x] += part[threadIdx.x + o];
		__syncthreads();
	}
	if (threadIdx.x == 0)
		partial[blockIdx.x] = part[0];
}

__global__ void sum_partials_kernel(double *sums, const double *partial, int nb)
{
	if (blockIdx.x || threadIdx.x)
		return;
	double s = 0;
	for (int i = 0; i < nb; i++)
		s += partial[i];
	sums[0] = s;
}

static double cuda_sumsq(struct backend *be, const float *x, size_t n)
{
	struct cuda_impl *im = impl_of(be);
	enum { BLOCKS = 1024 };
	double *partial = (double *)scratch(be, BLOCKS * sizeof(double));
	if (!partial)
		return NAN;
	sumsq_blocks_kernel<<<BLOCKS, THREADS, 0, im->stream>>>(partial, x, n);
	sum_partials_kernel<<<1, 1, 0, im->stream>>>(im->sums, partial, BLOCKS);
	cuda_download(be, im->host_sums, im->sums, 2 * sizeof *im->sums);
	return im->host_sums[0];
}

/* ---- processes training together: NCCL, its identity sent by rank 0 ---- */

#ifdef HAVE_NCCL
static int cuda_join(struct backend *be, int rank, int size, int (*share)(void *buf, size_t bytes, struct err *e),
                     struct err *e)
{
	struct cuda_impl *im = impl_of(be);
	ncclUniqueId id;
	ncclResult_t rc = rank == 0 ? ncclGetUniqueId(&id) : ncclSuccess;
	if (rc != ncclSuccess)
		return err_set(e, "NCCL: no identity for the group: %s", ncclGetErrorString(rc));
	if (share(&id, sizeof id, e))
		return -1;
	if ((rc = ncclCommInitRank(&im->comm, size, id, rank)) != ncclSuccess) {
		im->comm = nullptr;
		return err_set(e, "NCCL: rank %d cannot join the group of %d: %s", rank, size, ncclGetErrorString(rc));
	}
	return 0;
}

static int cuda_allreduce(struct backend *be, float *x, size_t n, struct err *e)
{
	struct cuda_impl *im = impl_of(be);
	ncclResult_t rc = ncclAllReduce(x, x, n, ncclFloat32, ncclSum, im->comm, im->stream);
	return rc == ncclSuccess ? 0 : err_set(e, "NCCL: the gradients' all-reduce failed: %s", ncclGetErrorString(rc));
}
#endif

/* ---- the backend ---- */

static void cuda_close(struct backend *be);

static struct ops make_ops(void)
{
	struct ops o = {};
	o.name = "cuda";
	o.alloc = cuda_alloc;
	o.release = cuda_release;
	o.zero = cuda_zero;
	o.copy = cuda_copy;
	o.upload = cuda_upload;
	o.download = cuda_download;
	o.gather_rows = cuda_gather_rows;
	o.scatter_add_rows = cuda_scatter_add_rows;
	o.gemm = cuda_gemm;
	o.linear_forward = cuda_linear_forward;
	o.linear_backward = cuda_linear_backward;
	o.layernorm_forward = cuda_layernorm_forward;
	o.layernorm_backward = cuda_layernorm_backward;
	o.gelu_forward = cuda_gelu_forward;
	o.gelu_backward = cuda_gelu_backward;
	o.tanh_forward = cuda_tanh_forward;
	o.tanh_backward = cuda_tanh_backward;
	o.attention_forward = cuda_attention_forward;
	o.attention_backward = cuda_attention_backward;
	o.embedding_forward = cuda_embedding_forward;
	o.embedding_backward = cuda_embedding_backward;
	o.value_forward = cuda_value_forward;
	o.value_backward = cuda_value_backward;
	o.crossentropy = cuda_crossentropy;
	o.soft_crossentropy = cuda_soft_crossentropy;
	o.add_masked = cuda_add_masked;
	o.acc_masked = cuda_acc_masked;
	o.dropout_mask = cuda_dropout_mask;
	o.sumsq = cuda_sumsq;
	o.scale = cuda_scale;
	o.adamw = cuda_adamw;
	o.close = cuda_close;
#ifdef HAVE_NCCL
	o.join = cuda_join;
	o.allreduce = cuda_allreduce;
#endif
	return o;
}

static const struct ops ops_cuda = make_ops();

static void cuda_close(struct backend *be)
{
	struct cuda_impl *im = impl_of(be);
	if (im) {
		cudaStreamSynchronize(im->stream);
#ifdef HAVE_NCCL
		if (im->comm)
			ncclCommDestroy(im->comm);
#endif
		cudaFree(im->scratch);
		cudaFree(im->sums);
		cudaFreeHost(im->host_sums);
		if (im->blas)
			cublasDestroy(im->blas);
		if (im->stream)
			cudaStreamDestroy(im->stream);
		free(im);
	}
	free(be);
}

/* bf16 tensor-core products need compute capability 8.0 (Ampere) or later. */
static bool has_bf16(int device)
{
	int major = 0;
	return cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess && major >= 8;
}

extern "C" int backend_cuda_count(struct err *e)
{
	int n = 0;
	cudaError_t rc = cudaGetDeviceCount(&n);
	if (rc != cudaSuccess)
		return err_set(e, "no GPU here (CUDA: %s)", cudaGetErrorString(rc));
	if (n == 0)
		return err_set(e, "no GPU here (CUDA finds none)");
	return n;
}

extern "C" int backend_cuda_describe(int device, char *buf, size_t size, struct err *e)
{
	int n = backend_cuda_count(e);
	if (n < 0)
		return -1;
	if (device < 0 || device >= n)
		return err_set(e, "no GPU cuda:%d here (this machine has %d, from cuda:0)", device, n);
	cudaDeviceProp prop;
	size_t free_bytes = 0, total = 0;
	if (cudaGetDeviceProperties(&prop, device) != cudaSuccess || cudaSetDevice(device) != cudaSuccess ||
	    cudaMemGetInfo(&free_bytes, &total) != cudaSuccess)
		return err_set(e, "GPU cuda:%d does not answer", device);
	snprintf(buf, size, "cuda:%d %s, %.1f of %.1f GiB free", device, prop.name, free_bytes / 1073741824.0,
	         total / 1073741824.0);
	return 0;
}

extern "C" struct backend *backend_cuda_new(int device, enum precision_choice precision, const char **note,
                                            struct err *e)
{
	*note = NULL;
	int n = backend_cuda_count(e);
	if (n < 0)
		return nullptr;
	if (device < 0 || device >= n) {
		err_set(e, "no GPU cuda:%d here (this machine has %d, from cuda:0)", device, n);
		return nullptr;
	}
	struct backend *be = (struct backend *)calloc(1, sizeof *be);
	struct cuda_impl *im = (struct cuda_impl *)calloc(1, sizeof *im);
	if (!be || !im) {
		free(be);
		free(im);
		err_set(e, "out of memory");
		return nullptr;
	}
	be->ops = &ops_cuda;
	be->impl = im;
	im->device = device;
	bool bf16 = precision != PRECISION_ASK_FP32 && has_bf16(device);
	if (precision == PRECISION_ASK_BF16 && !bf16)
		*note = "this GPU has no bf16 tensor cores (compute capability 8.0 or later): training in fp32";
	be->precision = bf16 ? PRECISION_BF16 : PRECISION_FP32;
	im->compute = bf16 ? CUBLAS_COMPUTE_32F_FAST_16BF : CUBLAS_COMPUTE_32F;
	if (cudaSetDevice(device) != cudaSuccess || cudaStreamCreate(&im->stream) != cudaSuccess ||
	    cublasCreate(&im->blas) != CUBLAS_STATUS_SUCCESS ||
	    cublasSetStream(im->blas, im->stream) != CUBLAS_STATUS_SUCCESS ||
	    cudaMalloc(&im->sums, 2 * sizeof *im->sums) != cudaSuccess ||
	    cudaMallocHost(&im->host_sums, 2 * sizeof *im->host_sums) != cudaSuccess) {
		cuda_close(be);
		err_set(e, "cannot start GPU cuda:%d (CUDA or cuBLAS failed)", device);
		return nullptr;
	}
	return be;
}
