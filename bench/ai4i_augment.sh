#!/bin/sh
# AI4I 2020, failure type: test macro-F1 of lathe trained with each
# augmentation method and without, on the time-respecting split of
# bench/ai4i_quality.sh (train: first 80% of UDI, dev: next 10%, test: last
# 10%) and on a 10% subsample of its training rows (every tenth UDI; the
# same dev and test rows), with the same seeds for every method.
#   bench/ai4i_augment.sh "SEEDS" [THREADS] [full|sub|both] [TRAINING OPTIONS...]
# e.g. bench/ai4i_augment.sh "1 2 3" 2 both
# Prints a line per run, then a Markdown table of the means.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
. "$here/stats.sh"
seeds=${1:-1}
threads=${2:-2}
sizes=${3:-both}
shift 3 2>/dev/null || shift $#
extra="$*"
[ "$sizes" = both ] && sizes="full sub"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
methods="none synonym swap delete insert jitter infill oversample"
data=$top/datasets/ai4i2020.csv
# The subsample: every tenth training row, then dev and test whole.
awk -F, 'NR == 1 || $1 > 8000 || $1 % 10 == 0' "$data" >"$work/sub.csv"
for size in $sizes; do
	if [ "$size" = full ]; then
		file=$data ratios=0.8,0.1,0.1
	else
		file=$work/sub.csv ratios=800,1000,1000
	fi
	for seed in $seeds; do
		common="$file --rules $top/lua/ai4i.lua --split time --time UDI --ratios $ratios --seed $seed --threads $threads $extra"
		# shellcheck disable=SC2086
		"$lathe" pretrain $common -o "$work/pre.safetensors" >/dev/null 2>&1
		for m in $methods; do
			case $m in
			none) aug= ;;
			infill) aug="--augment infill --augment-model $work/pre.safetensors" ;;
			*) aug="--augment $m" ;;
			esac
			# shellcheck disable=SC2086
			line=$(last_line "$lathe" train $common $aug -o "$work/m.safetensors" --json)
			f1=$(echo "$line" | sed -n 's/.*"test_macro_f1":\([0-9.]*\).*/\1/p')
			echo "run $size seed=$seed method=$m test_macro_f1=$f1"
		done
	done
done | tee "$work/runs"
# The runs print through tee, so a failed one ends the loop, not the script.
runs=$(($(echo $sizes | wc -w) * $(echo $seeds | wc -w) * $(echo $methods | wc -w)))
[ "$(wc -l <"$work/runs")" -eq "$runs" ] || { echo "ai4i_augment.sh: a run failed; no table" >&2; exit 1; }
echo
echo "| method | full training split | 10% subsample |"
echo "|---|---|---|"
for m in $methods; do
	cell() {
		awk -v s="$1" -v m="$m" '$2 == s && $4 == "method=" m { split($5, v, "="); sum += v[2]; n++; list = list sprintf("%s%.3f", n > 1 ? ", " : "", v[2]) }
			END { if (n) printf "%.3f (%s)", sum / n, list; else printf "-" }' "$work/runs"
	}
	echo "| $m | $(cell full) | $(cell sub) |"
done
