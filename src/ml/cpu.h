#ifndef LATHE_ML_CPU_H
#define LATHE_ML_CPU_H

#include "ml/matmul_dnnl.h"
#include "ml/ops.h"
#include "ml/simd.h"

/* Inside the CPU backend: what its context keeps, shared by its files. */
struct cpu_impl {
	struct matmul *mm;
	void *scratch;
	size_t scratch_bytes;
};

extern const struct ops ops_cpu;

/* Work space of at least bytes, kept between calls (its contents are not). */
void *cpu_scratch(struct backend *be, size_t bytes);
void cpu_close(struct backend *be);
void cpu_linear_forward(struct backend *be, float *out, const float *in, const struct weight *W, const float *b, int N,
                        int C, int OC);
void cpu_linear_backward(struct backend *be, float *din, float *dW, float *db, const float *dout, const float *in,
                         const float *W, int N, int C, int OC);

#endif
