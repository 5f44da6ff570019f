#!/bin/sh
# Distillation and pruning: each trains again on the model's training log
# (found by its manifest, checked by its SHA-256), and writes a model that
# diagnose, eval and Lua read like any other.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
head -2001 datasets/ai4i2020.csv >"$WORK/log.csv"
T="$WORK/teacher.safetensors"
(cd "$WORK" && "$LATHE" train log.csv --rules "$srcdir/lua/ai4i.lua" --epochs 2 --no-stack --vocab 200 -o teacher.safetensors >/dev/null 2>&1)
ok $(test -s "$T"; echo $?) "a teacher trained"
printf '{"hidden": 32, "layers": 1, "heads": 2, "ff": 64}\n' >"$WORK/mini.json"

# Distillation: the log from the manifest (relative to where the teacher
# was trained), a smaller student that keeps the teacher's vocabulary.
run sh -c "cd '$WORK' && '$LATHE' compress teacher.safetensors --distill mini.json -o student.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'student.safetensors: a student distilled from it; encoder weights .* MB -> .* MB' "$WORK/out" &&
	grep -q "the teacher's test macro-F1" "$WORK/out"; echo $?) "compress --distill trains a student on the teacher's log"
run "$LATHE" info "$WORK/student.safetensors" --json
ok $(grep -q 'hidden.":32' "$WORK/out" && grep -q 'distilled.":{.*teacher.":.*teacher.safetensors.*weight.":0.5,.*temperature.":2' "$WORK/out"; echo $?) \
	"the student has its shape and says whom it learned from"
svocab=$("$LATHE" info "$WORK/student.safetensors" | sed -n 's/.*"vocab":\([0-9]*\).*/\1/p' | head -1)
tvocab=$("$LATHE" info "$T" | sed -n 's/.*"vocab":\([0-9]*\).*/\1/p' | head -1)
ok $(test -n "$tvocab" && test "$tvocab" = "$svocab"; echo $?) "the student keeps the teacher's vocabulary ($tvocab, $svocab)"
run "$LATHE" eval "$WORK/student.safetensors" "$WORK/log.csv"
ok $(test "$rc" -eq 0 && grep -q 'macro' "$WORK/out"; echo $?) "eval reads the student"
run "$LATHE" diagnose "$WORK/student.safetensors" "type L; torque 65 Nm; tool wear 210"
ok $(test "$rc" -eq 0 && grep -q '^why:' "$WORK/out"; echo $?) "diagnose reads the student"

# A split by a group column is made again as it was.
"$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --epochs 1 --no-stack --vocab 200 --split group --group "Product ID" \
	-o "$WORK/grouped.safetensors" >/dev/null 2>&1
run "$LATHE" compress "$WORK/grouped.safetensors" --prune 0.5 --log "$WORK/log.csv" -o "$WORK/gp.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'split 80/10/10 by machine (as asked)' "$WORK/err"; echo $?) "a model split by a group column prunes on the same split"

# train --teacher: the same from the command line.
run "$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --epochs 1 --no-stack --teacher "$T" --config "$WORK/mini.json" \
	--distill-weight 0.8 --distill-temperature 3 -o "$WORK/s2.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/s2.safetensors"; echo $?) "train --teacher distils"
expect_fail 2 "unknown option.*--teacher" "pretraining has no teacher" \
	"$LATHE" pretrain "$WORK/log.csv" --rules lua/ai4i.lua --teacher "$T" -o "$WORK/x.safetensors"
expect_fail 2 "distill-weight" "a weight beyond 1 is a usage error" \
	"$LATHE" train "$WORK/log.csv" --teacher "$T" --distill-weight 2 -o "$WORK/x.safetensors"

