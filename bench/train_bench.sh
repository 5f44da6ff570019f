#!/bin/sh
# Model speed: lathe against the PyTorch CPU reference (torch_ref.py, with
# Debian's python3-torch) on the same random-token workload, in one run.
#   bench/train_bench.sh TORCH_REF.py [CONFIGS] [THREADS]
# defaults: CONFIGS="tiny small", THREADS="1 2". At 2 threads PyTorch gets
# OMP_WAIT_POLICY=PASSIVE, its fastest and steadiest setting here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
ref=$1
configs=${2:-tiny small}
threads=${3:-1 2}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
printf '| config | mode | threads | lathe | PyTorch | lathe / PyTorch |\n|---|---|---|---|---|---|\n'
for c in $configs; do
	for t in $threads; do
		for mode in train mlm; do
			l=$("$lathe" bench $mode --config "$c" --threads "$t" | tail -1)
			p=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$ref" --config "$c" --mode $mode --threads "$t" 2>/dev/null | tail -1)
			lt=$(field "$l" tokens_per_s)
			pt=$(field "$p" tokens_per_s)
			printf '| %s | %s | %s | %s tok/s | %s tok/s | %s |\n' "$c" "$mode" "$t" "$lt" "$pt" \
				"$(awk -v a="$lt" -v b="$pt" 'BEGIN { printf "%.2fx", a / b }')"
		done
		l=$("$lathe" bench infer --config "$c" --threads "$t" | tail -1)
		p=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$ref" --config "$c" --mode infer --threads "$t" 2>/dev/null | tail -1)
		lm=$(field "$l" batch1_median_ms)
		pm=$(echo "$p" | tr ' ' '\n' | sed -n 's/^b1_median_ms=//p')
		printf '| %s | infer batch 1 | %s | %s ms | %s ms | %s |\n' "$c" "$t" "$lm" "${pm:-?}" \
			"$(awk -v a="$lm" -v b="${pm:-0}" 'BEGIN { if (b > 0) printf "%.2fx the latency", a / b; else print "?" }')"
	done
done
