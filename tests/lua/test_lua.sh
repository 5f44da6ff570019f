#!/bin/sh
# Runs every tests/lua/*.lua assertion script through `lathe run`.
. "$srcdir/tests/lib.sh"
for t in "$srcdir"/tests/lua/*.lua; do
	run "$LATHE" run "$t" "$srcdir" "$WORK"
	ok $rc "$(basename "$t")"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$WORK/err"
done
done_testing
