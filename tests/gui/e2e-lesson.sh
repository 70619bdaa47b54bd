#!/bin/bash
# e2e-lesson.sh — a lesson in the real backprop-studio under a display:
# `--lesson FILE` opens it at step 1 (event log + a screenshot of the
# pane), Alt+N (Next's mnemonic) goes on only when the step allows it, the
# autosave keeps the lesson's step and a restart after kill -9 reopens it
# there, Alt+L leaves it, a malformed lesson opens nothing but says which
# file, step and field in a dialog (over the default experiment), and the
# main menu's Lessons opens a built-in lesson.
# Playing every step with answers is test-window-lesson.c's.
# TAP output.
#
#   xvfb-run -a -s "-screen 0 1280x1024x24" bash e2e-lesson.sh BACKPROP-STUDIO OUTDIR
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.log
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
LESSONS=$(cd "$(dirname "$0")/lessons" && pwd)
PLAY=$LESSONS/play.bplesson.json
BROKEN=$LESSONS/broken.bplesson.json
BUILTIN=$(cd "$(dirname "$0")/../../data/lessons" 2>/dev/null && pwd)

# Ctrl+Q; a question about unsaved changes is answered Discard (Shift+Tab
# from the default Save, then Return).
quit () {
  xdotool key ctrl+q
  for _ in $(seq 50); do
    grep -q '^CLOSE asking$' "$LOG" && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q '^CLOSE asking$' "$LOG"; then
    sleep 0.3
    xdotool key shift+Tab sleep 0.1 key Return
  fi
  app_ends "$PID" || return 1
  return "$ENDED_STATUS"
}
no_warnings () { ! grep -E 'CRITICAL|WARNING|Gtk-|GLib-' "$LOG"; }

echo "1..21"

# A state directory of its own: the autosave of this run only.
export XDG_STATE_HOME=$OUT/state
rm -rf "$XDG_STATE_HOME"

# ------------------------------------------------------------ first run
LOG=$OUT/events-1.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" --lesson "$PLAY" > "$LOG" 2>&1 &
PID=$!
check "--lesson opens the lesson: its id and 7 steps" wait_log '^LESSON-OPEN play 7$' 15
check "at step 1" wait_log '^LESSON-STEP 1$' 5
check "the window maps" wait_log '^MAPPED renderer=' 15
wait_log '^CANVAS ' 10
park
check "screenshot of the lesson's first step" shot lesson-step-1.png

xdotool key alt+n
check "Alt+N (Next) goes to step 2" wait_log '^LESSON-STEP 2$' 5
check "the lesson's step is autosaved" wait_log '^AUTOSAVED .* lesson-step=2 layers=[0-9]+$' 10
park
check "screenshot of step 2 and its question" shot lesson-step-2.png
# Step 2 waits for a right answer: Next is disabled and its key does
# nothing (an absence: given the time the step before needed at most).
xdotool key alt+n
sleep 1
check "Alt+N does not leave a question unanswered" bash -c "! grep -q '^LESSON-STEP 3$' '$LOG'"
check "no GTK warnings in the first run" no_warnings

kill -9 "$PID"
wait "$PID" 2>/dev/null

# ------------------------------------------------------------ second run
LOG=$OUT/events-2.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$LOG" 2>&1 &
PID=$!
check "started again, the autosave is restored" wait_log '^RESTORED ' 15
check "with the lesson" wait_log '^LESSON-OPEN play 7$' 5
check "at its step" wait_log '^LESSON-STEP 2$' 5
wait_log '^CANVAS ' 10
park
shot lesson-restored.png > /dev/null
xdotool key alt+l
check "Alt+L leaves the lesson" wait_log '^LESSON-LEAVE$' 5
quit
check "Ctrl+Q quits with status 0" test "$?" -eq 0
check "no GTK warnings in the second run" no_warnings

# ------------------------------------------------------------ a malformed lesson
LOG=$OUT/events-3.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" --lesson "$BROKEN" > "$LOG" 2>&1 &
PID=$!
check "a malformed lesson is refused with file, step and field" \
  wait_log "^LESSON-ERROR .*broken\.bplesson\.json.*step 2.*contineu" 15
check "the default experiment opens instead" wait_log '^MAPPED ' 15
check "without the lesson" bash -c "! grep -q '^LESSON-OPEN' '$LOG'"
sleep 0.5
check "screenshot of the message" shot lesson-error.png
# The dialog's Close, then the main window's title bar gives it the keys
# back (no window manager).
xdotool key Return sleep 0.3 mousemove 640 20 click 1 sleep 0.3
park
quit
check "it quits with status 0 and no GTK warnings" no_warnings

# ------------------------------------------------------------ the menu
# The main menu (F10): Lessons, then its first item, a built-in lesson.
LOG=$OUT/events-4.log
BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$LOG" 2>&1 &
PID=$!
wait_log '^CANVAS ' 15
if ls "$BUILTIN"/*.bplesson.json > /dev/null 2>&1; then
  xdotool key F10 sleep 0.6 key Return sleep 0.6 key Down sleep 0.3 key Return
  check "the main menu's Lessons opens a built-in lesson" wait_log '^LESSON-OPEN [a-z0-9-]+ [0-9]+$' 10
else
  ok "# SKIP no built-in lessons in $BUILTIN"
fi
quit

exit $FAILED
