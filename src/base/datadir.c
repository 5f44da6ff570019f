#include "config.h"
#include "datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *datadir_find(const char *what)
{
	/* per thread: the workbench trains on one thread while it draws on another */
	static _Thread_local char path[8192];
	const char *env = getenv("LATHE_DATA_DIR");
	if (env && *env) {
		snprintf(path, sizeof path, "%s/%s", env, what);
		return path;
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/%s", exe, what);
			if (is_dir(path))
				return path;
		}
	}
	snprintf(path, sizeof path, "%s/%s", LATHE_PKGDATADIR, what);
	return path;
}
