#!/bin/sh
# The man pages render, and lathe(1) documents every option --help lists.
. "$srcdir/tests/lib.sh"
for page in lathe.1 lathe-lua.7; do
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=100 man -l "$srcdir/man/$page" >"$WORK/page" 2>"$WORK/man.err"
		ok $(test -s "$WORK/page" && ! grep -qi 'warning' "$WORK/man.err"; echo $?) "$page renders"
	else
		echo "ok $((tap_n = tap_n + 1)) - $page renders # SKIP man not installed"
	fi
done
sed 's/\\//g' "$srcdir/man/lathe.1" >"$WORK/plain"
missing=""
for c in info clean textualize augment run bench train pretrain eval diagnose export compress workbench; do
	for opt in $("$LATHE" $c --help | sed -n 's/^ *\(-., \)*--\([a-z0-9-]*\).*/\2/p'); do
		grep -q -- "--$opt\\b" "$WORK/plain" || missing="$missing $c:--$opt"
	done
done
ok $(test -z "$missing"; echo $?) "every option is in lathe.1${missing:+ (missing:$missing)}"
done_testing
