# TAP helpers for the shell tests. $LATHE is the binary under test.
: "${LATHE:=./lathe}"
: "${srcdir:=.}"
tap_n=0
tap_failed=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lathe-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { # ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# run CMD...: runs with stdout in $WORK/out, stderr in $WORK/err, status in $rc
run() {
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}

# expect_fail WANT_RC PATTERN DESCRIPTION CMD...: the command fails with
# WANT_RC, and its stderr is one line matching PATTERN.
expect_fail() {
	want=$1 pattern=$2 what=$3
	shift 3
	run "$@"
	lines=$(wc -l <"$WORK/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$WORK/err"; then
		ok 0 "$what"
	else
		ok 1 "$what"
		echo "#   rc=$rc (want $want), stderr:"
		sed 's/^/#   /' "$WORK/err" | head -5
	fi
}

# wait_line FILE PATTERN: waits, up to 120 s, until a line of FILE (a
# log a background process writes) matches PATTERN
wait_line() {
	i=0
	while [ $i -lt 600 ] && ! grep -q -- "$2" "$1" 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
	done
}

# like FILE PATTERN DESCRIPTION
like() {
	if grep -q -- "$2" "$1"; then ok 0 "$3"; else
		ok 1 "$3"
		echo "#   no '$2' in:"
		head -5 "$1" | sed 's/^/#   /'
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
