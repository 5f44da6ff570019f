#!/bin/sh
# Training, evaluation and diagnosis from the command line, on a slice of
# AI4I (fast) and on the synthetic time-ordered log's rules.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
head -1501 datasets/ai4i2020.csv >"$WORK/ai4i.csv"
train() {
	"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 "$@"
}

run train -o "$WORK/m1.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/m1.safetensors" && grep -q '^model .*dev macro-F1' "$WORK/out"; echo $?) "train writes a model"
like "$WORK/err" '^no failure  *[0-9]' "train prints the class counts per split"
like "$WORK/err" '^epoch 1/1  train loss' "train reports each epoch"
run train -o "$WORK/m3.safetensors" --batch 8
ok $(grep -q '^step 100/150  epoch 1/1  loss [0-9.]*  lr .*  grad norm .* tokens/s  ETA' "$WORK/err"; echo $?) "a progress line every 100 steps off a terminal"
run train -o "$WORK/m2.safetensors" --json
ok $(test "$(grep -c '^{"epoch":1,"epochs":1,"steps":' "$WORK/out")" -eq 1 && grep -q '^{"model":.*"tokens_per_s":' "$WORK/out"; echo $?) "train --json: a line per epoch and a summary"
"$LATHE" diagnose "$WORK/m1.safetensors" --data "$WORK/ai4i.csv" --no-evidence >"$WORK/p1.csv" 2>/dev/null
"$LATHE" diagnose "$WORK/m2.safetensors" --data "$WORK/ai4i.csv" --no-evidence >"$WORK/p2.csv" 2>/dev/null
ok $(test -s "$WORK/p1.csv" && cmp -s "$WORK/p1.csv" "$WORK/p2.csv"; echo $?) "the same seed trains the same model"
ok $(test "$(wc -l <"$WORK/p1.csv")" -eq 1501 && head -1 "$WORK/p1.csv" | grep -q '^row,label,predicted,probability,uncertain,alert,evidence,p_'; echo $?) "diagnose --data: one prediction per row"

run "$LATHE" eval "$WORK/m1.safetensors" "$WORK/ai4i.csv"
ok $(test "$rc" -eq 0 && grep -q '^macro avg' "$WORK/out" && grep -q '^confusion matrix' "$WORK/out"; echo $?) "eval prints a classification report"
run "$LATHE" eval "$WORK/m1.safetensors" "$WORK/ai4i.csv" --json
ok $(test "$rc" -eq 0 && grep -q '"macro_avg"' "$WORK/out" && grep -q '"rows": 1500' "$WORK/out"; echo $?) "eval --json"
run "$LATHE" diagnose "$WORK/m1.safetensors" "type L; torque very high; tool wear high"
ok $(test "$rc" -eq 0 && grep -q 'no failure *[0-9.]*%' "$WORK/out" && test "$(grep -c '%' "$WORK/out")" -ge 5; echo $?) "diagnose a text: every class's probability"
run "$LATHE" diagnose "$WORK/m1.safetensors" --data "$WORK/ai4i.csv" --row 51
ok $(test "$rc" -eq 0 && grep -q '^row 51: type L' "$WORK/out" && grep -q '^actual: PWF$' "$WORK/out"; echo $?) "diagnose one row, with the label the log gives it"
run "$LATHE" info "$WORK/m1.safetensors"
ok $(test "$rc" -eq 0 && grep -q '^manifest .*"data_sha256":"'"$(sha256sum "$WORK/ai4i.csv" | cut -c1-64)"'"' "$WORK/out"; echo $?) "the manifest holds the data file's SHA-256"
if command -v python3 >/dev/null 2>&1; then
	python3 tests/python/safetensors_spec.py check "$WORK/m1.safetensors" 'meta:format=lathe-model-1' >/dev/null
	ok $? "the model file reads with the independent reader"
fi

