#!/bin/sh
# Whole diagnoses: evidence that finds the cause, questions read as the
# rows they describe, calibration, alerts, advice and work orders.
. "$srcdir/tests/lib.sh"
cd "$srcdir" || exit 1
# One column alone decides the state: a above 0.6 is a fault. The rest
# are noise.
awk 'BEGIN { srand(3); print "a,b,c,d,state"
	for (i = 0; i < 2000; i++) { a = rand(); printf "%.4f,%.4f,%.4f,%.4f,%s\n", a, rand(), rand(), rand(), (a > 0.6 ? "fault" : "ok") } }' >"$WORK/one.csv"
run "$LATHE" train "$WORK/one.csv" --label state --epochs 2 --vocab 150 -o "$WORK/one.safetensors"
ok $rc "train on a log where one column decides"
# The test rows, by the split the training made (textualize makes the same).
"$LATHE" textualize "$WORK/one.csv" --label state -o "$WORK/one.jsonl" 2>/dev/null
sed -n 's/.*"row":\([0-9]*\),"split":"test".*/\1/p' "$WORK/one.jsonl" | sort >"$WORK/test_rows"
"$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/one.csv" --json --no-advice >"$WORK/all.jsonl" 2>/dev/null
"$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/one.csv" --json --no-advice --no-evidence >"$WORK/bare.jsonl" 2>/dev/null
sed 's/"evidence":\[[^]]*\]/"evidence":[]/' "$WORK/all.jsonl" >"$WORK/all_bare.jsonl"
ok $(test "$(wc -l <"$WORK/bare.jsonl")" -eq 2000 && ! grep -q '"evidence":\[{' "$WORK/bare.jsonl" && cmp -s "$WORK/bare.jsonl" "$WORK/all_bare.jsonl"; echo $?) \
	"--no-evidence: every row's diagnosis but the evidence, the same"
# (a diagnosis gives its row before its evidence, and its cases' rows after)
sed -n 's/^{.*"row":\([0-9]*\),.*"evidence":\[{"fact":"\([^"]*\)".*/\1 \2/p' "$WORK/all.jsonl" | sort >"$WORK/top"
tests=$(wc -l <"$WORK/test_rows")
first=$(join "$WORK/test_rows" "$WORK/top" | awk '$2 == "a"' | wc -l)
ok $(test "$tests" -ge 150 && test $((first * 100)) -ge $((tests * 95)); echo $?) \
	"the deciding column's fact ranks first in the evidence for 95% of test rows ($first of $tests)"
# A question with a row's readings is that row.
row=$(sed -n 8p "$WORK/one.csv")
q=$(echo "$row" | awk -F, '{ printf "a %s; b %s; c %s; d %s", $1, $2, $3, $4 }')
"$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/one.csv" --row 7 --json --no-advice |
	sed 's/.*"probabilities":\({[^}]*}\).*/\1/' >"$WORK/p_row"
"$LATHE" diagnose "$WORK/one.safetensors" "$q" --json --no-advice | sed 's/.*"probabilities":\({[^}]*}\).*/\1/' >"$WORK/p_question"
ok $(test -s "$WORK/p_row" && cmp -s "$WORK/p_row" "$WORK/p_question"; echo $?) "a question with a row's readings gets the row's probabilities"
# Left-out facts are assumed and said so; unknown ones are named.
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.9; vibration high; b sky high"
ok $(test "$rc" -eq 0 && grep -q 'note: c: not given; assumed 0\.[0-9]*, the median of the training rows' "$WORK/out" &&
	grep -q 'note: "vibration high": the model knows no such fact' "$WORK/out" &&
	grep -q 'note: "b sky high": b takes a reading or one of its levels (very low, low, normal, high, very high)' "$WORK/out"; echo $?) \
	"assumed and unknown facts are named"
ok $(grep -q '^ *+0\.[0-9]*  a high  *0\.9$' "$WORK/out" && grep -q '^why: «a high»; b normal; c normal; d normal$' "$WORK/out" && grep -q '^similar past cases' "$WORK/out" &&
	grep -q '^calibrated on [0-9]* dev rows' "$WORK/out"; echo $?) "a question's answer has evidence, similar cases and calibration"
