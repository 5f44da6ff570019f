#ifndef LATHE_ML_BLAS_CORE_H
#define LATHE_ML_BLAS_CORE_H

#include <stdbool.h>

/* The kernels OpenBLAS multiplies fp32 matrices with. Debian 12's OpenBLAS
 * (0.3.21) picks them by the processor's model number, and a model it does
 * not know gets its SSE3 (Prescott) kernels whatever the processor can do:
 * on a 5th-generation Xeon (family 6, model 207) fp32 products then run
 * 4-5x slower than with its AVX-512 kernels. */

/* What the processor offers that OpenBLAS's kernels use. */
struct blas_cpu {
	bool avx2_fma;    /* Haswell's kernels */
	bool avx512;      /* F, VL, BW and DQ: SkylakeX's */
	bool avx512_bf16; /* Cooperlake's */
};

struct blas_cpu blas_cpu_of_this_machine(void);

/* The core OpenBLAS should use instead of the one it chose (its
 * openblas_get_corename), or NULL when its choice stands: only a core of
 * the generations before AVX2, on a processor that has AVX2, is replaced,
 * so a choice OpenBLAS made knowingly is never second-guessed. */
const char *blas_core_better(const char *chosen, struct blas_cpu cpu);

/* OpenBLAS reads OPENBLAS_CORETYPE once, as it is loaded, so choosing for
 * it means starting the program again with the variable set: this does,
 * when the user has not set it and blas_core_better has a better core.
 * Returns only when it does not (or the restart fails: still right,
 * slower). First thing in main, before any other library starts. */
void blas_core_restart_if_misdetected(char **argv);

/* The core OpenBLAS runs with, for the benchmarks' records. */
const char *blas_core_name(void);

#endif
