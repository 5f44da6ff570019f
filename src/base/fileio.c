#include "config.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary paths still open, so the signal handler can unlink them.
 * Only plain stores happen here; the handler reads them. Threads (the
 * workbench saves while it trains) take turns through the lock, which
 * also guards the moment the umask is read. */
#define FILEIO_MAX_OPEN 8
static char *volatile open_tmp[FILEIO_MAX_OPEN];
static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;

static void track(char *tmp)
{
	pthread_mutex_lock(&track_mu);
	for (int i = 0; i < FILEIO_MAX_OPEN; i++)
		if (!open_tmp[i]) {
			open_tmp[i] = tmp;
			break;
		}
	pthread_mutex_unlock(&track_mu);
}

static void untrack(const char *tmp)
{
	pthread_mutex_lock(&track_mu);
	for (int i = 0; i < FILEIO_MAX_OPEN; i++)
		if (open_tmp[i] == tmp)
			open_tmp[i] = NULL;
	pthread_mutex_unlock(&track_mu);
}

static void on_fatal_signal(int sig)
{
	for (int i = 0; i < FILEIO_MAX_OPEN; i++)
		if (open_tmp[i])
			unlink(open_tmp[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void atomic_install_signal_cleanup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The directory part of path ("." when none), in a new string. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* A symlink is written through: the file it names is what gets replaced,
 * also when that file does not exist yet. */
static char *resolve(const char *path)
{
	char *cur = xstrdup(path);
	struct stat st;
	for (int depth = 0; depth < 40 && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); depth++) {
		char *real = realpath(cur, NULL);
		if (real) {
			free(cur);
			return real;
		}
		char link[4096];
		ssize_t n = readlink(cur, link, sizeof link - 1);
		if (n <= 0)
			break;
		link[n] = '\0';
		char *dir = dir_of(cur), *next;
		if (link[0] == '/') {
			next = xstrdup(link);
		} else {
			size_t len = strlen(dir) + (size_t)n + 2;
			next = xmalloc(len);
			snprintf(next, len, "%s/%s", dir, link);
		}
		free(dir);
		free(cur);
		cur = next;
	}
	return cur;
}

int atomic_open(struct atomic_file *af, const char *path, struct err *e)
{
	memset(af, 0, sizeof *af);
	if (strcmp(path, "-") == 0) {
		af->fp = stdout;
		return 0;
	}
	char *target = resolve(path);
	struct stat st;
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(target);
		return err_at(e, path, 0, "is a directory");
	}
	if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or a pipe is written as it is: renaming a temporary
		 * file over it would replace the node itself. */
		af->fp = fopen(target, "w");
		free(target);
		if (!af->fp)
			return err_at(e, path, 0, "cannot write: %s", strerror(errno));
		af->path = xstrdup(path);
		return 0;
	}
	size_t n = strlen(target);
	af->tmp = xmalloc(n + 48);
	snprintf(af->tmp, n + 48, "%s" FILEIO_TMP_INFIX "%ld.XXXXXX", target, (long)getpid());
	int fd = mkstemp(af->tmp);
	if (fd < 0) {
		int saved = errno;
		free(af->tmp);
		free(target);
		af->tmp = NULL;
		return err_at(e, path, 0, "cannot write: %s", strerror(saved));
	}
	/* mkstemp makes 0600; an output file should get the usual umask mode. */
	pthread_mutex_lock(&track_mu);
	mode_t um = umask(0);
	umask(um);
	pthread_mutex_unlock(&track_mu);
	fchmod(fd, 0666 & ~um);
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		int saved = errno;
		close(fd);
		unlink(af->tmp);
		free(af->tmp);
		free(target);
		af->tmp = NULL;
		return err_at(e, path, 0, "cannot write: %s", strerror(saved));
	}
	af->path = target;
	track(af->tmp);
	return 0;
}

int atomic_commit(struct atomic_file *af, struct err *e)
{
	if (!af->tmp) {
		int bad = fflush(af->fp) != 0 || ferror(af->fp);
		int saved = errno;
		if (af->path) {
			if (fclose(af->fp) != 0 && !bad) {
				bad = 1;
				saved = errno;
			}
			if (bad)
				err_at(e, af->path, 0, "write failed: %s", strerror(saved));
			free(af->path);
		} else if (bad) {
			err_set(e, "<stdout>: write failed: %s", strerror(saved));
		}
		memset(af, 0, sizeof *af);
		return bad ? -1 : 0;
	}
	int bad = fflush(af->fp) != 0 || ferror(af->fp);
	int saved = errno;
	if (!bad && fsync(fileno(af->fp)) != 0) {
		bad = 1;
		saved = errno;
	}
	if (fclose(af->fp) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	af->fp = NULL;
	if (!bad && rename(af->tmp, af->path) != 0) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		err_at(e, af->path, 0, "write failed: %s", strerror(saved));
		unlink(af->tmp);
	}
	untrack(af->tmp);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return bad ? -1 : 0;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->tmp) {
		if (af->fp)
			fclose(af->fp);
		unlink(af->tmp);
		untrack(af->tmp);
		free(af->tmp);
	} else if (af->path && af->fp) {
		fclose(af->fp);
	}
	free(af->path);
	memset(af, 0, sizeof *af);
}

