#ifndef LATHE_BASE_FILEIO_H
#define LATHE_BASE_FILEIO_H

#include <stddef.h>
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

/* Temporary files are named TARGET.tmp.PID.XXXXXX, so a later run can
 * tell its own from those of runs that died. */
#define FILEIO_TMP_INFIX ".tmp."

/* A symlink is written through (the file it names is replaced); a device
 * or a pipe is written directly, as renaming over it would replace it. */
int atomic_open(struct atomic_file *af, const char *path, struct err *e);
/* Flushes, syncs and renames into place; on any failure removes the
 * temporary file and reports. */
int atomic_commit(struct atomic_file *af, struct err *e);
/* Removes the temporary file; the target is left as it was. */
void atomic_abort(struct atomic_file *af);
/* An output claimed before long work starts: its directory is writable,
 * no other lathe run holds it (a lock file PATH.lock, removed on release),
 * and the temporaries of earlier runs killed while writing it are gone
 * (stale says how many). */
struct atomic_claim {
	int fd;
	char *lock;
	size_t stale;
};

int atomic_claim(const char *path, struct atomic_claim *c, struct err *e);
void atomic_release(struct atomic_claim *c);
/* Reads a whole regular file (NUL-terminated), at most max bytes; a FIFO,
 * a device or a directory is refused without blocking. */
int fileio_read_regular(const char *path, size_t max, char **out, size_t *size, struct err *e);
/* Installs SIGINT/SIGTERM/SIGHUP handlers that remove any open temporary
 * files before the program dies. */
void atomic_install_signal_cleanup(void);

#endif
