# Helpers the benchmark scripts source.
# shellcheck shell=sh

# last_line COMMAND...: the command's last line of output; a failing
# command prints its error and exits (the caller's set -e stops the bench,
# instead of a row of empty or zero figures)
last_line() {
	last_line_errors=$(mktemp)
	if ! last_line_out=$("$@" 2>"$last_line_errors"); then
		echo "bench: this failed: $*" >&2
		tail -3 "$last_line_errors" >&2
		rm -f "$last_line_errors"
		exit 1
	fi
	rm -f "$last_line_errors"
	printf '%s\n' "$last_line_out" | tail -1
}
# field LINE KEY: the value of KEY=VALUE in a RESULT line
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# the median of the numbers on standard input (one or more per line)
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# torch_env LATHE: the environment PyTorch runs in beside that lathe: its
# OpenBLAS gets the kernels lathe's runs with (OPENBLAS_CORETYPE). Unset,
# Debian's OpenBLAS gives a processor it does not know SSE3's kernels
# (lathe(1), ENVIRONMENT), which slows PyTorch's fp32 3x there, and lathe
# chooses for itself.
torch_env() {
	core=$(field "$(last_line "$1" bench infer --config tiny --steps 1 --warmup 0 --batch 1)" blas_core)
	echo "OMP_WAIT_POLICY=PASSIVE${core:+ OPENBLAS_CORETYPE=$core}"
}