# A level word is read as the number its note shows (this model's "very
# low" middle is 4.45 in the display, 4.450000000000001 computed).
run "$LATHE" diagnose tests/fuzz/corpus/model/lora_adapters "tool wear very low"
ok $(grep -q '^  note: tool wear very low: read as 4\.45, the middle' "$WORK/out" &&
	grep -q '^ *[-+]0\.[0-9]*  tool wear very low  *4\.45$' "$WORK/out"; echo $?) "a level word's reading is the number its note shows, in the evidence too"
run "$LATHE" diagnose "$WORK/one.safetensors" "a 7.5"
ok $(grep -q '^  a 7.5 is outside the training range 0' "$WORK/out"; echo $?) "a reading outside the training range is flagged"
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --neighbors 2 --json
ok $(test "$(grep -o '"similarity"' "$WORK/out" | wc -l)" -eq 2; echo $?) "--neighbors sets how many cases"
# Calibration: eval shows the error before and after, and the alert
# threshold's recall and false alarms.
run "$LATHE" eval "$WORK/one.safetensors" "$WORK/one.csv" --json
ok $(grep -q '"ece_before"' "$WORK/out" && grep -q '"false_alarms_per_1000"' "$WORK/out"; echo $?) "eval --json reports calibration and alerts"
run "$LATHE" eval "$WORK/one.safetensors" "$WORK/one.csv" --cost-miss 100
ok $(grep -q '^calibration: expected calibration error' "$WORK/out" && grep -q '^alert threshold at costs 100 ' "$WORK/out"; echo $?) \
	"eval prints the reliability table and the threshold of the costs given"
# Work orders: the alerts of a log, each with its diagnosis; the rest counted.
# (without the evidence, which the printable order below shows)
run "$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/one.csv" --work-order "$WORK/orders.json" --no-evidence -o "$WORK/d.csv"
alerts=$(awk -F, 'NR > 1 && $6 == 1' "$WORK/d.csv" | wc -l)
orders=$(grep -c '"id": "WO-' "$WORK/orders.json")
ok $(test "$rc" -eq 0 && test "$alerts" -gt 100 && test "$orders" -eq "$alerts" &&
	grep -q "\"suppressed\": $((2000 - alerts))," "$WORK/orders.json" &&
	grep -q "^lathe: $alerts work orders written to .*; $((2000 - alerts)) diagnoses below the alert threshold" "$WORK/err"; echo $?) \
	"a work order for each of the $alerts alerts, the rest counted as suppressed"
first_row=$(awk -F, 'NR > 1 && $6 == 1 { print $1; exit }' "$WORK/d.csv")
first_pred=$(awk -F, 'NR > 1 && $6 == 1 { print $3; exit }' "$WORK/d.csv")
ok $(grep -A3 "\"predicted\": \"$first_pred\"" "$WORK/orders.json" | head -1 | grep -q . &&
	grep -q "\"id\": \"WO-$first_row\"" "$WORK/orders.json"; echo $?) "orders carry the rows' real predictions"
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.95" --work-order "$WORK/order.txt"
ok $(grep -q '^==== WO-Q1 ====' "$WORK/order.txt" && grep -q '^diagnosis:  fault' "$WORK/order.txt" &&
	grep -A1 '^evidence:$' "$WORK/order.txt" | grep -q '^  +0\.[0-9]*  a \(very \)\?high (0\.95)$'; echo $?) "a printable work order, the deciding fact first in its evidence"
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.1" --work-order "$WORK/none.txt"
ok $(grep -q '^0 orders; 1 diagnosis below' "$WORK/none.txt"; echo $?) "no order below the threshold"
# Advice: the user's own before the shipped; bad files are one-line errors.
cat >"$WORK/advice.lua" <<'LUA'
return {
  { label = "fault", when = function(d) return d.readings.a > 0.8 end, action = "Stop line 3", urgency = "critical",
    parts = { "valve" } },
  { label = "fault", when = { "a high" }, action = "Inspect a", urgency = "high" },
}
LUA
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.95" --advice "$WORK/advice.lua"
ok $(grep -q '^advice (advice.lua entry 1, urgency critical):' "$WORK/out" && grep -q '^  Stop line 3' "$WORK/out" &&
	grep -q '^  parts: valve' "$WORK/out"; echo $?) "a user's advice file: a when() function"
