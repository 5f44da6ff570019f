#!/bin/sh
# CSV loading: lathe against pandas.read_csv on the same 1,000,000-row
# (~97 MB) sensor log, in the same run, as a ratio.
#   bench/csv_bench.sh [ROWS] [RUNS]       (defaults 1000000 and 5)
# lathe's time is the whole process (start-up, read, parse, convert, free);
# pandas' is measured inside the process, parse only (its interpreter start
# and imports excluded), so the ratio favours pandas.
# Memory: lathe's peak resident set against the table's own bytes.
# Needs Debian's python3-pandas (and /usr/bin/python3 with numpy).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
rows=${1:-1000000}
runs=${2:-5}
csv=${TMPDIR:-/tmp}/lathe-bench-$rows.csv
[ -f "$csv" ] || /usr/bin/python3 "$here/gen_sensor_csv.py" "$rows" "$csv"
cat "$csv" >/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

lathe_times=""
i=0
while [ $i -lt "$runs" ]; do
	t0=$(now)
	line=$("$lathe" bench csv "$csv")
	t1=$(now)
	lathe_times="$lathe_times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
	i=$((i + 1))
done
pandas_times=""
i=0
while [ $i -lt "$runs" ]; do
	pandas_times="$pandas_times $(/usr/bin/python3 -c '
import sys, time, pandas as pd
t = time.perf_counter(); df = pd.read_csv(sys.argv[1]); print(f"{time.perf_counter() - t:.4f}")' "$csv")"
	i=$((i + 1))
done
lm=$(echo $lathe_times | tr ' ' '\n' | median)
pm=$(echo $pandas_times | tr ' ' '\n' | median)
bytes=$(echo "$line" | sed 's/.* bytes=\([0-9]*\).*/\1/')
table=$(echo "$line" | sed 's/.*table_bytes=\([0-9]*\).*/\1/')
rss=$(echo "$line" | sed 's/.*peak_rss_bytes=\([0-9]*\).*/\1/')
echo "file: $csv ($bytes bytes, $rows rows)"
echo "lathe (whole process) runs:$lathe_times  median $lm s"
echo "pandas.read_csv       runs:$pandas_times  median $pm s"
awk -v l="$lm" -v p="$pm" -v b="$bytes" -v t="$table" -v r="$rss" 'BEGIN {
	printf "lathe %.0f MB/s, pandas %.0f MB/s: lathe is %.2fx faster\n", b / 1e6 / l, b / 1e6 / p, p / l
	printf "peak memory %.1f MB for a %.1f MB table: %.2fx the table\n", r / 1e6, t / 1e6, r / t }'
