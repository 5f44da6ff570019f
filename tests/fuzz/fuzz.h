/* What the fuzz targets share: the bytes as a file (the parsers under test
 * read paths), and the entry point libFuzzer or replay.c calls. */
#ifndef LATHE_TESTS_FUZZ_H
#define LATHE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the bytes to a memory file kept for the process; its path goes
 * to path (64 bytes). 0 on success. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path)
{
	static int fd = -1;
	if (fd < 0 && (fd = memfd_create("fuzz", 0)) < 0)
		return -1;
	if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		return -1;
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return 0;
}

#endif
