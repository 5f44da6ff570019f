/* libFuzzer target for the model loader: any bytes as a model file, read
 * as diagnose and eval read one (safetensors, config, tensors, labels,
 * vocabulary), then the data-path settings and the rules-script check. */
#include "config.h"

#include "core/learn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	if (fuzz_file(data, size, path))
		return 0;
	struct learner l;
	struct err e;
	if (learner_load(path, 1, &l, &e) == 0) {
		struct pipeline_opts po;
		pipeline_opts_init(&po);
		learner_pipeline_opts(&l, &po, &e);
		float probs[64];
		char *text = "torque very high";
		if (l.mf.nlabels <= 64)
			learner_predict(&l, &text, 1, probs);
		learner_free(&l);
	}
	return 0;
}
