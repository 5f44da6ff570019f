/* libFuzzer target for CSV to text: any bytes as a log with its last
 * column as the label, loaded, cleaned, split and textualized as lathe
 * textualize does; the first byte picks the binning and the split. */
#include "config.h"

#include <string.h>
#include "core/pipeline.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	char path[64];
	if (fuzz_file(data + 1, size - 1, path))
		return 0;
	struct pipeline_opts po;
	pipeline_opts_init(&po);
	po.load.ragged_pad = true;
	po.load.bad_utf8_replace = true;
	po.load.bad_number_missing = true;
	po.binning = flags & 1 ? "zscore" : "quantile";
	po.window = flags & 2 ? 3 : -1;
	po.split.method = flags & 4 ? SPLIT_TIME : SPLIT_RANDOM;
	po.split_set = true;
	struct pipeline p;
	memset(&p, 0, sizeof p);
	struct err e;
	if (pipeline_open(&p, &po, &e) == 0 && pipeline_load(&p, path, &e) == 0 && pipeline_clean(&p, &e) == 0)
		pipeline_textualize(&p, &e);
	pipeline_close(&p);
	return 0;
}
