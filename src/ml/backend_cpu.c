#include "config.h"
#include "cpu.h"

#include <cblas.h>
#include <stdlib.h>
#if defined HAVE_OMP_H && defined HAVE_OMP_SET_NUM_THREADS
#include <omp.h>
#endif
#include "base/pool.h"

void *cpu_scratch(struct backend *be, size_t bytes)
{
	struct cpu_impl *impl = be->impl;
	if (!impl)
		return NULL;
	if (impl->scratch_bytes < bytes) {
		void *grown = realloc(impl->scratch, bytes);
		if (!grown)
			return NULL;
		impl->scratch = grown;
		impl->scratch_bytes = bytes;
	}
	return impl->scratch;
}

bool backend_cpu_has_bf16(void)
{
	return matmul_has_bf16();
}

struct backend *backend_cpu_new(int threads, enum precision_choice precision, const char **note, struct err *e)
{
	*note = NULL;
	struct backend *be = calloc(1, sizeof *be);
	struct cpu_impl *impl = calloc(1, sizeof *impl);
	if (!be || !impl) {
		free(be);
		free(impl);
		return err_set(e, "out of memory"), NULL;
	}
	if (!(impl->mm = matmul_new(e))) {
		free(be);
		free(impl);
		return NULL;
	}
	be->ops = &ops_cpu;
	be->impl = impl;
	be->threads = threads;
	be->precision = PRECISION_FP32;
	be->int8_products = matmul_has_int8();
	if (precision != PRECISION_ASK_FP32) {
		if (backend_cpu_has_bf16())
			be->precision = PRECISION_BF16;
		else if (precision == PRECISION_ASK_BF16)
			*note =
			    "this processor has no bf16 matrix units (AMX-BF16 or AVX512-BF16) that oneDNN can use: "
			    "training in fp32";
	}
	/* The threads are process-wide in each library: a backend asked for
	 * a number sets them; one asked for none (0) leaves them. */
	if (threads > 0) {
		openblas_set_num_threads(threads);
#if defined HAVE_OMP_H && defined HAVE_OMP_SET_NUM_THREADS
		omp_set_num_threads(threads);
#endif
		/* Without workers the passes run on the caller: slower, still right. */
		(void)pool_set_threads(threads);
	}
	return be;
}

void backend_free(struct backend *be)
{
	if (be)
		be->ops->close(be);
}

void cpu_close(struct backend *be)
{
	struct cpu_impl *impl = be->impl;
	if (impl) {
		matmul_free(impl->mm);
		free(impl->scratch);
		free(impl);
	}
	free(be);
}
