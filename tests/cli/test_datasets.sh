#!/bin/sh
# The shipped data and scripts, and CSV shapes the project was not written
# for (blank-separated C-MAPSS, European ";" with decimal commas, a German
# pump log trained, evaluated and diagnosed from the CLI and Lua).
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1

run "$LATHE" info datasets/synthetic.csv --rules lua/synthetic.lua --json
ok $(test "$rc" -eq 0 && grep -q '"紧急停机": ' "$WORK/out" && grep -q '"kind": "flatline"' "$WORK/out"; echo $?) "synthetic: Chinese labels and the stuck sensor"
run "$LATHE" info datasets/synthetic.csv --machine 设备
ok $(test "$rc" -eq 0 && grep -q 'spike' "$WORK/out" && grep -q 'time going back' "$WORK/out"; echo $?) "raw synthetic log: spikes and time going back found"
run "$LATHE" textualize datasets/synthetic.csv --rules lua/synthetic.lua --split time -o "$WORK/syn.jsonl"
ok $(test "$rc" -eq 0 && grep -q '在最近10次读数中' "$WORK/syn.jsonl"; echo $?) "synthetic: window facts in Chinese"
like "$WORK/syn.jsonl" '"label":"紧急停机"' "synthetic: labels kept"

run "$LATHE" run datasets/gen_synthetic.lua "$WORK/eu.csv" 3 200 5 european
ok $rc "generator writes a European variant"
run "$LATHE" info "$WORK/eu.csv"
ok $(test "$rc" -eq 0 && grep -q 'delimiter  ;' "$WORK/out" && grep -q 'decimal comma' "$WORK/out"; echo $?) "';' and decimal comma sniffed"
run "$LATHE" textualize "$WORK/eu.csv" --rules lua/synthetic.lua -o "$WORK/eu.jsonl"
ok $rc "European file through the same rules"

head -300 datasets/train_FD001.txt >"$WORK/fd.txt"
run "$LATHE" info "$WORK/fd.txt" --machine col1 --time col2
ok $(test "$rc" -eq 0 && grep -q 'delimiter  blanks   header no' "$WORK/out" && grep -q 'col26' "$WORK/out" && grep -q 'constant' "$WORK/out"; echo $?) "C-MAPSS: blank-separated, no header, constant sensors found"
run "$LATHE" run lua/cmapss.lua "$WORK/fd.txt" "$WORK/fd.jsonl"
ok $(test "$rc" -eq 0 && grep -q '"label":"critical"' "$WORK/fd.jsonl" && grep -q 'over the last 20 readings' "$WORK/fd.jsonl"; echo $?) "C-MAPSS pipeline: health labels and trends"
# Public logs of other shapes (tests/data/README).
run "$LATHE" info tests/data/household_power.txt --json
ok $(test "$rc" -eq 0 && grep -q '"delimiter": ";"' "$WORK/out" && grep -q '"type": "time"' "$WORK/out" && grep -c '"missing": 1' "$WORK/out" | grep -q 7; echo $?) "household power: ';', day-first dates, '?' missing"
run "$LATHE" textualize tests/data/household_power.txt --split time
ok $(test "$rc" -eq 0 && test "$(wc -l <"$WORK/out")" -eq 7 && grep -q '"text":"global active power' "$WORK/out"; echo $?) "household power textualized"
run "$LATHE" clean tests/data/metropt3_head.csv --sort-time --report
ok $(test "$rc" -eq 0 && head -1 "$WORK/out" | grep -q '^col1,timestamp,TP2'; echo $?) "MetroPT-3: unnamed index column named col1"
run "$LATHE" textualize tests/data/metropt3_head.csv
ok $(test "$rc" -eq 0 && ! grep -q 'col1' "$WORK/out" && grep -q 'oil temperature' "$WORK/out"; echo $?) "MetroPT-3: index column is no fact"
# A labelled log of a shape the project was not written for: a pump log in
# German, ';'-separated with decimal commas, a state column as the label.
awk 'BEGIN {
	srand(7); print "Zeit;Pumpe;Druck;Temperatur;Schwingung;Zustand"
	for (i = 0; i < 900; i++) {
		p = 3 + rand() * 4; t = 40 + rand() * 30; v = rand() * 2
		z = (v > 1.6 || t > 66) ? "Störung" : (p < 3.5 ? "Warnung" : "normal")
		printf "2025-01-%02d %02d:%02d:00;P%d;%.2f;%.1f;%.3f;%s\n", 1 + int(i / 144), int(i / 6) % 24, (i % 6) * 10, i % 3, p, t, v, z
	}
}' | sed 's/\([0-9]\)\.\([0-9]\)/\1,\2/g' >"$WORK/pumpe.csv"
run "$LATHE" train "$WORK/pumpe.csv" --label Zustand --machine Pumpe --epochs 3 --vocab 200 -o "$WORK/pumpe.safetensors"
ok $(test "$rc" -eq 0 && grep -q 'split 80/10/10 by machine' "$WORK/err" && grep -q '^Störung ' "$WORK/err"; echo $?) "an unfamiliar labelled log trains (split by machine)"
run "$LATHE" eval "$WORK/pumpe.safetensors" "$WORK/pumpe.csv"
ok $(test "$rc" -eq 0 && grep -q '^Warnung ' "$WORK/out" && grep -q '^accuracy' "$WORK/out"; echo $?) "... evaluates"
run "$LATHE" diagnose "$WORK/pumpe.safetensors" --data "$WORK/pumpe.csv" --row 5
ok $(test "$rc" -eq 0 && grep -q '^row 5: ' "$WORK/out" && grep -q 'Störung *[0-9.]*%' "$WORK/out"; echo $?) "... diagnoses a row"
run "$LATHE" pretrain "$WORK/pumpe.csv" --machine Pumpe --epochs 1 --vocab 200 -o "$WORK/pumpe-pre.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/pumpe-pre.safetensors"; echo $?) "... pretrains"
printf 'local lathe = require "lathe"\nlocal r = lathe.train(arg[1], { label = "Zustand", machine = "Pumpe", output = arg[2], epochs = 2, vocab = 200 })\nlocal m = lathe.load_model(arg[2])\nassert(m:eval(arg[1]).rows == 900)\nprint(r.best_epoch)\n' >"$WORK/pumpe.lua"
run "$LATHE" run "$WORK/pumpe.lua" "$WORK/pumpe.csv" "$WORK/pumpe-lua.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/pumpe-lua.safetensors"; echo $?) "... and the same from Lua"
done_testing
