/* libFuzzer target for the CSV loader: any bytes, with the loader's
 * options chosen by the first byte. Build with ./configure CC=clang
 * --enable-fuzzing, run tests/fuzz/fuzz_csvin tests/fuzz/corpus/csvin. */
#include "config.h"

#include "data/csvin.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	char path[64];
	if (fuzz_file(data + 1, size - 1, path))
		return 0;
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
