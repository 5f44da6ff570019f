#!/bin/sh
# The GPU, in one run on a machine that has one, after a build with the
# CUDA backend (./configure finds nvcc; make; make tests/grad/test_device):
#   1. the CUDA backend against the CPU: a training step's loss, gradients
#      and weights and an inference model's logits (tests/grad/test_device);
#   2. training speed, lathe bench train --device cuda, fp32 and bf16, on
#      small and on BERT-base's shape (bench/bert_base.json: d 768, 12
#      layers, 12 heads, 128 tokens, batch 64), beside PyTorch on the same
#      GPU (bench/torch_gpu.py, which also measures the card's bf16 matrix
#      product rate), and each one's model FLOP/s as a share of that rate.
# Usage: bench/gpu.sh [STEPS]   (from the source tree; PYTHON names a
# python3 with torch and CUDA, default python3)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
lathe=$top/lathe
steps=${1:-20}
py=${PYTHON:-python3}
echo "== the CUDA backend against the CPU"
"$top/tests/grad/test_device"
parity=$?

# model FLOP per step, as bench/torch_gpu.py counts it: 6 per weight
# (without the token embeddings) per token, and the attention's products
flop() { # flop HIDDEN LAYERS FF SEQ BATCH CLASSES
	awk -v C="$1" -v L="$2" -v F="$3" -v T="$4" -v B="$5" -v K="$6" 'BEGIN {
		p = T * C + 2 * C + L * (4 * C * C + 2 * C * F + 9 * C + F) + C * C + C + C * K + K
		print 6 * p * B * T + 12 * L * T * C * B * T }'
}
field() { # field NAME LINE
	echo "$2" | sed -n "s/.*$1=\([^ ]*\).*/\1/p"
}
# PyTorch with CUDA may be missing there: its figures are then "-", with
# the last line it printed, never a silent zero.
torch_errors=$(mktemp)
trap 'rm -f "$torch_errors"' EXIT
peak=$($py "$top/bench/torch_gpu.py" --peak --steps 1 --warmup 1 2>"$torch_errors" | tail -1)
peak=$(field bf16_peak_tflops "$peak")
[ -n "$peak" ] || echo "#   no bf16 rate measured: $py bench/torch_gpu.py: $(tail -1 "$torch_errors")"
echo
echo "== training speed (bf16 matrix product rate measured: ${peak:-?} TFLOP/s)"
printf '| model | batch | precision | lathe tokens/s | lathe TFLOP/s | share of the bf16 rate | PyTorch tokens/s | lathe / PyTorch |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for shape in "small 256 4 4 1024 128 32" "bert_base 768 12 12 3072 128 64"; do
	set -- $shape
	name=$1 C=$2 L=$3 H=$4 F=$5 T=$6 B=$7
	config=$name
	[ "$name" = small ] || config=$top/bench/$name.json
	for prec in fp32 bf16; do
		r=$("$lathe" bench train --device cuda --config "$config" --batch "$B" --precision "$prec" --steps "$steps" 2>&1 | tail -1)
		t=$($py "$top/bench/torch_gpu.py" --hidden "$C" --layers "$L" --heads "$H" --ff "$F" --seq "$T" --batch "$B" \
			--dtype "$prec" --steps "$steps" 2>"$torch_errors" | tail -1)
		lt=$(field tokens_per_s "$r")
		pt=$(field tokens_per_s "$t")
		f=$(flop "$C" "$L" "$F" "$T" "$B" 4)
		awk -v n="$name" -v b="$B" -v p="$prec" -v lt="${lt:-0}" -v pt="${pt:-0}" -v f="$f" -v T="$T" -v B="$B" \
			-v peak="${peak:-0}" 'BEGIN {
			tf = lt / (B * T) * f / 1e12
			printf "| %s | %d | %s | %s | %s | %s | %s | %s |\n", n, b, p,
				(lt > 0 ? sprintf("%.0f", lt) : "-"), (lt > 0 ? sprintf("%.1f", tf) : "-"),
				(lt > 0 && peak > 0 ? sprintf("%.0f%%", 100 * tf / peak) : "-"), (pt > 0 ? sprintf("%.0f", pt) : "-"),
				(lt > 0 && pt > 0 ? sprintf("%.2fx", lt / pt) : "-") }'
		[ -n "$lt" ] || echo "#   lathe: $r"
		[ -n "$pt" ] || echo "#   PyTorch: $(tail -1 "$torch_errors")"
	done
done
exit $parity
