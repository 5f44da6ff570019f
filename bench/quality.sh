#!/bin/sh
# Diagnosis quality on every labelled dataset lathe ships, on splits that
# keep near-duplicates apart, against scikit-learn on the same rows:
#   ai4i        AI4I 2020 failure type, split by time (UDI)
#   cmapss      C-MAPSS FD001 health state from the remaining useful life
#               (healthy > 125, degrading 51-125, warning 16-50,
#               critical <= 15 cycles), split by engine
#   cooler, valve, pump, accumulator
#               the hydraulic rig's four condition targets, split by
#               condition block
# Per dataset and seed: lathe's test macro-F1 (the saved model, the
# encoder alone, the trees alone) and the whole command's time, then
# LogisticRegression, RandomForest and HistGradientBoosting
# (bench/baseline_sklearn.py, Debian's python3-sklearn) on the same split;
# last, the mean over the seeds of each.
#   bench/quality.sh [SEEDS] [DATASETS] [TRAINING OPTIONS...]
# e.g. bench/quality.sh "1 2 3" "ai4i cmapss cooler valve pump accumulator"
#      bench/quality.sh "1 2 3" ai4i --value-bins 0     (an ablation)
# LATHE names the binary (default ./lathe); THREADS its --threads (2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
threads=${THREADS:-2}
seeds=${1:-1 2 3}
sets=${2:-ai4i cmapss cooler valve pump accumulator}
shift 2 2>/dev/null || shift $#
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# C-MAPSS as a CSV with a health column: the remaining useful life needs
# each engine's last cycle, so two passes.
awk 'NR == FNR { if ($2 > last[$1]) last[$1] = $2; next }
	FNR == 1 { printf "unit,cycle,op1,op2,op3"; for (i = 1; i <= 21; i++) printf ",s%d", i; print ",health" }
	{ rul = last[$1] - $2
	  h = rul > 125 ? "healthy" : rul > 50 ? "degrading" : rul > 15 ? "warning" : "critical"
	  line = $1; for (i = 2; i <= 26; i++) line = line "," $i; print line "," h }' \
	"$top/datasets/train_FD001.txt" "$top/datasets/train_FD001.txt" >"$work/cmapss.csv"

hyd=$top/datasets/hydraulic_1hz_features.csv
hyd_labels="cooler_pct valve_pct pump_leak accumulator_bar stable_flag"
hyd_features=$(head -1 "$hyd" | tr -d '\r' | tr ',' '\n' | grep -E '_(mean|std|min|max)$' | tr '\n' ' ')
cmapss_features="s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 s12 s13 s14 s15 s16 s17 s18 s19 s20 s21"
ai4i_features="Type|Air temperature [K]|Process temperature [K]|Rotational speed [rpm]|Torque [Nm]|Tool wear [min]"

# Sets, for one dataset name: data (the CSV), args (lathe's reading,
# labelling and split options) and features (the columns scikit-learn
# sees, separated by |).
dataset() {
	case $1 in
	ai4i)
		data=$top/datasets/ai4i2020.csv
		args="--rules $top/lua/ai4i.lua --split time --time UDI"
		features=$ai4i_features ;;
	cmapss)
		data=$work/cmapss.csv
		args="--label health --machine unit --time cycle --window 20 --split group --group unit
			--exclude op1 --exclude op2 --exclude op3"
		features=$(echo "$cmapss_features" | tr ' ' '|') ;;
	cooler | valve | pump | accumulator)
		case $1 in
		cooler) label=cooler_pct ;; valve) label=valve_pct ;; pump) label=pump_leak ;; *) label=accumulator_bar ;;
		esac
		data=$hyd
		args="--label $label --split group --group condition_block --exclude cycle --exclude condition_block"
		for other in $hyd_labels; do
			[ "$other" = "$label" ] || args="$args --exclude $other"
		done
		features=$(echo "$hyd_features" | sed 's/ $//' | tr ' ' '|') ;;
	*)
		echo "quality.sh: no dataset \"$1\"" >&2
		exit 2 ;;
	esac
}

for set in $sets; do
	dataset "$set"
	for seed in $seeds; do
		start=$(date +%s.%N)
		# shellcheck disable=SC2086,SC2068
		"$lathe" train "$data" $args --seed "$seed" --threads "$threads" --json $@ -o "$work/m.safetensors" \
			>"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
		took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		tail -1 "$work/out" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
g = r.get("gbdt", {})
model = g.get("stacked_test_macro_f1", -1)
model = model if model >= 0 else r["test_macro_f1"]
head = "RESULT set=%s seed=%s" % (sys.argv[1], sys.argv[2])
print("%s model=lathe macro_f1=%.4f share=%.1f epochs=%d wall_s=%s" % (head, model, g.get("encoder_share", 1),
                                                                       r["epochs"], sys.argv[3]))
print("%s model=lathe_encoder macro_f1=%.4f" % (head, r["test_macro_f1"]))
print("%s model=lathe_trees macro_f1=%.4f" % (head, g.get("test_macro_f1", -1)))' "$set" "$seed" "$took"
		# shellcheck disable=SC2086
		"$lathe" textualize "$data" $args --seed "$seed" -o "$work/split.jsonl" 2>/dev/null
		IFS='|'
		# shellcheck disable=SC2086
		/usr/bin/python3 "$here/baseline_sklearn.py" "$data" "$work/split.jsonl" "$seed" $features |
			sed "s/^RESULT /RESULT set=$set /"
		unset IFS
	done
done | tee "$work/results"
# Means over the seeds, one line per dataset and model.
awk '/^RESULT/ {
	delete v
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	key = v["set"] " " v["model"]; if (!(key in n)) order[++k] = key
	n[key]++; f1[key] += v["macro_f1"]; wall[key] += v["wall_s"]
}
END { for (i = 1; i <= k; i++) { key = order[i]
	printf "MEAN %-24s macro-F1 %.4f over %d seeds", key, f1[key] / n[key], n[key]
	if (wall[key] > 0) printf ", %.0f s a run", wall[key] / n[key]
	printf "\n" } }' "$work/results"
