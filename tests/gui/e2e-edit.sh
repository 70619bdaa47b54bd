#!/bin/bash
# e2e-edit.sh — editing the network in the real backprop-studio under a
# display: a palette item dragged onto the canvas with xdotool inserts a
# layer (event log + a screenshot that differs), Ctrl+Z / Ctrl+Shift+Z undo
# and redo it, Ctrl+S saves, and the saved file opens again as the same
# network (the checksum the app prints, and the file saved again byte for
# byte).  Then the autosave: started without a file it restores the
# experiment, and an edit followed by kill -9 is there at the next start.
# A skip's arc, selected, has a handle at its start: dragged with the mouse
# to another column it moves the skip's start (one undo step); Escape lets
# go of it; a drop on a column of another width is refused, saying why;
# the palette's skip dropped on a column that can only start one starts it.
# Last, the examples: each opens with its explanation, and the chain-rule
# quiz opens on its question; and a plugin copied
# into the user plugin folder while the app runs appears in the palette and
# in Preferences.
# TAP output.
#
#   xvfb-run -a -s "-screen 0 1280x1024x24" bash e2e-edit.sh BACKPROP-STUDIO OUTDIR GOOD-PLUGIN.so
#
# A CSV dropped on the window is not driven from here: xdotool cannot act
# as an XDND drag source for a file list, so test-window.c drives the same
# code path (bpv_window_open_file, through win.open-file).
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
GOOD_PLUGIN=${3:-}
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.log "$OUT"/*.json
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
# wait_since ANCHOR REGEX: until a line matching REGEX follows the last line
# matching ANCHOR.  The app prints where things are after each layout, so
# coordinates printed before an edit are stale until it has laid out the
# new network (under load that comes well after the edit's own line).
wait_since () {
  local end=$((SECONDS + XDO_MIN_WAIT))
  while :; do
    awk -v a="$1" -v r="$2" '$0 ~ a { seen = 0; armed = 1; next }
                             armed && $0 ~ r { seen = 1 }
                             END { exit !seen }' "$LOG" && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
# Pixels that differ between two screenshots (of the canvas area).
differ () {
  local n
  n=$(compare -metric AE -crop "$3" "$OUT/$1" "$OUT/$2" null: 2>&1 | cut -d' ' -f1)
  echo "# $1 vs $2 in $3: $n pixels differ"
  [ "${n%.*}" -gt "${4:-1000}" ] 2>/dev/null
}
same () { ! differ "$@"; }
# Scrolls the palette with the wheel until item $1 ("skip:nearest") is in
# the part it shows (PALETTE-VIEW): with every plugin loaded the list is
# taller than the window.  Each scroll logs the items' places again.
palette_show () {
  local y top bottom x
  for _ in $(seq 60); do
    y=$(field "^PALETTE $1 " y); x=$(field "^PALETTE $1 " x)
    top=$(field '^PALETTE-VIEW ' top); bottom=$(field '^PALETTE-VIEW ' bottom)
    [ -n "$y" ] && [ -n "$top" ] || return 1
    [ "$y" -gt $((top + 16)) ] && [ "$y" -lt $((bottom - 16)) ] && return 0
    xdotool mousemove "$x" $(((top + bottom) / 2)) click "$([ "$y" -ge $((bottom - 16)) ] && echo 5 || echo 4)"
    sleep 0.25
  done
  return 1
}
# Ctrl+Q; with `discard`, the unsaved-changes question it must ask is
# answered Discard (Shift+Tab from the default Save, then Return).
quit () {
  local asked
  asked=$(grep -c '^CLOSE asking$' "$LOG")
  xdotool key ctrl+q
  if [ "${1:-}" = discard ]; then
    for _ in $(seq 600); do
      [ "$(grep -c '^CLOSE asking$' "$LOG")" -gt "$asked" ] && break
      sleep 0.1
    done
    sleep 0.3
    xdotool key shift+Tab sleep 0.1 key Return
  fi
  app_ends "$PID" || return 1
  return "$ENDED_STATUS"
}

echo "1..54"

# State and data directories of its own (the autosave, user plugins).
export XDG_STATE_HOME=$OUT/state XDG_DATA_HOME=$OUT/data
rm -rf "$XDG_STATE_HOME" "$XDG_DATA_HOME"

MODEL=$OUT/net.bpmodel.json
cat > "$MODEL" <<'JSON'
{
  "format": "backprop-model/1",
  "name": "e2e",
  "seed": 7,
  "layers": [
    { "in": 2, "out": 6, "activation": "tanh" },
    { "in": 6, "out": 6, "activation": "tanh" },
    { "in": 6, "out": 1, "activation": "sigmoid" }
  ],
  "cost": "bce",
  "optimizer": { "id": "adam", "lr": 0.01 },
  "dataset": { "name": "moons", "rows": 200 }
}
JSON

# ------------------------------------------------------------ first run
LOG=$OUT/events-1.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" "$MODEL" > "$LOG" 2>&1 &
PID=$!
check "the model opens, named in the log" wait_log "^OPENED $MODEL layers=3 " 15
check "the window says where the palette and the gaps are" wait_log '^GAP 1 x=[0-9]+ y=[0-9]+' 10
park
CANVAS="$(field '^CANVAS' width)x$(field '^CANVAS' height)+$(field '^CANVAS' x)+$(field '^CANVAS' y)"
# Inside the focus ring the canvas may get.
INNER="$(( $(field '^CANVAS' width) - 8 ))x$(( $(field '^CANVAS' height) - 8 ))+$(( $(field '^CANVAS' x) + 4 ))+$(( $(field '^CANVAS' y) + 4 ))"
shot before.png > /dev/null

PX=$(field '^PALETTE layer:relu ' x); PY=$(field '^PALETTE layer:relu ' y)
GX=$(field '^GAP 1 ' x); GY=$(field '^GAP 1 ' y)
echo "# drag Dense·relu from $PX,$PY to the gap between a(1) and a(2) at $GX,$GY"
drag "$PX" "$PY" "$GX" "$GY" indicator.png
check "dropping Dense·relu between a(1) and a(2) inserts layer 2" \
  wait_log '^EDIT Insert layer 2 \(6 relu\) layers=4$' 5
check "while dragging, the drop indicator is drawn" differ before.png indicator.png "$CANVAS" 200
park
check "screenshot after the insert" shot inserted.png
check "the canvas shows the new layer" differ before.png inserted.png "$CANVAS" 2000
check "the title marks unsaved changes" \
  bash -c "xdotool search --name '^• net.bpmodel.json — Backprop Studio$' | grep -q ."

xdotool key ctrl+z
check "Ctrl+Z removes it again" wait_log '^UNDO Insert layer 2 \(6 relu\) layers=3$' 5
park
shot undone.png > /dev/null
check "after undo the canvas is as before" same before.png undone.png "$INNER" 50
xdotool key ctrl+shift+z
check "Ctrl+Shift+Z inserts it again" wait_log '^REDO Insert layer 2 \(6 relu\) layers=4$' 5

# The + drawn on layer 1's header adds a unit; Ctrl+Z takes it back.  (Its
# place in the four-layer layout, printed after the redo.)
wait_since '^REDO ' '^PLUS 1 '
X=$(field '^PLUS 1 ' x); Y=$(field '^PLUS 1 ' y)
xdotool mousemove "$X" "$Y" sleep 0.2 click 1
check "the + on layer 1's header adds a unit" wait_log '^EDIT Add a unit to layer 1 layers=4$' 5
xdotool key ctrl+z
wait_log '^UNDO Add a unit to layer 1 layers=4$' 5
xdotool key ctrl+s
check "Ctrl+S saves the model (no dialog: it has a file)" wait_log "^SAVED $MODEL layers=4 checksum=" 5
SUM1=$(field '^SAVED ' checksum)
check "the title has no unsaved mark after saving" \
  bash -c "xdotool search --name '^net.bpmodel.json — Backprop Studio$' | grep -q ."
cp "$MODEL" "$OUT/saved-1.json"
check "Ctrl+Q quits" quit

# ------------------------------------------------------------ second run
LOG=$OUT/events-2.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" "$MODEL" > "$LOG" 2>&1 &
PID=$!
check "the saved file opens again with four layers" wait_log "^OPENED $MODEL layers=4 " 15
SUM2=$(field '^OPENED ' checksum)
check "the same network (checksum $SUM1)" test -n "$SUM1" -a "$SUM1" = "$SUM2"
wait_log '^GAP 1 ' 10
sleep 0.3
xdotool key ctrl+s
wait_log "^SAVED $MODEL " 5
check "saved again unchanged, it is the same file byte for byte" cmp -s "$MODEL" "$OUT/saved-1.json"
quit
check "quitting autosaved the experiment" test -s "$XDG_STATE_HOME/backprop-studio/autosave.bpmodel.json"

# ------------------------------------------------ the autosave and kill -9
LOG=$OUT/events-3.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$LOG" 2>&1 &
PID=$!
check "started without a file, the autosaved experiment comes back" \
  wait_log '^RESTORED .*/autosave.bpmodel.json layers=4 ' 15
