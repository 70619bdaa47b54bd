#!/bin/bash
# app-soak.sh — the real backprop-studio under a display for SECONDS, with
# training running and the canvas animating, while a seeded random
# sequence of user actions is fired at it with xdotool: Space, the step
# keys, the view toggles (g n d v c), reset, clicks on neurons, headers and
# weights, Delete, + and −, Ctrl+Shift+L, palette items dragged onto gaps
# (a new layer) and onto layers (another activation), Ctrl+Z,
# Ctrl+Shift+Z, zoom, and another dataset chosen in the sidebar.  The
# app's event log (BACKPROP_STUDIO_TRACE_EVENTS) says where things are and
# what happened.  Its memory (VmRSS) is sampled all along.  TAP output.
#
#   tests/soak/app-soak.sh BACKPROP-STUDIO SECONDS OUTDIR [SEED [EXAMPLE]]
#
# Verdict: the app is alive after every action and exits 0 on Ctrl+Q; no
# line of its stdout or stderr matches WARNING|CRITICAL|Gtk-|GLib-|
# Adwaita-|runtime error|AddressSanitizer; in a first tour, every kind of
# action had its effect (its event is in the log); the dataset changed;
# and memory is flat: the median VmRSS of the last 20 % of the samples is
# at most max(10 %, 8 MiB) above the median of the first 20 % after the
# warm-up (300 s from 20 minutes on, 60 s from 4; a run shorter than
# 240 s: a quarter of it, and
# max(20 %, 24 MiB), see below).  Printed: the seed, the actions by kind,
# the steps trained, RSS after the warm-up, at the end and at most.
#
# Without a DISPLAY it runs itself under xvfb-run; with one, it types and
# clicks there (so not on a desktop in use: `env -u DISPLAY`).
# Everything it writes is in OUTDIR: events.log (the app's stdout),
# stderr.log, actions.log (what was fired when), rss.tsv (seconds; VmRSS,
# RssAnon, RssFile in kB), start.png, end.png, and the app's own XDG
# state/data/config/cache folders.  SEED (default: from the clock) replays
# the same sequence of choices (not the same timing); EXAMPLE opens
# `--example EXAMPLE` instead of the default experiment (2-8-8-1 on moons).
# A core dump, if any, is where /proc/sys/kernel/core_pattern says.
#
# meson registers a 50-s run (suite hardening, test app-soak-short);
# tests/hardening.sh long runs 1800 s.  An AddressSanitizer build (found
# with ldd; SOAK_ASAN=0/1 overrides) gets longer time-outs, and its RSS is
# mostly shadow memory and the quarantine of freed blocks, not the app's
# heap: the growth is printed, and judged only against
# SOAK_RSS_GROWTH_MB when that is set.
set -u

if [ $# -lt 3 ]; then
  echo "usage: $0 BACKPROP-STUDIO SECONDS OUTDIR [SEED [EXAMPLE]]" >&2
  exit 2
fi
if [ -z "${DISPLAY:-}" ]; then
  if ! command -v xvfb-run > /dev/null; then
    echo "Bail out! no DISPLAY and no xvfb-run (apt-get install xvfb xauth)"
    exit 1
  fi
  exec xvfb-run -a -s "-screen 0 1280x1024x24" bash "$0" "$@"
fi
for tool in xdotool import convert compare; do
  if ! command -v $tool > /dev/null; then
    echo "Bail out! $tool not found (apt-get install xdotool imagemagick)"
    exit 1
  fi
done

APP=$1
SECS=$2
OUT=$3
SEED=${4:-$(( $(date +%s%N) / 1000 % 1000000 ))}
# The seed is printed first, given or drawn, so that any failure can be
# replayed; CI (meson's app-soak-short) always gives one.
case $SEED in
  ''|*[!0-9]*) echo "Bail out! SEED must be a whole number, got “$SEED”"; exit 2 ;;
