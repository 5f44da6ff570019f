#!/bin/sh
# No extern symbol of ours may take a prefix a library owns.
. "$srcdir/tests/lib.sh"
lib="$builddir/liblathe.a"
bad=$(${NM:-nm} -g --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ {print $3}' |
	grep -E '^(csv_|lua_|luaL_|luaopen_|panel_|rl_|history_|cblas_|utf8proc_|json_)' || true)
ok $(test -z "$bad"; echo $?) "no symbol in a library's namespace${bad:+: $bad}"
done_testing
