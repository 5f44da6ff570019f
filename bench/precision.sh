#!/bin/sh
# Speed by precision: lathe's training step in fp32 and bf16 and its
# inference in fp32 and int8, against the PyTorch reference (torch_ref.py)
# in fp32 and in bf16 autocast, on the same random-token workload, in one
# run. Each figure is the median of ROUNDS runs, lathe's and PyTorch's
# alternating, since a shared machine drifts by the minute.
#   bench/precision.sh TORCH_REF.py [CONFIGS] [THREADS] [ROUNDS]
# defaults: CONFIGS="tiny small", THREADS="1 2", ROUNDS=3; LATHE and PYTHON
# name the binaries (default: this tree's lathe, /usr/bin/python3). Each
# line says which precision lathe ran: asked for bf16 on a processor
# without the units, it runs fp32 and says so. PARTS picks the tables
# (default "train infer"; "compressed" adds inference by compressed shape:
# bench/student.json, a distilled student's, and bench/pruned.json, tiny
# with half its heads and neurons pruned, each in fp32 and int8, beside
# tiny's).
parts=${PARTS:-train infer}
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
py=${PYTHON:-/usr/bin/python3}
ref=$1
configs=${2:-tiny small}
threads=${3:-1 2}
rounds=${4:-3}
. "$here/stats.sh"
torch_env=$(torch_env "$lathe")
echo "PyTorch runs with: $torch_env"
# med FIELD COMMAND...: runs the command ROUNDS times (a failing one stops
# the bench with its error, never a row of zeros); m is the median of
# FIELD in its last line, line the last round's line
med() {
	f=$1
	shift
	vs=""
	i=0
	while [ $i -lt "$rounds" ]; do
		line=$(last_line "$@")
		vs="$vs $(field "$line" "$f")"
		i=$((i + 1))
	done
	m=$(echo "$vs" | median)
}
lathe_med() { c=$1 t=$2 mode=$3 f=$4; shift 4; med "$f" "$lathe" bench "$mode" --config "$c" --threads "$t" "$@"; used=$(field "$line" precision); }
torch_med() { c=$1 t=$2 mode=$3 f=$4; shift 4; med "$f" env $torch_env "$py" "$ref" --config "$c" --mode "$mode" --threads "$t" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
has() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
if has train; then
echo "Training step, tokens/s (lathe bf16 as run; ratios lathe bf16 / PyTorch)"
printf '| config | threads | lathe fp32 | lathe bf16 (ran) | PyTorch fp32 | PyTorch bf16 | vs PyTorch bf16 | vs PyTorch fp32 |\n|---|---|---|---|---|---|---|---|\n'
for c in $configs; do
	for t in $threads; do
		lathe_med "$c" "$t" train tokens_per_s --precision fp32
		lf=$m
		lathe_med "$c" "$t" train tokens_per_s --precision bf16
		lb=$m ran=$used
		torch_med "$c" "$t" train tokens_per_s
		pf=$m
		torch_med "$c" "$t" train tokens_per_s --dtype bf16
		pb=$m
		printf '| %s | %s | %.0f | %.0f (%s) | %.0f | %.0f | %s | %s |\n' "$c" "$t" "$lf" "$lb" "$ran" "$pf" "$pb" \
			"$(ratio "$lb" "$pb")" "$(ratio "$lb" "$pf")"
	done
done
echo
fi
if has infer; then
echo "Inference: batch-1 latency (ms, median) and batch-32 sequences/s (ratios lathe int8 / PyTorch latency: below 1 is faster)"
printf '| config | threads | lathe fp32 | lathe bf16 (ran) | lathe int8 | PyTorch fp32 | PyTorch bf16 | int8 / PyTorch fp32 | int8 / PyTorch bf16 | batch 32: lathe fp32, bf16, int8, PyTorch fp32, bf16 seq/s |\n|---|---|---|---|---|---|---|---|---|---|\n'
for c in $configs; do
	for t in $threads; do
		lathe_med "$c" "$t" infer batch1_median_ms --precision fp32
		lf=$m line_f=$line
		lathe_med "$c" "$t" infer batch1_median_ms --precision bf16
		lb=$m line_b=$line ran=$used
		lathe_med "$c" "$t" infer batch1_median_ms --int8
		lq=$m line_q=$line
		torch_med "$c" "$t" infer b1_median_ms
		pf=$m line_pf=$line
		torch_med "$c" "$t" infer b1_median_ms --dtype bf16
		pb=$m line_pb=$line
		printf '| %s | %s | %.3f | %.3f (%s) | %.3f | %.3f | %.3f | %s | %s | %s, %s, %s, %s, %s |\n' "$c" "$t" "$lf" "$lb" \
			"$ran" "$lq" "$pf" "$pb" "$(ratio "$lq" "$pf")" "$(ratio "$lq" "$pb")" "$(field "$line_f" seq_per_s)" \
			"$(field "$line_b" seq_per_s)" "$(field "$line_q" seq_per_s)" "$(field "$line_pf" seq_per_s)" \
			"$(field "$line_pb" seq_per_s)"
	done
done
echo
fi
if has compressed; then
echo "Inference by compressed shape: batch-1 latency (ms, median), batch-32 sequences/s; speed-up against lathe tiny fp32, and latency against PyTorch tiny fp32"
printf '| shape | form | threads | batch-1 ms | batch-32 seq/s | speed-up (batch 1) | / PyTorch tiny fp32 (batch 1) |\n|---|---|---|---|---|---|---|\n'
for t in $threads; do
	torch_med tiny "$t" infer b1_median_ms
	pf=$m
	lathe_med tiny "$t" infer batch1_median_ms --precision fp32
	base=$m
	for shape in tiny "$here/student.json" "$here/pruned.json"; do
		for form in fp32 int8; do
			if [ "$form" = int8 ]; then lathe_med "$shape" "$t" infer batch1_median_ms --int8
			else lathe_med "$shape" "$t" infer batch1_median_ms --precision fp32; fi
			printf '| %s | %s | %s | %.3f | %s | %s | %s |\n' "$(basename "$shape" .json)" "$form" "$t" "$m" \
				"$(field "$line" seq_per_s)" "$(ratio "$base" "$m")" "$(ratio "$m" "$pf")"
		done
	done
done
fi