esac
if [ -n "${4:-}" ]; then SEED_FROM="given"; else SEED_FROM="from the clock"; fi
echo "# seed $SEED ($SEED_FROM); replay with: $0 $1 $2 OUTDIR $SEED${5:+ $5}"
EXAMPLE=${5:-}
# An AddressSanitizer build is slower, and its RSS is mostly shadow memory
# and the quarantine of freed blocks.
if ldd "$APP" 2> /dev/null | grep -q libasan; then ASAN=1; else ASAN=0; fi
ASAN=${SOAK_ASAN:-$ASAN}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT"/state "$OUT"/data "$OUT"/config "$OUT"/cache
rm -f "$OUT"/*.png "$OUT"/*.log "$OUT"/rss.tsv
LOG=$OUT/events.log
ERR=$OUT/stderr.log
ACTIONS=$OUT/actions.log
RSS=$OUT/rss.tsv

export GDK_BACKEND=x11 GTK_A11Y=none GSK_RENDERER=cairo NO_AT_BRIDGE=1
export GSETTINGS_BACKEND=memory
export XDG_STATE_HOME=$OUT/state XDG_DATA_HOME=$OUT/data
export XDG_CONFIG_HOME=$OUT/config XDG_CACHE_HOME=$OUT/cache
export BACKPROP_STUDIO_TRACE_EVENTS=1
unset MALLOC_PERTURB_   # a soak measures the app, not glibc's debugging aid
ulimit -c unlimited 2> /dev/null

# Sampling every 10 s gives a long run enough samples; a short one needs
# them more often.  The warm-up: fonts, glyph and heat-map caches, the
# trainer's buffers, the first of each dataset.
if [ "$SECS" -ge 300 ]; then SAMPLE=10; else SAMPLE=2; fi
# A run of 20 minutes or more leaves out its first 5: the undo history
# takes about that long to fill its 200 steps (some 0.66 edits a second
# here), and the labels' font map its 128 fonts; both are bounded caches,
# not growth.
if [ "$SECS" -ge 1200 ]; then WARMUP=300
elif [ "$SECS" -ge 240 ]; then WARMUP=60
else WARMUP=$(( SECS / 4 )); fi
# How much the median may grow: max(10 %, 8 MiB) in a long run.  In its
# first minutes the app's RSS climbs by some 10 MB (library and font pages
# touched for the first time, caches filling), and its anonymous part
# swings by ±10 MB within seconds (image surfaces of the canvas and plots
# mapped and unmapped); measured on 50-s runs without a leak: −9 to
# +14 MB.  A short run therefore allows max(20 %, 24 MiB): it catches a
# gross leak (64 KB per canvas redraw grew 33 MB in 50 s), the long run
# the slow ones.
if [ "$SECS" -ge 240 ]; then GROW_PCT=10 GROW_KB=8192; else GROW_PCT=20 GROW_KB=24576; fi
if [ "$ASAN" = 1 ]; then SLOW=3; else SLOW=1; fi

. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
count () { grep -cE "$1" "$LOG"; }
# wait_more REGEX N [SECONDS]: until more than N lines match.  As with
# wait_log, the deadline bounds a hang (never below XDO_MIN_WAIT); it is
# no claim about how fast a loaded machine answers.
wait_more () {
  local s=${3:-$XDO_MIN_WAIT}
  [ "$s" -lt "$XDO_MIN_WAIT" ] && s=$XDO_MIN_WAIT
  local end=$((SECONDS + s))
  while :; do
    [ "$(count "$1")" -gt "$2" ] && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
alive () { kill -0 "$PID" 2> /dev/null; }
# The latest coordinates: what the app printed since its last CANVAS line.
probe () { tac "$LOG" | sed '/^CANVAS /q' | tac; }
layers () {
  local n
  n=$(grep -E '^(EDIT|UNDO|REDO|EXAMPLE|OPENED|RESTORED) .*layers=[0-9]+( |$)' "$LOG" | tail -1 \
      | sed -E 's/.*layers=([0-9]+).*/\1/')
  echo "${n:-3}"
}
running () { grep -E '^TRAIN (started|stopped)' "$LOG" | tail -1 | grep -q started; }
sidebar_shown () { grep -E '^ACTION reveal-flap state=' "$LOG" | tail -1 | grep -q 'state=1'; }
# inside X Y: the point is on the canvas.  Zoomed in, a header's place can
# be above it, even off the screen; xdotool then clicks at y = 0, on the
# window's resize border (GTK warns there is no window manager to resize).
inside () {
  local p cx cy cw ch
  p=$(probe)
  cx=$(field '^CANVAS ' x - <<< "$p"); cy=$(field '^CANVAS ' y - <<< "$p")
  cw=$(field '^CANVAS ' width - <<< "$p"); ch=$(field '^CANVAS ' height - <<< "$p")
  [ -n "$1" ] && [ -n "$2" ] && [ -n "$cx" ] \
    && [ "$1" -gt $(( cx + 4 )) ] && [ "$1" -lt $(( cx + cw - 4 )) ] \
    && [ "$2" -gt $(( cy + 4 )) ] && [ "$2" -lt $(( cy + ch - 4 )) ]
}

