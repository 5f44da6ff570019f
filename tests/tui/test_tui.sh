#!/bin/sh
# The workbench, driven in tmux as a user would: keys in, the screen read
# back (capture-pane).
. "$srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 - the workbench # SKIP tmux not installed"
	done_testing
	exit 0
fi
cd "$srcdir" || exit 1
export TMUX_TMPDIR="$WORK"
trap 'tmux kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
screen() { tmux capture-pane -p -t "$session"; }
# Waits up to 15 s (sanitizer builds on a busy machine are slow), or the
# tenths of a second given, for the screen to show a pattern.
wait_for() {
	i=0
	while [ $i -lt "${2:-150}" ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	screen | sed 's/^/#   /' >&2
	return 1
}
# Whether the screen shows a pattern now (else it goes to the log).
shows() {
	screen | grep -q -- "$1" && return 0
	echo "# not on the screen: $1" >&2
	screen | sed 's/^/#   /' >&2
	return 1
}
# The same for a message printed after the workbench has closed: a long
# path may wrap it, so the wrapped lines are joined first.
said() {
	tmux capture-pane -p -J -t "$session" | grep -q -- "$1" && return 0
	echo "# not said: $1" >&2
	screen | sed 's/^/#   /' >&2
	return 1
}
# Braille plot cells (U+2801..U+28FF), as bytes; waits as wait_for does.
wait_for_plot() {
	dots=$(printf '\342[\240\241\242\243]')
	i=0
	while [ $i -lt "${1:-150}" ]; do
		screen | LC_ALL=C grep -q "$dots" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
keys() { tmux send-keys -t "$session" "$@"; }
runs=0
# A new session starts before the last one ends, so the tmux server never
# runs out of sessions and exits under the next one.
start() {
	last=${session:-}
	runs=$((runs + 1))
	session=lathe-test-$$-$runs
	tmux new-session -d -s "$session" -x "$1" -y "$2" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME='$WORK/state' XDG_CONFIG_HOME='$WORK/config' LATHE_DATA_DIR='$srcdir' '$LATHE' $3; echo EXIT=\$?; sleep 60"
	[ -z "$last" ] || tmux kill-session -t "$last" 2>/dev/null
}

start 100 30 ""
ok $(wait_for 'row 1 of 10000' && screen | grep -q '^ lathe  1 Data  2 Clean  3 Text  4 Augment  5 Train  6 Diagnose' && screen | grep -q '^row  *UDI  *Product ID'; echo $?) "no file: the shipped data in the grid, header frozen"
keys '/' && sleep 0.2 && keys 'torque > 60 and type == "L"' Enter
ok $(wait_for '145 of 10000 rows match torque > 60 and type == "L"'; echo $?) "a Lua filter over the grid"
keys j
ok $(wait_for 'row 2 of 145 (filtered)'; echo $?) "the cursor moves within the filtered rows"
keys End Left Left Left Left Left Left Left Left
ok $(wait_for '^Torque \[Nm\]  number  missing 0  min 60\.[0-9]*  mean [67][0-9.]*  max [0-9.]*  distinct [0-9]*  (shown rows)'; echo $?) "min, mean and max follow the filter, as the histogram does"
keys Home
keys '/' && sleep 0.2 && keys C-u 'torq > 1' Enter
ok $(wait_for "unknown name 'torq'" && screen | grep -q 'row 2 of 145'; echo $?) "a bad filter is an error on the status line; the view stays"
keys '/' && sleep 0.2 && keys C-u Enter
ok $(wait_for 'row 1 of 10000$' || wait_for 'row 1 of 10000 '; echo $?) "an empty filter shows every row"
keys End Left Left Left Left Left Left Left Left s
ok $(wait_for 'sorted by Torque \[Nm\]' && shows '^Torque \[Nm\]  number  missing 0  min 3.8'; echo $?) "sort by a column; its summary below"
keys g && sleep 0.2 && keys 2222 Enter
ok $(wait_for '^2222 '; echo $?) "go to a data row"
keys f && sleep 0.2 && keys C-u 'L47181' Enter
ok $(wait_for '^2  *L47181'; echo $?) "f finds a text in the shown cells"
keys n
ok $(wait_for '^2  *L47181'; echo $?) "n goes on to the next match (here the only one: it stays)"
keys End Left Left Left Left Left Left Left Left p
ok $(wait_for_plot && wait_for 'Torque \[Nm\] over the shown rows: 10000 readings of 10000 shown rows' && wait_for 'row 10000'; echo $?) "p plots the cursor's column over the rows"
keys x
ok $(wait_for '^row  *Torque' && wait_for 'sorted by Torque'; echo $?) "any key closes the plot"
keys '?'
ok $(wait_for 'Help (any key closes)' && screen | grep -q 'filter by a Lua expression'; echo $?) "? shows the screen's help"
keys x
tmux resize-window -t "$session" -x 80 -y 24
ok $(wait_for '^row   Torque \[Nm\] Tool wear' && test "$(screen | wc -l)" -eq 24 && wait_for 'q quit$'; echo $?) "resized to 80x24"
tmux resize-window -t "$session" -x 200 -y 60
ok $(wait_for 'RNF failure' && test "$(screen | wc -l)" -eq 60 && wait_for 'q quit$'; echo $?) "resized to 200x60: every column shows"
printf 'function clean(row)\n  return row.nope.x\nend\n' >"$WORK/broken.lua"
keys ':' && sleep 0.2 && keys "rules $WORK/broken.lua" Enter
ok $(wait_for 'broken.lua:2: attempt to index a nil value' && screen | grep -q 'row '; echo $?) "a broken rules script: its error with file and line, the workbench alive"
keys 2
ok $(wait_for 'rules script .*ai4i.lua, defining label()' && shows 'label() in ai4i.lua  *0  *10000' && shows '^ failure  *(new column)  *no failure'; echo $?) "Clean: the rules with their counts, a row before and after"
keys r C-u "$WORK/broken.lua" Enter
ok $(wait_for 'broken.lua:2: attempt to index a nil value' && shows 'rules script .*ai4i.lua'; echo $?) "Clean: a broken script is refused with its line; the old rules stay"
keys 3
ok $(wait_for '^ Torque \[Nm\]  *[0-9.]*  *torque  *[a-z ]*: [0-9.]* | ' && shows '^ text' && shows '^   \[CLS\] type ' && shows '^   no failure  *9661'; echo $?) "Text: each fact with its cell and cuts, the text, its tokens, the labels"
ok $(shows 'split 80/10/10 stratified by label (rows apart'; echo $?) "Text: the split, as every command says it"
keys j j j j e C-u '1000,1200,1300,1400' Enter
ok $(wait_for 'torque  *very low: 1000 | 1200 | 1300 | 1400' && shows 'torque very low;'; echo $?) "Text: edited thresholds change the text at once"
keys w
ok $(wait_for 'wording zh' && shows '扭矩\|torque很低'; echo $?) "Text: the Chinese wording pack"
keys b
ok $(wait_for 'binning z-score'; echo $?) "Text: z-score binning"
keys 4
ok $(wait_for 'class (train)  *before  *after' && shows '^  synonym  ' && shows '^  jitter  ' && shows '^ data row [0-9]* ([^n]'; echo $?) "Augment: a rare-class sample beside its variants, and the balance"
keys j j j x
ok $(wait_for '\[x\] insert' && shows '^  insert  '; echo $?) "Augment: a method turned on makes its variant"
keys ' '
ok $(wait_for 'seed 43'; echo $?) "Augment: space regenerates"
keys 6
ok $(wait_for 'diagnose>' && shows 'ai4i-tiny.safetensors'; echo $?) "Diagnose: a prompt with the shipped model"
keys 'torque very high, tool wear high' Enter
ok $(wait_for '^ predicted ' && shows '^   no failure  *[0-9.]*%' && test "$(screen | grep -c '^   .*[0-9.]*%')" -ge 5; echo $?) "Diagnose: free text gets every class's probability as a bar"
keys 'row 51' Enter
ok $(wait_for '^ data row 51: type L' && shows '^ predicted [A-Za-z ]*, actual PWF'; echo $?) "Diagnose: row N, predicted and actual"
keys 'type L; torque 65 Nm; tool wear 210' Enter
ok $(wait_for '^    +0\.[0-9]*  torque very high  *65$' && wait_for '^ predicted [A-Za-z ]*$' &&
	shows '^   row [0-9]*  .* similar' && shows '^ advice (advice.lua entry [0-9]*, urgency' &&
	shows '^ calibrated on 1000 dev rows'; echo $?) "Diagnose: a question with readings gets evidence, similar cases, calibration and advice"
keys PPage
ok $(wait_for '^ read as: type L; air temperature normal; .*torque very high; tool wear very high' &&
	shows 'note: air temperature: not given; assumed'; echo $?) "Diagnose: what was read and what assumed"
keys NPage "order $WORK/wo.txt" Enter
ok $(wait_for "work order written to $WORK/wo.txt" && grep -q '^==== WO-Q1 ====' "$WORK/wo.txt"; echo $?) "Diagnose: order FILE writes the alert's work order"
keys 'type L; torque 40; tool wear 20' Enter C-o
ok $(wait_for 'no work order: P(failure) [0-9.]*% is below the alert threshold'; echo $?) "Diagnose: Ctrl-O writes none below the threshold"
keys 'costs 1 50' Enter
ok $(wait_for 'a missed failure costs 1, a false alarm 50: alert from P(failure) [0-9.]*%' &&
	shows 'on the 1000 dev rows: recall [0-9.]*, [0-9.]* false alarms per 1,000 rows'; echo $?) "Diagnose: costs sets the alert threshold"
keys 'costs x' Enter
ok $(wait_for 'costs MISS FALSE_ALARM: two positive numbers'; echo $?) "Diagnose: costs refuses a bad value"
keys 'where torque > 65 and type == "L"' Enter
ok $(wait_for 'rows where torque > 65 and type == "L"' && shows 'the model agrees with the label on'; echo $?) "Diagnose: where EXPR lists the matching rows"
# Questions about the log: the counts agree with the texts' labels.
hdf_l=$("$LATHE" textualize datasets/ai4i2020.csv --rules lua/ai4i.lua 2>/dev/null | grep '"label":"HDF"' | grep -c '"text":"type L')
keys 'count where label == "HDF" by type' Enter
ok $(wait_for 'count where label == "HDF" by type: [0-9]* of 10000 rows' && shows "^   L  *$hdf_l\$"; echo $?) \
	"Diagnose: count where ... by ... counts the log's rows ($hdf_l HDF of type L)"
keys 'mean torque where predicted == "OSF"' Enter
ok $(wait_for 'mean torque where predicted == "OSF": [0-9.]* over [0-9]* rows'; echo $?) "Diagnose: mean EXPR where predicted == ..."
keys 'fleet' Enter
ok $(wait_for '^ (the whole log)  *10000  *2500 '; echo $?) "Diagnose: fleet ranks the log's machines by risk"
keys 'where torq > 1' Enter
ok $(wait_for "unknown name 'torq'"; echo $?) "Diagnose: a bad filter is answered with its error"
keys 'w' Tab
ok $(wait_for '^ wear  where$'; echo $?) "Diagnose: one Tab lists the completions"
ok $(! screen | grep -q 'Tab next\|? help  q quit'; echo $?) "Diagnose: the footer offers no key that would type into the prompt"
keys C-u
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do keys PPage; done
ok $(wait_for '^ > torque very high, tool wear high'; echo $?) "Diagnose: PgUp scrolls back to the first answer"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do keys NPage; done
ok $(wait_for "unknown name 'torq'"; echo $?) "Diagnose: PgDn comes back to the newest"
keys C-u Escape q
ok $(wait_for 'EXIT=0' && grep -qx 'row 51' "$WORK/state/lathe/history"; echo $?) "Esc q quits from the prompt; the history is kept"

# The session as a pipeline: filter, a wording, saved, replayed in batch.
start 110 34 ""
wait_for 'row 1 of 10000' >/dev/null
keys '/' && sleep 0.2 && keys 'torque > 60 and type == "L"' Enter
wait_for '145 of 10000' >/dev/null
keys 3 w
ok $(wait_for 'wording zh' && shows '^   type为L；'; echo $?) "a text setting is a step"
shown=$(screen | sed -n 's/^   \(type为L；.*\)$/\1/p' | head -1)
keys ':' && sleep 0.2 && keys "save-pipeline $WORK/session.lua" Enter
ok $(wait_for "wrote .*session.lua" && (cd "$WORK" && "$LATHE" run session.lua session.jsonl >/dev/null 2>&1) &&
	grep -q '^local data = \[==\[/' "$WORK/session.lua" &&
	test "$(wc -l <"$WORK/session.jsonl")" -eq 145 && grep -qF "\"text\":\"$shown\"" "$WORK/session.jsonl"; echo $?) ":save-pipeline: lathe run replays the session to the same texts, from any directory"
keys ':' && sleep 0.2 && keys "save $WORK/view.csv" Enter
ok $(wait_for "wrote 145 rows to" && test "$(wc -l <"$WORK/view.csv")" -eq 146; echo $?) ":save writes the shown rows"
keys u
ok $(wait_for 'undone: wording zh' && shows 'wording en'; echo $?) "u undoes the last step"
keys u 1
ok $(wait_for 'row [0-9]* of 10000$'; echo $?) "and the one before: the filter"
keys q
wait_for 'EXIT=0' >/dev/null

# Training beside the screen, on a slice of the log.
head -1201 datasets/ai4i2020.csv >"$WORK/slice.csv"
start 110 40 "$WORK/slice.csv"
wait_for 'row 1 of 1200' >/dev/null
keys ':' && sleep 0.2 && keys "rules $srcdir/lua/ai4i.lua" Enter
wait_for 'rules .*ai4i.lua' >/dev/null
keys 5
ok $(wait_for 'save to  *slice.safetensors'; echo $?) "Train: the model is named after the log"
keys j j Enter && sleep 0.2 && keys C-u 3 Enter
keys j j j Enter && sleep 0.2 && keys C-u "$WORK/tui.safetensors" Enter
ok $(wait_for 'save to  *.*tui.safetensors' && shows 'epochs  *3' && shows 'device  *CPU' && shows 'precision  *auto (\(bf16\|fp32: no bf16 units\) here)'; echo $?) "Train: the form, the precision by the processor"
keys j j j Enter
ok $(wait_for 'precision  *fp32 *$'; echo $?) "Train: Enter switches the precision"
keys k Enter
ok $(wait_for '\(the CPU only: \|device  *cuda:0 \)'; echo $?) "Train: Enter on the device offers the GPUs, or says why there are none"
# back to the CPU, where the rest of the test trains
i=0
while ! shows 'device  *CPU' && [ $i -lt 9 ]; do
	keys Enter
	sleep 0.3
	i=$((i + 1))
done
# a pretrained model to start from, LoRA, a teacher: checked as typed,
# and passed to the training, which says what it lacks
keys j j Enter && sleep 0.2 && keys C-u "$WORK/none.safetensors" Enter
ok $(wait_for 'none.safetensors: No such file or directory' && shows 'start from  *scratch'; echo $?) "Train: a model to start from that is not there is said at once"
keys j Enter && sleep 0.2 && keys C-u 4 Enter
ok $(wait_for 'LoRA rank  *4 (adapters on the pretrained model)'; echo $?) "Train: a LoRA rank"
keys s
ok $(wait_for 'LoRA adapts one pretrained encoder (--init) in one go: not with no --init'; echo $?) "Train: LoRA without a model to start from is refused, with the reason"
keys Enter && sleep 0.2 && keys C-u 0 Enter
ok $(wait_for 'LoRA rank  *off'; echo $?) "Train: LoRA off again"
keys s
ok $(wait_for '^ training epoch [0-9]/3  step [0-9]*/[0-9]*  loss'; echo $?) "Train: training runs in the background"
keys p
ok $(wait_for '^ paused  epoch'; echo $?) "Train: pause"
keys q
ok $(wait_for 'training runs: stop it (with a checkpoint) and quit? y/n'; echo $?) "q asks while training runs"
keys n p
# Training ends with the referee's trees: on a loaded machine that takes
# a while, so the wait is long (it ends as soon as the line shows).
ok $(wait_for_plot 600 && wait_for 'saved .*tui.safetensors: best epoch [0-9], dev macro-F1' 600 && test -s "$WORK/tui.safetensors"; echo $?) "Train: the loss plot moves and the model is saved where the form says"
ok $(wait_for '^ test class  *F1  confusion' && shows '^ no failure  *[01]\.[0-9]*  '; echo $?) "Train: the test split's per-class F1 and confusion matrix"
# The table adds up to the headline: the mean F1 of the classes present
# (in a row or a column of the confusion) is the test macro-F1 it shows.
screen >"$WORK/train_screen"
headline=$(sed -n 's/.*test macro-F1 \([0-9.]*\).*/\1/p' "$WORK/train_screen" | head -1)
sed -n '/^ test class  *F1  confusion/,$p' "$WORK/train_screen" | tail -n +2 | awk -v h="$headline" '
	{ k = 0; for (i = NF; i > 0 && $i ~ /^[0-9]+$/; i--) k++; if (k == 0) exit; n++; f1[n] = $(NF - k)
	  for (j = 1; j <= k; j++) { c[n, j] = $(NF - k + j); row[n] += $(NF - k + j); col[j] += $(NF - k + j) } }
	END { for (i = 1; i <= n; i++) if (row[i] > 0 || col[i] > 0) { s += f1[i]; m++ }
	      print "# table mean " s / m ", headline " h; d = s / m - h; if (n < 2 || h == "" || d > 0.0015 || d < -0.0015) exit 1 }'
ok $? "Train: the per-class table adds up to the headline's test macro-F1"
keys l
ok $(wait_for 'steps, log scale'; echo $?) "Train: l switches to a log scale"
keys 6
ok $(wait_for 'diagnose>' && shows 'tui.safetensors, just trained on .*slice.csv'; echo $?) "Diagnose: switches to the model just trained, and says so"
keys 'row 7' Enter
ok $(wait_for '^ data row 7: ' && shows '^ predicted '; echo $?) "Diagnose: the trained model answers about the log"
keys Escape 5 s
ok $(wait_for 'tui.safetensors exists: replace it? y/n'; echo $?) "Train: a second run asks before replacing the model"
keys n
ok $(wait_for 'not started' && test -s "$WORK/tui.safetensors"; echo $?) "Train: n keeps the model"
keys ':' && sleep 0.2 && keys "save-pipeline $WORK/trained.lua" Enter
ok $(wait_for "wrote .*trained.lua" && grep -q 'lr = 0.001[ ,]' "$WORK/trained.lua" &&
	grep -q '^train.output = \[==\[/.*tui.safetensors\]==\]' "$WORK/trained.lua"; echo $?) ":save-pipeline: the learning rate as typed, the model's path absolute"
keys q
ok $(wait_for 'EXIT=0'; echo $?) "quits when training is over"

# Ten classes of 40 rows: none is the majority; the balance lists them all.
awk 'BEGIN { srand(7); print "a,b,fault"
	for (i = 0; i < 400; i++) { k = i % 10; printf "%.3f,%.3f,f%d\n", k + rand() * 3, rand() * 5, k } }' >"$WORK/balanced.csv"
# The log's options on the command line: lathe FILE --rules R --label C.
printf 'function clean(row)\n  row.b = row.b * 2\n  return row\nend\n' >"$WORK/double.lua"
start 120 40 "$WORK/balanced.csv --rules $WORK/double.lua --label fault"
ok $(wait_for 'row 1 of 400'; echo $?) "lathe FILE --rules R --label C opens the workbench"
keys 2
ok $(wait_for 'rules script .*double.lua, defining clean()'; echo $?) "with the rules"
keys 4
ok $(wait_for 'class (train)  *before  *after' && wait_for ' f9  *32  *128' && test "$(screen | grep -c ' f[0-9]  *32  *128')" -eq 10; echo $?) "Augment: every class of a balanced log is listed, and varied"
keys q
wait_for 'EXIT=0' >/dev/null

# :label picks a column of the log as the label: the rules' label() still
# fills its own column beside it, never over it; undo says what it restored.
start 120 30 "$WORK/slice.csv --rules $srcdir/lua/ai4i.lua"
wait_for 'row 1 of 1200' >/dev/null
keys ':' && sleep 0.2 && keys "label Machine failure" Enter
keys 3
ok $(wait_for '^   0  *[0-9]' && shows '^   1  *[0-9]'; echo $?) ":label Machine failure with a label_column script: the source column's own values"
keys 1 End
# The Text screen names both too: the grid's own header is waited for.
ok $(wait_for '^row .* Machine failure .* failure *$' && shows '^1 .* 0 .* no failure *$'; echo $?) "both columns in the grid"
keys u
ok $(wait_for 'undone: label Machine failure (rules .*ai4i.lua, label failure)'; echo $?) "undo says the rules and label it restored"
keys q
wait_for 'EXIT=0' >/dev/null

# A refused :label keeps the last one, and a label stays with its log.
start 120 30 tests/data/household_power.txt
wait_for 'household_power.txt: 7 rows' >/dev/null
# Filters take the names the grid's header shows, and guess at a typo.
keys '/' && sleep 0.2 && keys 'Global_active_power > 4 and row["Voltage"] > 234' Enter
ok $(wait_for '[0-9] of 7 rows match Global_active_power > 4'; echo $?) "a filter by the header's own names"
keys '/' && sleep 0.2 && keys C-u 'Global_activ_power > 4' Enter
ok $(wait_for "unknown name 'Global_activ_power': did you mean Global_active_power?"; echo $?) "a typo gets the nearest name"
keys '/' && sleep 0.2 && keys C-u Enter
keys ':' && sleep 0.2 && keys "label Sub_metering_3" Enter
sleep 1
keys ':' && sleep 0.2 && keys "label nosuch" Enter
ok $(wait_for '--label: no column named "nosuch"'; echo $?) ":label of a column the log lacks is refused"
keys ':' && sleep 0.2 && keys "load $srcdir/datasets/synthetic.csv" Enter
ok $(wait_for 'synthetic.csv: [0-9]* rows, [0-9]* columns; the label Sub_metering_3 stayed with the last log'; echo $?) \
	"then :load opens another log (a refused label left the last in place, and that stays with its log)"
keys q
wait_for 'EXIT=0' >/dev/null

# A long load shows its progress, and Esc cancels it, keeping what was loaded.
awk 'BEGIN { print "t,machine,a,b"; for (i = 0; i < 3000000; i++) print i "," i % 7 "," i * 0.5 "," i % 13 }' >"$WORK/big.csv"
start 100 30 ""
wait_for 'row 1 of 10000' >/dev/null
keys ':' && sleep 0.2 && keys "load $WORK/big.csv" Enter
ok $(wait_for 'loading .*big.csv: [0-9]*% of [0-9.]* MB  Esc cancels'; echo $?) "a long load shows its progress"
keys Escape
ok $(wait_for 'loading big.csv cancelled; still on ai4i2020.csv' && shows '^ lathe .*ai4i2020.csv$'; echo $?) "Esc cancels it; the log loaded before stays"
# a clean() slow enough (some 10 s over the big log) to be caught mid-way
printf 'function clean(row)\n  for i = 1, 300 do end\n  return row\nend\n' >"$WORK/slow.lua"
keys ':' && sleep 0.2 && keys "load $WORK/big.csv $WORK/slow.lua" Enter
# (ThreadSanitizer builds read the big log for a minute and more: the
# waits are long, and end as soon as the screen shows what they wait for)
ok $(wait_for 'cleaning .*big.csv\.\.\.  Esc cancels' 1800 && keys Escape &&
	wait_for 'loading big.csv cancelled; still on ai4i2020.csv' 100; echo $?) "Esc stops a Lua rules script's cleaning mid-way"
keys ':' && sleep 0.2 && keys "load $WORK/big.csv" Enter
i=0
while [ $i -lt 300 ] && ! screen | grep -q 'row 1 of 3000000'; do sleep 1; i=$((i + 1)); done
keys 3 Escape
ok $(wait_for 'textualizing was cancelled: t starts it again'; echo $?) "Esc cancels textualizing too"
keys q
wait_for 'EXIT=0' >/dev/null
start 100 30 "$WORK/big.csv"
ok $(wait_for 'loading .*big.csv: ' && keys C-c && wait_for 'EXIT=130' && ! screen | grep -q 'Esc cancels'; echo $?) "Ctrl-C during the first load leaves a clean terminal"
rm -f "$WORK/big.csv"

# Settings: the default data, a key and colours from init.lua.
mkdir -p "$WORK/config/lathe"
cat >"$WORK/config/lathe/init.lua" <<LUA
data = "$srcdir/datasets/synthetic.csv"
rules = "$srcdir/lua/synthetic.lua"
colors = { header = "green", cursor = { "white", "blue" } }
keys = { filter = "f" }
LUA
start 100 30 ""
ok $(wait_for '^ lathe .* synthetic.csv$' && keys f && wait_for 'filter (Lua):'; echo $?) "init.lua: the default data and a key of one's own"
keys Escape && sleep 0.3 && keys q
wait_for 'EXIT=0' >/dev/null
printf 'keys = { filter = "ff" }\n' >"$WORK/config/lathe/init.lua"
start 100 30 ""
ok $(wait_for 'init.lua: keys.filter: one printable character' && shows 'ai4i2020.csv$'; echo $?) "a bad init.lua: its error on the status line, the defaults hold"
keys q
wait_for 'EXIT=0' >/dev/null
rm -r "$WORK/config"

# Data the project was not written for, and Chinese text.
start 100 30 tests/data/household_power.txt
ok $(wait_for 'Global_active_power' && shows '^1  *2006-12-16 00:00:00 17:24:00  *4.216'; echo $?) "a ';'-separated log with day-first dates"
keys 2
ok $(wait_for 'no rules script (r loads one)' && shows '7 rows in, 7 rows out'; echo $?) "its Clean screen"
keys 3
ok $(wait_for 'global active power  *normal: ' && shows '^   \[CLS\] '; echo $?) "its Text screen"
keys 4
ok $(wait_for '^  synonym  ' && shows '(no label)\|class (train)'; echo $?) "its Augment screen (no label: every row varies)"
keys 5 s
ok $(wait_for 'failed ' && shows 'training needs a label'; echo $?) "its Train screen says a label is needed"
keys 6
ok $(wait_for 'diagnose>' && shows "does not go through this model's data path"; echo $?) "its Diagnose screen: the model answers free text only"
keys Escape && sleep 0.3 && keys q
wait_for 'EXIT=0' >/dev/null
start 100 30 datasets/synthetic.csv
# The display column where the header 状态 and each cell 正常 start.
starts() {
	screen | sed -n '2,12p' | grep '状态\|正常' | while IFS= read -r line; do
		printf '%s\n' "$line" | sed 's/\(状态\|正常\).*//' | LC_ALL=C.UTF-8 wc -L
	done | sort -u | wc -l
}
ok $(wait_for '设备' && test "$(starts)" -eq 1; echo $?) "Chinese text aligns in its column"
keys 3
ok $(wait_for 'split 80/10/10 by time (a time-ordered log'; echo $?) "Text: a time-ordered log is split by time"
keys C-c
ok $(wait_for 'EXIT=130'; echo $?) "Ctrl-C leaves cleanly"
start 100 30 "$WORK/nope.csv"
ok $(wait_for 'EXIT=2' && said "missing file '.*nope.csv'"; echo $?) "a missing file: a one-line error, no screen"
printf 'a,b\n1,2,3\n' >"$WORK/ragged.csv"
start 100 30 "$WORK/ragged.csv"
ok $(wait_for 'EXIT=1' && said 'ragged.csv:2: '; echo $?) "a malformed CSV: a one-line error naming the line, no screen"
# A model whose rules script reaches for the machine: on the Diagnose
# screen it is stopped with its error, nothing happens, the workbench lives.
for p in os loop; do
	case $p in
	os) printf 'os.execute("touch %s")\n' "$WORK/pwned" ;;
	loop) printf 'while true do end\n' ;;
	esac >"$WORK/$p.lua"
	cat lua/ai4i.lua >>"$WORK/$p.lua"
	"${PYTHON3:-python3}" tests/python/tamper.py models/ai4i-tiny.safetensors "$WORK/$p.safetensors" rules "$WORK/$p.lua"
