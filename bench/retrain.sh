#!/bin/sh
# Distillation, pruning and LoRA on every labelled dataset of the quality
# benchmark: per dataset and seed, a tiny encoder-only teacher (--no-stack,
# so that the encoder alone answers) on bench/quality.sh's split; a
# student of bench/student.json distilled from it (compress --distill); the
# teacher with half its heads and feed-forward neurons pruned and
# fine-tuned (compress --prune 0.5); and with LORA=1 an encoder pretrained
# on the log, then fine-tuned whole and with rank-8 adapters (--lora 8);
# LORA=only does the LoRA part alone. Each is scored by lathe eval on the
# test rows alone, with its encoder's size as stored (and the adapter
# file's size against the whole model's). Speed by shape is bench/precision.sh's (COMPRESSED=1).
#   bench/retrain.sh [SEEDS] [DATASETS]
# LATHE names the binary (default ./lathe); THREADS its --threads (2);
# STUDENT the student's shape (default bench/student.json).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
lathe=${LATHE:-$top/lathe}
threads=${THREADS:-2}
seeds=${1:-1 2}
sets=${2:-ai4i cmapss cooler valve pump accumulator}
lora=${LORA:-0}
student=${STUDENT:-$here/student.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/datasets.sh"
f1() { grep -A3 '"macro_avg"' "$1" | sed -n 's/.*"f1": *\([0-9.]*\).*/\1/p'; }
# MODEL: its test macro-F1 and its encoder's megabytes, "F1 MB"
score() {
	"$lathe" eval "$1" "$work/test.csv" --json >"$work/eval.json" 2>/dev/null
	mb=$("$lathe" info "$1" --json | sed -n 's/.*"encoder": *\([0-9]*\).*/\1/p' | head -1)
	echo "$(f1 "$work/eval.json") $mb"
}
train() {
	# shellcheck disable=SC2086
	"$lathe" "$@" --threads "$threads" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
}
# MODEL: its file's megabytes
file_mb() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.2f", b / 1e6 }'; }
if [ "$lora" = only ]; then
	printf '%s\n' '| dataset | seed | pretrained, fine-tuned whole | LoRA r8 | change | file MB: whole, adapters |' \
		'|---|---|---|---|---|---|'
else
	printf '| dataset | seed | teacher test macro-F1 | distilled | change | pruned 50%% | change |'
	[ "$lora" = 1 ] && printf ' pretrained, fine-tuned | LoRA r8 | change |'
	printf ' encoder MB: teacher, student, pruned |\n|---|---|---|---|---|---|---|'
	[ "$lora" = 1 ] && printf '%s' '---|---|---|'
	printf '%s\n' '---|'
fi
for set in $sets; do
	dataset "$set"
	for seed in $seeds; do
		test_rows "$seed"
		row="| $set | $seed |" sizes=
		if [ "$lora" != only ]; then
			# shellcheck disable=SC2086
			train train "$data" $args --no-stack --seed "$seed" -o "$work/t.safetensors"
			train compress "$work/t.safetensors" --distill "$student" --log "$data" -o "$work/s.safetensors"
			train compress "$work/t.safetensors" --prune 0.5 --log "$data" -o "$work/p.safetensors"
			set -- $(score "$work/t.safetensors") $(score "$work/s.safetensors") $(score "$work/p.safetensors")
			row="$row$(awk -v t="$1" -v s="$3" -v p="$5" \
				'BEGIN { printf " %.4f | %.4f | %+.4f | %.4f | %+.4f |", t, s, s - t, p, p - t }')"
			sizes=$(awk -v a="$2" -v b="$4" -v c="$6" 'BEGIN { printf " %.2f, %.2f, %.2f |", a / 1e6, b / 1e6, c / 1e6 }')
		fi
		if [ "$lora" != 0 ]; then
			# shellcheck disable=SC2086
			train pretrain "$data" $args --seed "$seed" -o "$work/pre.safetensors"
			# shellcheck disable=SC2086
			train train "$data" $args --no-stack --seed "$seed" --init "$work/pre.safetensors" -o "$work/full.safetensors"
			# shellcheck disable=SC2086
			train train "$data" $args --no-stack --seed "$seed" --init "$work/pre.safetensors" --lora 8 -o "$work/l.safetensors"
			set -- $(score "$work/full.safetensors") $(score "$work/l.safetensors")
			row="$row$(awk -v f="$1" -v l="$3" 'BEGIN { printf " %.4f | %.4f | %+.4f |", f, l, l - f }')"
			[ "$lora" = only ] &&
				sizes=" $(file_mb "$work/full.safetensors"), $(file_mb "$work/l.safetensors") |"
		fi
		echo "$row$sizes"
	done
done
