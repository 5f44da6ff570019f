#ifndef LATHE_TESTS_TAP_H
#define LATHE_TESTS_TAP_H

/* A minimal TAP producer: ok()/is_*() print one line per check, and
 * tap_done() prints the plan and returns the exit status. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_dbl(got, want, tol, ...) tap_is_dbl((got), (want), (tol), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((unused, format(printf, 4, 5))) static int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return pass;
}

#define TAP_DIAG_MSG(fmt)                 \
	do {                              \
		va_list ap;               \
		va_start(ap, fmt);        \
		vsnprintf(msg, sizeof msg, fmt, ap); \
		va_end(ap);               \
	} while (0)

__attribute__((unused, format(printf, 5, 6))) static int tap_is_int(long long got, long long want, const char *file, int line,
                                                             const char *fmt, ...)
{
	char msg[512];
	TAP_DIAG_MSG(fmt);
	int pass = tap_ok(got == want, file, line, "%s", msg);
	if (!pass)
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

__attribute__((unused, format(printf, 5, 6))) static int tap_is_str(const char *got, const char *want, const char *file, int line,
                                                             const char *fmt, ...)
{
	char msg[512];
	TAP_DIAG_MSG(fmt);
	int pass = tap_ok(got && want && strcmp(got, want) == 0, file, line, "%s", msg);
	if (!pass)
		printf("#   got  \"%s\"\n#   want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return pass;
}

__attribute__((unused, format(printf, 6, 7))) static int tap_is_dbl(double got, double want, double tol, const char *file,
                                                             int line, const char *fmt, ...)
{
	char msg[512];
	TAP_DIAG_MSG(fmt);
	int pass = tap_ok(fabs(got - want) <= tol || (isnan(got) && isnan(want)), file, line, "%s", msg);
	if (!pass)
		printf("#   got %.17g, want %.17g\n", got, want);
	return pass;
}

/* A check that cannot run here, and why. */
__attribute__((unused, format(printf, 1, 2))) static void tap_skip(const char *fmt, ...)
{
	va_list ap;
	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
