#!/bin/sh
# --device: the CPU, or a GPU where the build and the machine have one;
# otherwise one line that says which is missing. Where a GPU is here, a
# model trained on it runs on the CPU and the other way round, with the
# same answers.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
head -601 datasets/ai4i2020.csv >"$WORK/log.csv"
train="train $WORK/log.csv --rules lua/ai4i.lua --epochs 1 --no-stack --vocab 200 --threads 1"
expect_fail 2 'device "gpu": expected cpu, cuda or cuda:N' "an unknown device is a usage error" \
	"$LATHE" $train --device gpu -o "$WORK/x.safetensors"
expect_fail 2 'device "cuda:x"' "a GPU number must be a number" \
	"$LATHE" diagnose models/ai4i-tiny.safetensors --device cuda:x "type L"
run "$LATHE" $train --device cpu -o "$WORK/cpu.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/cpu.safetensors"; echo $?) "--device cpu trains"
run "$LATHE" $train --device cuda -o "$WORK/gpu.safetensors"
if grep -q 'this build has no GPU support: rebuild with ./configure --enable-cuda' "$WORK/err" ||
	grep -q 'no GPU here' "$WORK/err"; then
	why=$(cat "$WORK/err")
	ok $(test "$rc" -eq 1 && test "$(wc -l <"$WORK/err")" -eq 1 && test ! -e "$WORK/gpu.safetensors"; echo $?) \
		"--device cuda without a GPU: one line that says why, before the data is read ($why)"
	for c in "eval models/ai4i-tiny.safetensors $WORK/log.csv" "diagnose models/ai4i-tiny.safetensors type_L" \
		"bench train --steps 1"; do
		run "$LATHE" $c --device cuda
		ok $(test "$rc" -eq 1 && grep -q 'GPU' "$WORK/err"; echo $?) "${c%% *} --device cuda says so too"
	done
	printf 'local lathe = require "lathe"\nprint(pcall(lathe.load_model, "models/ai4i-tiny.safetensors", {device = "cuda"}))\n' >"$WORK/d.lua"
	run "$LATHE" run "$WORK/d.lua"
	ok $(grep -q '^false	.*GPU' "$WORK/out"; echo $?) "Lua: load_model on a GPU says so too"
	echo "# skipped the GPU runs: $why"
	done_testing
	exit
fi
ok $(test "$rc" -eq 0 && test -s "$WORK/gpu.safetensors"; echo $?) "--device cuda trains on the GPU"
for m in cpu gpu; do
	"$LATHE" eval "$WORK/$m.safetensors" "$WORK/log.csv" --device cpu --json >"$WORK/$m-on-cpu" 2>/dev/null
	"$LATHE" eval "$WORK/$m.safetensors" "$WORK/log.csv" --device cuda --json >"$WORK/$m-on-gpu" 2>/dev/null
	a=$(sed -n 's/.*"macro_avg": *{[^}]*"f1": *\([0-9.]*\).*/\1/p' "$WORK/$m-on-cpu")
	b=$(sed -n 's/.*"macro_avg": *{[^}]*"f1": *\([0-9.]*\).*/\1/p' "$WORK/$m-on-gpu")
	ok $(test -n "$a" && test "$a" = "$b"; echo $?) "a model trained on the $m: the same macro-F1 on the CPU and the GPU ($a, $b)"
done
run "$LATHE" bench train --device cuda --steps 3
ok $(test "$rc" -eq 0 && grep -q 'RESULT bench=train' "$WORK/out"; echo $?) "bench train --device cuda"
done_testing
