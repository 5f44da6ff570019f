#include "config.h"
#include "cmd.h"

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	return cmd_run_pipeline(cmd, a, true, pipeline_write_jsonl);
}

const struct cmd cmd_textualize = {
	.name = "textualize",
	.args = "FILE.csv",
	.summary = "Turn each cleaned row into a text of sensor facts; write JSON Lines (text, label, row, split).",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_TEXT | OPTION_G_OUT | OPTION_G_AUGMENT,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
