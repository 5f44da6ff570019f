#ifndef LATHE_ML_MATMUL_DNNL_H
#define LATHE_ML_MATMUL_DNNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* Matrix products in bf16 and int8 through oneDNN, for the CPU backend:
 * the units OpenBLAS leaves idle (AMX, AVX512-BF16, VNNI). Primitives are
 * made once per shape and kept. */
enum mm_type { MM_BF16, MM_S8 };

/* An operand: a matrix of rows x cols at data with the given strides (in
 * elements), so a transpose is a swap of the strides. */
struct mm_operand {
	const void *data;
	long row_stride, col_stride;
};

struct matmul;

struct matmul *matmul_new(struct err *e);
void matmul_free(struct matmul *mm);
/* C[M,N] = A[M,K] B[K,N], or += with accumulate; A and B of type t, C
 * f32 row-major (for int8, the exact integer sums while they stay under
 * 2^24). Returns -1 with e set when oneDNN cannot run it here. */
int matmul_run(struct matmul *mm, enum mm_type t, int M, int N, int K, struct mm_operand A, struct mm_operand B,
               float *C, bool accumulate, struct err *e);
/* Whether oneDNN runs bf16 products on this processor. */
bool matmul_has_bf16(void);
/* Whether its int8 products are exact here: with VNNI (AVX512-VNNI,
 * AVX-VNNI) or AMX. Without, x86's 8-bit multiply-add sums pairs of
 * products in 16 bits, which a full-range int8 weight overflows. */
bool matmul_has_int8(void);

/* bf16 as the upper half of a float, rounded to nearest even. */
uint16_t bf16_from_float(float x);
float bf16_to_float(uint16_t h);
void bf16_convert(uint16_t *dst, const float *src, size_t n);
/* The columns first..end-1 of a row-major rows x cols matrix to bf16; with
 * col_sum, each column's fp32 sum is added to col_sum[c] as well (rows in
 * order), in the same pass over the memory. */
void bf16_convert_columns(uint16_t *dst, const float *src, size_t rows, size_t cols, size_t first, size_t end,
                          float *col_sum);
/* Symmetric int8 by rows: q[r,c] = round(x[r,c] / scale[r]) with scale[r]
 * = max |x[r,:]| / 127 (1 for an all-zero row). */
void int8_quantize_rows(int8_t *q, float *scale, const float *x, size_t rows, size_t cols);

#endif