run "$LATHE" pretrain "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 -o "$WORK/pre.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'dev masked-LM loss' "$WORK/out"; echo $?) "pretrain with masked LM"
run train --init "$WORK/pre.safetensors" -o "$WORK/ft.safetensors"
ok $(test "$rc" -eq 0 && grep -q "started from .*pre.safetensors (3[0-9] tensors)" "$WORK/err"; echo $?) "train from a pretrained encoder"
run "$LATHE" info "$WORK/ft.safetensors" --json
ok $(grep -q '"init\\":\\"' "$WORK/out"; echo $?) "the fine-tuned model records where it started"
expect_fail 1 "nope.safetensors: cannot open" "a missing --init model" "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --init "$WORK/nope.safetensors" -o "$WORK/x.safetensors"
run "$LATHE" diagnose models/ai4i-tiny.safetensors "type L; torque very high; tool wear very high"
ok $(test "$rc" -eq 0 && grep -q 'no failure' "$WORK/out" && grep -q 'HDF' "$WORK/out"; echo $?) "the shipped model diagnoses"
# Stopped after 17 steps and resumed, training ends where it would have.
train --epochs 2 -o "$WORK/whole.safetensors" >/dev/null 2>&1
run train --epochs 2 -o "$WORK/parts.safetensors" --stop-after 17
ok $(test "$rc" -eq 0 && test ! -e "$WORK/parts.safetensors" && test -s "$WORK/parts.safetensors.ckpt" &&
	grep -q "checkpoint .*parts.safetensors.ckpt (continue with --resume" "$WORK/err"; echo $?) "--stop-after leaves a checkpoint, no model"
run train --epochs 2 -o "$WORK/parts.safetensors" --resume "$WORK/parts.safetensors.ckpt"
ok $(test "$rc" -eq 0 && test -s "$WORK/parts.safetensors"; echo $?) "--resume finishes the run"
if command -v python3 >/dev/null 2>&1; then
	python3 tests/python/safetensors_spec.py same "$WORK/whole.safetensors" "$WORK/parts.safetensors" >/dev/null
	ok $? "an interrupted and resumed run gives the same model, bit for bit"
fi
head -1001 "$WORK/ai4i.csv" >"$WORK/other.csv"
run "$LATHE" train "$WORK/other.csv" --rules lua/ai4i.lua --epochs 2 -o "$WORK/x.safetensors" --resume "$WORK/parts.safetensors.ckpt"
ok $(test "$rc" -eq 1 && tail -1 "$WORK/err" | grep -q "checkpoint of another data file" && test ! -e "$WORK/x.safetensors"; echo $?) "resuming on other data is refused"
# Ctrl-C (SIGINT) stops after the step and saves the run.
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --batch 64 --vocab 200 --epochs 50 \
	-o "$WORK/sig.safetensors" >/dev/null 2>"$WORK/sig.err" &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^epoch 1/' "$WORK/sig.err" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
kill -INT $pid
wait $pid
ok $(test $? -eq 130 && test -s "$WORK/sig.safetensors.ckpt" && ! test -e "$WORK/sig.safetensors"; echo $?) "SIGINT writes a checkpoint and exits 130"
# BERT has no place for value-aware facts: export a words-only model.
train --no-values --no-stack -o "$WORK/words.safetensors" >/dev/null 2>&1
ok $("$LATHE" info "$WORK/words.safetensors" | grep '^config ' | grep -qv '"values"'; echo $?) "--no-values: words only"
ok $("$LATHE" info "$WORK/m1.safetensors" | grep -q '^config .*"values":5'; echo $?) "value-aware facts by default on a CSV log"
run "$LATHE" export "$WORK/words.safetensors" --hf "$WORK/hf"
ok $(test "$rc" -eq 0 && test -s "$WORK/hf/config.json" && test -s "$WORK/hf/vocab.txt" && grep -q '"BertForSequenceClassification"' "$WORK/hf/config.json"; echo $?) "export --hf writes a transformers directory"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	"$LATHE" diagnose "$WORK/words.safetensors" "type L; torque very high; tool wear high" --json >"$WORK/l.json"
	/usr/bin/python3 tests/python/hf_forward.py "$WORK/hf" "$WORK/l.json" >"$WORK/hf.out"
	ok $? "BERT's layout in PyTorch gives lathe's probabilities: $(head -1 "$WORK/hf.out")"
else
	echo "ok $((tap_n = tap_n + 1)) - BERT's layout reproduces lathe # SKIP python3-torch not installed"
