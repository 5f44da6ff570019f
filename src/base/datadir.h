#ifndef LATHE_BASE_DATADIR_H
#define LATHE_BASE_DATADIR_H

/* Where a shipped directory ("lua", "datasets", "models") lives:
 * $LATHE_DATA_DIR/what when set, else beside the binary (a build tree),
 * else the installed data directory. Returns a buffer of the calling
 * thread's, good until its next call. */
const char *datadir_find(const char *what);

#endif
