#!/bin/sh
# One split policy for every command: what textualize, augment and train
# say and do with the same log agree. And the class balance of a log whose
# classes tie, and the leakage warning, name what the model really sees.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1

# A time-ordered log with machines: split by machine, everywhere, said so.
syn="datasets/synthetic.csv --rules lua/synthetic.lua"
run "$LATHE" textualize $syn -o "$WORK/t.jsonl"
grep '^lathe: note: split ' "$WORK/err" >"$WORK/note.textualize"
ok $(grep -q 'split 80/10/10 by machine (a time-ordered log' "$WORK/note.textualize"; echo $?) "textualize splits a time-ordered log by machine, and says so"
run "$LATHE" augment $syn --methods synonym -o "$WORK/a.jsonl"
grep '^lathe: note: split ' "$WORK/err" >"$WORK/note.augment"
ok $(cmp -s "$WORK/note.textualize" "$WORK/note.augment"; echo $?) "augment says the same split"
grep -v '"method"' "$WORK/a.jsonl" >"$WORK/a.plain"
ok $(cmp -s "$WORK/t.jsonl" "$WORK/a.plain"; echo $?) "and makes it: its samples and splits are textualize's"
run "$LATHE" train $syn --epochs 1 --stop-after 1 --batch 16 --vocab 200 -o "$WORK/m.safetensors"
grep '^lathe: note: split ' "$WORK/err" >"$WORK/note.train"
ok $(cmp -s "$WORK/note.textualize" "$WORK/note.train"; echo $?) "train says the same split"
# train's class counts per part are those of textualize's samples
for part in train dev test; do
	grep "\"split\":\"$part\"" "$WORK/t.jsonl" | sed 's/.*"label":"\([^"]*\)".*/\1/' | sort | uniq -c |
		awk '{ print $2, $1 }' >"$WORK/count.$part"
done
awk '/^class  *train  *dev  *test/ { on = 1; next } on && NF == 4 { print $1, $2 > w "/train.c"; print $1, $3 > w "/dev.c"; print $1, $4 > w "/test.c" } on && NF != 4 { on = 0 }' w="$WORK" "$WORK/err"
for part in train dev test; do
	grep -v ' 0$' "$WORK/$part.c" | sort >"$WORK/$part.t"
	sort "$WORK/count.$part" >"$WORK/$part.s"
done
ok $(test -s "$WORK/train.t" && cmp -s "$WORK/train.t" "$WORK/train.s" && cmp -s "$WORK/dev.t" "$WORK/dev.s" && cmp -s "$WORK/test.t" "$WORK/test.s"; echo $?) "train's class counts per part are textualize's"
expect_fail 2 "refusing a random row split of a time-ordered log" "textualize refuses a random split of it too" "$LATHE" textualize $syn --split random -o "$WORK/x.jsonl"
ok $(test ! -e "$WORK/x.jsonl"; echo $?) "and writes nothing"
run "$LATHE" textualize $syn --split random --force -o "$WORK/x.jsonl"
ok $(test "$rc" -eq 0 && grep -q 'split 80/10/10 at random (as asked)' "$WORK/err"; echo $?) "--force allows it, and the note says so"
head -1001 datasets/ai4i2020.csv >"$WORK/ai4i.csv"
run "$LATHE" textualize "$WORK/ai4i.csv" --rules lua/ai4i.lua -o "$WORK/x.jsonl"
ok $(grep -q 'split 80/10/10 stratified by label' "$WORK/err"; echo $?) "a log without time is stratified by label"

# Ten classes of 40 rows each: none is the majority, so all vary.
awk 'BEGIN { srand(7); print "a,b,code,fault"
	for (i = 0; i < 400; i++) { k = i % 10; printf "%.3f,%.3f,C%d,f%d\n", k + rand() * 3, rand() * 5, k, k } }' >"$WORK/balanced.csv"
run "$LATHE" augment "$WORK/balanced.csv" --label fault --methods synonym -o "$WORK/b.jsonl"
ok $(test "$rc" -eq 0 && test "$(awk '/^f[0-9] / && $3 > $2' "$WORK/err" | wc -l)" -eq 10; echo $?) "a balanced log: every one of ten classes is varied"
# Eight classes tied for the most rows are all left alone; the two with
# half as many vary.
awk -F, 'NR == 1 || ($4 != "f0" && $4 != "f1") || ++n[$4] % 2' "$WORK/balanced.csv" >"$WORK/tied.csv"
run "$LATHE" augment "$WORK/tied.csv" --label fault --methods synonym -o "$WORK/b.jsonl"
ok $(test "$(awk '/^f[0-9] / && $3 == $2 { print $1 }' "$WORK/err" | sort | tr '\n' ' ')" = "f2 f3 f4 f5 f6 f7 f8 f9 "; echo $?) "classes tied for the most rows are all left alone"

# The leakage warning names only what the texts say.
run "$LATHE" train "$WORK/balanced.csv" --label fault --epochs 1 --stop-after 1 -o "$WORK/l.safetensors"
ok $(grep -q 'column "code" alone predicts the label' "$WORK/err"; echo $?) "a column that gives the label away is warned about"
run "$LATHE" train "$WORK/balanced.csv" --label fault --exclude code --epochs 1 --stop-after 1 -o "$WORK/l.safetensors"
ok $(test "$rc" -eq 0 && ! grep -q 'leakage' "$WORK/err"; echo $?) "but not once the texts leave it out"
done_testing
