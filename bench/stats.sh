# Helpers the benchmark scripts source.
# shellcheck shell=sh

# field LINE KEY: the value of KEY=VALUE in a RESULT line
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# the median of the numbers on standard input (one or more per line)
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