# Pruning: half the heads and neurons, then a short fine-tune.
run "$LATHE" compress "$T" --prune 0.5 --log "$WORK/log.csv" -o "$WORK/pruned.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'pruned and fine-tuned' "$WORK/out"; echo $?) "compress --prune with the log given"
run "$LATHE" info "$WORK/pruned.safetensors"
ok $(grep -q '"heads":2' "$WORK/out" && grep -q '"ff":256' "$WORK/out" && grep -q '"head_size":32' "$WORK/out" &&
	grep -q 'qkv.weight  *F32  *192x128' "$WORK/out" && grep -q 'attention.output.dense.weight  *F32  *128x64' "$WORK/out"; echo $?) \
	"the pruned model keeps 2 of 4 heads (of 32) and 256 of 512 neurons"
run "$LATHE" eval "$WORK/pruned.safetensors" "$WORK/log.csv"
ok $(test "$rc" -eq 0; echo $?) "eval reads the pruned model"
cat >"$WORK/p.lua" <<LUA
local lathe = require "lathe"
local m = lathe.load_model("$WORK/pruned.safetensors")
print("top " .. m:predict("type L; torque very high; tool wear very high").label)
LUA
run "$LATHE" run "$WORK/p.lua"
ok $(test "$rc" -eq 0 && grep -q '^top ' "$WORK/out"; echo $?) "Lua reads the pruned model"
cat >"$WORK/d.lua" <<LUA
local lathe = require "lathe"
local r = lathe.compress("$T", {distill = "$WORK/mini.json", log = "$WORK/log.csv", output = "$WORK/ld.safetensors"})
print(r.method, r.bytes_after < r.bytes_before, r.test_macro_f1 >= 0)
print(pcall(lathe.compress, "$T", {prune = 0.5, int8 = true, output = "$WORK/x.safetensors"}))
LUA
run "$LATHE" run "$WORK/d.lua"
ok $(test "$rc" -eq 0 && grep -q '^distill	true	true$' "$WORK/out" && grep -q '^false.*say how, one of' "$WORK/out" &&
	test -s "$WORK/ld.safetensors"; echo $?) "Lua distils, and refuses two methods at once"
expect_fail 1 "BERT's config cannot say that" "a pruned model does not pretend to be BERT on export" \
	"$LATHE" export "$WORK/pruned.safetensors" --hf "$WORK/hf"

# LoRA: adapters on a pretrained encoder; the adapter file holds the head
# and the adapters only, reads its base beside it (checked by SHA-256),
# answers as its merged form does.
mkdir -p "$WORK/lora"
"$LATHE" pretrain "$WORK/log.csv" --rules lua/ai4i.lua --epochs 1 --vocab 200 -o "$WORK/lora/base.safetensors" >/dev/null 2>&1
run "$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --epochs 2 --no-stack --init "$WORK/lora/base.safetensors" --lora 4 \
	-o "$WORK/lora/adapted.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/lora/adapted.safetensors"; echo $?) "train --init --lora writes an adapter file"
# Ctrl-C in a LoRA run: no checkpoint that --resume would refuse, and
# a line that says so.
"$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --epochs 500 --patience 500 --no-stack \
	--init "$WORK/lora/base.safetensors" --lora 4 -o "$WORK/lora/stopped.safetensors" >/dev/null 2>"$WORK/stop.err" &
pid=$!
wait_line "$WORK/stop.err" '^epoch 1/'
kill -INT $pid
wait $pid
stopped=$?
ok $(test "$stopped" -eq 130 && grep -q 'LoRA training keeps no checkpoint, and no model is written' "$WORK/stop.err" &&
	test ! -e "$WORK/lora/stopped.safetensors.ckpt" && test ! -e "$WORK/lora/stopped.safetensors"; echo $?) \
	"Ctrl-C in a LoRA run: no checkpoint, no model, and a line that says so"
