#include "config.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

int atomic_open(struct atomic_file *af, const char *path, struct err *e)
{
	memset(af, 0, sizeof *af);
	if (strcmp(path, "-") == 0) {
		af->fp = stdout;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return err_at(e, path, 0, "is a directory");
	size_t n = strlen(path);
	af->tmp = xmalloc(n + 16);
	snprintf(af->tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(af->tmp);
	if (fd < 0) {
		int saved = errno;
		free(af->tmp);
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
		af->tmp = NULL;
		return err_at(e, path, 0, "cannot write: %s", strerror(saved));
	}
	af->path = xstrdup(path);
	track(af->tmp);
	return 0;
}

int atomic_commit(struct atomic_file *af, struct err *e)
{
	if (!af->tmp) {
		if (fflush(af->fp) != 0 || ferror(af->fp))
			return err_set(e, "<stdout>: write failed: %s", strerror(errno));
		return 0;
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
		free(af->path);
	}
	memset(af, 0, sizeof *af);
}
