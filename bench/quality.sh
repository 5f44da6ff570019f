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

. "$here/datasets.sh"

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
