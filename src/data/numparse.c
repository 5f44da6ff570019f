#include "config.h"
#include "numparse.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static void trim(const char **s, size_t *n)
{
	if (*n == 0 || ((*s)[0] > ' ' && (*s)[*n - 1] > ' '))
		return;  /* the common case: nothing to trim */
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static bool slow_double(const char *s, size_t n, char decimal, double *out)
{
	char small[64];
	char *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (decimal != '.') {
		for (size_t i = 0; i < n; i++) {
			if (buf[i] == decimal)
				buf[i] = '.';
			else if (buf[i] == '.')
				buf[i] = '#';  /* a dot is not ours to accept then */
		}
	}
	char *end;
	double v = strtod(buf, &end);
	bool ok = end == buf + n && n > 0 && !isnan(v) && !isinf(v);
	if (ok && (buf[0] == 'n' || buf[0] == 'N' || buf[0] == 'i' || buf[0] == 'I'))
		ok = false;
	/* strtod accepts hex floats; a sensor log does not mean them. */
	for (size_t i = 0; ok && i < n; i++)
		if (buf[i] == 'x' || buf[i] == 'X')
			ok = false;
	if (ok)
		*out = v;
	if (buf != small)
		free(buf);
	return ok;
}

bool numparse_double(const char *s, size_t n, char decimal, double *out)
{
	trim(&s, &n);
	if (n == 0)
		return false;
	const char *p = s, *end = s + n;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	uint64_t mant = 0;
	int digits = 0, frac_digits = 0, any = 0;
	while (p < end && (unsigned)(*p - '0') < 10) {
		if (digits < 19) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			if (mant)
				digits++;
		} else {
			return slow_double(s, n, decimal, out);
		}
		p++;
		any = 1;
	}
	if (p < end && *p == decimal) {
		p++;
		while (p < end && (unsigned)(*p - '0') < 10) {
			if (digits >= 19)
				return slow_double(s, n, decimal, out);
			mant = mant * 10 + (uint64_t)(*p - '0');
			if (mant)
				digits++;
			frac_digits++;
			p++;
			any = 1;
		}
	}
	if (!any)
		return slow_double(s, n, decimal, out);
	int exp10 = -frac_digits;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool eneg = false;
		if (p < end && (*p == '-' || *p == '+')) {
			eneg = *p == '-';
			p++;
		}
		if (p == end)
			return false;
		int e = 0;
		while (p < end && (unsigned)(*p - '0') < 10) {
			if (e < 10000)
				e = e * 10 + (*p - '0');
			p++;
		}
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return false;
	/* Exact when the mantissa fits a double's 53 bits and the power of ten
	 * is itself exact: one correctly rounded operation. */
	if (mant < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		double v = (double)mant;
		v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
		*out = neg ? -v : v;
		return true;
	}
	return slow_double(s, n, decimal, out);
}

bool numparse_is_missing(const char *s, size_t n)
{
	trim(&s, &n);
	if (n == 0)
		return true;
	if (n > 4)
		return false;  /* longer than any of the words */
	if (!strchr("Nn-?#", s[0]))
		return false;  /* no word starts otherwise */
	static const char *const words[] = {"NA", "N/A", "NaN", "null", "None", "-", "?", "#N/A", "nil"};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strlen(words[i]) == n && strncasecmp(words[i], s, n) == 0)
			return true;
	return false;
}

int64_t numparse_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Shift the year to start in March so the leap day falls last. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
	return true;
}

/* Reads exactly k digits. */
static bool digits_k(const char **p, const char *end, int k, int *v)
{
	int x = 0;
	for (int i = 0; i < k; i++) {
		if (*p >= end || (unsigned)(**p - '0') >= 10)
			return false;
		x = x * 10 + (**p - '0');
		(*p)++;
	}
	*v = x;
	return true;
}

/* Reads 1 to k digits. */
static bool digits_upto(const char **p, const char *end, int k, int *v)
{
	int x = 0, i = 0;
	while (i < k && *p < end && (unsigned)(**p - '0') < 10) {
		x = x * 10 + (**p - '0');
		(*p)++;
		i++;
	}
	*v = x;
	return i > 0;
}

static unsigned days_in_month(int y, int m)
{
	static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* The clock part after a date: "[T ]HH:MM[:SS[.fff]][Z|+HH:MM|+HHMM]". */
static bool parse_clock(const char *p, const char *end, int64_t *ms_of_day, int *zone_min, bool *has_zone)
{
	*ms_of_day = 0;
	*zone_min = 0;
	*has_zone = false;
	if (p == end)
		return true;
	if (*p != 'T' && *p != ' ')
		return false;
	p++;
	int hh, mm, ss = 0, frac = 0;
	if (!digits_upto(&p, end, 2, &hh) || p >= end || *p != ':')
		return false;
	p++;
	if (!digits_k(&p, end, 2, &mm))
		return false;
	if (p < end && *p == ':') {
		p++;
		if (!digits_k(&p, end, 2, &ss))
			return false;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			int scale = 100, nd = 0;
			while (p < end && (unsigned)(*p - '0') < 10) {
				frac += (*p - '0') * scale;
				scale /= 10;
				p++;
				nd++;
			}
			if (nd == 0)
				return false;
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return false;
	if (p < end && *p == ' ')
		p++;
	if (p < end) {
		if (*p == 'Z' && p + 1 == end) {
			*has_zone = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, zh, zm = 0;
			p++;
			if (!digits_k(&p, end, 2, &zh))
				return false;
			if (p < end && *p == ':')
				p++;
			if (p < end && !digits_k(&p, end, 2, &zm))
				return false;
			*zone_min = sign * (zh * 60 + zm);
			*has_zone = true;
		}
	}
	if (p != end)
		return false;
	*ms_of_day = ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac;
	return true;
}

static bool finish(int y, int mo, int d, const char *p, const char *end, int64_t *ms, bool *has_zone)
{
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, mo))
		return false;
	int64_t msd;
	int zone;
	if (!parse_clock(p, end, &msd, &zone, has_zone))
		return false;
	*ms = numparse_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 + msd - (int64_t)zone * 60000;
	return true;
}

