#!/bin/bash
# test-headless.sh — backprop-studio without a display: one line saying so
# on stderr, then the default experiment is trained and drawn to a PNG that
# is not blank.  TAP output.
#
#   bash test-headless.sh BACKPROP-STUDIO OUTDIR
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
rm -f "$OUT/headless.png"
N=0
FAILED=0
ok ()  { N=$((N + 1)); echo "ok $N - $*"; }
bad () { N=$((N + 1)); FAILED=1; echo "not ok $N - $*"; }
check () { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

echo "1..5"
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
exit $FAILED
