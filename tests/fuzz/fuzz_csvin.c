/* libFuzzer target for the CSV loader: any bytes, with the loader's
 * options chosen by the first byte. Build with ./configure CC=clang
 * --enable-fuzzing, run tests/fuzz/fuzz_csvin [CORPUS_DIR]. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "data/csvin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0 && (fd = memfd_create("fuzz.csv", 0)) < 0)
		return 0;
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	data++;
	size--;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct csvin_opts o;
	csvin_opts_init(&o);
	static const char delims[] = {0, ',', ';', '\t', '|', ' ', 0, 0};
	o.delimiter = delims[flags & 7];
	o.ragged_pad = flags & 8;
	o.bad_utf8_replace = flags & 16;
	o.bad_number_missing = flags & 32;
	o.header = (flags >> 6) == 1 ? CSVIN_HEADER_YES : (flags >> 6) == 2 ? CSVIN_HEADER_NO : CSVIN_HEADER_AUTO;
	/* A tiny sample and field limit reach the threaded path and the
	 * long-field check with small inputs. */
	o.sample_rows = 3;
	o.max_field = 256;
	struct table *t;
	struct csvin_report rep;
	struct err e;
	if (csvin_load(path, &o, &t, &rep, &e) == 0)
		table_free(t);
	return 0;
}
