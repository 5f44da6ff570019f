#include "config.h"

#include "cmd/cmd.h"
#include "lua/lb.h"
#include "tui/tui.h"

/* The one place that knows every front end: the command line runs the
 * workbench and Lua pipeline scripts through these. */
int main(int argc, char **argv)
{
	static const struct cmd_front_ends front = {.workbench = tui_run, .run_script = lb_run_script};
	return cmd_main(argc, argv, &front);
}
