#include "config.h"
#include "cmd.h"

static int write_csv(const struct pipeline *p, FILE *fp, struct err *e)
{
	return table_write_csv(p->t, fp, e);
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	return cmd_run_pipeline(cmd, a, false, write_csv);
}

const struct cmd cmd_clean = {
	.name = "clean",
	.args = "FILE.csv",
	.summary = "Clean a sensor log with built-in rules and a Lua rules script; write CSV.",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_OUT,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