check "the same network as saved" test "$(field '^RESTORED ' checksum)" = "$SUM1"
wait_log '^GAP 2 ' 10
park
PX=$(field '^PALETTE layer:sigmoid ' x); PY=$(field '^PALETTE layer:sigmoid ' y)
GX=$(field '^GAP 2 ' x); GY=$(field '^GAP 2 ' y)
drag "$PX" "$PY" "$GX" "$GY"
wait_log '^EDIT Insert layer 3 \([0-9]+ sigmoid\) layers=5$' 5
check "an edit is autosaved within a second" wait_log '^AUTOSAVED .* layers=5$' 5
park
shot restored.png > /dev/null
kill -9 "$PID"
wait "$PID" 2>/dev/null

LOG=$OUT/events-4.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$LOG" 2>&1 &
PID=$!
check "after kill -9 the edit is still there" \
  wait_log '^RESTORED .*/autosave.bpmodel.json layers=5 ' 15
sleep 1
check "screenshot of the restored experiment (with its toast)" shot after-kill.png
# Restored, it is unsaved: the close button asks; Discard closes, and what
# was discarded is not restored next time.
xdotool mousemove 1251 27 click 1
check "closing with unsaved changes asks" wait_log '^CLOSE asking$' 5
sleep 0.5
shot close-question.png > /dev/null
# Discard: the middle button of the question (no window manager: it sits
# at the top left of the screen).
xdotool mousemove 180 141 click 1
app_ends "$PID"
check "Discard closes, and the discarded autosave is gone" \
  bash -c "grep -q '^CLOSE discard$' '$LOG' && test ! -e '$XDG_STATE_HOME/backprop-studio/autosave.bpmodel.json'"

