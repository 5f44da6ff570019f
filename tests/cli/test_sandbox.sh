#!/bin/sh
# Lua run on behalf of data or a model is sandboxed: a model file whose
# rules script tries to reach the machine is refused or stopped with a
# one-line error in every command that applies it, and nothing it asked
# for happens. See lathe-lua(7), TRUST AND THE SANDBOX.
. "$srcdir/tests/lib.sh"
MODEL="$srcdir/models/ai4i-tiny.safetensors"
PY="${PYTHON3:-python3}"
head -201 "$srcdir/datasets/ai4i2020.csv" >"$WORK/log.csv"
MARK="$WORK/pwned"

# payload NAME LUA: a rules script that does what the shipped one does,
# with LUA run when it loads.
payload() {
	{ printf '%s\n' "$2"; cat "$srcdir/lua/ai4i.lua"; } >"$WORK/$1.lua"
	"$PY" "$srcdir/tests/python/tamper.py" "$MODEL" "$WORK/$1.safetensors" rules "$WORK/$1.lua"
}
payload os "os.execute('touch $MARK')"
payload io "io.open('$MARK', 'w'):write('x')"
payload require "require('os').execute('touch $MARK')"
payload lathe "require('lathe').load_csv('$WORK/log.csv')"
payload bytecode "assert(load('\\27Lua\\84\\0'))()"
payload dump "load(string.dump(function() end))"
payload sethook "debug.sethook()"
payload loop "while true do end"
payload pcall_loop "while true do pcall(function() while true do end end) end"
payload memory "local t = {} for i = 1, 1e6 do t[i] = string.rep('x', 1048576) .. i end"
payload rep "local s = string.rep('x', 2147483000)"
payload finalizer "setmetatable({}, { __gc = function() os.exit(3) end })"
payload globals "setmetatable(_G, { __index = function() while true do end end })"
payload dofile "dofile('$WORK/os.lua')"

for p in os io require lathe bytecode dump sethook loop pcall_loop memory rep finalizer globals dofile; do
	expect_fail 1 "^lathe: .*$p.safetensors" "eval: a model whose script tries $p is stopped" \
		"$LATHE" eval "$WORK/$p.safetensors" "$WORK/log.csv"
	expect_fail 1 "^lathe: .*$p.safetensors" "diagnose --data: a model whose script tries $p is stopped" \
		"$LATHE" diagnose "$WORK/$p.safetensors" --data "$WORK/log.csv" --row 3
done
ok $(test ! -e "$MARK"; echo $?) "no payload reached the file system"
expect_fail 1 "instruction limit exceeded" "an endless loop names the limit" \
	"$LATHE" eval "$WORK/loop.safetensors" "$WORK/log.csv"
expect_fail 1 "instruction limit exceeded" "pcall cannot catch the instruction limit" \
	"$LATHE" eval "$WORK/pcall_loop.safetensors" "$WORK/log.csv"
expect_fail 1 "memory limit of 256 MiB exceeded" "a growing table meets the memory limit" \
	"$LATHE" eval "$WORK/memory.safetensors" "$WORK/log.csv"
expect_fail 1 "memory limit of 256 MiB exceeded" "a 2 GiB string meets the memory limit" \
	"$LATHE" eval "$WORK/rep.safetensors" "$WORK/log.csv"
expect_fail 1 "binary chunk" "bytecode is refused" "$LATHE" eval "$WORK/bytecode.safetensors" "$WORK/log.csv"
expect_fail 1 "__gc is not available" "finalizers are refused" "$LATHE" eval "$WORK/finalizer.safetensors" "$WORK/log.csv"
expect_fail 1 "module 'os' is not available" "require reaches no library" "$LATHE" eval "$WORK/require.safetensors" "$WORK/log.csv"

# Lua's model:eval applies the model's script in the same sandbox.
printf 'local lathe = require "lathe"\nlocal m = lathe.load_model(arg[1])\nm:eval(arg[2])\n' >"$WORK/apply.lua"
expect_fail 1 "os.safetensors" "model:eval in a pipeline script stops the payload" \
	"$LATHE" run "$WORK/apply.lua" "$WORK/os.safetensors" "$WORK/log.csv"
ok $(test ! -e "$MARK"; echo $?) "model:eval ran no payload"

