#!/bin/bash
# e2e.sh — drives the real backprop-studio under a display with xdotool
# (key presses and a click on a known weight), takes screenshots with
# ImageMagick's import, and checks the app's event log
# (BACKPROP_STUDIO_TRACE_EVENTS=1).  TAP output.
#
#   xvfb-run -a -s "-screen 0 1280x1024x24" bash e2e.sh BACKPROP-STUDIO OUTDIR
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
LOG=$OUT/events.log
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
# quits_cleanly PID TENTHS WHAT: the app ends (see app_ends) with status 0
# and no GTK warnings in $LOG.
quits_cleanly () {
  if app_ends "$1" "$2"; then
    check "$3 with status 0 and no GTK warnings" \
      test "$ENDED_STATUS" -eq 0 -a -z "$(grep -E 'CRITICAL|WARNING|Gtk-|GLib-' "$LOG")"
  else
    bad "$3"
  fi
}

echo "1..23"

# A state directory of its own: no autosave of another run is restored.
export XDG_STATE_HOME=$OUT/state
rm -rf "$XDG_STATE_HOME"

BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$LOG" 2>&1 &
PID=$!

check "the window maps within 15 s" wait_log '^MAPPED renderer=' 15
check "the app says where weight W(2)₁,₃ is" wait_log '^PROBE edge 2 1 3 x=[0-9]+ y=[0-9]+' 10
sleep 0.3
check "screenshot at opening is not blank" shot open.png
WIN=$(xdotool search --onlyvisible --name '^Backprop Studio$' | head -1)
check "xdotool finds the window" test -n "$WIN"

xdotool key Right
check "→ takes the sample to the input" wait_log '^ACTION step phase=input layer=0' 5
xdotool key Right
xdotool key Right
check "→ → forward pass through layers 1 and 2" wait_log '^ACTION step phase=forward layer=2' 5
xdotool key Left
check "← steps back to layer 1" wait_log '^ACTION step-back phase=forward layer=1' 5
xdotool key g
check "G shows the gradients" wait_log '^ACTION gradients state=1' 5

# forward 2, forward 3, cost, backward 3, backward 2
for _ in 1 2 3 4 5; do xdotool key Right; sleep 0.05; done
check "→ reaches the backward pass at layer 2" wait_log '^ACTION step phase=backward layer=2' 5
sleep 0.15
check "screenshot in the middle of the backward pass" shot backward.png

X=$(field '^PROBE edge 2 1 3' x)
Y=$(field '^PROBE edge 2 1 3' y)
xdotool mousemove --window "$WIN" "$X" "$Y" click 1
check "a click on the weight selects W(2)₁,₃" wait_log '^SELECT edge 2 1 3$' 5
check "the inspector explains it" wait_log '^INSPECTOR edge 2 1 3 ' 5
line=$(grep -E '^INSPECTOR edge 2 1 3 ' "$LOG" | tail -1)
echo "# $line"
product=$(field '^INSPECTOR edge 2 1 3 ' product)
backprop=$(field '^INSPECTOR edge 2 1 3 ' backprop)
chain=$(field '^INSPECTOR edge 2 1 3 ' chain)
gradient=$(field '^INSPECTOR edge 2 1 3 ' gradient)
check "δ · a = the chain's product = the weight's gradient" \
  awk -v p="$product" -v b="$backprop" -v c="$chain" -v g="$gradient" 'BEGIN {
    d1 = p - c; if (d1 < 0) d1 = -d1; d2 = p - g; if (d2 < 0) d2 = -d2;
    m = p < 0 ? -p : p;
    exit !(p == b && m > 0 && d1 <= 1e-12 * m && d2 <= 1e-12 * m) }'
sleep 0.3
check "screenshot with the chain rule in the inspector" shot selected.png

# backward 1, update, then back across the update
xdotool key Right
xdotool key Right
wait_log '^ACTION step phase=update' 5
xdotool key Left
check "← steps back across the update" wait_log '^ACTION step-back phase=backward layer=1' 5

xdotool key space
check "Space trains on the worker" wait_log '^TRAIN started' 5
sleep 2.5
shot training.png > /dev/null
xdotool key space
check "Space pauses, and the worker hands back" wait_log '^TRAIN stopped step=[1-9]' 10

