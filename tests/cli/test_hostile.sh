#!/bin/sh
# Inputs made to break lathe: each is a one-line error (or works), never a
# crash, a hang or a lost file.
. "$srcdir/tests/lib.sh"
MODEL="$srcdir/models/ai4i-tiny.safetensors"
PY="${PYTHON3:-python3}"
tamper() { "$PY" "$srcdir/tests/python/tamper.py" "$@"; }
head -301 "$srcdir/datasets/ai4i2020.csv" >"$WORK/log.csv"

# A missing first fact of the first row.
printf 'temp,pressure,label\n,5,ok\n2,6,bad\n3,7,ok\n' >"$WORK/f.csv"
run "$LATHE" textualize "$WORK/f.csv" --label label
ok $(test "$rc" -eq 0 && test "$(wc -l <"$WORK/out")" -eq 3; echo $?) "textualize: the first row's first fact missing"
sed '2s/,M,/,,/' "$WORK/log.csv" >"$WORK/notype.csv"
run "$LATHE" eval "$MODEL" "$WORK/notype.csv"
ok $(test "$rc" -eq 0 && grep -q 'macro avg' "$WORK/out"; echo $?) "eval: the shipped model on a log whose first Type is empty"

# Model files that lie about themselves.
tamper "$MODEL" "$WORK/wide.safetensors" json config hidden 4096
expect_fail 1 "wide.safetensors: model file: tensor .* is not of the shape the config implies" "a config wider than its tensors" \
	"$LATHE" diagnose "$WORK/wide.safetensors" "torque high"
tamper "$MODEL" "$WORK/deep.safetensors" json config layers 2147483647
expect_fail 1 "deep.safetensors: model config: a size is out of range" "a config of 2^31-1 layers" \
	"$LATHE" diagnose "$WORK/deep.safetensors" "torque high"
# A small file claiming a vocabulary of 2e9, or the most allowed: refused
# from its header, before any memory is set aside for it.
for vocab in 2000000000 1048576; do
	tamper "$MODEL" "$WORK/vocab$vocab.safetensors" json config vocab $vocab
	expect_fail 1 "vocab$vocab.safetensors: model " "a config of vocab $vocab in a $(($(wc -c <"$MODEL") / 1024)) KB file" \
		"$LATHE" diagnose "$WORK/vocab$vocab.safetensors" "torque high"
done
tamper "$MODEL" "$WORK/nan.safetensors" fill embeddings.LayerNorm.weight nan
expect_fail 1 "nan.safetensors: model file: tensor embeddings.LayerNorm.weight holds NaN" "NaN weights are refused" \
	"$LATHE" diagnose "$WORK/nan.safetensors" --json "torque high"
for count in 1 17 2x; do
	tamper "$MODEL" "$WORK/ens$count.safetensors" meta ensemble "$count"
	expect_fail 1 "ens$count.safetensors: model file: \"ensemble\" is not a count of encoders from 2 to 16" \
		"an ensemble count of $count is refused" "$LATHE" diagnose "$WORK/ens$count.safetensors" "torque high"
done
tamper "$MODEL" "$WORK/ens2.safetensors" meta ensemble 2
expect_fail 1 "ens2.safetensors: model file: tensor ensemble.2.embeddings.word_embeddings.weight is missing" \
	"an ensemble without its second encoder's tensors is refused" "$LATHE" diagnose "$WORK/ens2.safetensors" "x"
labels=$("$PY" -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]; print(json.loads(b[8:8+n])["__metadata__"]["labels"])' "$MODEL")
twice=$(printf '%s' "$labels" | sed 's/"[^"]*"\]$/"no failure"]/')
tamper "$MODEL" "$WORK/twice.safetensors" meta labels "$twice"
expect_fail 1 'names "no failure" twice' "a label named twice is refused" "$LATHE" diagnose "$WORK/twice.safetensors" "x"
empty=$(printf '%s' "$labels" | sed 's/"[^"]*"\]$/""]/')
tamper "$MODEL" "$WORK/empty.safetensors" meta labels "$empty"
expect_fail 1 'entry [0-9]* is empty' "an empty label is refused" "$LATHE" diagnose "$WORK/empty.safetensors" "x"
esc=$(printf '%s' "$labels" | sed 's/"[^"]*"\]$/"\\u001b[2J\\u001b]0;pwned\\u0007"]/')
tamper "$MODEL" "$WORK/esc.safetensors" meta labels "$esc"
# script(1) gives lathe a terminal, where it must not pass the label on.
if script -qc "'$LATHE' diagnose '$WORK/esc.safetensors' 'torque very high'" /dev/null >"$WORK/tty" 2>&1 &&
	grep -q 'no failure' "$WORK/tty"; then
	ok $(! grep -q "$(printf '\033')" "$WORK/tty" && grep -q '\\x1b\[2J' "$WORK/tty"; echo $?) \
		"a label's escape sequence reaches the terminal escaped"
else
	echo "ok $((tap_n = tap_n + 1)) - a label's escape sequence is escaped # SKIP no pseudo-terminal for script(1)"
fi
mkfifo "$WORK/fifo.safetensors"
expect_fail 1 "fifo.safetensors: cannot read: not a regular file" "a FIFO as a model" \
	"$LATHE" diagnose "$WORK/fifo.safetensors" "x"
mkdir "$WORK/dir.safetensors"
expect_fail 1 "dir.safetensors: cannot read: not a regular file" "a directory as a model" \
	"$LATHE" diagnose "$WORK/dir.safetensors" "x"
expect_fail 2 "expected 1 to [0-9]* (4 per processor)" "--threads 100000" "$LATHE" bench --threads 100000

