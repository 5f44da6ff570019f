#!/bin/sh
# Calibration, alerts and retrieval on held-out rows: for the shipped
# model and for models trained with each seed on AI4I (stratified, as the
# shipped one) and on the synthetic multi-machine log (split by machine),
# the expected calibration error of the test rows before and after the
# model's temperature, the alert threshold's recall and false alarms per
# 1,000 test rows at costs 10:1, and the test macro-F1 of the model
# against a blend with its similar cases' labels (retrieval-augmented:
# (1 - w) p + w q, q the 10 nearest training rows' similarity-weighted
# label shares). python3 reads the JSON.
#   bench/calibration.sh [SEEDS] [THREADS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
seeds=${1:-1 2 3}
threads=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The test rows of a log as the training split them, as a CSV of their own.
test_rows() { # DATA RULES SEED OUT
	"$lathe" textualize "$1" --rules "$2" --seed "$3" -o "$work/split.jsonl" 2>/dev/null
	sed -n 's/.*"row":\([0-9]*\),"split":"test".*/\1/p' "$work/split.jsonl" |
		awk 'NR == FNR { keep[$1 + 1] = 1; next } FNR == 1 || keep[FNR]' - "$1" >"$4"
}

measure() { # NAME MODEL TEST.csv
	"$lathe" eval "$2" "$3" --json >"$work/eval.json" 2>/dev/null
	"$lathe" diagnose "$2" --data "$3" --json --no-advice --neighbors 10 >"$work/diag.jsonl" 2>/dev/null
	/usr/bin/python3 - "$1" "$work/eval.json" "$work/diag.jsonl" <<'PY'
import json, sys
name, ev, diag = sys.argv[1], json.load(open(sys.argv[2])), [json.loads(l) for l in open(sys.argv[3])]
c = ev["calibration"]; a = c.get("alert", {})
labels = sorted(diag[0]["probabilities"]) if diag else []
def macro_f1(pred, truth):
    f1 = []
    for k in set(truth) | set(pred):
        tp = sum(p == k and t == k for p, t in zip(pred, truth))
        fp = sum(p == k and t != k for p, t in zip(pred, truth))
        fn = sum(p != k and t == k for p, t in zip(pred, truth))
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1) / len(f1)
truth = [d["label"] for d in diag]
out = []
for w in (0, 0.25, 0.5):
    pred = []
    for d in diag:
        q = {k: 0.0 for k in labels}
        total = sum(max(s["similarity"], 0) for s in d["similar_cases"]) or 1
        for s in d["similar_cases"]:
            q[s["label"]] += max(s["similarity"], 0) / total
        mix = {k: (1 - w) * d["probabilities"][k] + w * q[k] for k in labels}
        pred.append(max(labels, key=lambda k: mix[k]))
    out.append(macro_f1(pred, truth))
print("%-24s ECE %.4f -> %.4f (T %.2f)  alert recall %.3f, %.1f false alarms/1000  macro-F1 %.4f, +cases w=0.25 %.4f, w=0.5 %.4f"
      % (name, c["ece_before"], c["ece_after"], c["temperature"], a.get("recall", -1), a.get("false_alarms_per_1000", -1), out[0], out[1], out[2]))
PY
}

test_rows "$top/datasets/ai4i2020.csv" "$top/lua/ai4i.lua" 42 "$work/ai4i_test.csv"
measure "ai4i shipped model" "$top/models/ai4i-tiny.safetensors" "$work/ai4i_test.csv"
# name, log and rules of each dataset, one per line
printf '%s\n' "ai4i ai4i2020.csv ai4i.lua" "synthetic synthetic.csv synthetic.lua" | while read -r name log rules; do
	for seed in $seeds; do
		"$lathe" train "$top/datasets/$log" --rules "$top/lua/$rules" --seed "$seed" --threads "$threads" \
			-o "$work/m.safetensors" >/dev/null 2>&1
		test_rows "$top/datasets/$log" "$top/lua/$rules" "$seed" "$work/test.csv"
		measure "$name seed $seed" "$work/m.safetensors" "$work/test.csv"
	done
done