# r N: a number in [0, N) from the seeded sequence (bash's own RNG; no
# subshell, so every draw advances the one sequence).
RANDOM=$SEED
r () { R=$(( RANDOM % $1 )); }

# ------------------------------------------------------------------ kinds
# name weight, and one function each; a function returns 1 when it could
# not act in the present state (then it is not counted).
#
# The network must not drift bigger over the run, or its memory grows with
# it and "flat" means nothing (a first 30-minute run ended with 64-20-18-
# 18-19-19-18-20-10 from 2-8-8-1): layers are removed as often as they
# are inserted, and − is pressed more often than + (new layers come with
# about 8 units; − at 1 unit is refused).
KINDS=(play step view reset select remove width insert drag-insert drag-activation undo redo zoom dataset)
WEIGHTS=(4 10 10 2 10 8 8 4 4 4 8 5 2 3)
declare -A FIRED EXPECT
for k in "${KINDS[@]}"; do FIRED[$k]=0; done
# What each kind makes the app print, checked in the tour (below), where
# the state makes each of them possible.  (Zooming prints nothing.)
EXPECT[play]='^ACTION (play|autoplay) '
EXPECT[step]='^ACTION (step|step-back|step-phase)( |$)'
EXPECT[view]='^(ACTION (gradients|global-scale|show-derivatives|show-values) state=|CHECK )'
EXPECT[reset]='^ACTION reset'
EXPECT[select]='^SELECT (neuron|edge|none)'
EXPECT[remove]='^EDIT Remove layer'
EXPECT[width]='^EDIT (Add a unit to|Remove unit) '
EXPECT[insert]='^EDIT Insert layer'
EXPECT[drag-insert]='^EDIT Insert layer'
EXPECT[drag-activation]='^DROP layer:[a-z_]+ slot=layer '   # (maybe the same one)
EXPECT[undo]='^UNDO '
EXPECT[redo]='^REDO '
EXPECT[zoom]=
EXPECT[dataset]='^DATASET '
# The tour: every kind once, first, in an order where each one can act
# (a redo after an undo, Delete with a hidden layer and nothing selected,
# the dataset from moons).  In the tour the variants with an effect are
# chosen (+, not −, which is refused at width 1).
TOUR=(drag-insert undo redo insert remove width drag-activation dataset
      play step view reset select zoom)
TOURING=1
MAX_LAYERS=8

