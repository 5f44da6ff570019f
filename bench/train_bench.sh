#!/bin/sh
# Model speed: lathe against the PyTorch CPU reference (torch_ref.py, with
# Debian's python3-torch) on the same random-token workload, in one run.
#   bench/train_bench.sh TORCH_REF.py [CONFIGS] [THREADS] [ROUNDS]
# defaults: CONFIGS="tiny small", THREADS="1 2", ROUNDS=3. At 2 threads
# PyTorch gets OMP_WAIT_POLICY=PASSIVE, its fastest and steadiest setting
# here, and the OpenBLAS kernels lathe runs with (stats.sh, torch_env).
# The machine is shared and its speed drifts by the minute, so each
# measurement is taken ROUNDS times, a lathe run right before a PyTorch
# run, and the table shows the medians of each and the median of the
# rounds' ratios (a pair of runs minutes apart shares the machine's state),
# with the lowest and highest ratio of the rounds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
ref=$1
configs=${2:-tiny small}
threads=${3:-1 2}
rounds=${4:-3}
. "$here/stats.sh"
torch_env=$(torch_env "$lathe")
# measure CONFIG THREADS MODE: sets l and p to the medians of lathe's and
# PyTorch's figure (tokens/s, or batch-1 milliseconds for infer), and r to
# "median (lowest-highest)" of the rounds' ratios lathe / PyTorch
measure() {
	if [ "$3" = infer ]; then lf=batch1_median_ms pf=b1_median_ms; else lf=tokens_per_s pf=tokens_per_s; fi
	ls="" ps="" rs=""
	i=0
	while [ $i -lt "$rounds" ]; do
		line=$(last_line "$lathe" bench "$3" --config "$1" --threads "$2")
		li=$(field "$line" $lf)
		line=$(last_line env $torch_env /usr/bin/python3 "$ref" --config "$1" --mode "$3" --threads "$2")
		pi=$(field "$line" $pf)
		ls="$ls $li" ps="$ps $pi" rs="$rs $(awk -v a="$li" -v b="$pi" 'BEGIN { printf "%.4f", a / b }')"
		i=$((i + 1))
	done
	l=$(echo "$ls" | median)
	p=$(echo "$ps" | median)
	r=$(printf '%.2fx (%.2f-%.2f)' "$(echo "$rs" | median)" "$(echo "$rs" | tr ' ' '\n' | grep . | sort -g | head -1)" \
		"$(echo "$rs" | tr ' ' '\n' | grep . | sort -g | tail -1)")
}
printf '| config | mode | threads | lathe | PyTorch | lathe / PyTorch (lowest-highest) |\n|---|---|---|---|---|---|\n'
for c in $configs; do
	for t in $threads; do
		for mode in train mlm; do
			measure "$c" "$t" $mode
			printf '| %s | %s | %s | %.0f tok/s | %.0f tok/s | %s |\n' "$c" $mode "$t" "$l" "$p" "$r"
		done
		measure "$c" "$t" infer
		printf '| %s | infer batch 1, latency | %s | %.3f ms | %.3f ms | %s |\n' "$c" "$t" "$l" "$p" "$r"
	done
done
