#!/bin/sh
# How long `lathe train` takes with its defaults on a 35,000-row log of ten
# columns (bench/gen_sensor_csv.py: a timestamp, a machine id, eight sensor
# readings, and the status as the label), from the command to the saved
# model: reading, cleaning, textualizing, training the encoder within its
# token budget, fitting the trees, writing the file.
#   bench/train_time.sh [ROWS] [THREADS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lathe=${LATHE:-$here/../lathe}
rows=${1:-35000}
threads=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/gen_sensor_csv.py" "$rows" "$work/log.csv"
start=$(date +%s.%N)
"$lathe" train "$work/log.csv" --label status --threads "$threads" --json -o "$work/m.safetensors" \
	>"$work/out" 2>/dev/null
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
tail -1 "$work/out" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print("RESULT rows=%s threads=%s epochs=%d steps=%d encoder_s=%.1f total_s=%s"
      % (sys.argv[1], sys.argv[2], r["epochs"], r["steps"], r["wall_s"], sys.argv[3]))' "$rows" "$threads" "$took"