palette_item () {
  local p cy ch items
  p=$(probe)
  cy=$(field '^CANVAS ' y - <<< "$p"); ch=$(field '^CANVAS ' height - <<< "$p")
  # Only the items the palette's scrolled list shows.
  mapfile -t items < <(grep -E '^PALETTE layer:' <<< "$p" \
    | awk -v lo="$cy" -v hi="$(( cy + ch - 20 ))" \
        '{ split($4, y, "="); if (y[2] > lo + 40 && y[2] < hi) print }')
  [ ${#items[@]} -gt 0 ] || return 1
  r ${#items[@]}
  PI_NAME=$(cut -d' ' -f2 <<< "${items[$R]}")
  PI_X=$(tr ' ' '\n' <<< "${items[$R]}" | sed -n 's/^x=//p')
  PI_Y=$(tr ' ' '\n' <<< "${items[$R]}" | sed -n 's/^y=//p')
}

act_play () {
  r 5
  if [ $R -eq 0 ]; then xdotool key shift+space; DETAIL=shift+space; else xdotool key space; DETAIL=space; fi
}
act_step () {
  local keys=(Right Right Right Right Right Left Left Left shift+Right shift+Right)
  r ${#keys[@]}; [ $TOURING -eq 1 ] && R=0   # (← needs a step to go back to)
  DETAIL=${keys[$R]}
  xdotool key "$DETAIL"
}
act_view () {
  local keys=(g n d v g n d v c)
  r ${#keys[@]}; [ $TOURING -eq 1 ] && R=0
  DETAIL=${keys[$R]}
  xdotool key "$DETAIL"
}
act_reset () { xdotool key r; DETAIL=r; }
act_select () {
  local p x y cx cy cw ch n
  p=$(probe)
  cx=$(field '^CANVAS ' x - <<< "$p"); cy=$(field '^CANVAS ' y - <<< "$p")
  cw=$(field '^CANVAS ' width - <<< "$p"); ch=$(field '^CANVAS ' height - <<< "$p")
  [ -n "$cx" ] || return 1
  n=$(grep -c '^HEADER ' <<< "$p")
  r 4; [ $TOURING -eq 1 ] && R=3
  case $R in
    0)  # a layer's header
      [ "$n" -gt 0 ] || return 1
      r "$n"; x=$(field "^HEADER $((R + 1)) " x - <<< "$p"); y=$(field "^HEADER $((R + 1)) " y - <<< "$p")
      DETAIL="header $((R + 1))" ;;
    1)  # the weight W(2)1,3 when there is one
      x=$(field '^PROBE edge ' x - <<< "$p"); y=$(field '^PROBE edge ' y - <<< "$p")
      [ -n "$x" ] || return 1
      DETAIL="edge 2 1 3" ;;
    2)  # somewhere in a layer's column: a neuron, or nothing
      [ "$n" -gt 0 ] || return 1
      r "$n"; x=$(field "^HEADER $((R + 1)) " x - <<< "$p")
      r $(( ch * 3 / 4 )); y=$(( cy + ch / 8 + R ))
      DETAIL="column" ;;
    *)  # anywhere on the canvas
      r $(( cw - 20 )); x=$(( cx + 10 + R ))
      r $(( ch - 20 )); y=$(( cy + 10 + R ))
      DETAIL="anywhere" ;;
  esac
  inside "$x" "$y" || return 1
  xdotool mousemove "$x" "$y" sleep 0.1 click 1
  DETAIL="$DETAIL $x,$y"
}
act_remove () { xdotool key Delete; DETAIL=Delete; }
act_width () {
  local p x y
  r 10
  [ $TOURING -eq 1 ] && R=0
  case $R in
    0|1) xdotool key plus; DETAIL=plus ;;
    2|3|4|5|6|7|8) xdotool key minus; DETAIL=minus ;;
    *)   # the + drawn on a hidden layer's header
      p=$(probe)
      x=$(field '^PLUS 1 ' x - <<< "$p"); y=$(field '^PLUS 1 ' y - <<< "$p")
      inside "$x" "$y" || return 1
      xdotool mousemove "$x" "$y" sleep 0.2 click 1
      DETAIL="PLUS 1 $x,$y" ;;
  esac
}
act_insert () {
  [ "$(layers)" -lt $MAX_LAYERS ] || return 1
  xdotool key ctrl+shift+l; DETAIL=ctrl+shift+l
}
act_drag_insert () {
  local p n gx gy
  [ "$(layers)" -lt $MAX_LAYERS ] || return 1
  palette_item || return 1
  p=$(probe)
  n=$(grep -c '^GAP ' <<< "$p")
  [ "$n" -gt 0 ] || return 1
  r "$n"
  gx=$(field "^GAP $R " x - <<< "$p"); gy=$(field "^GAP $R " y - <<< "$p")
  inside "$gx" "$gy" || return 1
  drag "$PI_X" "$PI_Y" "$gx" "$gy"
  DETAIL="$PI_NAME to gap $R"
}
act_drag_activation () {
  local p n hx hy
  palette_item || return 1
  p=$(probe)
  n=$(grep -c '^HEADER ' <<< "$p")
  [ "$n" -gt 0 ] || return 1
  r "$n"
  hx=$(field "^HEADER $((R + 1)) " x - <<< "$p"); hy=$(field "^HEADER $((R + 1)) " y - <<< "$p")
  [ -n "$hy" ] || return 1
  DETAIL="$PI_NAME onto layer $((R + 1))"
  r 200; hy=$(( hy + 60 + R ))
  inside "$hx" "$hy" || return 1
  drag "$PI_X" "$PI_Y" "$hx" "$hy"
}
act_undo () { xdotool key ctrl+z; DETAIL=ctrl+z; }
act_redo () { xdotool key ctrl+shift+z; DETAIL=ctrl+shift+z; }
act_zoom () {
  local keys=(ctrl+plus ctrl+minus ctrl+0)
  r 3; DETAIL=${keys[$R]}
  xdotool key "$DETAIL"
}
# F9 slides the sidebar in; its first row is the dataset (the app prints
# where); a click opens the list, the arrows and Return choose; F9 again.
close_sidebar () {
  local i
  for i in 1 2 3; do
    sidebar_shown || return 0
    if [ $i -eq 2 ]; then xdotool key Escape; sleep 0.3; sidebar_shown || return 0; fi
    xdotool key F9
    sleep 0.6
  done
  ! sidebar_shown
}
act_dataset () {
  local n0 d0 x y k dir
  n0=$(count '^SIDEBAR dataset ')
  d0=$(count '^DATASET ')
  xdotool key F9
  if ! wait_more '^SIDEBAR dataset ' "$n0" $(( 3 * SLOW )); then
    close_sidebar
    return 1
  fi
  x=$(field '^SIDEBAR dataset ' x); y=$(field '^SIDEBAR dataset ' y)
  if [ "${x:--1}" -lt 0 ] || [ "${y:--1}" -lt 0 ]; then
    close_sidebar
    return 1
  fi
  xdotool mousemove "$x" "$y" sleep 0.1 click 1 sleep 0.6
  r 8; k=$(( R + 1 ))
  r 2; if [ $R -eq 0 ]; then dir=Up; else dir=Down; fi
  # In the tour, surely another one (the list ends with digits).
  if [ $TOURING -eq 1 ]; then
    k=1; if [ "$EXAMPLE" = digits ]; then dir=Up; else dir=Down; fi
  fi
  xdotool key --repeat $k --delay 60 $dir sleep 0.1 key Return
  wait_more '^DATASET ' "$d0" $(( 4 * SLOW )) || true
  DETAIL="$dir x$k -> $(grep '^DATASET ' "$LOG" | tail -1 | cut -d' ' -f2)"
  sleep 0.3
  close_sidebar
}

