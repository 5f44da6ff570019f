#include "config.h"
#include "cmd.h"

#include <stdio.h>
#include <unistd.h>
#include "base/datadir.h"
#include "ml/dist.h"

/* The workbench needs a terminal; without one, say what it would have
 * opened and what works instead. */
static int run(const struct cmd *cmd, struct cmd_args *a)
{
	const char *file = a->npos ? a->pos[0] : NULL;
	if (dist_size() > 1)
		return cmd_usage_error(cmd, "the workbench is one process: run 'mpirun lathe train ...' for training "
		                            "across processes");
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return a->front->workbench(file, &a->po);
	char shipped[8300];
	if (!file) {
		snprintf(shipped, sizeof shipped, "%s/ai4i2020.csv", datadir_find("datasets"));
		file = shipped;
	}
	printf("lathe %s: the workbench needs a terminal (standard input and output); it would open %s.\n"
	       "The batch commands work without one:\n\n",
	       PACKAGE_VERSION, file);
	cmd_print_usage(stdout);
	return CMD_OK;
}

const struct cmd cmd_workbench = {
	.name = "workbench",
	.args = "[FILE.csv]",
	.summary = "Open the workbench on a log (the shipped one without): also 'lathe FILE.csv [OPTIONS]'.",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_TEXT,
	.min_args = 0,
	.max_args = 1,
	.run = run,
};
