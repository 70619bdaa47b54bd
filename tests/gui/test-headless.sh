#!/bin/bash
# test-headless.sh — backprop-studio without a display: one line saying so
# on stderr, then the default experiment is trained and drawn to a PNG that
# is not blank; --headless DATA.csv trains the default network on a CSV
# (as the README's [MODEL.json | DATA.csv] says), and --help says so.
# TAP output.
#
#   bash test-headless.sh BACKPROP-STUDIO OUTDIR
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
rm -f "$OUT/headless.png"
. "$(dirname "$0")/../tap.sh"

echo "1..9"
env -u DISPLAY -u WAYLAND_DISPLAY "$APP" -o "$OUT/headless.png" \
  > "$OUT/stdout.txt" 2> "$OUT/stderr.txt"
status=$?
sed 's/^/# stderr: /' "$OUT/stderr.txt"
sed 's/^/# stdout: /' "$OUT/stdout.txt"
check "exits with status 0" test "$status" -eq 0
check "says in one line that there is no display" \
  test "$(wc -l < "$OUT/stderr.txt")" -eq 1 -a -n "$(grep -E '^backprop-studio: no display' "$OUT/stderr.txt")"
check "reports what it trained and wrote" grep -qE '^backprop-studio: trained 200 epochs .* wrote ' "$OUT/stdout.txt"
check "writes the PNG" test -s "$OUT/headless.png"
colours=$(convert "$OUT/headless.png" -format '%k' info: 2>/dev/null)
echo "# headless.png: ${colours:-?} colours"
check "the PNG is a picture, not a blank" test "${colours:-0}" -gt 200

# A CSV: 3 features, a text label of 3 classes (a 3-8-8-3 softmax network).
awk 'BEGIN { print "a,b,c,label"; for (i = 0; i < 90; i++) {
  k = i % 3; printf "%.3f,%.3f,%.3f,%s\n", k + (i % 7) / 10, (i % 5) / 4, -k, "c" k } }' \
  > "$OUT/three.csv"
rm -f "$OUT/csv.png"
"$APP" --headless "$OUT/three.csv" -o "$OUT/csv.png" > "$OUT/csv-stdout.txt" 2> "$OUT/csv-stderr.txt"
status=$?
sed 's/^/# csv stderr: /' "$OUT/csv-stderr.txt"
sed 's/^/# csv stdout: /' "$OUT/csv-stdout.txt"
check "--headless DATA.csv trains on the CSV (status 0, nothing on stderr)" \
  test "$status" -eq 0 -a ! -s "$OUT/csv-stderr.txt"
check "... reports it and writes the PNG" \
  test -s "$OUT/csv.png" -a -n "$(grep -E '^backprop-studio: trained 200 epochs .* wrote ' "$OUT/csv-stdout.txt")"
"$APP" --help > "$OUT/help.txt" 2>&1
check "--help names both MODEL.json and DATA.csv" grep -q 'MODEL.json | DATA.csv' "$OUT/help.txt"
"$APP" --headless "$OUT/missing.csv" -o "$OUT/missing.png" > /dev/null 2> "$OUT/missing.txt"
status=$?
sed 's/^/# missing: /' "$OUT/missing.txt"
check "a missing CSV is one error line naming it" \
  test "$status" -ne 0 -a "$(wc -l < "$OUT/missing.txt")" -eq 1 -a -n "$(grep missing.csv "$OUT/missing.txt")"
exit $FAILED