pick_kind () {
  local total=0 w i
  for w in "${WEIGHTS[@]}"; do total=$(( total + w )); done
  r $total
  for i in "${!KINDS[@]}"; do
    R=$(( R - WEIGHTS[i] ))
    if [ $R -lt 0 ]; then KIND=${KINDS[$i]}; return; fi
  done
}

# ---------------------------------------------------------------- the run
echo "1..11"
echo "# seed $SEED, $SECS s of actions, RSS every $SAMPLE s, warm-up $WARMUP s${EXAMPLE:+, example $EXAMPLE}"
echo "# replay: $0 $APP $SECS OUTDIR $SEED $EXAMPLE"

if [ -n "$EXAMPLE" ]; then
  "$APP" --example "$EXAMPLE" > "$LOG" 2> "$ERR" &
else
  "$APP" > "$LOG" 2> "$ERR" &
fi
PID=$!
T0=$(date +%s)

# VmRSS every SAMPLE seconds, from the start (the warm-up is left out of
# the verdict, not out of the figures), with its two parts: anonymous
# memory (the heap, image surfaces: where a leak shows) and file pages
# (libraries and fonts, paged in as they are first used).
(
  while kill -0 "$PID" 2> /dev/null; do
    kb=$(awk '/^(VmRSS|RssAnon|RssFile):/ { printf "\t%s", $2 }' "/proc/$PID/status" 2> /dev/null)
    [ -n "$kb" ] && printf '%s%s\n' "$(( $(date +%s) - T0 ))" "$kb"
    sleep "$SAMPLE"
  done
) > "$RSS" &
SAMPLER=$!

