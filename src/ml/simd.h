#ifndef LATHE_ML_SIMD_H
#define LATHE_ML_SIMD_H

/* The hot loops are built three times, for AVX-512, AVX2 and the baseline,
 * and the widest the processor has is chosen at start (configure.ac). */
#ifdef HAVE_TARGET_CLONES
#define WIDE_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDE_SIMD
#endif

#endif
