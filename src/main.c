#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd/cmd.h"
#include "lua/lb.h"
#include "ml/blas_core.h"
#include "ml/dist.h"
#include "tui/tui.h"

/* Under mpirun every process runs the same command; rank 0 speaks for
 * them. The others' standard output goes nowhere and their standard
 * error is kept aside, to be shown only when that process fails: its
 * failure may be its own. Returns the descriptor of the real standard
 * error, or -1 when it could not be set aside (the process then speaks). */
static int quiet_rank(void)
{
	int null = open("/dev/null", O_WRONLY), kept = -1, real = -1;
	FILE *aside = tmpfile();
	if (null >= 0 && aside && (real = dup(STDERR_FILENO)) >= 0 && (kept = dup(fileno(aside))) >= 0 &&
	    dup2(null, STDOUT_FILENO) >= 0 && dup2(kept, STDERR_FILENO) >= 0) {
		close(null);
		close(kept);
		fclose(aside);
		return real;
	}
	if (real >= 0)
		close(real);
	if (kept >= 0)
		close(kept);
	if (null >= 0)
		close(null);
	if (aside)
		fclose(aside);
	return -1;
}

/* The last of what a quiet rank wrote on standard error, to the real one. */
static void show_kept(int real)
{
	fflush(stderr);
	struct stat st;
	if (fstat(STDERR_FILENO, &st) || !S_ISREG(st.st_mode))
		return;
	char buf[2048];
	off_t from = st.st_size > (off_t)sizeof buf ? st.st_size - (off_t)sizeof buf : 0;
	ssize_t n = pread(STDERR_FILENO, buf, sizeof buf, from);
	dprintf(real, "lathe: rank %d failed:\n", dist_rank());
	if (n > 0 && write(real, buf, (size_t)n) != n)
		return;
}

/* The one place that knows every front end: the command line runs the
 * workbench and Lua pipeline scripts through these. */
int main(int argc, char **argv)
{
	static const struct cmd_front_ends front = {.workbench = tui_run, .run_script = lb_run_script};
	blas_core_restart_if_misdetected(argv);
	struct err e;
	if (dist_init(&argc, &argv, &e)) {
		fprintf(stderr, "lathe: %s\n", e.msg);
		return dist_finish(CMD_RUNTIME, false);
	}
	int real = dist_rank() > 0 ? quiet_rank() : -1;
	int rc = cmd_main(argc, argv, &front);
	/* Every process ends alike on success, on a usage error (the same
	 * arguments) and on an interrupted training (they stop at the same
	 * step); any other failure may be this process's own. */
	bool together = rc == CMD_OK || rc == CMD_USAGE || rc == CMD_INTERRUPTED;
	if (!together && real >= 0)
		show_kept(real);
	return dist_finish(rc, together);
}