run "$LATHE" info "$WORK/lora/adapted.safetensors"
ok $(grep -q 'qkv.weight.lora_A  *F32  *4x128' "$WORK/out" && grep -q 'qkv.weight.lora_B  *F32  *384x4' "$WORK/out" &&
	grep -q 'classifier.weight  *F32' "$WORK/out" && ! grep -q 'word_embeddings' "$WORK/out" &&
	grep -q '^lora  *{"base":' "$WORK/out"; echo $?) "the adapter file holds the adapters and the head, and names its base"
run "$LATHE" compress "$WORK/lora/adapted.safetensors" --merge -o "$WORK/merged.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'merged into their base' "$WORK/out"; echo $?) "compress --merge writes the full model"
ok $(test "$(wc -c <"$WORK/lora/adapted.safetensors")" -lt "$(wc -c <"$WORK/merged.safetensors")"; echo $?) "the adapter file is smaller than the full model"
Q="type L; torque 65 Nm; tool wear 210"
"$LATHE" diagnose "$WORK/lora/adapted.safetensors" "$Q" --no-advice >"$WORK/a.txt" 2>&1
"$LATHE" diagnose "$WORK/merged.safetensors" "$Q" --no-advice >"$WORK/m.txt" 2>&1
ok $(test -s "$WORK/a.txt" && cmp -s "$WORK/a.txt" "$WORK/m.txt"; echo $?) "the adapter file answers as its merged model does"
run "$LATHE" eval "$WORK/lora/adapted.safetensors" "$WORK/log.csv"
ok $(test "$rc" -eq 0; echo $?) "eval reads the adapter file"
# A tensor the base lacks (value directions, pretrained without readings)
# trains whole and travels in the adapter file.
"$LATHE" pretrain "$WORK/log.csv" --rules lua/ai4i.lua --epochs 1 --vocab 200 --no-values -o "$WORK/lora/words.safetensors" >/dev/null 2>&1
"$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --epochs 1 --no-stack --init "$WORK/lora/words.safetensors" --lora 2 \
	-o "$WORK/lora/valued.safetensors" >/dev/null 2>&1
run "$LATHE" info "$WORK/lora/valued.safetensors"
ok $(grep -q 'embeddings.value_directions  *F32' "$WORK/out" && grep -q 'lora_A' "$WORK/out"; echo $?) \
	"value directions the base lacks are stored whole in the adapter file"
run "$LATHE" diagnose "$WORK/lora/valued.safetensors" "$Q" --no-advice
ok $(test "$rc" -eq 0 && grep -q '%' "$WORK/out"; echo $?) "and it loads on its base and answers"
run "$LATHE" diagnose tests/fuzz/corpus/model/lora_adapters "torque very high" --no-advice
ok $(test "$rc" -eq 0 && grep -q '%' "$WORK/out"; echo $?) "the fuzz corpus's adapter file loads with its base, so fuzzing reaches the merge"
cp "$WORK/lora/adapted.safetensors" "$WORK/lora/big.safetensors"
"${PYTHON3:-python3}" tests/python/tamper.py "$WORK/lora/adapted.safetensors" "$WORK/lora/big1.safetensors" fill encoder.layer.0.attention.self.qkv.weight.lora_A 1e30
"${PYTHON3:-python3}" tests/python/tamper.py "$WORK/lora/big1.safetensors" "$WORK/lora/big.safetensors" fill encoder.layer.0.attention.self.qkv.weight.lora_B 1e30
expect_fail 1 "big.safetensors: model file: the adapters of encoder.layer.0.attention.self.qkv.weight make weights beyond floats" \
	"adapters whose product overflows are refused" "$LATHE" diagnose "$WORK/lora/big.safetensors" "$Q"
"${PYTHON3:-python3}" tests/python/tamper.py "$WORK/lora/adapted.safetensors" "$WORK/lora/rank.safetensors" json lora rank 3
expect_fail 1 "rank.safetensors: model file: the adapter .*lora_A \[3, " "adapters of another rank than the metadata's are refused" \
	"$LATHE" diagnose "$WORK/lora/rank.safetensors" "$Q"
