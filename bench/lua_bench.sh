#!/bin/sh
# Lua per-row rules over 1,000,000 rows x 10 columns: clean() and label()
# on every row, timed inside lathe (loading excluded).
#   bench/lua_bench.sh [ROWS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
rows=${1:-1000000}
csv=${TMPDIR:-/tmp}/lathe-bench-$rows.csv
csv10=${TMPDIR:-/tmp}/lathe-bench-$rows-10col.csv
[ -f "$csv" ] || /usr/bin/python3 "$here/gen_sensor_csv.py" "$rows" "$csv"
# The status column is last and the only one with quoted commas: cut it.
[ -f "$csv10" ] || cut -d, -f1-10 "$csv" >"$csv10"
"$lathe" bench rules "$csv10" --rules "$here/rules_bench.lua"
