#include "config.h"
#include "ops.h"

/* A build without the CUDA backend: every GPU request gets one answer. */

static int no_gpu(struct err *e)
{
	return err_set(e,
	               "this build has no GPU support: rebuild with ./configure --enable-cuda (needs nvcc and cuBLAS "
	               "from the CUDA toolkit)");
}

struct backend *backend_cuda_new(int device, enum precision_choice precision, const char **note, struct err *e)
{
	(void)device;
	(void)precision;
	*note = NULL;
	no_gpu(e);
	return NULL;
}

int backend_cuda_count(struct err *e)
{
	return no_gpu(e);
}

int backend_cuda_describe(int device, char *buf, size_t size, struct err *e)
{
	(void)device;
	(void)buf;
	(void)size;
	return no_gpu(e);
}
