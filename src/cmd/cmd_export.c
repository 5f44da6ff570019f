#include "config.h"
#include "cmd.h"

#include <stdio.h>
#include "io/hf_export.h"

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	if (!a->hf)
		return cmd_usage_error(cmd, "say the format: --hf DIR");
	struct learner l;
	struct err e;
	if (learner_load(a->pos[0], 1, &l, &e))
		return cmd_fail(&e);
	int rc = hf_export(l.model, &l.mf, l.temperature, a->hf, &e) ? cmd_fail(&e) : CMD_OK;
	if (rc == CMD_OK)
		printf("%s: config.json, model.safetensors, vocab.txt (BertForSequenceClassification)\n", a->hf);
	learner_free(&l);
	return rc;
}

const struct cmd cmd_export = {
	.name = "export",
	.args = "MODEL.safetensors",
	.summary = "Export a classifier for Hugging Face transformers (BertForSequenceClassification).",
	.groups = OPTION_G_EXPORT,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
