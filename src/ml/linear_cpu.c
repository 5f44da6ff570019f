#include "config.h"
#include "cpu.h"

#include <cblas.h>
#include <string.h>
#include "base/pool.h"

/* The linear layer on the CPU: fp32 products through OpenBLAS; bf16
 * (operands rounded to bf16, fp32 accumulation) and int8 (weights per
 * output row, inputs per row, both symmetric) through oneDNN. When oneDNN
 * cannot run a product the layer computes it in fp32 instead, so a
 * processor without the units is slower, never wrong. */

static struct matmul *mm_of(struct backend *be)
{
	struct cpu_impl *impl = be->impl;
	return impl ? impl->mm : NULL;
}

/* out[n,:] = b, or 0 */
static void start_with_bias(float *out, const float *b, int N, int OC)
{
	for (int n = 0; n < N; n++)
		if (b)
			memcpy(out + (size_t)n * OC, b, (size_t)OC * sizeof *out);
		else
			memset(out + (size_t)n * OC, 0, (size_t)OC * sizeof *out);
}

/* A row-major matrix split by columns across the pool's threads: no two
 * threads add into one column's sum, and its rows are added in order, so
 * a result never depends on the thread count. */
struct columns {
	uint16_t *dst;
	const float *src;
	size_t rows, cols;
	float *col_sum;
};

/* Columns per thread: enough that a thread's share is worth waking it. */
static size_t column_chunk(int rows)
{
	return 16384 / (size_t)(rows > 0 ? rows : 1) + 16;
}

static void convert_columns(void *ctx, size_t first, size_t end)
{
	const struct columns *p = ctx;
	bf16_convert_columns(p->dst, p->src, p->rows, p->cols, first, end, p->col_sum);
}

/* dst = src[rows, cols] in bf16; with col_sum, the columns' sums added
 * to it in the same pass */
static void to_bf16(uint16_t *dst, const float *src, int rows, int cols, float *col_sum)
{
	pool_for(
	    (size_t)cols, column_chunk(rows), convert_columns,
	    &(struct columns){.dst = dst, .src = src, .rows = (size_t)rows, .cols = (size_t)cols, .col_sum = col_sum});
}

/* W as f32 [OC, C]: itself, or dequantized into dst. */
static const float *weight_f32(const struct weight *W, float *dst, int C, int OC)
{
	if (W->dtype == DTYPE_F32)
		return W->data;
	size_t n = (size_t)OC * C;
	if (W->dtype == DTYPE_BF16) {
		const uint16_t *h = W->data;
		for (size_t i = 0; i < n; i++)
			dst[i] = bf16_to_float(h[i]);
	} else {
		const int8_t *q = W->data;
		for (int o = 0; o < OC; o++)
			for (int c = 0; c < C; c++)
				dst[(size_t)o * C + c] = W->scale[o] * (float)q[(size_t)o * C + c];
	}
	return dst;
}

/* out[n,k] = out[n,k] * row_scale[n] * col_scale[k] + b[k]: the int8
 * product's integer sums back to the layer's units. Both scales are
 * applied here, not by oneDNN: with output scales given at run time,
 * Debian's oneDNN 2.6 leaves AMX for a slower int8 kernel (gemm:jit)
 * that measured slower than fp32. */
WIDE_SIMD static void scale_int8_sums(float *out, const float *row_scale, const float *col_scale, const float *b, int N,
                                      int OC)
{
	for (int n = 0; n < N; n++) {
		float *o = out + (size_t)n * OC, s = row_scale[n];
		if (b)
			for (int k = 0; k < OC; k++)
				o[k] = o[k] * s * col_scale[k] + b[k];
		else
			for (int k = 0; k < OC; k++)
				o[k] = o[k] * s * col_scale[k];
	}
}

static int forward_int8(struct backend *be, float *out, const float *in, const struct weight *W, const float *b, int N,
                        int C, int OC)
{
	struct matmul *mm = mm_of(be);
	if (!mm)
		return -1;
	size_t qbytes = ((size_t)N * C + 63) & ~(size_t)63;
	char *work = cpu_scratch(be, qbytes + (size_t)N * sizeof(float));
	if (!work)
		return -1;
	int8_t *q = (int8_t *)work;
	float *row_scale = (float *)(work + qbytes);
	int8_quantize_rows(q, row_scale, in, (size_t)N, (size_t)C);
	struct err e = {0};
	if (matmul_run(mm, MM_S8, N, OC, C, (struct mm_operand){q, C, 1}, (struct mm_operand){W->data, 1, C}, out,
	               false, &e))
		return -1;
	scale_int8_sums(out, row_scale, W->scale, b, N, OC);
	return 0;
}

