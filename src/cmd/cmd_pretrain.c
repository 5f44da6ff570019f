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
	.groups = CMD_G_LOAD | CMD_G_RULES | CMD_G_TEXT | CMD_G_OUT | CMD_G_MODEL | CMD_G_TRAIN | CMD_G_AUGMENT,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
