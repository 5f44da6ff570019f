#ifndef LATHE_BASE_FILEIO_H
#define LATHE_BASE_FILEIO_H

#include <stdio.h>
#include "err.h"

/* An output file written atomically: the data goes to a temporary file
 * beside the target, which replaces the target only on commit (after
 * fsync), so a failed or interrupted run never leaves a half-written file.
 * The path "-" writes to standard output instead. */
struct atomic_file {
	FILE *fp;
	char *path;
	char *tmp;
};

int atomic_open(struct atomic_file *af, const char *path, struct err *e);
/* Flushes, syncs and renames into place; on any failure removes the
 * temporary file and reports. */
int atomic_commit(struct atomic_file *af, struct err *e);
/* Removes the temporary file; the target is left as it was. */
void atomic_abort(struct atomic_file *af);
/* Installs SIGINT/SIGTERM/SIGHUP handlers that remove any open temporary
 * files before the program dies. */
void atomic_install_signal_cleanup(void);

#endif
