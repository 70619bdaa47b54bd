# xdo.sh — what the scripts that drive the real app under a display share;
# source it (from bash).  The app runs with BACKPROP_STUDIO_TRACE_EVENTS=1
# and its event log is $LOG; screenshots go to $OUT.
#   wait_log REGEX [SECONDS]   until $LOG has a line matching REGEX
#   field REGEX KEY [FILE]     the value after KEY= in the last line
#                              matching REGEX, in FILE ($LOG; - for stdin)
#   shot NAME.png              a screenshot that is not blank
#   park                       the pointer away from the canvas
#   drag X0 Y0 X1 Y1 [NAME.png]
#                              a drag by the mouse (NAME.png: a screenshot
#                              before the release)
#   app_ends PID [TENTHS]      the app ends by itself, or is killed

# A deadline only bounds a hang, it is no claim about speed: under ASan on
# a loaded 2-core machine the app can be many times slower, so no wait is
# shorter than this (a line that comes returns at once).
XDO_MIN_WAIT=60
# A screenshot of more colours than this shows the window painted (an
# unpainted one has a handful).
XDO_PAINTED_COLOURS=200

wait_log () {
  local s=${2:-$XDO_MIN_WAIT}
  [ "$s" -lt "$XDO_MIN_WAIT" ] && s=$XDO_MIN_WAIT
  local end=$((SECONDS + s))
  while :; do
    grep -qE "$1" "$LOG" && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}

field () { grep -E "$1" "${3:-$LOG}" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# Mapped is not painted: under load the first frame can come seconds
# later, so a blank screenshot is taken again (for XDO_MIN_WAIT at most).
shot () {
  local colours end=$((SECONDS + XDO_MIN_WAIT))
  while :; do
    import -window root "$OUT/$1" 2>/dev/null || return 1
    colours=$(convert "$OUT/$1" -format '%k' info: 2>/dev/null)
    [ "${colours:-0}" -gt "$XDO_PAINTED_COLOURS" ] && break
    [ "$SECONDS" -ge "$end" ] && break
    sleep 0.5
  done
  echo "# $1: $colours colours"
  [ "${colours:-0}" -gt "$XDO_PAINTED_COLOURS" ]
}

# No hover highlight in the screenshots: the bottom-left corner of the
# 1280×1024 screen the tests run on, outside the canvas.
park () { xdotool mousemove 2 1020; sleep 0.3; }

# Press, past the drag threshold, to the target, a small move on it,
# release: the sequence that works under Xvfb.
drag () {
  xdotool mousemove "$1" "$2" mousedown 1 sleep 0.15 \
          mousemove $(( $1 + 12 )) $(( $2 + 6 )) sleep 0.15 \
          mousemove $(( ($1 + $3) / 2 )) $(( ($2 + $4) / 2 )) sleep 0.15 \
          mousemove "$3" "$4" sleep 0.2 \
          mousemove $(( $3 + 2 )) $(( $4 + 2 )) sleep 0.3
  if [ -n "${5:-}" ]; then import -window root "$OUT/$5" 2>/dev/null; fi
  xdotool mouseup 1
}

# app_ends PID [TENTHS]: the app (asked to quit) ends within TENTHS tenths
# of a second (600: the wait floor); its exit status is then in
# $ENDED_STATUS.  Otherwise it is killed and app_ends fails.
app_ends () {
  for _ in $(seq "${2:-$((XDO_MIN_WAIT * 10))}"); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$1" 2>/dev/null; then
    kill "$1"
    wait "$1" 2>/dev/null
    return 1
  fi
  wait "$1"
  ENDED_STATUS=$?
}
