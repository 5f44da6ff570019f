#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "ml/blas_core.h"
#include "tap.h"

/* OpenBLAS's choice of kernels: a core it fell back to on a processor it
 * did not know is replaced by the best this processor runs; a choice it
 * made knowingly, or one the user made, stands. */

static const char *better(const char *chosen, bool avx2, bool avx512, bool bf16)
{
	return blas_core_better(chosen, (struct blas_cpu){.avx2_fma = avx2, .avx512 = avx512, .avx512_bf16 = bf16});
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int main(void)
{
	ok(same(better("Prescott", true, true, true), "Cooperlake"),
	   "Prescott on a processor with AVX512-BF16 (a 5th-generation Xeon): Cooperlake's kernels");
	ok(same(better("Prescott", true, true, false), "SkylakeX"), "Prescott with AVX-512 but no bf16: SkylakeX's");
	ok(same(better("Nehalem", true, false, false), "Haswell"), "Nehalem with AVX2 and FMA only: Haswell's");
	ok(same(better("sandybridge", true, false, false), "Haswell"), "core names compare without case");
	ok(better("Prescott", false, false, false) == NULL, "Prescott on a processor without AVX2 stands");
	ok(better("Haswell", true, true, true) == NULL, "an AVX2 core OpenBLAS chose stands, even with AVX-512 there");
	ok(better("Zen", true, false, false) == NULL, "Zen stands");
	ok(better("SkylakeX", true, true, true) == NULL, "SkylakeX stands");
	ok(better("SomeFutureCore", true, true, true) == NULL, "a core this list does not know stands");
	ok(better(NULL, true, true, true) == NULL, "no name: nothing to replace");

	return tap_done();
}
