/* libFuzzer target for number and time parsing: the first byte picks the
 * decimal mark and the time form, the rest is one cell. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/numparse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	double v;
	numparse_double(s, n, flags & 1 ? ',' : '.', &v);
	numparse_is_missing(s, n);
	numparse_date_orders(s, n);
	static const enum time_form forms[] = {TIME_FORM_ISO,     TIME_FORM_DMY,      TIME_FORM_MDY,
	                                       TIME_FORM_EPOCH_S, TIME_FORM_EPOCH_MS, TIME_FORM_STRPTIME};
	enum time_form form = forms[(flags >> 1) % 6];
	int64_t ms;
	bool zone;
	if (numparse_time(s, n, form, "%d/%m/%Y %H:%M", &ms, &zone)) {
		char buf[64];
		numparse_format_time(ms, zone, buf, sizeof buf);
		if (!memchr(buf, 0, sizeof buf))
			abort();
	}
	return 0;
}
