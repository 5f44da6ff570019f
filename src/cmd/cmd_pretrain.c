#include "config.h"
#include "cmd.h"


static int run(const struct cmd *cmd, struct cmd_args *a)
{
	return cmd_fit(cmd, a, true);
}

const struct cmd cmd_pretrain = {
	.name = "pretrain",
	.args = "FILE.csv",
	.summary = "Pretrain the encoder on a log's texts with masked LM (no labels needed); write a model file.",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_TEXT | OPTION_G_OUT | OPTION_G_MODEL | OPTION_G_TRAIN | OPTION_G_AUGMENT | OPTION_G_DEVICE,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
