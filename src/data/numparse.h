#ifndef LATHE_DATA_NUMPARSE_H
#define LATHE_DATA_NUMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole field as a decimal number (surrounding blanks allowed).
 * decimal is '.' or ',' (European exports). Returns false when the field is
 * not a number. Correctly rounded: short inputs take an exact fast path,
 * the rest go through strtod. */
bool numparse_double(const char *s, size_t n, char decimal, double *out);
/* True for the spellings of a missing value: "", "NA", "N/A", "NaN",
 * "null", "None", "-", "?" (any case, surrounding blanks allowed). */
bool numparse_is_missing(const char *s, size_t n);

/* How a column's timestamps are written. */
enum time_form {
	TIME_FORM_NONE,
	TIME_FORM_ISO,        /* 2018-12-31T00:15:00.123+01:00, date only too */
	TIME_FORM_DMY,        /* 31/12/2018 00:15 (also . and - separators) */
	TIME_FORM_MDY,        /* 12/31/2018 00:15 */
	TIME_FORM_EPOCH_S,    /* 1546214400 */
	TIME_FORM_EPOCH_MS,   /* 1546214400000 */
	TIME_FORM_STRPTIME,   /* a user's --time-format */
};

/* Parses a timestamp into epoch milliseconds (UTC; a stated zone offset is
 * applied, a missing one means UTC). fmt is used with TIME_FORM_STRPTIME.
 * *has_zone tells whether the text carried a zone. */
bool numparse_time(const char *s, size_t n, enum time_form form, const char *fmt,
                   int64_t *ms, bool *has_zone);
/* Which day/month order a slashed date allows: bit 1 DMY, bit 2 MDY;
 * 0 when it is not a slashed date at all. */
int numparse_date_orders(const char *s, size_t n);
/* Formats epoch milliseconds as ISO 8601 ("2018-12-31 00:15:00", with
 * ".mmm" when needed and "Z" when zone is set) into buf (>= 32 bytes). */
void numparse_format_time(int64_t ms, bool zone, char *buf, size_t size);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t numparse_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