static int forward_bf16(struct backend *be, float *out, const float *in, const struct weight *W, const float *b, int N,
                        int C, int OC)
{
	struct matmul *mm = mm_of(be);
	if (!mm)
		return -1;
	size_t nin = (size_t)N * C, nw = W->dtype == DTYPE_BF16 ? 0 : (size_t)OC * C;
	uint16_t *work = cpu_scratch(be, (nin + nw) * sizeof *work);
	if (!work)
		return -1;
	to_bf16(work, in, N, C, NULL);
	const uint16_t *w = W->data;
	if (nw) {
		to_bf16(work + nin, W->data, OC, C, NULL);
		w = work + nin;
	}
	start_with_bias(out, b, N, OC);
	struct err e = {0};
	return matmul_run(mm, MM_BF16, N, OC, C, (struct mm_operand){work, C, 1}, (struct mm_operand){w, 1, C}, out,
	                  true, &e);
}

void cpu_linear_forward(struct backend *be, float *out, const float *in, const struct weight *W, const float *b, int N,
                        int C, int OC)
{
	if (W->dtype == DTYPE_I8 && be->int8_products && forward_int8(be, out, in, W, b, N, C, OC) == 0)
		return;
	if ((be->precision == PRECISION_BF16 || W->dtype == DTYPE_BF16) && W->dtype != DTYPE_I8 &&
	    forward_bf16(be, out, in, W, b, N, C, OC) == 0)
		return;
	float *deq = NULL;
	if (W->dtype != DTYPE_F32 && !(deq = cpu_scratch(be, (size_t)OC * C * sizeof *deq))) {
		start_with_bias(out, NULL, N, OC); /* no memory: a defined result, never garbage */
		return;
	}
	const float *w = weight_f32(W, deq, C, OC);
	start_with_bias(out, b, N, OC);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, in, C, w, C, b ? 1.0f : 0.0f, out, OC);
}

/* With db, its sums are made as dout is converted (db_summed then says
 * so, even when a product fails after it). */
static int backward_bf16(struct backend *be, float *din, float *dW, float *db, bool *db_summed, const float *dout,
                         const float *in, const float *W, int N, int C, int OC)
{
	struct matmul *mm = mm_of(be);
	if (!mm)
		return -1;
	size_t nd = (size_t)N * OC, nin = (size_t)N * C, nw = din ? (size_t)OC * C : 0;
	uint16_t *work = cpu_scratch(be, (nd + nin + nw) * sizeof *work);
	if (!work)
		return -1;
	uint16_t *d = work, *x = work + nd, *w = x + nin;
	to_bf16(d, dout, N, OC, db);
	*db_summed = db != NULL;
	to_bf16(x, in, N, C, NULL);
	struct err e = {0};
	if (din) {
		to_bf16(w, W, OC, C, NULL);
		if (matmul_run(mm, MM_BF16, N, C, OC, (struct mm_operand){d, OC, 1}, (struct mm_operand){w, C, 1}, din,
		               false, &e))
			return -1;
	}
	/* dW[OC,C] += dout^T in: dout read down its columns */
	return matmul_run(mm, MM_BF16, OC, C, N, (struct mm_operand){d, 1, OC}, (struct mm_operand){x, C, 1}, dW, true,
	                  &e);
}

WIDE_SIMD static void add_bias_grad_columns(void *ctx, size_t first, size_t end)
{
	const struct columns *p = ctx;
	for (size_t n = 0; n < p->rows; n++) {
		const float *row = p->src + n * p->cols;
#pragma omp simd
		for (size_t o = first; o < end; o++)
			p->col_sum[o] += row[o];
	}
}

void cpu_linear_backward(struct backend *be, float *din, float *dW, float *db, const float *dout, const float *in,
                         const float *W, int N, int C, int OC)
{
	/* din[N,C] = dout[N,OC] W[OC,C]; dW[OC,C] += dout^T in; db += sum dout */
	bool db_summed = false;
	if (be->precision == PRECISION_BF16 && backward_bf16(be, din, dW, db, &db_summed, dout, in, W, N, C, OC) == 0)
		return;
	if (din)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, W, C, 0.0f, din, C);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, in, C, 1.0f, dW, C);
	if (db && !db_summed)
		pool_for((size_t)OC, column_chunk(N), add_bias_grad_columns,
		         &(struct columns){.src = dout, .rows = (size_t)N, .cols = (size_t)OC, .col_sum = db});
}
