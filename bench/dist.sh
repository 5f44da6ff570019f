#!/bin/sh
# Training across processes (mpirun) against one process, in one run:
# tokens/s of `lathe train` on AI4I for 1, 2 and 4 processes of one
# thread each, and one process with 2 threads (the other way to use two
# cores); the scaling efficiency is tokens/s over N times one process's.
# Then a model of what more processes cost: the bytes one all-reduce of
# the fp32 gradients moves per step (a ring: 2 (N-1)/N of them through
# each process's link), against NVLink and 100/400 Gb/s networks, beside
# the step time measured here. Needs mpirun.
# Usage: bench/dist.sh [CONFIG]   (tiny by default; from the source tree
# after make; EPOCHS=1 by default)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
lathe=$top/lathe
config=${1:-tiny}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
set -- "$top/datasets/ai4i2020.csv" --rules "$top/lua/ai4i.lua" --epochs "${EPOCHS:-1}" --no-stack \
	--config "$config" --json -o "$work/m.safetensors"

field() { # field NAME < JSON
	sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p"
}
printf '| processes x threads | tokens/s | steps/s | vs 1 x 1 | scaling efficiency |\n|---|---|---|---|---|\n'
base=""
for pt in 1x1 2x1 4x1 1x2; do
	p=${pt%x*} t=${pt#*x}
	if [ "$p" -eq 1 ]; then
		line=$("$lathe" train "$@" --threads "$t" 2>/dev/null | grep '"model"')
	else
		line=$(mpirun --oversubscribe -np "$p" "$lathe" train "$@" --threads "$t" 2>/dev/null | grep '"model"')
	fi
	tps=$(echo "$line" | field tokens_per_s)
	steps=$(echo "$line" | field steps)
	wall=$(echo "$line" | field wall_s)
	[ -n "$base" ] || base=$tps
	awk -v pt="$pt" -v p="$p" -v tps="$tps" -v base="$base" -v steps="$steps" -v wall="$wall" 'BEGIN {
		printf "| %s | %.0f | %.1f | %.2fx | %s |\n", pt, tps, steps / wall, tps / base,
			pt ~ /x1$/ ? sprintf("%.0f%%", 100 * tps / (p * base)) : "-" }'
	[ "$pt" != 1x1 ] || step_s=$(awk -v s="$steps" -v w="$wall" 'BEGIN { print w / s }')
done
params=$("$lathe" info "$work/m.safetensors" --json | field parameters | head -1)
# BERT-base's shape with lathe's vocabulary (d 768, 12 layers, ff 3072,
# vocab 1000, 128 tokens, 6 classes), counted as lathe's model lays it out
bert=$(awk 'BEGIN { V = 1000; T = 128; C = 768; L = 12; F = 3072; K = 6
	print V * C + T * C + 2 * C + L * (4 * C * C + 2 * C * F + 9 * C + F) + C * C + C + C * K + K }')
echo
echo "One all-reduce of the fp32 gradients per step (a ring moves 2 (N-1)/N of them through each"
echo "process's link); a step of batch 32 of $config takes $(awk -v s="$step_s" 'BEGIN { printf "%.1f", 1000 * s }') ms here in one process:"
echo
printf '| model | gradient MB | link | GB/s one way | 2 processes | 4 processes | 8 processes |\n|---|---|---|---|---|---|---|\n'
for model in "$config|$params" "BERT-base shape|$bert"; do
	for link in "NVLink 4 (H100/H200)|450" "400 Gb/s (NDR InfiniBand)|50" "100 Gb/s Ethernet|12.5"; do
		awk -v model="${model%|*}" -v params="${model#*|}" -v name="${link%|*}" -v bw="${link#*|}" 'BEGIN {
			bytes = 4 * params
			printf "| %s | %.1f | %s | %s |", model, bytes / 1e6, name, bw
			for (n = 2; n <= 8; n *= 2)
				printf " %.3f ms |", 1000 * 2 * (n - 1) / n * bytes / (bw * 1e9)
			printf "\n" }'
	done
done
