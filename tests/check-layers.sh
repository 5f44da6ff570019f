#!/bin/sh
# A layer includes only its own headers and those of layers below it:
# base < data < prep < ml < io < hooks < script < tui < cmd.
. "$srcdir/tests/lib.sh"
rank() {
	case $1 in base) echo 1 ;; data) echo 2 ;; prep) echo 3 ;; ml) echo 4 ;; io) echo 5 ;; hooks) echo 6 ;; script) echo 7 ;; tui) echo 8 ;; cmd) echo 9 ;; *) echo 10 ;; esac
}
bad=""
for f in "$srcdir"/src/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	for inc in $(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$f"); do
		if [ "$(rank "$inc")" -gt "$(rank "$layer")" ]; then
			bad="$bad ${f#"$srcdir"/}->$inc"
		fi
	done
done
ok $(test -z "$bad"; echo $?) "layers include only downwards${bad:+:$bad}"
cfg=$(grep -l '#include "config.h"' "$srcdir"/src/*/*.h 2>/dev/null || true)
ok $(test -z "$cfg"; echo $?) "no header includes config.h"
done_testing
