#include "config.h"
#include "blas_core.h"

#include <cblas.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

struct blas_cpu blas_cpu_of_this_machine(void)
{
	struct blas_cpu cpu = {0};
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	cpu.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	cpu.avx512 = cpu.avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
	cpu.avx512_bf16 = cpu.avx512 && __builtin_cpu_supports("avx512bf16");
#endif
	return cpu;
}

const char *blas_core_better(const char *chosen, struct blas_cpu cpu)
{
	/* OpenBLAS's x86-64 cores without AVX2 kernels (its names) */
	static const char *const before_avx2[] = {"Prescott", "Core2",      "Penryn",    "Dunnington", "Nehalem",
	                                          "Atom",     "Nano",       "Barcelona", "Opteron",    "Opteron(SSE3)",
	                                          "Bobcat",   "Athlon",     "Katmai",    "Coppermine", "Northwood",
	                                          "Banias",   "Sandybridge"};
	if (!chosen || !cpu.avx2_fma)
		return NULL;
	bool outdated = false;
	for (size_t i = 0; i < sizeof before_avx2 / sizeof *before_avx2; i++)
		outdated = outdated || strcasecmp(chosen, before_avx2[i]) == 0;
	if (!outdated)
		return NULL;
	return cpu.avx512_bf16 ? "Cooperlake" : cpu.avx512 ? "SkylakeX" : "Haswell";
}

void blas_core_restart_if_misdetected(char **argv)
{
	const char *user = getenv("OPENBLAS_CORETYPE");
	if (user && *user)
		return;
	const char *better = blas_core_better(openblas_get_corename(), blas_cpu_of_this_machine());
	if (!better || setenv("OPENBLAS_CORETYPE", better, 1) != 0)
		return;
	execv("/proc/self/exe", argv);
}

const char *blas_core_name(void)
{
	const char *name = openblas_get_corename();
	return name ? name : "unknown";
}