check "the window maps and says where things are" wait_log '^HEADER 1 x=' $(( 30 * SLOW ))
sleep 0.5
park
xdotool key space
check "Space starts training" wait_log '^TRAIN started step=' $(( 5 * SLOW ))
sleep 1
check "screenshot at the start" shot start.png
CANVAS="$(probe | field '^CANVAS' width -)x$(probe | field '^CANVAS' height -)+$(probe | field '^CANVAS' x -)+$(probe | field '^CANVAS' y -)"
# Screenshots until the canvas has changed: how soon is the machine's
# business (a loaded one draws fewer frames); 60 s only bound a hang.
END=$((SECONDS + 60))
while :; do
  sleep 0.5
  import -window root "$OUT/start-2.png" 2> /dev/null
  D=$(compare -metric AE -crop "$CANVAS" "$OUT/start.png" "$OUT/start-2.png" null: 2>&1 | cut -d' ' -f1)
  [ "${D%.*}" -gt 100 ] 2> /dev/null && break
  [ "$SECONDS" -ge "$END" ] && break
done
echo "# canvas $CANVAS: $D pixels changed while training"
check "the canvas animates while training" test "${D%.*}" -gt 100 2> /dev/null
rm -f "$OUT/start-2.png"

# The tour, then kinds at random by weight.