fi
expect_fail 1 "only a classifier exports" "a pretrained-only model does not export" "$LATHE" export "$WORK/pre.safetensors" --hf "$WORK/hf2"
expect_fail 2 "say the format" "export needs --hf" "$LATHE" export "$WORK/m1.safetensors"
run train --batch 32 --accumulate 2 --json -o "$WORK/acc.safetensors"
ok $(test "$rc" -eq 0 && grep -q '^{"epoch":1,"epochs":1,"steps":19,' "$WORK/out"; echo $?) "--accumulate 2: one optimizer step per two batches (38 batches, 19 steps)"
printf 'return { hidden = 32, layers = 1, heads = 4, ff = 64, dropout = 0 }\n' >"$WORK/shape.lua"
printf '{"hidden": 48, "heads": 3, "layers": 1, "ff": 96}\n' >"$WORK/shape.json"
run train --config "$WORK/shape.lua" -o "$WORK/shape.safetensors"
ok $(test "$rc" -eq 0 && "$LATHE" info "$WORK/shape.safetensors" | grep -q '^config .*"hidden":32,"layers":1,"heads":4,"ff":64,"classes":[0-9]*,"dropout":0.0'; echo $?) "a model shape from a Lua file"
run "$LATHE" bench train --config "$WORK/shape.json" --steps 1 --warmup 0
ok $(test "$rc" -eq 0 && grep -q '^RESULT bench=train' "$WORK/out"; echo $?) "a model shape from a JSON file"
# OpenBLAS's kernels: on a processor with AVX2 and FMA, never a core of
# the generations before (Debian's OpenBLAS falls back to Prescott's on a
# model it does not know); a core the user names stands.
blas_core=$(sed -n 's/.* blas_core=\([^ ]*\).*/\1/p' "$WORK/out")
if grep -q '^flags.* avx2' /proc/cpuinfo 2>/dev/null && grep -q '^flags.* fma' /proc/cpuinfo; then
	case $blas_core in
	Prescott | Core2 | Penryn | Dunnington | Nehalem | Atom | Nano | Barcelona | Opteron* | Bobcat | Athlon | Katmai | \
		Coppermine | Northwood | Banias | Sandybridge | "") old=1 ;;
	*) old=0 ;;
	esac
	ok $old "fp32 products with kernels for this processor's AVX2 (OpenBLAS core: ${blas_core:-none})"
	run env OPENBLAS_CORETYPE=Haswell "$LATHE" bench infer --config "$WORK/shape.json" --batch 2 --steps 2 --warmup 0
	ok $(test "$rc" -eq 0 && grep -q '^RESULT bench=infer .* blas_core=Haswell ' "$WORK/out"; echo $?) \
		"OPENBLAS_CORETYPE, when set, is OpenBLAS's choice"
else
	echo "ok $((tap_n = tap_n + 1)) - fp32 products with kernels for this processor's AVX2 # SKIP no AVX2 and FMA here"
	echo "ok $((tap_n = tap_n + 1)) - OPENBLAS_CORETYPE, when set, is OpenBLAS's choice # SKIP no AVX2 and FMA here"
fi
printf '{"hidden": 48, "heads": 5}\n' >"$WORK/bad.json"
expect_fail 2 "bad.json: model config: hidden size 48 is not a multiple of 5 heads" "a bad shape file" "$LATHE" bench train --config "$WORK/bad.json"
run train --values -o "$WORK/v.safetensors"
ok $(test "$rc" -eq 0 && "$LATHE" info "$WORK/v.safetensors" | grep -q '^config .*"values":5,"value_knots":[1-9][0-9]*}'; echo $?) "--values: a model with value-aware facts, each reading in piecewise-linear bins"
"$LATHE" diagnose "$WORK/v.safetensors" --data "$WORK/ai4i.csv" --row 51 >"$WORK/v1" 2>&1
"$LATHE" diagnose "$WORK/v.safetensors" "$(sed -n 's/^row 51: //p' "$WORK/v1")" >"$WORK/v2" 2>&1
sed 1d "$WORK/v1" >"$WORK/v1p"
ok $(test -s "$WORK/v1p" && test -s "$WORK/v2" && ! cmp -s "$WORK/v1p" "$WORK/v2"; echo $?) "a row's readings count beyond its words"
expect_fail 1 "does not export: BERT has no place for the values" "a value-aware model does not export" "$LATHE" export "$WORK/v.safetensors" --hf "$WORK/hfv"
expect_fail 2 "training needs a label" "no label" "$LATHE" train "$WORK/ai4i.csv" -o "$WORK/x.safetensors"
expect_fail 2 "say where the model goes" "no output" "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua
expect_fail 2 "refusing a random row split of a time-ordered log" "random split of a time-ordered log" "$LATHE" train datasets/synthetic.csv --rules lua/synthetic.lua --split random -o "$WORK/x.safetensors"
ok $(test ! -e "$WORK/x.safetensors"; echo $?) "no model file after a refusal"
head -c 300 "$WORK/m1.safetensors" >"$WORK/cut.safetensors"
expect_fail 1 "cut.safetensors: not a valid safetensors file" "a truncated model" "$LATHE" eval "$WORK/cut.safetensors" "$WORK/ai4i.csv"
cut -d, -f1-6 "$WORK/ai4i.csv" >"$WORK/narrow.csv"
expect_fail 1 'no column named "Torque \[Nm\]"' "data without the model's columns" "$LATHE" eval "$WORK/m1.safetensors" "$WORK/narrow.csv"
expect_fail 1 "no data row 99999" "diagnose a missing row" "$LATHE" diagnose "$WORK/m1.safetensors" --data "$WORK/ai4i.csv" --row 99999
# No text is cut in silence: the model is as long as the longest training
# text (here 30 facts, past tiny's 64 tokens), a --max-seq that would cut
# one is an error, and a question longer than the model is warned about.
awk 'BEGIN { srand(7); printf "s01"; for (c = 2; c <= 30; c++) printf ",s%02d", c; print ",state"
	for (r = 0; r < 80; r++) { k = r % 3; for (c = 1; c <= 30; c++) printf "%.3f,", (c == 30 ? k : 0) + rand()
		print (k == 0 ? "ok" : k == 1 ? "worn" : "broken") } }' >"$WORK/wide.csv"