/* Temporaries of path left by runs that no longer exist (kill -9, a power
 * cut): "NAME.tmp.PID.XXXXXX" with PID no process. Returns how many went. */
static size_t remove_stale(const char *target)
{
	char *dir = dir_of(target);
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	size_t blen = strlen(base), ilen = strlen(FILEIO_TMP_INFIX), removed = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;
		if (strncmp(name, base, blen) != 0 || strncmp(name + blen, FILEIO_TMP_INFIX, ilen) != 0)
			continue;
		char *end;
		long pid = strtol(name + blen + ilen, &end, 10);
		if (pid <= 0 || *end != '.' || strlen(end) != 7 || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
			continue;
		size_t len = strlen(dir) + strlen(name) + 2;
		char *stale = xmalloc(len);
		snprintf(stale, len, "%s/%s", dir, name);
		removed += unlink(stale) == 0;
		free(stale);
	}
	if (d)
		closedir(d);
	free(dir);
	return removed;
}

int atomic_claim(const char *path, struct atomic_claim *c, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	if (strcmp(path, "-") == 0)
		return 0;
	char *target = resolve(path);
	struct stat st;
	int rc = 0;
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = err_at(e, path, 0, "is a directory");
	} else if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (access(target, W_OK) != 0)
			rc = err_at(e, path, 0, "cannot write: %s", strerror(errno));
		free(target);
		return rc;  /* a device or a pipe: nothing to lock or clean */
	} else {
		char *dir = dir_of(target);
		if (access(dir, W_OK | X_OK) != 0)
			rc = err_at(e, path, 0, "cannot write in %s: %s", dir, strerror(errno));
		free(dir);
	}
	if (rc) {
		free(target);
		return rc;
	}
	/* The lock file is re-checked after locking: a run that finished may
	 * have unlinked the file this one opened. */
	size_t n = strlen(target) + 8;
	c->lock = xmalloc(n);
	snprintf(c->lock, n, "%s.lock", target);
	for (int tries = 0; tries < 8 && !rc; tries++) {
		int fd = open(c->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0) {
			rc = err_at(e, path, 0, "cannot lock (%s): %s", c->lock, strerror(errno));
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int saved = errno;
			close(fd);
			rc = saved == EWOULDBLOCK ? err_at(e, path, 0, "another lathe run is writing it (%s is locked)", c->lock)
			                          : err_at(e, path, 0, "cannot lock (%s): %s", c->lock, strerror(saved));
			break;
		}
		struct stat held, now;
		if (fstat(fd, &held) == 0 && stat(c->lock, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev) {
			c->fd = fd;
			break;
		}
		close(fd);
	}
	if (!rc && c->fd < 0)
		rc = err_at(e, path, 0, "cannot lock (%s): it keeps changing", c->lock);
	if (rc) {
		free(c->lock);
		c->lock = NULL;
	} else {
		c->stale = remove_stale(target);
	}
	free(target);
	return rc;
}

void atomic_release(struct atomic_claim *c)
{
	if (c->fd >= 0) {
		unlink(c->lock);
		close(c->fd);
	}
	free(c->lock);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

int fileio_read_regular(const char *path, size_t max, char **out, size_t *size, struct err *e)
{
	*out = NULL;
	*size = 0;
	/* Non-blocking: opening a FIFO for reading would wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_at(e, path, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_at(e, path, 0, "cannot read: not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return err_at(e, path, 0, "cannot read: larger than %zu MB", max >> 20);
	}
	size_t len = (size_t)st.st_size, got = 0;
	char *b = malloc(len + 1);
	if (!b) {
		close(fd);
		return err_at(e, path, 0, "cannot read: out of memory for %zu bytes", len);
	}
	while (got < len) {
		ssize_t n = read(fd, b + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int saved = errno;
	close(fd);
	if (got != len) {
		free(b);
		return err_at(e, path, 0, "cannot read: %s", got < len ? "the file shrank while read" : strerror(saved));
	}
	b[len] = '\0';
	*out = b;
	*size = len;
	return 0;
}