mv "$WORK/lora/base.safetensors" "$WORK/base.moved"
expect_fail 1 "an adapter file for the base model base.safetensors, which is neither beside it nor at" \
	"an adapter file without its base says which it needs" "$LATHE" diagnose "$WORK/lora/adapted.safetensors" "$Q"
cp "$WORK/teacher.safetensors" "$WORK/lora/base.safetensors"
expect_fail 1 "base.safetensors is not the base model these adapters were trained on" "a changed base is refused" \
	"$LATHE" diagnose "$WORK/lora/adapted.safetensors" "$Q"
expect_fail 1 "words.safetensors is a pretrained encoder with no classes to diagnose: fine-tune it" \
	"diagnosing with a pretrained encoder says what to do with it" "$LATHE" diagnose "$WORK/lora/words.safetensors" "$Q"
expect_fail 1 "words.safetensors is a pretrained encoder" "and so does eval" \
	"$LATHE" eval "$WORK/lora/words.safetensors" "$WORK/log.csv"
expect_fail 1 "not a LoRA adapter file" "merging a full model is refused" \
	"$LATHE" compress "$T" --merge -o "$WORK/x.safetensors"
expect_fail 2 "--lora adapts a pretrained encoder" "--lora without --init is refused" \
	"$LATHE" train "$WORK/log.csv" --rules lua/ai4i.lua --lora 4 -o "$WORK/x.safetensors"

# Refusals: the wrong log, a moved log, two methods, an int8 model.
head -1001 datasets/ai4i2020.csv >"$WORK/other.csv"
expect_fail 1 "other.csv is not the log .*teacher.safetensors was trained on" "a log that is not the teacher's is refused" \
	"$LATHE" compress "$T" --distill "$WORK/mini.json" --log "$WORK/other.csv" -o "$WORK/x.safetensors"
expect_fail 1 "was trained on log.csv, which is not readable here: give the log with --log" "a log not found says how to give it" \
	"$LATHE" compress "$T" --distill "$WORK/mini.json" -o "$WORK/x.safetensors"
expect_fail 2 "one method at a time" "two methods at once are a usage error" \
	"$LATHE" compress "$T" --int8 --prune 0.5 -o "$WORK/x.safetensors"
expect_fail 2 "--prune 1: expected a share" "pruning everything is a usage error" \
	"$LATHE" compress "$T" --prune 1 -o "$WORK/x.safetensors"
"$LATHE" compress "$T" --int8 -o "$WORK/q.safetensors" >/dev/null 2>&1
expect_fail 1 "an int8 model is a finished form" "an int8 model is not distilled" \
	"$LATHE" compress "$WORK/q.safetensors" --prune 0.5 --log "$WORK/log.csv" -o "$WORK/x.safetensors"
# The manifest is the file's, not trusted: its training options are held
# to the command line's bounds.
"${PYTHON3:-python3}" tests/python/tamper.py "$T" "$WORK/huge.safetensors" json manifest training '{"batch": 1e12}'
expect_fail 1 "huge.safetensors: manifest: training batch 1e+12 is outside" "a manifest asking for a huge batch is refused" \
	"$LATHE" compress "$WORK/huge.safetensors" --prune 0.5 --log "$WORK/log.csv" -o "$WORK/x.safetensors"
"${PYTHON3:-python3}" tests/python/tamper.py "$T" "$WORK/ratios.safetensors" json manifest split_ratios '[0.9, 0.9, -0.8]'
expect_fail 1 "ratios.safetensors: manifest: split_ratios are not three shares" "a manifest with impossible split shares is refused" \
	"$LATHE" compress "$WORK/ratios.safetensors" --prune 0.5 --log "$WORK/log.csv" -o "$WORK/x.safetensors"
ok $(test ! -e "$WORK/x.safetensors"; echo $?) "and no output file is left"
done_testing
