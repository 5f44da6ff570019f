#!/bin/sh
# Compressed models: int8 written, read by any safetensors reader, close to
# the fp32 model's answers, refused when tampered with; and bf16 asked for
# where the processor (or oneDNN, told so) has no bf16 units: fp32 with a
# note.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
PY=${PYTHON:-python3}
MODEL=models/ai4i-tiny.safetensors
Q="$WORK/q.safetensors"

run "$LATHE" compress "$MODEL" --int8 -o "$Q"
ok $(test "$rc" -eq 0 && test -s "$Q" && grep -q "int8, [0-9]* tensors int8 and [0-9]* f32; encoder weights .* MB -> .* MB" "$WORK/out"; echo $?) "compress --int8 writes a model"
ok $(grep -q 'note: .*ai4i-tiny.safetensors diagnoses with its trees alone' "$WORK/err"; echo $?) "compress says when the trees alone answer (the shipped model)"
before=$(sed -n 's/.*encoder weights \([0-9.]*\) MB -> \([0-9.]*\) MB.*/\1 \2/p' "$WORK/out")
ok $(echo "$before" | awk '{ exit !($2 > 0 && $2 < 0.3 * $1) }'; echo $?) "the int8 encoder is under 30% of fp32's ($before MB)"
run "$LATHE" info "$Q"
ok $(test "$rc" -eq 0 && grep -q '^precision  int8 ([0-9]* matrices int8' "$WORK/out" && grep -q 'qkv.weight  *I8 ' "$WORK/out" &&
	grep -q 'qkv.weight_scale  *F32 ' "$WORK/out" && grep -q '^compression {"method":"int8"' "$WORK/out"; echo $?) "info shows the precision, the I8 tensors with their scales, and where it came from"
run "$LATHE" info "$MODEL" --json
ok $(grep -q '"precision": "fp32"' "$WORK/out" && grep -q '"casebook": [0-9]' "$WORK/out"; echo $?) "info --json: precision and parts"
if command -v "$PY" >/dev/null 2>&1; then
	"$PY" tests/python/safetensors_spec.py check "$Q" 'meta:format=lathe-model-1' >/dev/null
	ok $? "the int8 file reads with the independent reader"
fi

# Answers: an encoder-only model's int8 form against it, on 3000 rows.
head -3001 datasets/ai4i2020.csv >"$WORK/ai4i.csv"
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 3 --no-stack --vocab 200 -o "$WORK/enc.safetensors" >/dev/null 2>&1
run "$LATHE" compress "$WORK/enc.safetensors" --int8 -o "$WORK/encq.safetensors"
ok $(test "$rc" -eq 0 && ! grep -q 'trees alone' "$WORK/err"; echo $?) "an encoder-only model compresses without the note"
"$LATHE" diagnose "$WORK/enc.safetensors" --data "$WORK/ai4i.csv" --neighbors 0 --no-advice --no-evidence >"$WORK/f.csv" 2>/dev/null
"$LATHE" diagnose "$WORK/encq.safetensors" --data "$WORK/ai4i.csv" --neighbors 0 --no-advice --no-evidence >"$WORK/q.csv" 2>/dev/null
same=$(paste -d'|' "$WORK/f.csv" "$WORK/q.csv" | awk -F'|' 'NR > 1 { split($1, a, ","); split($2, b, ","); n++; s += a[3] == b[3]; d = a[4] - b[4]; if (d < 0) d = -d; if (d > m) m = d } END { print s, n, m }')
ok $(echo "$same" | awk '{ exit !($2 == 3000 && $1 >= 0.98 * $2 && $3 > 0) }'; echo $?) "int8 predicts as fp32 on 98% of 3000 rows or more, its probabilities moved (agree, rows, largest change: $same)"
"$LATHE" eval "$WORK/enc.safetensors" "$WORK/ai4i.csv" --json >"$WORK/ef.json" 2>/dev/null
run "$LATHE" eval "$WORK/encq.safetensors" "$WORK/ai4i.csv" --json
f1() { grep -A3 '"macro_avg"' "$1" | sed -n 's/.*"f1": *\([0-9.]*\).*/\1/p'; }
ok $(test "$rc" -eq 0 && awk -v a="$(f1 "$WORK/ef.json")" -v b="$(f1 "$WORK/out")" 'BEGIN { d = a - b; exit !(a > 0 && d < 0.01 && d > -0.01) }'; echo $?) \
	"eval: int8 macro-F1 within 0.01 of fp32 ($(f1 "$WORK/ef.json") vs $(f1 "$WORK/out"))"
