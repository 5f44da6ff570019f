#include "config.h"

#include <stdlib.h>
#include "base/rng.h"
#include "data/numparse.h"
#include "tap.h"

static double num(const char *s, char dec, int *okp)
{
	double v = NAN;
	*okp = numparse_double(s, strlen(s), dec, &v);
	return v;
}

static int64_t ms_of(const char *s, enum time_form f, int *okp)
{
	int64_t ms = 0;
	bool zone;
	*okp = numparse_time(s, strlen(s), f, "%d/%m/%Y %H:%M", &ms, &zone);
	return ms;
}

int main(void)
{
	int good;
	is_dbl(num("42", '.', &good), 42, 0, "integer");
	ok(good, "integer parses");
	is_dbl(num("-3.25", '.', &good), -3.25, 0, "negative decimal");
	is_dbl(num(" 1.5e3 ", '.', &good), 1500, 0, "exponent with blanks");
	is_dbl(num("12,5", ',', &good), 12.5, 0, "decimal comma");
	num("12,5", '.', &good);
	ok(!good, "comma rejected when the decimal is a point");
	num("1.5", ',', &good);
	ok(!good, "point rejected when the decimal is a comma");
	num("abc", '.', &good);
	ok(!good, "text is not a number");
	num("0x1A", '.', &good);
	ok(!good, "hex is not a sensor number");
	num("nan", '.', &good);
	ok(!good, "nan is not a number (it is missing)");
	num("1e", '.', &good);
	ok(!good, "dangling exponent");
	is_dbl(num("12345678901234567890123", '.', &good), 12345678901234567890123.0, 0, "long mantissa via strtod");

	/* The fast path must round exactly as strtod does. */
	struct rng r;
	rng_seed(&r, 7);
	int mismatches = 0;
	char buf[64];
	for (int i = 0; i < 200000; i++) {
		int decimals = (int)rng_below(&r, 8);
		double x = (rng_uniform(&r) - 0.5) * pow(10, (double)rng_below(&r, 9));
		snprintf(buf, sizeof buf, "%.*f", decimals, x);
		double fast = num(buf, '.', &good);
		if (!good || fast != strtod(buf, NULL))
			mismatches++;
	}
	is_int(mismatches, 0, "fast path equals strtod on 200000 random decimals");

	ok(numparse_is_missing("", 0), "empty is missing");
	ok(numparse_is_missing(" NA ", 4), "NA is missing");
	ok(numparse_is_missing("null", 4), "null is missing");
	ok(!numparse_is_missing("0", 1), "0 is a value");

	is_int(ms_of("1970-01-01T00:00:00Z", TIME_FORM_ISO, &good), 0, "epoch start");
	is_int(ms_of("2018-12-31 00:15:00", TIME_FORM_ISO, &good), 1546215300000LL, "ISO without zone is UTC");
	is_int(ms_of("2018-12-31T01:15:00+01:00", TIME_FORM_ISO, &good), 1546215300000LL, "ISO zone offset applied");
	is_int(ms_of("2018-12-31T00:15:00.250Z", TIME_FORM_ISO, &good), 1546215300250LL, "milliseconds");
	is_int(ms_of("2018-12-31", TIME_FORM_ISO, &good), 1546214400000LL, "date only");
	is_int(ms_of("31/12/2018 00:15", TIME_FORM_DMY, &good), 1546215300000LL, "day-first");
	is_int(ms_of("12/31/2018 00:15", TIME_FORM_MDY, &good), 1546215300000LL, "month-first");
	is_int(ms_of("31.12.2018 00:15", TIME_FORM_DMY, &good), 1546215300000LL, "dotted day-first");
	ms_of("31/12/2018 00:15", TIME_FORM_MDY, &good);
	ok(!good, "month 31 rejected");
	ms_of("2019-02-29", TIME_FORM_ISO, &good);
	ok(!good, "no 29 February in 2019");
	is_int(ms_of("2020-02-29", TIME_FORM_ISO, &good), 1582934400000LL, "leap day 2020");
	is_int(ms_of("1546215300", TIME_FORM_EPOCH_S, &good), 1546215300000LL, "epoch seconds");
	is_int(ms_of("1546215300000", TIME_FORM_EPOCH_MS, &good), 1546215300000LL, "epoch milliseconds");
	is_int(ms_of("31/12/2018 00:15", TIME_FORM_STRPTIME, &good), 1546215300000LL, "strptime format");
	is_int(numparse_date_orders("31/12/2018", 10), 1, "31/12 only day-first");
	is_int(numparse_date_orders("12/31/2018", 10), 2, "12/31 only month-first");
	is_int(numparse_date_orders("01/02/2018", 10), 3, "01/02 either");
	is_int(numparse_days_from_civil(1900, 3, 1), -25508, "days before 1970");

	char out[40];
	numparse_format_time(1546215300250LL, true, out, sizeof out);
	is_str(out, "2018-12-31 00:15:00.250Z", "format with ms and zone");
	numparse_format_time(-1000, false, out, sizeof out);
	is_str(out, "1969-12-31 23:59:59", "format before 1970");
	return tap_done();
}