run "$LATHE" train "$WORK/wide.csv" --label state --epochs 1 --vocab 150 -o "$WORK/wide.safetensors"
max_seq=$("$LATHE" info --json "$WORK/wide.safetensors" | sed -n 's/.*\\"max_seq\\":\([0-9]*\).*/\1/p' | head -1)
ok $(test "$rc" -eq 0 && test "${max_seq:-0}" -gt 64; echo $?) "a 30-fact text trains whole (max_seq ${max_seq:-?})"
run "$LATHE" train "$WORK/wide.csv" --label state --epochs 1 --vocab 150 --max-seq 32 -o "$WORK/short.safetensors"
ok $(test "$rc" -eq 1 && tail -1 "$WORK/err" | grep -q "^lathe: --max-seq 32 would cut texts: the longest (data row [0-9]*) has [0-9]* tokens" &&
	test ! -e "$WORK/short.safetensors"; echo $?) "a --max-seq that would cut a text is an error naming the length"
# A question is the row it describes: a fact said forty times is one
# fact of one row, as long as the model's own texts.
long=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "torque very high; "; print "tool wear high" }')
run "$LATHE" diagnose "$WORK/m1.safetensors" "$long"
ok $(test "$rc" -eq 0 && head -1 "$WORK/out" | grep -q '^type L; .*; torque very high; tool wear high$' &&
	! grep -q "was cut" "$WORK/err"; echo $?) "a question repeating a fact is read as one row"
# The model learns: on the shipped multi-machine log (three states, split
# by time), two epochs reach a test macro-F1 well above what guessing the
# commonest state gives (about 0.3): 0.81, 0.95 and 0.94 for seeds 1-3. A
# broken label map, data order or gradient falls below the floor.
run "$LATHE" train datasets/synthetic.csv --rules lua/synthetic.lua --epochs 2 --seed 1 --stack -o "$WORK/floor.safetensors"
f1=$(sed -n 's/^model .*test macro-F1 \([0-9.]*\).*/\1/p' "$WORK/out")
ok $(test "$rc" -eq 0 && awk -v f="${f1:-0}" 'BEGIN { exit !(f >= 0.45) }'; echo $?) "the model learns: test macro-F1 ${f1:-?} >= 0.45"
gbdt=$(sed -n "s/^referee: gradient-boosted trees (XGBoost, [0-9]* rounds) on the same rows' readings: .*test macro-F1 \([0-9.]*\)$/\1/p" "$WORK/out")
ok $(awk -v f="${gbdt:-0}" 'BEGIN { exit !(f >= 0.45) }'; echo $?) "the referee, gradient-boosted trees, beside it: test macro-F1 ${gbdt:-?}"
"$LATHE" info --json "$WORK/floor.safetensors" >"$WORK/info.json"
like "$WORK/info.json" 'gbdt.*library.*xgboost.*test_macro_f1' "the model file keeps both scores"
like "$WORK/out" "^stacked: the model blends [0-9]*% encoder" "split by machine, six machines give dev one: --stack weighs the blend"
run "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --ratios 0.9,0,0.1 --epochs 1 --stack -o "$WORK/nodev.safetensors"
like "$WORK/err" "^lathe: warning: --stack: no labelled dev rows to weigh the blend on" "--stack without dev rows says so"
run "$LATHE" diagnose "$WORK/nodev.safetensors" "torque 65"
like "$WORK/out" "^not calibrated: its training split left no dev rows to fit on; P(failure) [0-9.]*%" \
	"without dev rows a diagnosis says it is not calibrated, and alerts from 50%"
