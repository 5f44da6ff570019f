# The labelled datasets of the benchmarks, sourced by them with top (the
# source tree) and work (a scratch directory) set: dataset NAME sets data
# (the CSV), args (lathe's reading, labelling and split options) and
# features (the columns scikit-learn sees, separated by |).
# shellcheck shell=sh

# C-MAPSS as a CSV with a health column: the remaining useful life needs
# each engine's last cycle, so two passes.
awk 'NR == FNR { if ($2 > last[$1]) last[$1] = $2; next }
	FNR == 1 { printf "unit,cycle,op1,op2,op3"; for (i = 1; i <= 21; i++) printf ",s%d", i; print ",health" }
	{ rul = last[$1] - $2
	  h = rul > 125 ? "healthy" : rul > 50 ? "degrading" : rul > 15 ? "warning" : "critical"
	  line = $1; for (i = 2; i <= 26; i++) line = line "," $i; print line "," h }' \
	"$top/datasets/train_FD001.txt" "$top/datasets/train_FD001.txt" >"$work/cmapss.csv"

hyd=$top/datasets/hydraulic_1hz_features.csv
hyd_labels="cooler_pct valve_pct pump_leak accumulator_bar stable_flag"
hyd_features=$(head -1 "$hyd" | tr -d '\r' | tr ',' '\n' | grep -E '_(mean|std|min|max)$' | tr '\n' ' ')
cmapss_features="s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 s12 s13 s14 s15 s16 s17 s18 s19 s20 s21"
ai4i_features="Type|Air temperature [K]|Process temperature [K]|Rotational speed [rpm]|Torque [Nm]|Tool wear [min]"

# Sets, for one dataset name: data (the CSV), args (lathe's reading,
# labelling and split options) and features (the columns scikit-learn
# sees, separated by |).
dataset() {
	case $1 in
	ai4i)
		data=$top/datasets/ai4i2020.csv
		args="--rules $top/lua/ai4i.lua --split time --time UDI"
		features=$ai4i_features ;;
	cmapss)
		data=$work/cmapss.csv
		args="--label health --machine unit --time cycle --window 20 --split group --group unit
			--exclude op1 --exclude op2 --exclude op3"
		features=$(echo "$cmapss_features" | tr ' ' '|') ;;
	cooler | valve | pump | accumulator)
		case $1 in
		cooler) label=cooler_pct ;; valve) label=valve_pct ;; pump) label=pump_leak ;; *) label=accumulator_bar ;;
		esac
		data=$hyd
		args="--label $label --split group --group condition_block --exclude cycle --exclude condition_block"
		for other in $hyd_labels; do
			[ "$other" = "$label" ] || args="$args --exclude $other"
		done
		features=$(echo "$hyd_features" | sed 's/ $//' | tr ' ' '|') ;;
	*)
		echo "quality.sh: no dataset \"$1\"" >&2
		exit 2 ;;
	esac
}


# The split's test rows of the dataset last named, for a seed, as a CSV of
# their own in $work/test.csv (a data row's line is its number + 1).
test_rows() {
	# shellcheck disable=SC2086
	"$lathe" textualize "$data" $args --seed "$1" -o "$work/split.jsonl" 2>/dev/null
	sed -n 's/.*"row":\([0-9]*\).*"split":"test".*/\1/p' "$work/split.jsonl" >"$work/rows"
	awk 'NR == FNR { keep[$1 + 1] = 1; next } FNR == 1 || keep[FNR]' "$work/rows" "$data" >"$work/test.csv"
}
