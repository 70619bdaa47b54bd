#!/bin/bash
# walkthrough.sh — the editing issue's "done when", played by xdotool on
# the real app, with a screenshot at each stage: from the default
# experiment, spirals chosen in the sidebar, a 2-16-16-1 network built
# with the + buttons and palette drags alone, both hidden layers made
# sigmoid and trained, then relu dragged onto them (R for new weights)
# and trained, undo and redo of the run, Save As through the file
# chooser, Ctrl+Q, and the app started again without arguments.  TAP on
# standard output; the screenshots and event logs stay in OUTDIR.
#
#   tests/gui/walkthrough.sh BACKPROP-STUDIO OUTDIR [SECONDS-PER-RUN]
#
# Runs itself under xvfb-run when there is no display.  Not part of
# `meson test` (two training runs of SECONDS-PER-RUN, 25 by default);
# tests/gui/e2e-edit.sh checks the same steps one by one in CI.
set -u
APP=$(readlink -f "$1")
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
RUN=${3:-25}
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" bash "$0" "$APP" "$OUT" "$RUN"
fi
export GDK_BACKEND=x11 GTK_A11Y=none GSK_RENDERER=cairo
export XDG_STATE_HOME=$OUT/state XDG_DATA_HOME=$OUT/data XDG_CONFIG_HOME=$OUT/config
export GSETTINGS_BACKEND=keyfile BACKPROP_STUDIO_TRACE_EVENTS=1
export GSETTINGS_SCHEMA_DIR=$(dirname "$(dirname "$APP")")/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}
rm -rf "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$OUT"/*.png "$OUT"/*.log
MODEL=$OUT/spirals.bpmodel.json
rm -f "$MODEL"
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
# Drag the palette's ACTIVATION onto hidden layers 1 and 2.
activation_onto_hidden () {
  for l in 1 2; do
    local px py hx hy
    px=$(field "^PALETTE layer:$1 " x); py=$(field "^PALETTE layer:$1 " y)
    hx=$(field "^HEADER $l " x); hy=$(field "^HEADER $l " y)
    drag "$px" "$py" "$hx" "$((hy + 120))"
    wait_log "^EDIT Change activation of layer $l to $1 " 5
    sleep 0.5
  done
}
train () {
  xdotool key space
  wait_log '^TRAIN started' 5
  sleep "$RUN"
  xdotool key space
  wait_log "^EDIT Train [0-9]+ Steps" 10
}

echo "1..9"
LOG=$OUT/events-1.log
"$APP" > "$LOG" 2>&1 &
PID=$!
wait_log '^GAP 1 ' 15
park
shot 01-start.png
# The dataset: F9 opens the sidebar, the dataset row's list opens on a
# click; spirals is the third item.
xdotool key F9
wait_log '^SIDEBAR dataset ' 5
xdotool mousemove "$(field '^SIDEBAR dataset ' x)" "$(field '^SIDEBAR dataset ' y)" sleep 0.2 click 1
sleep 0.8
xdotool key Home Down Down Return
check "spirals chosen in the sidebar" wait_log '^EDIT Change dataset to spirals ' 5
xdotool key F9
sleep 1
# 8 → 16 units in each hidden layer with the + on its header.
for l in 1 2; do
  for _ in $(seq 8); do
    xdotool mousemove "$(field "^PLUS $l " x)" "$(field "^PLUS $l " y)" sleep 0.25 click 1 sleep 0.35
  done
done
park
sleep 0.5
check "a 2-16-16-1 network, by the + buttons" test "$(grep -c '^EDIT Add a unit to layer' "$LOG")" -eq 16
shot 02-2-16-16-1.png
activation_onto_hidden sigmoid
park
shot 03-sigmoid.png
train
sleep 1; park
shot 04-sigmoid-trained.png
check "sigmoid layers trained" grep -qE '^EDIT Train [0-9]+ Steps' "$LOG"
activation_onto_hidden relu
park
train
sleep 1; park
shot 05-relu-on-sigmoid-weights.png
xdotool key r
check "R: new weights for relu" wait_log '^EDIT Reset weights ' 5
train
sleep 1; park
shot 06-relu-trained.png
xdotool key ctrl+z
check "Ctrl+Z takes the run back" wait_log '^UNDO Train [0-9]+ Steps ' 5
sleep 1
shot 07-undone.png
xdotool key ctrl+shift+z
check "Ctrl+Shift+Z brings it again" wait_log '^REDO Train [0-9]+ Steps ' 5
sleep 1
shot 08-redone.png
xdotool key ctrl+s
sleep 2
shot 09-save-as.png
xdotool key ctrl+a
xdotool type --delay 20 "$MODEL"
xdotool key Return
check "saved through the file chooser" wait_log "^SAVED $MODEL " 10
SUM=$(field '^SAVED ' checksum)
# Without a window manager the focus does not come back by itself.
xdotool mousemove 640 20 click 1 sleep 0.5 key ctrl+q
check "Ctrl+Q quits without asking (saved)" app_ends "$PID" 100

LOG=$OUT/events-2.log
"$APP" > "$LOG" 2>&1 &
PID=$!
wait_log '^RESTORED ' 15
sleep 2; park
shot 10-reopened.png
check "started again: the same network, named by its file, nothing unsaved" \
  bash -c "test '$(field '^RESTORED ' checksum)' = '$SUM' && \
           xdotool search --name '^spirals.bpmodel.json — Backprop Studio\$' | grep -q ."
xdotool key ctrl+q
app_ends "$PID" 50
echo "# screenshots and logs in $OUT"
exit $FAILED