# ------------------------------------------------------ a skip's handle
# The arc of a skip is clicked (selected: its handle shows at its start),
# the handle dragged with the mouse to a(1) moves the skip's start (one
# step, Ctrl+Z takes it back); Escape during a drag changes nothing; a
# drop on a(0), of another width, is refused with the reason.
SKIPMODEL=$OUT/skip.bpmodel.json
cat > "$SKIPMODEL" <<'JSON'
{
  "format": "backprop-model/1",
  "name": "skip",
  "seed": 7,
  "layers": [
    { "in": 2, "out": 6, "activation": "tanh" },
    { "in": 6, "out": 6, "activation": "tanh" },
    { "in": 6, "out": 6, "activation": "tanh", "skip_from": 2 },
    { "in": 6, "out": 1, "activation": "sigmoid" }
  ],
  "cost": "bce",
  "optimizer": { "id": "adam", "lr": 0.01 },
  "dataset": { "name": "moons", "rows": 200 }
}
JSON
LOG=$OUT/events-skip.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" "$SKIPMODEL" > "$LOG" 2>&1 &
PID=$!
wait_log "^OPENED $SKIPMODEL layers=4 " 15
wait_log '^GAP 1 ' 10
park
shot skip-before.png > /dev/null
SCANVAS="$(field '^CANVAS' width)x$(field '^CANVAS' height)+$(field '^CANVAS' x)+$(field '^CANVAS' y)"
AX=$(field '^SKIP-ARC n=3 from=2 ' x); AY=$(field '^SKIP-ARC n=3 from=2 ' y)
xdotool mousemove "$AX" "$AY" sleep 0.2 click 1
check "a click on the arc a(2) → a(3) selects it" wait_log '^SELECT skip 2 3$' 5
check "its handle is placed at its start" wait_log '^SKIP-HANDLE at n=3 from=2 ' 5
sleep 0.3
check "screenshot of the selected arc with its handle" shot skip-selected.png
HX=$(field '^SKIP-HANDLE at n=3 ' x); HY=$(field '^SKIP-HANDLE at n=3 ' y)
CX=$(field '^COLUMN 1 ' x); CY=$(field '^COLUMN 1 ' y)
echo "# drag the handle from $HX,$HY to a(1) at $CX,$CY"
drag "$HX" "$HY" "$CX" "$CY" skip-handle-drag.png
check "pressed on the handle, the drag takes it" wait_log '^SKIP-HANDLE begin n=3 from=2$' 5
check "dropped on a(1), the skip starts there: one step" \
  wait_log '^EDIT Move skip connection a\(2\) → a\(3\) to a\(1\) → a\(3\) layers=4$' 5
