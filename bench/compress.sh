#!/bin/sh
# Compression on every labelled dataset of the quality benchmark: per
# dataset and seed, an encoder-only model (--no-stack: the trees would
# answer for a stacked one, and compression would change nothing) trained
# on the same split as bench/quality.sh, then its int8 form; both scored
# by lathe eval on the test rows alone (the rows the split kept apart,
# whole machines or condition blocks where the split is by group), with
# the encoder's size as stored, the file's size, and the eval's time.
#   bench/compress.sh [SEEDS] [DATASETS]
# e.g. bench/compress.sh "1 2" "ai4i cmapss cooler valve pump accumulator"
# LATHE names the binary (default ./lathe); THREADS its --threads (2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
threads=${THREADS:-2}
seeds=${1:-1}
sets=${2:-ai4i cmapss cooler valve pump accumulator}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/datasets.sh"
f1() { grep -A3 '"macro_avg"' "$1" | sed -n 's/.*"f1": *\([0-9.]*\).*/\1/p'; }
# eval MODEL: sets s to the test rows' macro-F1 and t to the seconds it took
score() {
	start=$(date +%s.%N)
	"$lathe" eval "$1" "$work/test.csv" --json >"$work/eval.json" 2>/dev/null
	t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	s=$(f1 "$work/eval.json")
}
printf '| dataset | seed | fp32 test macro-F1 | int8 | change | encoder fp32 | int8 | file fp32 | int8 | eval fp32 | int8 |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for set in $sets; do
	dataset "$set"
	for seed in $seeds; do
		# shellcheck disable=SC2086
		"$lathe" train "$data" $args --no-stack --seed "$seed" --threads "$threads" -o "$work/m.safetensors" \
			>/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
		"$lathe" compress "$work/m.safetensors" --int8 -o "$work/q.safetensors" --json >"$work/c.json"
		test_rows "$seed"
		score "$work/m.safetensors"
		sf=$s tf=$t
		score "$work/q.safetensors"
		sq=$s tq=$t
		/usr/bin/python3 - "$work/c.json" "$set" "$seed" "$sf" "$sq" "$tf" "$tq" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
s, seed, f, q, tf, tq = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7]
mb = lambda b: "%.2f MB" % (b / 1e6)
print("| %s | %s | %.4f | %.4f | %+.4f | %s | %s (%.0f%%) | %s | %s | %s s | %s s |" % (
    s, seed, f, q, q - f, mb(c["bytes_before"]), mb(c["bytes_after"]), 100.0 * c["bytes_after"] / c["bytes_before"],
    mb(c["file_bytes_before"]), mb(c["file_bytes_after"]), tf, tq))
PY
	done
done
