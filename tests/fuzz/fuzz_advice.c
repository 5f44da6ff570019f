/* libFuzzer target for advice files: any bytes as an advice file, loaded
 * in the sandbox (under a small instruction limit, so loops end fast),
 * its entries checked, then matched against a diagnosis, which runs
 * their when() functions. */
#include "config.h"

#include "hooks/advice.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	if (fuzz_file(data, size, path))
		return 0;
	const char *paths[1] = {path};
	struct advice_kb *kb;
	struct err e;
	if (advice_open(paths, 1, false, 100000, &kb, &e))
		return 0;
	const char *facts[2] = {"torque", "tool wear"};
	const double readings[2] = {65, 210};
	struct advice_query q = {.label = "OSF", .probability = 0.9, .text = "type L; torque very high; tool wear high",
	                         .facts = facts, .readings = readings, .nreadings = 2};
	struct advice found[3];
	long n = advice_find(kb, &q, found, 3, &e);
	if (n > 0)
		advice_clear(found, (size_t)n);
	advice_close(kb);
	return 0;
}
