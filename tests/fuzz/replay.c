/* Replays a fuzz target's corpus as a test, without libFuzzer: every file
 * of tests/fuzz/corpus/NAME goes through LLVMFuzzerTestOneInput, one TAP
 * line each. A crash fails the test; make check runs it under the
 * sanitizers in CI. NAME comes from the build (FUZZ_NAME). */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir");
	char dir[4096];
	/* From the source tree, where a corpus file may name another by its
	 * path (a LoRA adapter file names its base). */
	if (argc == 1 && srcdir && chdir(srcdir) != 0) {
		printf("not ok 1 - cannot enter %s\n1..1\n", srcdir);
		return 1;
	}
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else
		snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", FUZZ_NAME);
	DIR *d = opendir(dir);
	if (!d) {
		printf("not ok 1 - %s: cannot open the corpus\n1..1\n", dir);
		return 1;
	}
	char *names[4096];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 4096)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *fp = fopen(path, "rb");
		uint8_t *buf = malloc(1 << 20);
		size_t got = fp && buf ? fread(buf, 1, 1 << 20, fp) : 0;
		if (fp)
			fclose(fp);
		LLVMFuzzerTestOneInput(buf, got);
		free(buf);
		printf("ok %zu - %s %s\n", i + 1, FUZZ_NAME, names[i]);
		fflush(stdout);
		free(names[i]);
	}
	printf("1..%zu\n", n);
	return n ? 0 : 1;
}
