#!/bin/sh
# AI4I 2020, failure type (six classes), split by time as
# bench/ai4i_quality.sh does: per seed, the test macro-F1 of lathe's
# encoder, of the gradient-boosted trees every run fits beside it (the
# referee, XGBoost on the same rows' readings), and of the --stack blend
# chosen on dev; then the mean of each over the seeds, and scikit-learn's
# random forest and HistGradientBoosting on the same split
# (bench/baseline_sklearn.py; Debian's python3-sklearn).
#   bench/referee.sh [SEEDS] [THREADS] [TRAINING OPTIONS...]
# e.g. bench/referee.sh "1 2 3" 2
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
seeds=${1:-1 2 3}
threads=${2:-2}
shift 2 2>/dev/null || shift $#
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
	# shellcheck disable=SC2068
	"$lathe" train "$top/datasets/ai4i2020.csv" --rules "$top/lua/ai4i.lua" --split time --time UDI --seed "$seed" \
		--threads "$threads" --stack $@ -o "$work/m.safetensors" >"$work/out" 2>/dev/null
	enc=$(sed -n 's/^model .*test macro-F1 \([0-9.]*\) on.*/\1/p' "$work/out")
	trees=$(sed -n "s/^referee: .*test macro-F1 \([0-9.]*\)$/\1/p" "$work/out")
	blend=$(sed -n 's/^stacked: the model blends \([0-9]*\)% encoder.*test macro-F1 \([0-9.]*\)$/\2 (\1% encoder)/p' "$work/out")
	wall=$(sed -n 's/^model .*, \([0-9.]*\) s$/\1/p' "$work/out")
	echo "seed $seed: encoder $enc  trees $trees  blend $blend  (encoder training $wall s)"
done | tee "$work/table"
awk '{ e += $4; t += $6; b += $8; n++ }
	END { if (n) printf "mean of %d seeds: encoder %.4f  trees %.4f  blend %.4f\n", n, e / n, t / n, b / n }' "$work/table"
"$lathe" textualize "$top/datasets/ai4i2020.csv" --rules "$top/lua/ai4i.lua" --split time --time UDI \
	-o "$work/split.jsonl" 2>/dev/null
for seed in $seeds; do
	/usr/bin/python3 "$here/baseline_sklearn.py" "$top/datasets/ai4i2020.csv" "$work/split.jsonl" "$seed" Type \
		"Air temperature [K]" "Process temperature [K]" "Rotational speed [rpm]" "Torque [Nm]" "Tool wear [min]"
done
