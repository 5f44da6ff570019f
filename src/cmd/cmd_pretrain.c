#include "config.h"
#include "cmd.h"

#include <stdio.h>

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	struct pipeline p;
	int rc = cmd_training_data(cmd, a, false, &p);
	if (rc == CMD_OK) {
		struct learn_opts lo = cmd_learn_opts(a);
		struct learn_result res;
		struct err e;
		if (lo.init)
			rc = cmd_usage_error(cmd, "pretraining starts from scratch (--init is for train)");
		else if (learn_pretrain(&p, a->pos[0], &lo, a->output, &res, &e))
			rc = cmd_fail(&e);
		else
			rc = cmd_finish_training(a, &res, true, &e);
	}
	pipeline_close(&p);
	return rc;
}

const struct cmd cmd_pretrain = {
	.name = "pretrain",
	.args = "FILE.csv",
	.summary = "Pretrain the encoder on a log's texts with masked LM (no labels needed); write a model file.",
	.groups = CMD_G_LOAD | CMD_G_RULES | CMD_G_TEXT | CMD_G_OUT | CMD_G_MODEL | CMD_G_TRAIN,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
