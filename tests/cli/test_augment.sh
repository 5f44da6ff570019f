#!/bin/sh
# Data augmentation from the command line: each method, determinism per
# seed, dev and test left alone, training with it, and bad input.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
head -1501 datasets/ai4i2020.csv >"$WORK/ai4i.csv"
aug() {
	"$LATHE" augment "$WORK/ai4i.csv" --rules lua/ai4i.lua "$@"
}

run aug --methods synonym,swap,delete,insert,jitter,oversample --seed 3 -o "$WORK/a1.jsonl"
ok $(test "$rc" -eq 0 && grep -q '^class (train)  *before  *after' "$WORK/err"; echo $?) "augment writes samples and the class balance"
for m in synonym swap delete insert jitter oversample; do
	ok $(grep -q "\"method\":\"$m\"" "$WORK/a1.jsonl"; echo $?) "method $m made samples"
done
aug --methods synonym,swap,delete,insert,jitter,oversample --seed 3 -o "$WORK/a2.jsonl" 2>/dev/null
aug --methods synonym,swap,delete,insert,jitter,oversample --seed 4 -o "$WORK/a3.jsonl" 2>/dev/null
ok $(cmp -s "$WORK/a1.jsonl" "$WORK/a2.jsonl" && ! cmp -s "$WORK/a1.jsonl" "$WORK/a3.jsonl"; echo $?) "the same seed gives the same samples, another seed others"
"$LATHE" textualize "$WORK/ai4i.csv" --rules lua/ai4i.lua --seed 3 -o "$WORK/plain.jsonl" 2>/dev/null
grep -v '"split":"train"' "$WORK/plain.jsonl" >"$WORK/plain.held"
grep -v '"split":"train"' "$WORK/a1.jsonl" >"$WORK/a1.held"
ok $(test -s "$WORK/plain.held" && cmp -s "$WORK/plain.held" "$WORK/a1.held"; echo $?) "dev and test are exactly as without augmentation"
ok $(grep '"method"' "$WORK/a1.jsonl" | grep -vq '"split":"train"'; test $? -eq 1; echo $?) "every augmented sample is a training sample"
ok $(grep '"method":"swap"' "$WORK/a1.jsonl" | grep -q '"label":"no failure"'; test $? -eq 1; echo $?) "the most frequent class is left alone by default"
run "$LATHE" textualize "$WORK/ai4i.csv" --rules lua/ai4i.lua --augment delete -o "$WORK/t.jsonl"
ok $(test "$rc" -eq 0 && grep -q '"method":"delete"' "$WORK/t.jsonl"; echo $?) "textualize --augment"
run aug --methods all --preview 2
ok $(test "$rc" -eq 0 && grep -q '^row [0-9]* (' "$WORK/out" && grep -q '^  jitter ' "$WORK/out"; echo $?) "--preview shows samples beside their variants"

# Jittered readings stay inside the physical limits the rules set.
run aug --methods jitter --n 5 --strength jitter=3 --limits "Torque [Nm]=20:60" -o "$WORK/j.jsonl"
ok $(test "$rc" -eq 0 && grep '"method":"jitter"' "$WORK/j.jsonl" | sed 's/.*"Torque \[Nm\]":\([-0-9.e]*\).*/\1/' |
	awk '$1 < 20 || $1 > 60 { bad++ } END { exit bad > 0 || NR == 0 }'; echo $?) "jitter stays within --limits"
ok $(grep '"method":"jitter"' "$WORK/j.jsonl" | sed 's/.*"Rotational speed \[rpm\]":\([-0-9.e]*\).*/\1/' |
	awk '$1 != int($1) { bad++ } END { exit bad > 0 }'; echo $?) "whole-number readings stay whole"

# Training with augmentation, and infill from a pretrained model.
run "$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --augment oversample,swap -o "$WORK/m.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/m.safetensors" && grep -q 'augmented the training split: swap [0-9]* oversample [0-9]*' "$WORK/err"; echo $?) "train --augment"
"$LATHE" pretrain "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 -o "$WORK/pre.safetensors" 2>/dev/null
run aug --methods infill --augment-model "$WORK/pre.safetensors" -o "$WORK/i.jsonl"
ok $(test "$rc" -eq 0 && grep -q '"method":"infill"' "$WORK/i.jsonl"; echo $?) "infill with a pretrained model"
expect_fail 1 "infill needs a model pretrained with masked LM" "infill with a classifier only" aug --methods infill --augment-model "$WORK/m.safetensors"
expect_fail 1 "infill needs a pretrained model" "infill without a model" aug --methods infill

# The user's Lua augmenter.
cat >"$WORK/aug.lua" <<'LUA'
function augment(sample, rng)
  if sample.values["Torque [Nm]"] > 50 then return { sample.text .. "; heavy load", { text = "torque high" } } end
  return sample.text:gsub("high", "raised")
end
LUA
run aug --methods lua --augmenter "$WORK/aug.lua" -o "$WORK/l.jsonl"
ok $(test "$rc" -eq 0 && grep -q '"text":"[^"]*; heavy load","label":"[^"]*","row":[0-9]*,"split":"train","method":"lua"' "$WORK/l.jsonl"; echo $?) "a Lua augmenter's variants"
printf 'function augment(sample, rng)\n  error("no augmenting today")\nend\n' >"$WORK/bad.lua"
expect_fail 1 "bad.lua:2: no augmenting today (augmenting data row [0-9]*)" "a failing Lua augmenter" aug --methods lua --augmenter "$WORK/bad.lua" -o "$WORK/x.jsonl"
printf 'function augment(sample, rng)\n  return 42\nend\n' >"$WORK/num.lua"
expect_fail 1 "num.lua: augment() returned a number where a text belongs" "a Lua augmenter returning a number" aug --methods lua --augmenter "$WORK/num.lua"
expect_fail 1 "ai4i.lua: the lua method needs augment(sample, rng)" "a script without augment()" aug --methods lua --augmenter lua/ai4i.lua
expect_fail 2 "unknown augmentation method 'shuffle'" "an unknown method" aug --methods shuffle
expect_fail 2 "--strength swap=2: expected a number in (0, 1]" "a strength out of range" aug --methods swap --strength swap=2
expect_fail 2 "say which methods" "augment without methods" aug
ok $(test ! -e "$WORK/x.jsonl"; echo $?) "no output file after a failure"

# Other data: the synthetic log in Chinese, and a file the project was not written for.
run "$LATHE" augment datasets/synthetic.csv --rules lua/synthetic.lua --methods synonym,jitter -o "$WORK/zh.jsonl"
ok $(test "$rc" -eq 0 && grep '"method":"synonym"' "$WORK/zh.jsonl" | grep -q '"text":"[^"]*\(非常高\|极高\|过高\|偏高\|较高\|偏低\|较低\|非常低\|极低\|过低\|平稳\|无异常\|在正常范围内\|升高\|增加\|降低\|减少\|急剧\|迅速\|震动\|旋转速度\|工作电流\|压强\)'; echo $?) "Chinese synonyms on the synthetic log"
run "$LATHE" augment tests/data/household_power.txt --fill '*=ffill' --methods jitter,swap -o "$WORK/hp.jsonl"
ok $(test "$rc" -eq 0 && grep -q '"method":"jitter"' "$WORK/hp.jsonl"; echo $?) "an unlabelled log the project was not written for"
done_testing
