#!/bin/sh
# Every kind of bad input: a one-line error naming where, a non-zero exit,
# and no output file left behind; or a counted repair where asked.
. "$srcdir/tests/lib.sh"

bad() { # bad NAME CONTENT(printf format)
	printf "$2" >"$WORK/$1"
}
no_output() {
	ok $(test ! -e "$WORK/o.csv" && ! ls "$WORK" | grep -q '\.tmp\.'; echo $?) "$1: no output file left"
}

bad empty.csv ''
expect_fail 1 "empty.csv: empty file" "empty file" "$LATHE" clean "$WORK/empty.csv" -o "$WORK/o.csv"
no_output "empty file"
bad header.csv 'a,b,c\n'
expect_fail 1 "header.csv: no data rows" "header only" "$LATHE" clean "$WORK/header.csv" -o "$WORK/o.csv"
no_output "header only"
bad ragged.csv 'a,b,c\n1,2,3\n4,5\n'
expect_fail 1 "ragged.csv:3: 2 fields, expected 3" "ragged row" "$LATHE" clean "$WORK/ragged.csv" -o "$WORK/o.csv"
no_output "ragged row"
run "$LATHE" clean "$WORK/ragged.csv" --ragged=pad --report -o "$WORK/p.csv"
ok $(test "$rc" -eq 0 && grep -q '1 ragged rows padded' "$WORK/err"; echo $?) "--ragged=pad repairs and counts"
bad quote.csv 'a,b\n1,"open\n2,3\n'
expect_fail 1 "quote.csv:2: unterminated quoted field" "unterminated quote" "$LATHE" clean "$WORK/quote.csv" -o "$WORK/o.csv"
no_output "unterminated quote"
head -c 3000 /dev/urandom >"$WORK/garbage.csv"
printf '\0' >>"$WORK/garbage.csv"
expect_fail 1 "garbage.csv" "binary garbage" "$LATHE" clean "$WORK/garbage.csv" -o "$WORK/o.csv"
no_output "binary garbage"
bad utf8.csv 'name,v\nok,1\nbad\377name,2\n'
expect_fail 1 'utf8.csv:3: column 1 ("name"): invalid UTF-8' "invalid UTF-8" "$LATHE" clean "$WORK/utf8.csv" -o "$WORK/o.csv"
no_output "invalid UTF-8"
run "$LATHE" clean "$WORK/utf8.csv" --bad-utf8=replace --report -o "$WORK/p.csv"
ok $(test "$rc" -eq 0 && grep -q '1 invalid UTF-8 sequences replaced' "$WORK/err" && grep -q "bad�name" "$WORK/p.csv"; echo $?) "--bad-utf8=replace repairs and counts"
awk 'BEGIN { printf "a,b\n1,"; for (i = 0; i < 170000; i++) printf "0123456789012345678901234567890123456789012345678901234567890123"; printf "\n" }' >"$WORK/big.csv"
expect_fail 1 "big.csv:2: field 2 is longer than 1048576 bytes" "10 MB field" "$LATHE" clean "$WORK/big.csv" -o "$WORK/o.csv"
no_output "10 MB field"
{ echo "a,b"; i=0; while [ $i -lt 1100 ]; do echo "$i,$i"; i=$((i + 1)); done; echo "1100,twelve"; } >"$WORK/num.csv"
expect_fail 1 'num.csv:1102: column 2 ("b"): "twelve" is not a number' "text in a numeric column" "$LATHE" clean "$WORK/num.csv" -o "$WORK/o.csv"
no_output "text in a numeric column"
run "$LATHE" clean "$WORK/num.csv" --bad-number=missing --report -o "$WORK/p.csv"
ok $(test "$rc" -eq 0 && grep -q '1 non-numbers made missing' "$WORK/err"; echo $?) "--bad-number=missing repairs and counts"
run "$LATHE" clean "$WORK/num.csv" --type b=string -o "$WORK/p.csv"
ok $(test "$rc" -eq 0 && tail -1 "$WORK/p.csv" | grep -q '1100,twelve'; echo $?) "--type makes it text"
expect_fail 1 "nope.csv: cannot open" "missing file" "$LATHE" clean "$WORK/nope.csv"
bad ok.csv 'a,b\n1,2\n'
expect_fail 1 "/nonexistent/dir/o.csv: cannot write" "unwritable output" "$LATHE" clean "$WORK/ok.csv" -o /nonexistent/dir/o.csv
echo "precious" >"$WORK/keep.csv"
run "$LATHE" clean "$WORK/ragged.csv" -o "$WORK/keep.csv"
ok $(test "$rc" -eq 1 && grep -q precious "$WORK/keep.csv"; echo $?) "a failed run leaves an existing output as it was"
expect_fail 1 'no column named "nope"' "rule on a missing column" "$LATHE" clean "$WORK/ok.csv" --fill nope=mean
expect_fail 1 '--type: no column named "zz"' "type of a missing column" "$LATHE" clean "$WORK/ok.csv" --type zz=string
expect_fail 1 'no column named "zz"' "label column missing" "$LATHE" textualize "$WORK/ok.csv" --label zz
done_testing
