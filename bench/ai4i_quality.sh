#!/bin/sh
# AI4I 2020, failure type (six classes): test macro-F1 of lathe from
# scratch, of lathe after masked-LM pretraining, and of a logistic
# regression on the raw columns, all on the same time-respecting split
# (train on the first 80% of UDI, dev the next 10%, test the last 10%).
#   bench/ai4i_quality.sh [SEED] [THREADS] [TRAINING OPTIONS...]
# e.g. bench/ai4i_quality.sh 1 2 --epochs 20 --patience 8
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
. "$here/stats.sh"
seed=${1:-1}
threads=${2:-2}
shift 2 2>/dev/null || shift $#
extra="$*"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common="$top/datasets/ai4i2020.csv --rules $top/lua/ai4i.lua --split time --time UDI --seed $seed --threads $threads $extra"
# shellcheck disable=SC2086
scratch=$(last_line "$lathe" train $common -o "$work/scratch.safetensors" --json)
# shellcheck disable=SC2086
"$lathe" pretrain $common -o "$work/pre.safetensors" >/dev/null 2>&1
# shellcheck disable=SC2086
tuned=$(last_line "$lathe" train $common --init "$work/pre.safetensors" -o "$work/tuned.safetensors" --json)
"$lathe" textualize "$top/datasets/ai4i2020.csv" --rules "$top/lua/ai4i.lua" --split time --time UDI \
	--seed "$seed" -o "$work/split.jsonl"
base=$(/usr/bin/python3 "$here/baseline_lr.py" "$top/datasets/ai4i2020.csv" "$work/split.jsonl" Type \
	"Air temperature [K]" "Process temperature [K]" "Rotational speed [rpm]" "Torque [Nm]" "Tool wear [min]")
f1() { echo "$1" | sed -n 's/.*"test_macro_f1":\([0-9.]*\).*/\1/p'; }
echo "lathe from scratch:        test macro-F1 $(f1 "$scratch")"
echo "lathe after pretraining:   test macro-F1 $(f1 "$tuned")"
echo "logistic regression:       $(echo "$base" | sed 's/RESULT baseline=logreg //')"