check "while dragging, the sources and the new arc are drawn" \
  differ skip-before.png skip-handle-drag.png "$SCANVAS" 200
xdotool key ctrl+z
check "Ctrl+Z puts the start back at a(2)" \
  wait_log '^UNDO Move skip connection a\(2\) → a\(3\) to a\(1\) → a\(3\)' 5
# Selected again (undo cleared the selection); a drag let go of by Escape.
wait_since '^UNDO ' '^SKIP-ARC n=3 from=2 '
AX=$(field '^SKIP-ARC n=3 from=2 ' x); AY=$(field '^SKIP-ARC n=3 from=2 ' y)
xdotool mousemove "$AX" "$AY" sleep 0.2 click 1
wait_since '^UNDO ' '^SKIP-HANDLE at n=3 from=2 '
HX=$(field '^SKIP-HANDLE at n=3 ' x); HY=$(field '^SKIP-HANDLE at n=3 ' y)
xdotool mousemove "$HX" "$HY" mousedown 1 sleep 0.15 mousemove $((HX + 12)) $((HY + 6)) sleep 0.15 \
        mousemove "$CX" "$CY" sleep 0.2 mousemove $((CX + 2)) $((CY + 2)) sleep 0.2 \
        key Escape sleep 0.3 mouseup 1
check "Escape lets go of the handle" wait_log '^SKIP-HANDLE cancel n=3$' 5
sleep 0.3
check "… and nothing changed (no edit after the undo)" \
  bash -c "! sed -n '/^UNDO /,\$p' '$LOG' | grep -q '^EDIT '"
# Dropped on a(0) (2 units, a(3) has 6): refused, and why.
C0X=$(field '^COLUMN 0 ' x); C0Y=$(field '^COLUMN 0 ' y)
drag "$HX" "$HY" "$C0X" "$C0Y" skip-handle-refused.png
check "dropped on a(0), it is refused with both widths" \
  wait_log '^EDIT refused: cannot start the skip into a\(3\) at a\(0\): a\(0\) has 2 units and a\(3\) has 6' 5
sleep 0.3
shot skip-refused-toast.png > /dev/null
# "Skip connection" from the palette onto a(1), which no earlier a(j) is as
# wide as: a(1) starts the skip, into a(2), and the new arc is selected.
check "the palette scrolls to its skip item" palette_show skip:nearest
PX=$(field '^PALETTE skip:nearest ' x); PY=$(field '^PALETTE skip:nearest ' y)
drag "$PX" "$PY" "$CX" "$CY"
check "the palette's skip dropped on a(1) starts there: a(1) → a(2)" \
  wait_log '^EDIT Add skip connection a\(1\) → a\(2\) layers=4$' 5
check "… and the new arc is selected, its handle shown" wait_log '^SELECT skip 1 2$' 5
quit discard

# ------------------------------------------------------------ the examples
LOG=$OUT/events-5.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" --example chain-rule > "$LOG" 2>&1 &
PID=$!
check "the chain-rule example opens with its explanation" \
  wait_log '^EXAMPLE chain-rule layers=2$' 15
check "the chain-rule example opens the Quiz pane on “which expression is ∂a(2)/∂a(1)?”" \
  wait_log '^QUIZ-QUESTION expr-da-da$' 15
wait_log '^MAPPED ' 10
sleep 0.3
for _ in 1 2 3 4 5 6 7; do xdotool key Right; sleep 0.05; done
check "an unanswered question stays while the learner steps (no new question)" \
  bash -c "for _ in \$(seq 100); do test \$(grep -c '^ACTION step ' '$LOG') -ge 7 && break; sleep 0.1; done
           test \$(grep -c '^ACTION step ' '$LOG') -ge 7 && test \$(grep -c '^QUIZ-QUESTION ' '$LOG') -eq 1"
