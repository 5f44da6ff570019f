#!/bin/sh
# Lua rules scripts: clean(), label(), textualize(), settings, and every
# kind of script error (named by script and line, and the data row).
. "$srcdir/tests/lib.sh"
printf 'machine,temp,state\nA,20.5,正常\nA,21.0,正常\nB,99.5,紧急停机\nB,,停机\n' >"$WORK/d.csv"

cat >"$WORK/rules.lua" <<'LUA'
local rule = require "lathe.clean"
rules = { rule.fill("temp", "ffill") }
machine = "machine"
label_column = "severity"
function clean(row)
  if row.machine == "A" and row.temp > 20.9 then return nil end
  row.temp_f = row.temp * 9 / 5 + 32
  return row
end
function label(row)
  return row.state == "正常" and "normal" or "abnormal"
end
function textualize(row, text)
  return text .. "; from " .. row.machine
end
LUA
run "$LATHE" clean "$WORK/d.csv" --rules "$WORK/rules.lua" --report -o "$WORK/o.csv"
ok $rc "clean with a rules script"
ok $(test "$(sed -n 1p "$WORK/o.csv")" = "machine,temp,state,severity,temp_f"; echo $?) "clean() adds a column, label() fills label_column"
ok $(test "$(wc -l <"$WORK/o.csv")" -eq 4; echo $?) "clean() dropped a row"
like "$WORK/o.csv" '^B,99.5,紧急停机,abnormal,211.1$' "values through Lua"
like "$WORK/o.csv" '^B,99.5,停机,abnormal,211.1$' "ffill per machine before clean()"
like "$WORK/err" "clean() in rules.lua *1 rows dropped *3 values changed" "report counts the Lua rule"
run "$LATHE" textualize "$WORK/d.csv" --rules "$WORK/rules.lua" --split random
like "$WORK/out" '; from B","label":"abnormal"' "textualize() overrides the text"

cat >"$WORK/syntax.lua" <<'LUA'
function clean(row)
  return row +
end
LUA
expect_fail 1 "syntax.lua:3: unexpected symbol" "syntax error names script and line" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/syntax.lua" -o "$WORK/x.csv"
ok $(test ! -e "$WORK/x.csv"; echo $?) "no output after a script error"
cat >"$WORK/runtime.lua" <<'LUA'
function clean(row)
  if row.machine == "B" then
    return row.temp + nil
  end
  return row
end
LUA
expect_fail 1 "runtime.lua:3: attempt to perform arithmetic on a nil value (data row 3)" "runtime error names script line and data row" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/runtime.lua"
printf 'function label(row)\n  while true do end\nend\n' >"$WORK/loop.lua"
expect_fail 1 "loop.lua:2: instruction limit exceeded" "endless loop stopped" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/loop.lua" --lua-limit 100000
printf 'while true do end\n' >"$WORK/toploop.lua"
expect_fail 1 "toploop.lua:1: instruction limit exceeded" "endless loop at load stopped" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/toploop.lua" --lua-limit 100000
printf 'function clean(row) return 42 end\n' >"$WORK/ret.lua"
expect_fail 1 "ret.lua: clean() returned a number, expected the row or nil (data row 1)" "clean() returning junk" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/ret.lua"
printf 'function clean(row) row.temp = "hot"; return row end\n' >"$WORK/type.lua"
expect_fail 1 'type.lua: clean() set numeric column "temp" to the text "hot" (data row 1)' "wrong type into a numeric column" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/type.lua"
printf 'rules = { {"fill", "nope=mean"} }\n' >"$WORK/badrule.lua"
expect_fail 1 'no column named "nope"' "built-in rule from a script checked" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/badrule.lua"
printf 'text = { levels = { temp = {3, 2} } }\n' >"$WORK/badlevels.lua"
expect_fail 1 "badlevels.lua: text.levels" "bad settings named" "$LATHE" textualize "$WORK/d.csv" --rules "$WORK/badlevels.lua"
expect_fail 1 "missing.lua" "missing script" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/missing.lua"
printf 'text = setmetatable({}, {__index = function() error("boom") end})\n' >"$WORK/meta.lua"
expect_fail 1 "meta.lua: settings: .*meta.lua:1: boom" "an error while reading settings" "$LATHE" textualize "$WORK/d.csv" --rules "$WORK/meta.lua"
printf 'types = { temp = "bogus" }\n' >"$WORK/badtype.lua"
expect_fail 1 "badtype.lua: types: .*unknown type 'bogus'" "bad type in a script" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/badtype.lua"
printf 'error({})\n' >"$WORK/tbl.lua"
expect_fail 1 "error object is a table" "error with a table value" "$LATHE" clean "$WORK/d.csv" --rules "$WORK/tbl.lua"

cat >"$WORK/levels.lua" <<'LUA'
text = { levels = { temp = {0, 10, 30, 60} }, names = { temp = "温度" }, lang = "zh", exclude = { "state" } }
types = { machine = "string" }
LUA
run "$LATHE" textualize "$WORK/d.csv" --rules "$WORK/levels.lua" --split random
like "$WORK/out" '"text":"温度很高"' "thresholds and names from Lua"
# --label picks a column of the log: a script's label() fills its own
# label_column beside it and never overwrites it.
head -301 "$srcdir/datasets/ai4i2020.csv" >"$WORK/a300.csv"
run "$LATHE" clean "$WORK/a300.csv" --rules "$srcdir/lua/ai4i.lua" --label "Machine failure"
ok $(test "$rc" -eq 0 && head -1 "$WORK/out" | grep -q ',Machine failure,.*,failure$' &&
	awk -F, 'NR > 1 && $9 != 0 && $9 != 1 { bad++ } END { exit bad > 0 }' "$WORK/out"; echo $?) "--label with a label_column script keeps both columns"
done_testing
