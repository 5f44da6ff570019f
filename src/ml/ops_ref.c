#include "config.h"
#include "ops.h"

void ops_ref_gemm(bool ta, bool tb, int M, int N, int K, const float *A, const float *B, float *C)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < K; k++)
				s += (double)(ta ? A[(size_t)k * M + i] : A[(size_t)i * K + k]) *
				     (double)(tb ? B[(size_t)j * K + k] : B[(size_t)k * N + j]);
			C[(size_t)i * N + j] = (float)s;
		}
}