sleep 0.3
shot example-chain-rule.png > /dev/null
# The steps trained the network: Ctrl+Q asks, Escape (Cancel) keeps it
# open, a second Ctrl+Q asks once more, and Discard quits.
xdotool key ctrl+q
check "Ctrl+Q with unsaved changes asks first" wait_log '^CLOSE asking$' 5
sleep 0.3
shot quit-question.png > /dev/null
xdotool key Escape
# (the cancel logged, then the app still there: no sleep-and-look)
check "Cancel keeps the window open" \
  eval "wait_log '^CLOSE cancel$' && kill -0 $PID"
check "Ctrl+Q again, Discard: the app quits" quit discard
ALL=1
for ex in xor spirals-sigmoid spirals-relu deep-sigmoid iris digits; do
  LOG=$OUT/events-example-$ex.log
  BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" --example $ex > "$LOG" 2>&1 &
  PID=$!
  if wait_log "^EXAMPLE $ex layers=[0-9]+$" 15 && wait_log '^EXPLAIN .' 2 && wait_log '^MAPPED' 10; then
    sleep 0.5
    shot "example-$ex.png" > /dev/null || ALL=0
  else
    echo "# example $ex did not open"; ALL=0
  fi
  quit || ALL=0
done
check "the other six examples open, each with its explanation" test $ALL -eq 1

# ------------------------------------------- a plugin arrives while running
LOG=$OUT/events-plugin.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" --example xor > "$LOG" 2>&1 &
PID=$!
wait_log '^PALETTE layer:tanh ' 15
xdotool key ctrl+comma
check "Ctrl+, opens the preferences" wait_log '^PREFERENCES shown' 5
mkdir -p "$XDG_DATA_HOME/backprop-studio/plugins"
cp "$GOOD_PLUGIN" "$XDG_DATA_HOME/backprop-studio/plugins/"
check "a plugin copied into the user folder is loaded without a restart" \
  wait_log '^PLUGINS rescanned added=1$' 10
check "its activation is in the palette" wait_log '^PALETTE layer:bent_identity x=[0-9]+ y=[0-9]+' 5
sleep 0.5
shot plugin-loaded.png > /dev/null
# An activation dropped onto layer 1 changes it (a built-in: the new item
# is below the palette's visible part); a header dragged off
# the canvas (onto the palette) removes its layer.  (Escape closes the
# preferences, which cover the palette.)
xdotool key Escape
sleep 0.5
wait_log '^HEADER 1 ' 5
PX=$(field '^PALETTE layer:relu ' x); PY=$(field '^PALETTE layer:relu ' y)
HX=$(field '^HEADER 1 ' x); HY=$(field '^HEADER 1 ' y)
drag "$PX" "$PY" "$HX" "$((HY + 60))"
check "an activation dropped onto a layer changes it" \
  wait_log '^EDIT Change activation of layer 1 to relu layers=2$' 5
# The keyboard focus: without a window manager it does not come back from
# the closed preferences by itself (a click on the title gives it back).
xdotool mousemove 640 20 click 1 sleep 0.3 key ctrl+z
check "Ctrl+Z undoes the dropped activation" \
  wait_log '^UNDO Change activation of layer 1 to relu' 5
sleep 0.3
HX=$(field '^HEADER 1 ' x); HY=$(field '^HEADER 1 ' y)
drag "$HX" "$HY" 60 500
check "a layer dragged off the canvas by its header is removed" \
  wait_log '^EDIT Remove layer 1 \(4 tanh\) layers=1$' 5
xdotool key ctrl+z
wait_log '^UNDO Remove layer 1' 5
park
# Closed by its header bar's close button (top right; the window spans the
# screen's width): nothing unsaved, so it closes without asking.
xdotool mousemove 1251 27 click 1
if app_ends "$PID"; then ok "the close button closes the window, the app exits"
else bad "the close button closes the window"; fi

check "no GTK criticals or warnings in any run" \
  test -z "$(grep -hE 'CRITICAL|WARNING|Gtk-|GLib-' "$OUT"/events-*.log)"
check "screenshot of the chain-rule example" test -s "$OUT/example-chain-rule.png"
echo "# logs and screenshots in $OUT"
exit $FAILED