run "$LATHE" diagnose "$WORK/one.safetensors" "a 0.78" --advice "$WORK/advice.lua"
ok $(grep -q '^  Inspect a' "$WORK/out" && ! grep -q 'Stop line 3' "$WORK/out"; echo $?) "... and fact phrases"
echo 'return { { label = "fault", action = "x", urgency = "soon" } }' >"$WORK/bad1.lua"
expect_fail 1 'bad1.lua: entry 1: urgency must be low, medium, high or critical' "an unknown urgency" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --advice "$WORK/bad1.lua"
echo 'return { { label = "fault", action = "x", when = function() while true do end end } }' >"$WORK/bad2.lua"
expect_fail 1 'instruction limit exceeded' "an endless when() is stopped" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --advice "$WORK/bad2.lua"
echo 'return { { label = "fault", action = "x", when = function() return os.exit() end } }' >"$WORK/bad3.lua"
expect_fail 1 "bad3.lua:1: .*os" "an advice file has no os" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --advice "$WORK/bad3.lua"
echo 'return {' >"$WORK/bad4.lua"
expect_fail 1 "bad4.lua:[0-9]*: unexpected symbol" "a syntax error names the file and line" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --advice "$WORK/bad4.lua"
expect_fail 1 "missing.lua" "a missing advice file" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --advice "$WORK/missing.lua"
expect_fail 2 "cost-miss 0: expected a number" "a cost must be positive" \
	"$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --cost-miss 0
expect_fail 1 "the question is not valid UTF-8 (byte 3)" "a question of invalid UTF-8" \
	"$LATHE" diagnose "$WORK/one.safetensors" "$(printf 'a \377')" --json
expect_fail 2 "row needs --data" "--row without --data" "$LATHE" diagnose "$WORK/one.safetensors" "a 0.9" --row 3
# Drift: a log whose deciding column moved is flagged there first.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $1 = $1 + 0.5; print }' "$WORK/one.csv" >"$WORK/moved.csv"
run "$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/moved.csv" --drift
ok $(test "$rc" -eq 0 && sed -n 3p "$WORK/out" | grep -q '^a  *[0-9.]*  *[0-9.]*%  major shift$' &&
	grep -q '^b  *0\.0[0-9]*  *[0-9.]*%  stable$' "$WORK/out"; echo $?) "--drift: the moved column first, a major shift; the others stable"
run "$LATHE" diagnose "$WORK/one.safetensors" --data "$WORK/moved.csv" --drift --json
ok $(grep -q '"verdict": "major shift"' "$WORK/out"; echo $?) "--drift --json"
expect_fail 2 "drift needs --data" "--drift without --data" "$LATHE" diagnose "$WORK/one.safetensors" "a 1" --drift
# The fleet: machines whose recent rows turned to faults rank first.
awk 'BEGIN { srand(5); print "machine,a,b,state"
	for (i = 0; i < 1600; i++) { m = "M" (i % 4); late = i >= 1200
		a = (m == "M2" && late) ? 0.7 + 0.3 * rand() : (m == "M0" ? 0.9 * rand() : 0.6 * rand())
		printf "%s,%.4f,%.4f,%s\n", m, a, rand(), (a > 0.6 ? "fault" : "ok") } }' >"$WORK/fleet.csv"
run "$LATHE" train "$WORK/fleet.csv" --label state --machine machine --split stratified --epochs 1 --vocab 150 -o "$WORK/fleet.safetensors"
run "$LATHE" diagnose "$WORK/fleet.safetensors" --data "$WORK/fleet.csv" --summary
ok $(test "$rc" -eq 0 && sed -n 3p "$WORK/out" | grep -q '^M2  *400  *100  *[0-9.]*%  *+[0-9.]*%  *fault' &&
	sed -n 4p "$WORK/out" | grep -q '^M0 '; echo $?) "--summary: the machine turning to faults first, then the one with some"
# The shipped model: evidence, similar cases, a calibrated probability and
# advice for a question, out of the box.
run "$LATHE" diagnose models/ai4i-tiny.safetensors "type L; torque 65 Nm; tool wear 210; rotational speed 1300"
ok $(test "$rc" -eq 0 && grep -q '^calibrated on 1000 dev rows' "$WORK/out" && grep -q '^evidence for ' "$WORK/out" &&
	grep -q '^similar past cases' "$WORK/out" && grep -q '^advice (advice.lua entry' "$WORK/out"; echo $?) \
	"the shipped model answers a question with evidence, cases, calibration and advice"
done_testing
