#!/bin/sh
# Runs every tests/lua/*.lua test file through `lathe run`; each file
# reports its cases (tests/lua/tap.lua), relayed here one by one.
. "$srcdir/tests/lib.sh"
for t in "$srcdir"/tests/lua/*.lua; do
	name=$(basename "$t" .lua)
	[ "$name" = tap ] && continue
	# the leak test measures memory: freed blocks must be reused, not
	# held in the address sanitizer's quarantine
	if [ "$name" = leak ]; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
			run "$LATHE" run "$t" "$srcdir" "$WORK"
	else
		run "$LATHE" run "$t" "$srcdir" "$WORK"
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "$name: ${line#* - }" ;;
		"not ok "*) ok 1 "$name: ${line#* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$WORK/out"
	# a file that stopped before its plan failed outside its cases
	grep -q '^1\.\.' "$WORK/out" || ok 1 "$name: ran to the end"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$WORK/err"
done
done_testing
