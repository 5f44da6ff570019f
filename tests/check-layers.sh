#!/bin/sh
# A layer includes only its own headers and those of layers below it:
# base < data < prep < ml < io < hooks < core < the front ends (lua, tui,
# cmd), which never include each other (main.c wires them). Inside a
# folder, no include cycle between its modules.
. "$srcdir/tests/lib.sh"
rank() {
	case $1 in base) echo 1 ;; data) echo 2 ;; prep) echo 3 ;; ml) echo 4 ;; io) echo 5 ;; hooks) echo 6 ;; core) echo 7 ;;
	lua | tui | cmd) echo 8 ;; *) echo 10 ;; esac
}
bad=""
for f in "$srcdir"/src/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	for inc in $(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$f"); do
		[ "$inc" = "$layer" ] && continue
		if [ "$(rank "$inc")" -ge "$(rank "$layer")" ]; then
			bad="$bad ${f#"$srcdir"/}->$inc"
		fi
	done
done
ok $(test -z "$bad"; echo $?) "layers include only downwards, front ends never each other${bad:+:$bad}"

# Module A depends on module B when A.c or A.h includes B.h of the same
# folder ("B.h" or "folder/B.h"); tsort finds any loop among them.
loops=""
for dir in "$srcdir"/src/*/; do
	folder=$(basename "$dir")
	for f in "$dir"*.[ch]; do
		[ -e "$f" ] || continue
		from=$(basename "$f" | sed 's/\.[ch]$//')
		echo "$from $from"
		sed -n "s/^#include \"\\($folder\\/\\)\\{0,1\\}\\([a-z0-9_]*\\)\\.h\".*/\\2/p" "$f" | while read -r to; do
			[ -e "$dir$to.h" ] && echo "$to $from"
		done
	done >"$WORK/edges"
	if ! tsort "$WORK/edges" >/dev/null 2>"$WORK/tsort"; then
		loops="$loops $folder: $(grep -v 'input contains a loop' "$WORK/tsort" | sed 's/^tsort: //' | tr '\n' ' ')"
	fi
done
ok $(test -z "$loops"; echo $?) "no include cycle inside a folder${loops:+:$loops}"
cfg=$(grep -l '#include "config.h"' "$srcdir"/src/*/*.h 2>/dev/null || true)
ok $(test -z "$cfg"; echo $?) "no header includes config.h"
done_testing