START=$(date +%s)
END=$(( START + SECS ))
CRASHED=0
RESUMED=0
MISSING=
STOPPED_SINCE=0
ACTS=0
: > "$ACTIONS"
while [ "$(date +%s)" -lt $END ]; do
  if [ $ACTS -lt ${#TOUR[@]} ]; then KIND=${TOUR[$ACTS]}; else TOURING=0; pick_kind; fi
  DETAIL=
  [ -n "${EXPECT[$KIND]}" ] && BEFORE=$(count "${EXPECT[$KIND]}")
  if "act_${KIND//-/_}"; then
    FIRED[$KIND]=$(( FIRED[$KIND] + 1 ))
    printf '%s\t%s\t%s\n' "$(( $(date +%s) - START ))" "$KIND" "$DETAIL" >> "$ACTIONS"
    if [ $TOURING -eq 1 ] && [ -n "${EXPECT[$KIND]}" ] \
       && ! wait_more "${EXPECT[$KIND]}" "$BEFORE" $(( 3 * SLOW )); then
      MISSING="$MISSING $KIND"
    fi
  elif [ $TOURING -eq 1 ]; then
    MISSING="$MISSING $KIND(could not act)"
  fi
  ACTS=$(( ACTS + 1 ))
  r 350; sleep "0.$(printf '%03d' $(( R + 50 )))"
  if ! alive; then CRASHED=1; break; fi
  # Training most of the time: paused for 2 s or more, it goes on.
  if running; then
    STOPPED_SINCE=0
  elif [ $STOPPED_SINCE -eq 0 ]; then
    STOPPED_SINCE=$(date +%s)
  elif [ $(( $(date +%s) - STOPPED_SINCE )) -ge 2 ]; then
    sidebar_shown && close_sidebar
    xdotool key space
    RESUMED=$(( RESUMED + 1 ))
    printf '%s\t%s\t%s\n' "$(( $(date +%s) - START ))" resume space >> "$ACTIONS"
    STOPPED_SINCE=0
  fi
done
ELAPSED=$(( $(date +%s) - START ))

if [ $CRASHED -eq 1 ]; then
  wait "$PID"; STATUS=$?
  bad "the app is alive after every action (died with status $STATUS after $ELAPSED s, action $KIND $DETAIL)"
  echo "# last events:"; tail -15 "$LOG" | sed 's/^/#   /'
  echo "# stderr:"; tail -30 "$ERR" | sed 's/^/#   /'
  pattern=$(cat /proc/sys/kernel/core_pattern 2> /dev/null)
  echo "# core_pattern: $pattern"
  # Where the kernel wrote the core, if the pattern is a file name.
  for c in "${pattern//%p/$PID}" "core.$PID"; do
    [ -f "$c" ] && echo "# core dump: $c (gdb $APP $c)"
  done
else
  ok "the app is alive after each of $ACTS actions in $ELAPSED s"
fi

# Figures.
echo "# actions by kind:"
TOTAL=0
for k in "${KINDS[@]}"; do
  echo "#   $k ${FIRED[$k]}"
  TOTAL=$(( TOTAL + FIRED[$k] ))
done
echo "#   resume (Space after 2 s paused) $RESUMED"
echo "#   total $TOTAL fired ($ACTS drawn, $(( ACTS - TOTAL )) not possible then)"
check "in the tour, every kind of action had its effect${MISSING:+ (not seen:$MISSING)}" \
  test -z "$MISSING" -a $ACTS -ge ${#TOUR[@]}
echo "# events: $(count '^EDIT [^r]') edits, $(count '^EDIT refused') refused, $(count '^UNDO ') undos, $(count '^REDO ') redos, $(count '^DATASET ') datasets, $(count '^SELECT ') selections, $(count '^ERROR ') errors"

# Pause, so the last run of training is counted, then the end screenshot.
if [ $CRASHED -eq 0 ]; then
  close_sidebar
  if running; then xdotool key space; wait_more '^TRAIN stopped' "$(count '^TRAIN stopped')" 5; fi
  park
  sleep 0.5
  check "screenshot at the end" shot end.png
else
  bad "screenshot at the end (the app is gone)"
fi
STEPS=$(awk '/^TRAIN started/ { split($3, s, "="); a = s[2]; on = 1 }
             /^TRAIN stopped/ { split($3, s, "="); if (on && s[2] >= a) t += s[2] - a; on = 0 }
             END { print t + 0 }' "$LOG")
echo "# training: $(count '^TRAIN started') runs, $STEPS steps; $(count '^ACTION (step|step-back|step-phase)') single stops"

# Quit.  Ctrl+Q with unsaved changes may ask one day: then SIGTERM (the
# autosave has the experiment), and that is said.
QUIT=none
if [ $CRASHED -eq 0 ]; then
  xdotool key ctrl+q
  for _ in $(seq $(( 200 * SLOW ))); do alive || break; sleep 0.1; done
  if alive; then
    if grep -q '^CLOSE asking' "$LOG"; then QUIT=asked; else QUIT=hung; fi
    kill -TERM "$PID"
    for _ in $(seq 100); do alive || break; sleep 0.1; done
    alive && kill -KILL "$PID"
  else
    QUIT=exited
  fi
  wait "$PID"; STATUS=$?
  echo "# quit: $QUIT, status $STATUS"
  case $QUIT in
    exited) check "Ctrl+Q quits, status 0" test "$STATUS" -eq 0 ;;
    asked)  ok "Ctrl+Q asked about unsaved changes: ended with SIGTERM (status $STATUS), the autosave keeps the work" ;;
    *)      bad "Ctrl+Q quits (still running after $(( 20 * SLOW )) s: SIGTERM, status $STATUS)" ;;
  esac
else
  bad "Ctrl+Q quits (the app crashed before)"
fi
kill "$SAMPLER" 2> /dev/null
wait "$SAMPLER" 2> /dev/null

BADLINES=$(grep -hE 'WARNING|CRITICAL|Gtk-|GLib-|Adwaita-|runtime error|AddressSanitizer' "$LOG" "$ERR")
if [ -n "$BADLINES" ]; then
  echo "# offending lines ($(wc -l <<< "$BADLINES")):"
  sort <<< "$BADLINES" | uniq -c | sort -rn | head -20 | sed 's/^/#   /'
fi
check "no warnings, criticals or sanitizer reports in stdout or stderr" test -z "$BADLINES"
check "the dataset changed at least once (the sidebar route works)" test "$(count '^DATASET ')" -gt 0

# Memory: after the warm-up, the first fifth of the samples against the
# last fifth (medians, so one spike does not decide).
MEM=$(awk -v warm="$WARMUP" '
  function median(a, lo, hi,   n, i, j, t, b) {
    n = 0; for (i = lo; i <= hi; i++) b[++n] = a[i]
    for (i = 2; i <= n; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
  }
  { if ($2 > max) max = $2; if (NR == 1) first = $2; last = $2
    if ($1 >= warm) { v[++n] = $2; an[n] = $3; fi[n] = $4 } }
  END {
    if (n < 5) { print n; exit }
    k = int(n / 5); if (k < 1) k = 1
    a = median(v, 1, k); b = median(v, n - k + 1, n)
    printf "%d %d %d %d %d %d %.1f %d %d %d %d\n", n, first, a, b, max, b - a, 100 * (b - a) / a,
      median(an, 1, k), median(an, n - k + 1, n), median(fi, 1, k), median(fi, n - k + 1, n)
  }' "$RSS")
read -r M_n M_first M_warm M_end M_max M_growth_kb M_growth_pct A_warm A_end F_warm F_end <<< "$MEM"
[ "${M_n:-0}" -ge 5 ] && echo "# RSS (kB): first sample $M_first, after the warm-up $M_warm, end $M_end, max $M_max; growth $M_growth_kb kB ($M_growth_pct %) over $M_n samples after the warm-up"
[ "${M_n:-0}" -ge 5 ] && echo "#   of which anonymous $A_warm -> $A_end, file pages $F_warm -> $F_end (medians)"
echo "# VmRSS samples (s kB), every tenth:"; awk 'NR % 10 == 1 { printf "%s %s\n", $1, $2 }' "$RSS" | paste -sd' ' | fold -s -w 100 | sed 's/^/#   /'
if [ "${M_n:-0}" -lt 5 ]; then
  bad "memory is flat (only ${M_n:-0} samples after the warm-up)"
else
  LIMIT=$(( M_warm * GROW_PCT / 100 )); [ $LIMIT -lt $GROW_KB ] && LIMIT=$GROW_KB
  if [ "$ASAN" = 1 ]; then
    if [ -n "${SOAK_RSS_GROWTH_MB:-}" ]; then LIMIT=$(( SOAK_RSS_GROWTH_MB * 1024 )); else LIMIT=; fi
  fi
  if [ -z "$LIMIT" ]; then
    N=$((N + 1))
    echo "ok $N - memory grew $M_growth_kb kB ($M_growth_pct %) # SKIP not judged under AddressSanitizer (shadow memory and quarantine)"
  else
    check "memory is flat: grew $M_growth_kb kB ($M_growth_pct %) from $M_warm kB, at most $LIMIT kB allowed" \
      test "$M_growth_kb" -le "$LIMIT"
  fi
fi
echo "# logs, screenshots and rss.tsv in $OUT"
exit $FAILED