run "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 2 --batch 64 --vocab 200 --stack -o "$WORK/stack.safetensors"
like "$WORK/out" "^stacked: the model blends [0-9]*% encoder and [0-9]*% trees (chosen on dev): dev macro-F1 [0-9.]*, test" \
	"--stack: the blend chosen on dev"
run "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --no-values --stack -o "$WORK/words.safetensors"
if grep -q '^stacked: the model blends 100% encoder' "$WORK/out"; then
	echo "ok $((tap_n = tap_n + 1)) - a blended model does not export # SKIP the dev rows chose the encoder alone"
else
	expect_fail 1 "does not export: BERT has no place for the trees" "a blended model does not export" \
		"$LATHE" export "$WORK/words.safetensors" --hf "$WORK/hf"
fi
run "$LATHE" eval "$WORK/floor.safetensors" datasets/synthetic.csv
like "$WORK/out" "^macro-F1 of each part: encoder [0-9.]*, gradient-boosted trees [0-9.]*" "eval shows each part side by side"
"${PYTHON3:-python3}" tests/python/tamper.py "$WORK/floor.safetensors" "$WORK/loop.safetensors" ints gbdt.yes 0
expect_fail 1 "loop.safetensors: model file: trees: node 0 points outside its tree or back" \
	"trees that loop back are refused" "$LATHE" eval "$WORK/loop.safetensors" datasets/synthetic.csv
# An ensemble: two encoders from two seeds in one file, their probabilities averaged.
run train --ensemble 2 -o "$WORK/ens.safetensors"
like "$WORK/out" "^model .*: 2 encoders averaged, the last's best epoch 1 of 1" "--ensemble 2 trains two encoders"
ok $("$LATHE" info "$WORK/ens.safetensors" | grep -q 'ensemble\.2\.embeddings\.word_embeddings\.weight'; echo $?) \
	"the second encoder's tensors sit under ensemble.2."
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --no-stack --seed 42 -o "$WORK/s42.safetensors" >/dev/null 2>&1
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --no-stack --ensemble 2 -o "$WORK/e2.safetensors" >/dev/null 2>&1
"$LATHE" diagnose "$WORK/s42.safetensors" "type L; torque very high" >"$WORK/one" 2>&1
"$LATHE" diagnose "$WORK/e2.safetensors" "type L; torque very high" >"$WORK/two" 2>&1
ok $(test -s "$WORK/two" && ! cmp -s "$WORK/one" "$WORK/two"; echo $?) "the ensemble answers with more than its first encoder"
run train --init "$WORK/pre.safetensors" --ensemble 2 -o "$WORK/ens_ft.safetensors"
like "$WORK/out" "^model .*: 2 encoders averaged" "an ensemble fine-tuned from one pretrained encoder"
run "$LATHE" eval "$WORK/ens.safetensors" "$WORK/ai4i.csv"
ok $(test "$rc" -eq 0 && grep -q '^macro avg' "$WORK/out"; echo $?) "an ensemble evaluates"
expect_fail 1 "an ensemble of 2 encoders does not export" "an ensemble does not export" \
	"$LATHE" export "$WORK/e2.safetensors" --hf "$WORK/hfe"
expect_fail 2 "--ensemble 17: expected a whole number from 1 to 16" "--ensemble beyond 16 is a usage error" \
	"$LATHE" train "$WORK/ai4i.csv" --ensemble 17 -o "$WORK/x.safetensors"
expect_fail 2 "an ensemble of classifiers trains in one go: not with --stop-after" "an ensemble keeps no checkpoint" \
	"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --ensemble 2 --stop-after 3 -o "$WORK/x.safetensors"
ok $(test ! -e "$WORK/x.safetensors"; echo $?) "and writes no model"
done_testing