static bool parse_slashed(const char *p, const char *end, bool day_first, int64_t *ms, bool *has_zone)
{
	int a, b, y;
	if (!digits_upto(&p, end, 2, &a) || p >= end)
		return false;
	char sep = *p;
	if (sep != '/' && sep != '.' && sep != '-')
		return false;
	p++;
	if (!digits_upto(&p, end, 2, &b) || p >= end || *p != sep)
		return false;
	p++;
	if (!digits_k(&p, end, 4, &y))
		return false;
	return day_first ? finish(y, b, a, p, end, ms, has_zone) : finish(y, a, b, p, end, ms, has_zone);
}

int numparse_date_orders(const char *s, size_t n)
{
	trim(&s, &n);
	const char *p = s, *end = s + n;
	int a, b;
	if (!digits_upto(&p, end, 2, &a) || p >= end || (*p != '/' && *p != '.' && *p != '-'))
		return 0;
	char sep = *p++;
	if (!digits_upto(&p, end, 2, &b) || p >= end || *p != sep)
		return 0;
	int orders = 0;
	int64_t ms;
	bool z;
	if (parse_slashed(s, end, true, &ms, &z))
		orders |= 1;
	if (parse_slashed(s, end, false, &ms, &z))
		orders |= 2;
	return orders;
}

static bool parse_strptime(const char *s, size_t n, const char *fmt, int64_t *ms, bool *has_zone)
{
	char buf[128];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_mday = 1;
	const char *end = strptime(buf, fmt, &tm);
	double frac = 0;
	if (!end)
		return false;
	/* Fractional seconds: digits only (strtod would take an exponent, and
	 * a huge "fraction" would overflow the milliseconds). */
	if (*end == '.' || *end == ',') {
		double scale = 0.1;
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			frac += (*end - '0') * scale;
	}
	/* Far outside any log's years the milliseconds would overflow. */
	if (*end || tm.tm_year < -1000000 || tm.tm_year > 1000000)
		return false;
	int64_t days = numparse_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
	*ms = (days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - tm.tm_gmtoff) * 1000 +
	      (int64_t)llround(frac * 1000);
	*has_zone = strstr(fmt, "%z") != NULL;
	return true;
}

bool numparse_time(const char *s, size_t n, enum time_form form, const char *fmt, int64_t *ms, bool *has_zone)
{
	trim(&s, &n);
	const char *p = s, *end = s + n;
	*has_zone = false;
	switch (form) {
	case TIME_FORM_ISO: {
		int y, mo, d;
		if (!digits_k(&p, end, 4, &y) || p >= end || *p != '-')
			return false;
		p++;
		if (!digits_k(&p, end, 2, &mo) || p >= end || *p != '-')
			return false;
		p++;
		if (!digits_k(&p, end, 2, &d))
			return false;
		return finish(y, mo, d, p, end, ms, has_zone);
	}
	case TIME_FORM_DMY:
	case TIME_FORM_MDY:
		return parse_slashed(p, end, form == TIME_FORM_DMY, ms, has_zone);
	case TIME_FORM_EPOCH_S:
	case TIME_FORM_EPOCH_MS: {
		double v;
		if (!numparse_double(s, n, '.', &v) || fabs(v) > 9e15)
			return false;
		*ms = form == TIME_FORM_EPOCH_S ? (int64_t)llround(v * 1000.0) : (int64_t)llround(v);
		*has_zone = true;
		return true;
	}
	case TIME_FORM_STRPTIME:
		return fmt && parse_strptime(s, n, fmt, ms, has_zone);
	case TIME_FORM_NONE:
		break;
	}
	return false;
}

void numparse_format_time(int64_t ms, bool zone, char *buf, size_t size)
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rem = ms - days * 86400000;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int hh = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), ss = (int)(rem / 1000 % 60), milli = (int)(rem % 1000);
	if (milli)
		snprintf(buf, size, "%04lld-%02u-%02u %02d:%02d:%02d.%03d%s", (long long)y, m, d, hh, mi, ss, milli, zone ? "Z" : "");
	else
		snprintf(buf, size, "%04lld-%02u-%02u %02d:%02d:%02d%s", (long long)y, m, d, hh, mi, ss, zone ? "Z" : "");
}
