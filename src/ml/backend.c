#include "config.h"
#include "ops.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int device_parse(const char *text, struct device *d)
{
	if (strcmp(text, "cpu") == 0) {
		*d = (struct device){DEVICE_CPU, 0};
		return 0;
	}
	if (strncmp(text, "cuda", 4) != 0)
		return -1;
	if (text[4] == '\0') {
		*d = (struct device){DEVICE_CUDA, 0};
		return 0;
	}
	char *end;
	long n = text[4] == ':' && text[5] >= '0' && text[5] <= '9' ? strtol(text + 5, &end, 10) : -1;
	if (n < 0 || n > INT_MAX || *end)
		return -1;
	*d = (struct device){DEVICE_CUDA, (int)n};
	return 0;
}

struct backend *backend_new(struct device d, int threads, enum precision_choice precision, const char **note,
                            struct err *e)
{
	if (d.kind == DEVICE_CUDA)
		return backend_cuda_new(d.index, precision, note, e);
	return backend_cpu_new(threads, precision, note, e);
}