run "$LATHE" diagnose "$Q" "type L; torque 65 Nm; tool wear 210; rotational speed 1300"
ok $(test "$rc" -eq 0 && grep -q '^why:' "$WORK/out" && grep -q 'similar' "$WORK/out"; echo $?) "the int8 model diagnoses a question, with evidence and similar cases"
cat >"$WORK/q.lua" <<LUA
local lathe = require "lathe"
local m = lathe.load_model("$Q")
local p = m:predict("type L; torque very high; tool wear very high")
print("top " .. p.label .. " " .. p.probability)
LUA
run "$LATHE" run "$WORK/q.lua"
ok $(test "$rc" -eq 0 && grep -q '^top ' "$WORK/out"; echo $?) "Lua loads the int8 model and predicts"
cat >"$WORK/c.lua" <<LUA
local lathe = require "lathe"
local r = lathe.compress("$MODEL", {int8 = true, output = "$WORK/lq.safetensors"})
local m = lathe.load_model("$WORK/lq.safetensors")
print(r.method, r.quantized, r.bytes_after < r.bytes_before, m:info().precision)
print(pcall(lathe.compress, "$MODEL", {int8 = true}))
LUA
run "$LATHE" run "$WORK/c.lua"
ok $(test "$rc" -eq 0 && grep -q '^int8	[0-9]*	true	int8$' "$WORK/out" && grep -q "^false.*option 'output'" "$WORK/out"; echo $?) "Lua compresses, and says what is missing"

# Refusals, each one line, nothing written.
expect_fail 2 "say how: --int8, --distill" "compress without a method is a usage error" "$LATHE" compress "$MODEL" -o "$WORK/x.safetensors"
expect_fail 2 "say where" "compress without -o is a usage error" "$LATHE" compress "$MODEL" --int8
expect_fail 1 "q.safetensors: already compressed" "an int8 model is not compressed again" "$LATHE" compress "$Q" --int8 -o "$WORK/x.safetensors"
expect_fail 1 "ai4i.csv" "a CSV file is not a model" "$LATHE" compress "$WORK/ai4i.csv" --int8 -o "$WORK/x.safetensors"
ok $(test ! -e "$WORK/x.safetensors"; echo $?) "and no output file is left"
"$PY" tests/python/tamper.py "$Q" "$WORK/neg.safetensors" fill encoder.layer.0.attention.self.qkv.weight_scale -1
expect_fail 1 "neg.safetensors: model file: tensor encoder.layer.0.attention.self.qkv.weight_scale is not an F32 row of finite positive scales" \
	"negative int8 scales are refused" "$LATHE" diagnose "$WORK/neg.safetensors" "torque high"
"$PY" tests/python/tamper.py "$Q" "$WORK/nan.safetensors" fill encoder.layer.1.output.dense.weight_scale nan
expect_fail 1 "nan.safetensors: model file: tensor encoder.layer.1.output.dense.weight_scale" "NaN int8 scales are refused" \
	"$LATHE" diagnose "$WORK/nan.safetensors" "torque high"
"$PY" tests/python/tamper.py "$Q" "$WORK/noscale.safetensors" rename encoder.layer.0.intermediate.dense.weight_scale x
expect_fail 1 "noscale.safetensors: model file: tensor encoder.layer.0.intermediate.dense.weight_scale is missing" \
	"an I8 tensor without its scales is refused" "$LATHE" diagnose "$WORK/noscale.safetensors" "torque high"
"$PY" tests/python/tamper.py "$Q" "$WORK/i8pos.safetensors" retype embeddings.position_embeddings.weight I8
expect_fail 1 "i8pos.safetensors: .*position_embeddings.weight" "an int8 table the model reads as floats is refused" \
	"$LATHE" diagnose "$WORK/i8pos.safetensors" "torque high"

# bf16 where oneDNN is told the processor has only AVX2: fp32, and a note.
head -401 datasets/ai4i2020.csv >"$WORK/small.csv"
DNNL_MAX_CPU_ISA=AVX2 run "$LATHE" train "$WORK/small.csv" --rules lua/ai4i.lua --epochs 1 --vocab 200 --precision bf16 -o "$WORK/b.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/b.safetensors" && test "$(grep -c 'no bf16 matrix units' "$WORK/err")" -eq 1 &&
	grep -q 'training in fp32' "$WORK/err"; echo $?) "--precision bf16 without the units trains in fp32, with one note"
DNNL_MAX_CPU_ISA=AVX2 run "$LATHE" bench train --config tiny --steps 2 --warmup 0 --threads 1 --precision bf16
ok $(test "$rc" -eq 0 && grep -q 'precision=fp32' "$WORK/out" && grep -q 'no bf16 matrix units' "$WORK/err"; echo $?) "bench --precision bf16 there: fp32, said"
expect_fail 2 "precision" "an unknown precision is a usage error" "$LATHE" train "$WORK/small.csv" --precision fp16 -o "$WORK/x.safetensors"
done_testing
