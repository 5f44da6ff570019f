/* libFuzzer target for the model loader: any bytes as a model file, read
 * as diagnose and eval read one (safetensors, config, tensors, labels,
 * vocabulary, casebook), then the data-path settings and the rules-script
 * check, and a whole diagnosis of a question (the textualizer's profile,
 * calibration, evidence, similar cases, alerts). */
#include "config.h"

#include "core/diagnosis.h"
#include "core/learn.h"
#include "core/question.h"
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
		struct question q;
		if (question_parse(&l, "a 0.9; b very high; type L; torque 65 Nm", &q, &e) == 0) {
			struct diagnose_opts o;
			diagnose_opts_init(&o);
			struct diagnosis d;
			if (diagnose_row(&l, &q.p, 0, &o, &d, &e) == 0)
				diagnosis_free(&d);
			question_free(&q);
		}
		learner_free(&l);
	}
	return 0;
}
