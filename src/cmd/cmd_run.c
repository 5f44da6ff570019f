#include "config.h"
#include "cmd.h"

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	(void)cmd;
	struct err e;
	return a->front->run_script(a->npos, a->pos, &e) ? cmd_fail(&e) : CMD_OK;
}

const struct cmd cmd_run = {
	.name = "run",
	.args = "SCRIPT.lua [ARGS...]",
	.summary = "Run a Lua pipeline script with the lathe module (see lathe-lua(7)).",
	.groups = 0,
	.min_args = 1,
	.max_args = -1,
	.run = run,
};