done
start 300 30 ""
keys 6
wait_for 'diagnose>' >/dev/null
keys "model $WORK/os.safetensors" Enter
ok $(wait_for "global 'os'" && test ! -e "$WORK/pwned"; echo $?) "Diagnose: a model whose script calls os.execute is stopped"
keys "model $WORK/loop.safetensors" Enter
ok $(wait_for 'instruction limit exceeded'; echo $?) "Diagnose: a model whose script loops forever is stopped"
"${PYTHON3:-python3}" tests/python/tamper.py models/ai4i-tiny.safetensors "$WORK/vocab.safetensors" json config vocab 2000000000
keys "model $WORK/vocab.safetensors" Enter
ok $(wait_for 'vocab.safetensors: model config: a size is out of range'; echo $?) "Diagnose: a model claiming a vocabulary of 2e9 is refused"
"$LATHE" compress models/ai4i-tiny.safetensors --int8 -o "$WORK/q8.safetensors" >/dev/null 2>&1
keys "model $WORK/q8.safetensors" Enter
wait_for 'q8.safetensors' >/dev/null
keys 'type L; torque 65 Nm; tool wear 210' Enter
ok $(wait_for '^ predicted ' && shows 'q8.safetensors'; echo $?) "Diagnose: an int8 model loads and answers"
keys "model tests/fuzz/corpus/model/lora_adapters" Enter
wait_for 'lora_adapters' >/dev/null
# The last answer's lines stay on the screen: each question below is new,
# and its answer's own evidence is waited for.
keys 'type M; torque 40 Nm; tool wear 20' Enter
ok $(wait_for ' tool wear low  *20$' && shows '^ predicted ' && shows '^ tests/fuzz/corpus/model/lora_adapters$'; echo $?) "Diagnose: a LoRA adapter file loads on its base and answers"
keys 'tool wear very low' Enter
ok $(wait_for ' tool wear very low  *4\.45$'; echo $?) "Diagnose: the workbench still answers"
# An Esc that lands on work still in flight cancels that work instead of
# leaving the prompt, and the q is typed there: then clear it and again.
for try in 1 2 3; do
	keys Escape && sleep 0.5 && keys q
	wait_for 'EXIT=' 100 2>/dev/null && break
	keys C-u
done
ok $(wait_for 'EXIT=0' && test ! -e "$WORK/pwned"; echo $?) "and quits cleanly, with no payload run"
done_testing