# Checkpoints are checked field by field. Training prints its split's
# class table first: the error is the last line.
train_fails() { # PATTERN DESCRIPTION ARGS...
	pattern=$1 what=$2
	shift 2
	run train "$@"
	if [ "$rc" -eq 1 ] && tail -1 "$WORK/err" | grep -q "^lathe: .*$pattern"; then ok 0 "$what"; else
		ok 1 "$what"
		echo "#   rc=$rc, last line: $(tail -1 "$WORK/err")"
	fi
}
train() { "$LATHE" train "$WORK/log.csv" --rules "$srcdir/lua/ai4i.lua" --epochs 2 "$@"; }
run train -o "$WORK/m.safetensors" --stop-after 3
ok $(test -s "$WORK/m.safetensors.ckpt" && test ! -e "$WORK/m.safetensors"; echo $?) "a checkpoint to tamper with"
CK="$WORK/m.safetensors.ckpt"
tamper "$CK" "$WORK/order.ckpt" ints state.order 999999999
train_fails "state.order is not an order of the" "an order out of range" -o "$WORK/o1.safetensors" --resume "$WORK/order.ckpt"
tamper "$CK" "$WORK/twice.ckpt" ints state.order 0,0
train_fails "state.order is not an order of the" "an order with a row twice" -o "$WORK/o2.safetensors" --resume "$WORK/twice.ckpt"
for field in "adam_t -1" "steps 2147483647" "epoch -5" "at 99999999" "stale -1" "sum -1"; do
	set -- $field
	state=$("$PY" -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]; s=json.loads(json.loads(b[8:8+n])["__metadata__"]["state"]); s[sys.argv[2]]=int(sys.argv[3]); print(json.dumps(s))' "$CK" "$1" "$2")
	tamper "$CK" "$WORK/$1.ckpt" meta state "$state"
	train_fails "checkpoint: state \"$1\" is not a" "a checkpoint's $1 of $2" -o "$WORK/o3.safetensors" --resume "$WORK/$1.ckpt"
done
tamper "$CK" "$WORK/nanw.ckpt" fill adam.v.embeddings.LayerNorm.bias nan
train_fails "checkpoint: its tensors hold NaN" "NaN in a checkpoint" -o "$WORK/o4.safetensors" --resume "$WORK/nanw.ckpt"
ok $(! ls "$WORK"/o*.safetensors >/dev/null 2>&1; echo $?) "no model written from a bad checkpoint"

# Weights so large the first step overflows: training stops there, writes
# no model and keeps the checkpoint it resumed from.
tamper "$CK" "$WORK/huge.ckpt" fill embeddings.word_embeddings.weight 3e38
cp "$WORK/huge.ckpt" "$WORK/huge.safetensors.ckpt"
train_fails "the loss is not a finite number.*no model written; the last checkpoint is kept" \
	"a non-finite loss stops training" -o "$WORK/huge.safetensors" --resume "$WORK/huge.safetensors.ckpt"
ok $(test ! -e "$WORK/huge.safetensors" && cmp -s "$WORK/huge.ckpt" "$WORK/huge.safetensors.ckpt"; echo $?) \
	"no all-NaN model, the checkpoint as it was"

# Outputs: devices written directly, symlinks through, a bad place found
# before training, temporaries of killed runs removed, one writer at a time.
if [ -w /dev/null ]; then
	run "$LATHE" clean "$WORK/log.csv" -o /dev/null
	ok $(test "$rc" -eq 0 && test -c /dev/null; echo $?) "-o /dev/null leaves the device a device"
fi
ln -s real.csv "$WORK/link.csv"
run "$LATHE" clean "$WORK/log.csv" -o "$WORK/link.csv"
ok $(test "$rc" -eq 0 && test -L "$WORK/link.csv" && test -s "$WORK/real.csv"; echo $?) "a symlink output is written through"
train_fails "nodir/m.safetensors: cannot write in" "an output directory that cannot be written: before training" \
	-o "$WORK/nodir/m.safetensors"
ok $(! grep -q '^epoch' "$WORK/err"; echo $?) "and no epoch ran"
dead=$(sh -c 'echo $$')  # a process that has ended
printf 'half' >"$WORK/k.csv.tmp.$dead.AbCdEf"
printf 'mine' >"$WORK/k.csv.tmp.$$.AbCdEf"
run "$LATHE" clean "$WORK/log.csv" -o "$WORK/k.csv"
ok $(test "$rc" -eq 0 && test ! -e "$WORK/k.csv.tmp.$dead.AbCdEf" && test -e "$WORK/k.csv.tmp.$$.AbCdEf" &&
	grep -q "removed 1 temporary file of .*k.csv left by an interrupted run" "$WORK/err"; echo $?) \
	"a killed run's temporary is removed and said, a live one's kept"
exec 9>"$WORK/busy.safetensors.lock"
flock 9
train_fails "busy.safetensors: another lathe run is writing it" "two runs on one output: the second stops" \
	-o "$WORK/busy.safetensors"
exec 9>&-
run train -o "$WORK/busy.safetensors"
ok $(test "$rc" -eq 0 && test -s "$WORK/busy.safetensors" && test ! -e "$WORK/busy.safetensors.lock"; echo $?) \
	"once free, it trains and leaves no lock"

# A column name with a carriage return still filters.
printf '"te\rmp",p,label\n1,2,a\n3,4,b\n' >"$WORK/cr.csv"
printf 'local lathe = require "lathe"\nprint(#lathe.load_csv(arg[1]):filter("p > 3"))\n' >"$WORK/filter.lua"
run "$LATHE" run "$WORK/filter.lua" "$WORK/cr.csv"
ok $(test "$rc" -eq 0 && test "$(cat "$WORK/out")" = 1; echo $?) "a CR in a column name breaks no filter"
done_testing
