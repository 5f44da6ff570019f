#!/bin/sh
# Textualized samples (JSON Lines) as the data of train, pretrain, eval and
# diagnose, and their bad forms.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
head -1501 datasets/ai4i2020.csv >"$WORK/ai4i.csv"
"$LATHE" textualize "$WORK/ai4i.csv" --rules lua/ai4i.lua -o "$WORK/s.jsonl" 2>/dev/null
ok $(test "$(wc -l <"$WORK/s.jsonl")" -eq 1500; echo $?) "textualize writes 1500 samples"
run "$LATHE" train "$WORK/s.jsonl" --epochs 1 --batch 64 --vocab 200 -o "$WORK/m.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/m.safetensors" && grep -q '^no failure  *[0-9]' "$WORK/err"; echo $?) "train on samples"
# The samples keep the split they were made with.
train_rows=$(grep -c '"split":"train"' "$WORK/s.jsonl")
ok $(grep -q "^no failure  *$(grep '"split":"train"' "$WORK/s.jsonl" | grep -c '"label":"no failure"') " "$WORK/err"; echo $?) "the samples' own split is used ($train_rows train rows)"
run "$LATHE" eval "$WORK/m.safetensors" "$WORK/s.jsonl" --json
ok $(test "$rc" -eq 0 && grep -q '"rows": 1500' "$WORK/out"; echo $?) "eval on samples"
run "$LATHE" diagnose "$WORK/m.safetensors" --data "$WORK/s.jsonl" --row 7
ok $(test "$rc" -eq 0 && grep -q '^row 7: ' "$WORK/out"; echo $?) "diagnose a sample by its source row"
# A samples model reads a question as it is typed: one longer than its
# texts is cut, with a warning.
long=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "torque very high; "; print "tool wear high" }')
run "$LATHE" diagnose "$WORK/m.safetensors" "$long"
ok $(test "$rc" -eq 0 && grep -q "^lathe: warning: 1 text longer than the model's [0-9]* tokens was cut" "$WORK/err"; echo $?) \
	"a question longer than the model: a warning"
expect_fail 1 "learned from textualized samples" "a samples model refuses a CSV" "$LATHE" eval "$WORK/m.safetensors" "$WORK/ai4i.csv"
# A value-aware model would score its words alone on samples, not the
# model diagnose runs on the log: refused. A words-only model trained on
# the CSV reads the samples made from it, to the same report.
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 -o "$WORK/v.safetensors" 2>/dev/null >&2
expect_fail 1 "samples carry words only" "a value-aware model refuses samples" "$LATHE" eval "$WORK/v.safetensors" "$WORK/s.jsonl"
expect_fail 1 "samples carry words only" "and diagnose does too" "$LATHE" diagnose "$WORK/v.safetensors" --data "$WORK/s.jsonl" --row 7
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --no-values --no-stack -o "$WORK/c.safetensors" 2>/dev/null >&2
"$LATHE" eval "$WORK/c.safetensors" "$WORK/ai4i.csv" >"$WORK/e1" 2>&1
"$LATHE" eval "$WORK/c.safetensors" "$WORK/s.jsonl" >"$WORK/e2" 2>&1
# (The CSV's readings also give the model's trees a line of their own.)
grep -q '^macro-F1 of each part: ' "$WORK/e1" && head -n -2 "$WORK/e1" >"$WORK/e1.report" || cp "$WORK/e1" "$WORK/e1.report"
ok $(test -s "$WORK/e1" && cmp -s "$WORK/e1.report" "$WORK/e2"; echo $?) "a words-only CSV model gives the same report on its samples"
"$LATHE" train "$WORK/ai4i.csv" --rules lua/ai4i.lua --epochs 1 --batch 64 --vocab 200 --no-values -o "$WORK/b.safetensors" 2>/dev/null >&2
expect_fail 1 "(its trees), and samples carry" "a model blended with trees refuses samples" "$LATHE" eval "$WORK/b.safetensors" "$WORK/s.jsonl"
grep -v '"label":"no failure"' "$WORK/s.jsonl" | sed 's/,"label":"[^"]*"//' >"$WORK/unlabelled.jsonl"
run "$LATHE" pretrain "$WORK/unlabelled.jsonl" --epochs 1 --batch 16 --vocab 200 -o "$WORK/p.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/p.safetensors"; echo $?) "pretrain on unlabelled samples"
printf '{"text":"torque high","label":"a"}\n{"text":"torque low","label":"b"\n' >"$WORK/broken.jsonl"
expect_fail 1 "broken.jsonl:2: " "a broken JSON line" "$LATHE" train "$WORK/broken.jsonl" -o "$WORK/x.safetensors"
printf '{"text":"torque high"}\n{"label":"b"}\n' >"$WORK/notext.jsonl"
expect_fail 1 'notext.jsonl:2: no "text" string' "a sample without text" "$LATHE" pretrain "$WORK/notext.jsonl" -o "$WORK/x.safetensors"
printf '{"text":"torque high","split":"holdout"}\n' >"$WORK/split.jsonl"
expect_fail 1 'split.jsonl:1: "split" is not' "an unknown split" "$LATHE" pretrain "$WORK/split.jsonl" -o "$WORK/x.safetensors"
run "$LATHE" train "$WORK/s.jsonl" --values -o "$WORK/x.safetensors"
ok $(test "$rc" -eq 1 && tail -1 "$WORK/err" | grep -q "^lathe: value-aware facts need a CSV log"; echo $?) "--values on samples is refused"
expect_fail 1 "cleaning rules apply to a CSV log" "cleaning flags on samples" "$LATHE" train "$WORK/s.jsonl" --dedup -o "$WORK/x.safetensors"
ok $(test ! -e "$WORK/x.safetensors"; echo $?) "no model file after any of these"
done_testing
