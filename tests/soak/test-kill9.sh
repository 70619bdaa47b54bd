#!/usr/bin/env bash
# test-kill9.sh — nothing is lost when the program dies mid-save, as TAP.
#
#   test-kill9.sh SAVE_LOOP BACKPROP [ITERATIONS]
#
# bp_model_save_file writes a temporary file, fsyncs it and renames it over
# the target.  Here save-loop saves two versions of a half-megabyte model to
# OUT.json in turn, always starting with the version OUT.json does not hold,
# and is killed with SIGKILL: on odd iterations after a random delay (up to
# twice the time one save takes), on even ones at a random moment in the
# few milliseconds after its temporary file appears — inside write, fsync
# or rename, which random delays alone seldom hit.  Every time, OUT.json
# must be byte for byte the complete old or the complete new version, and
# `backprop info` must read it.  A kill inside a write leaves the temporary
# OUT.json.saving-PID-XXXXXX behind (the next save to OUT.json removes it,
# its writer being dead); those are counted here, to show that the kills
# did hit writes, and removed.

set -u

SAVE_LOOP=${1:?usage: test-kill9.sh SAVE_LOOP BACKPROP [ITERATIONS]}
BACKPROP=${2:?usage: test-kill9.sh SAVE_LOOP BACKPROP [ITERATIONS]}
ITERATIONS=${3:-200}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir kill9

"$SAVE_LOOP" --references "$WORK/a.json" "$WORK/b.json"
if "$BACKPROP" info "$WORK/a.json" >/dev/null && "$BACKPROP" info "$WORK/b.json" >/dev/null \
   && ! cmp -s "$WORK/a.json" "$WORK/b.json"; then
  ok "the two versions load and differ ($(wc -c <"$WORK/a.json") bytes)"
else
  bad "the two versions load and differ"
fi

save_ms=$("$SAVE_LOOP" --time)
echo "# one save takes $save_ms ms; killing at random within $((2 * save_ms + 20)) ms"

cp "$WORK/a.json" "$WORK/out.json"
torn=0
interrupted=0
unreadable=0
renewed=0
RANDOM=12345
for i in $(seq 1 "$ITERATIONS"); do
  if cmp -s "$WORK/out.json" "$WORK/a.json"; then first=b; else first=a; fi
  if [ $((i % 2)) -eq 1 ]; then
    "$SAVE_LOOP" "$WORK/out.json" "$first" &
    pid=$!
    # Milliseconds, as a decimal fraction of a second for sleep(1).
    delay=$((RANDOM % (2 * save_ms + 20)))
    sleep "$(printf '0.%03d' "$delay")"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  else
    "$SAVE_LOOP" --kill-in-write "$WORK/out.json" 1500 "$i" "$first" >/dev/null
  fi

  for t in "$WORK"/out.json.saving-*; do
    [ -e "$t" ] || continue
    interrupted=$((interrupted + 1))
    rm -f "$t"
  done
  if cmp -s "$WORK/out.json" "$WORK/$first.json"; then
    renewed=$((renewed + 1))
  elif ! cmp -s "$WORK/out.json" "$WORK/a.json" && ! cmp -s "$WORK/out.json" "$WORK/b.json"; then
    torn=$((torn + 1))
    echo "# iteration $i: out.json is neither version ($(wc -c <"$WORK/out.json") bytes)"
    cp "$WORK/a.json" "$WORK/out.json"
  fi
  if ! "$BACKPROP" info "$WORK/out.json" >/dev/null 2>"$WORK/info.err"; then
    unreadable=$((unreadable + 1))
    echo "# iteration $i: backprop info: $(head -n 1 "$WORK/info.err")"
  fi
done

echo "# $ITERATIONS kills: $interrupted inside a write (temporary file left behind)," \
     "$renewed after the new version was in place, $((ITERATIONS - renewed - torn)) before"
check "after $ITERATIONS kills out.json was always one complete version ($torn torn)" \
  [ "$torn" -eq 0 ]
check "backprop info read out.json after every kill ($unreadable failures)" \
  [ "$unreadable" -eq 0 ]
# The test means something only if kills landed inside writes, and on
# both sides of the rename.
check "at least a quarter of the kills interrupted a write ($interrupted)" \
  [ "$interrupted" -ge $((ITERATIONS / 4)) ]
check "some kills came before the rename, some after ($renewed after)" \
  [ "$renewed" -gt 0 -a "$renewed" -lt "$ITERATIONS" ]

tap_done