# The script must be the one the manifest hashed, and a model never reads
# one from disk.
printf 'os.execute("touch %s")\n' "$MARK" >"$WORK/edit.lua"
cat "$srcdir/lua/ai4i.lua" >>"$WORK/edit.lua"
"$PY" "$srcdir/tests/python/tamper.py" "$MODEL" "$WORK/stale.safetensors" rules "$WORK/edit.lua" --stale
expect_fail 1 "does not match the SHA-256 in its manifest" "an edited script is refused" \
	"$LATHE" eval "$WORK/stale.safetensors" "$WORK/log.csv"
"$PY" "$srcdir/tests/python/tamper.py" "$MODEL" "$WORK/path.safetensors" rules-path "$WORK/edit.lua"
run "$LATHE" eval "$WORK/path.safetensors" "$WORK/log.csv"
ok $(test ! -e "$MARK"; echo $?) "a model naming a script path on disk does not load it"
"$PY" "$srcdir/tests/python/tamper.py" "$MODEL" "$WORK/nohash.safetensors" \
	meta manifest '{"lathe_version":"0.1.0"}'
expect_fail 1 "no SHA-256 in the manifest" "a script without a manifest hash is refused" \
	"$LATHE" eval "$WORK/nohash.safetensors" "$WORK/log.csv"

# --no-rules applies the model without its script; info shows all of it.
run "$LATHE" diagnose "$WORK/stale.safetensors" --no-rules --data "$WORK/log.csv" --row 3
ok $(test "$rc" -eq 0 && test ! -e "$MARK"; echo $?) "--no-rules applies a model without running its script"
run "$LATHE" info "$WORK/os.safetensors"
ok $(test "$rc" -eq 0 && grep -q "os.execute('touch" "$WORK/out" && grep -q "matches the manifest" "$WORK/out" &&
	grep -q 'return ltext.first_flag' "$WORK/out"; echo $?) "info prints the whole script and its hash check"
run "$LATHE" info "$WORK/stale.safetensors"
like "$WORK/out" "DOES NOT match the manifest" "info says when the script does not match"
run "$LATHE" info --script "$WORK/os.safetensors"
ok $(test "$rc" -eq 0 && cmp -s "$WORK/out" "$WORK/os.lua"; echo $?) "info --script prints the script's bytes"

# The same sandbox holds for a rules script given on the command line.
for p in os io sethook loop memory; do
	expect_fail 1 "$p.lua" "clean --rules: a script that tries $p is stopped" \
		"$LATHE" clean "$WORK/log.csv" --rules "$WORK/$p.lua" -o "$WORK/o.csv"
done
ok $(test ! -e "$MARK" && test ! -e "$WORK/o.csv"; echo $?) "no payload ran and no output was written"
printf 'return { hidden = 64, x = os.execute("touch %s") }\n' "$MARK" >"$WORK/config.lua"
expect_fail 1 "config.lua" "a model config is sandboxed" \
	"$LATHE" train "$WORK/log.csv" --rules "$srcdir/lua/ai4i.lua" --config "$WORK/config.lua" -o "$WORK/m.safetensors"
printf 'return { ["high"] = { io.open("%s", "w") and "x" } }\n' "$MARK" >"$WORK/syn.lua"
expect_fail 1 "syn.lua" "a synonym table is sandboxed" \
	"$LATHE" augment "$WORK/log.csv" --rules "$srcdir/lua/ai4i.lua" --methods synonym --synonyms "$WORK/syn.lua"
ok $(test ! -e "$MARK"; echo $?) "neither reached the file system"

# A rules list entry of any shape is an error or a rule, never a crash.
printf 'rules = { "dedup", { "limits", "Torque [Nm]=0:150" } }\n' >"$WORK/names.lua"
run "$LATHE" clean "$WORK/log.csv" --rules "$WORK/names.lua" -o "$WORK/o.csv"
ok $(test "$rc" -eq 0 && test -s "$WORK/o.csv"; echo $?) "a rule given by its name alone works"
printf 'rules = { function() end }\n' >"$WORK/fn.lua"
expect_fail 1 "rules\[1\]: expected {NAME, ARG}" "a function in the rules list is an error" \
	"$LATHE" clean "$WORK/log.csv" --rules "$WORK/fn.lua"
printf 'rules = { 42 }\n' >"$WORK/num.lua"
expect_fail 1 "rules\[1\]" "a number in the rules list is an error" "$LATHE" clean "$WORK/log.csv" --rules "$WORK/num.lua"
printf 'local lathe = require "lathe"\nlathe.load_csv(arg[1]):clean { steps = { "dedup", function() end } }\n' >"$WORK/steps.lua"
expect_fail 1 "steps\[2\]" "frame:clean with a bad step is an error" "$LATHE" run "$WORK/steps.lua" "$WORK/log.csv"
done_testing