# Trained and not saved: Ctrl+Q asks; Discard (Shift+Tab from the
# default Save, Return) quits.
xdotool key ctrl+q
check "Ctrl+Q asks about the unsaved training" wait_log '^CLOSE asking$' 5
sleep 0.3
xdotool key shift+Tab sleep 0.1 key Return
quits_cleanly "$PID" 600 "Ctrl+Q quits"
# ---- The inspector against `backprop trace` on the same sample ---------------
# The numbers above all come from the app.  Here the app opens a model with
# inline weights whose dataset is one row repeated (so whichever row the
# shuffle gives the stepper, it is that one), steps to the backward pass at
# layer 2, and the inspector's δ, a, δ·a and batch gradient of W(2)₁,₃ must
# equal the command line's trace of the same model on that row.
CLI=$(dirname "$APP")/backprop
LOG2=$OUT/events-trace.log
/usr/bin/python3 - "$OUT/probe.bpmodel.json" "$OUT/one-row.csv" <<'PY'
import json, math, sys
W = lambda rows, cols, s: [[round(math.sin(s + 7 * j + 3 * k), 3) for k in range(cols)] for j in range(rows)]
model = {"format": "backprop-model/1", "name": "probe", "seed": 5,
         "layers": [{"in": 2, "out": 8, "activation": "tanh", "W": W(8, 2, 1), "b": [0.1] * 8},
                    {"in": 8, "out": 8, "activation": "tanh", "W": W(8, 8, 2), "b": [-0.05] * 8},
                    {"in": 8, "out": 1, "activation": "sigmoid", "W": W(1, 8, 3), "b": [0.2]}],
         "cost": "bce", "optimizer": {"id": "sgd", "lr": 0.1},
         "dataset": {"name": sys.argv[2], "test_fraction": 0},
         "training": {"epochs": 1, "batch_size": 1}}
json.dump(model, open(sys.argv[1], "w"), indent=1)
open(sys.argv[2], "w").write("x1,x2,y\n" + "0.35,-0.8,1\n" * 3)
PY
"$CLI" trace "$OUT/probe.bpmodel.json" --rows 1 > "$OUT/probe-trace.json" 2>"$OUT/probe-trace.err"
check "backprop trace runs on the probe model's row" test -s "$OUT/probe-trace.json"
LOG_MAIN=$LOG
LOG=$LOG2
XDG_STATE_HOME=$OUT/state-trace BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" "$OUT/probe.bpmodel.json" > "$LOG" 2>&1 &
PID2=$!
check "the app opens the probe model and says where W(2)₁,₃ is" wait_log '^PROBE edge 2 1 3 x=[0-9]+ y=[0-9]+' 15
sleep 0.3
WIN2=$(xdotool search --onlyvisible --name 'probe' | head -1)
[ -n "$WIN2" ] || WIN2=$(xdotool search --onlyvisible --name 'Backprop Studio' | tail -1)
# input, forward 1 2 3, cost, backward 3, backward 2
for _ in 1 2 3 4 5 6 7; do xdotool key --window "$WIN2" Right; sleep 0.05; done
wait_log '^ACTION step phase=backward layer=2' 5
X=$(field '^PROBE edge 2 1 3' x)
Y=$(field '^PROBE edge 2 1 3' y)
xdotool mousemove --window "$WIN2" "$X" "$Y" click 1
wait_log '^INSPECTOR edge 2 1 3 ' 5
echo "# $(grep -E '^INSPECTOR edge 2 1 3 ' "$LOG" | tail -1)"
check "the inspector's δ, a, δ·a and gradient of W(2)₁,₃ equal backprop trace's" \
  /usr/bin/python3 - "$OUT/probe-trace.json" "$(field '^INSPECTOR edge 2 1 3 ' delta)" \
    "$(field '^INSPECTOR edge 2 1 3 ' a)" "$(field '^INSPECTOR edge 2 1 3 ' product)" \
    "$(field '^INSPECTOR edge 2 1 3 ' gradient)" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["inputs"] == [[0.35, -0.8]], t["inputs"]
delta, a, product, gradient = map(float, sys.argv[2:6])
want = {"delta": t["layers"][1]["dC_dz"][0][0], "a": t["layers"][0]["a"][0][2],
        "product": t["layers"][1]["dW"][0][2], "gradient": t["layers"][1]["dW"][0][2]}
got = {"delta": delta, "a": a, "product": product, "gradient": gradient}
for k in want:
    ok = abs(got[k] - want[k]) <= 1e-12 * abs(want[k]) and want[k] != 0
    print("# %s: app %.17g, trace %.17g%s" % (k, got[k], want[k], "" if ok else "  <- differs"))
    assert ok, k
PY
xdotool key --window "$WIN2" ctrl+q
for _ in $(seq 50); do kill -0 $PID2 2>/dev/null || break; grep -q '^CLOSE asking' "$LOG" && break; sleep 0.1; done
if grep -q '^CLOSE asking' "$LOG"; then sleep 0.3; xdotool key shift+Tab sleep 0.1 key Return; fi
quits_cleanly "$PID2" 100 "the probe app quits"
LOG=$LOG_MAIN
echo "# log and screenshots in $OUT"
exit $FAILED
