#!/bin/bash
# test-no-bus.sh — the real app as root on a console, over SSH or in a
# container runs it: a display but no session bus, GSettings' default
# backend (no GSETTINGS_BACKEND), no GTK_A11Y.  G, D and N must toggle,
# stay toggled, and come back after a restart; nothing may warn.  TAP.
#
#   xvfb-run -a bash test-no-bus.sh BACKPROP-STUDIO OUTDIR
set -u
APP=$1
OUT=${2:-$(mktemp -d)}
rm -rf "$OUT"
mkdir -p "$OUT/home"
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../xdo.sh"
# The state the last ACTION line of toggle $2 in log $1 reports.
state () { grep -E "^ACTION $2 state=" "$1" | tail -1 | sed 's/.*state=//'; }

# run LOG KEYS...: starts the app, presses the keys (each awaited in the
# log), quits with Ctrl+Q and waits for it.  $BACKEND, if set, is the
# GSETTINGS_BACKEND it gets.
run () {
  local log=$1; shift
  env -u DBUS_SESSION_BUS_ADDRESS -u GSETTINGS_BACKEND -u GTK_A11Y -u XDG_RUNTIME_DIR \
    ${BACKEND:+GSETTINGS_BACKEND=$BACKEND} \
    HOME="$OUT/home" XDG_CONFIG_HOME="$OUT/home/config" XDG_STATE_HOME="$OUT/home/state" \
    XDG_DATA_HOME="$OUT/home/data" BACKPROP_STUDIO_TRACE_EVENTS=1 "$APP" > "$log" 2>&1 &
  local pid=$!
  LOG=$log wait_log '^MAPPED' 15 || bad "the window maps ($log)"
  sleep 0.5
  for key in "$@"; do
    local before
    before=$(grep -c '^ACTION ' "$log")
    xdotool key "$key"
    for _ in $(seq 50); do [ "$(grep -c '^ACTION ' "$log")" -gt "$before" ] && break; sleep 0.1; done
  done
  sleep 1    # long enough for a refused write to be undone
  xdotool key ctrl+q
  app_ends $pid 100 || bad "Ctrl+Q quits ($log)"
}

echo "1..10"
run "$OUT/first.log" g d n
check "G shows the gradients, and they stay" test "$(state "$OUT/first.log" gradients)" = 1
check "D shows σ′, and it stays" test "$(state "$OUT/first.log" show-derivatives)" = 1
check "N switches to the global scale, and it stays" test "$(state "$OUT/first.log" global-scale)" = 1
check "the choices are in the settings key file" \
  grep -q '^gradient-view=true' "$OUT/home/config/backprop-studio/settings.ini"

# Without the autosave (restored as unsaved, Ctrl+Q would ask).
rm -rf "$OUT/home/state"
run "$OUT/second.log"
check "after a restart the gradients are still shown" test "$(state "$OUT/second.log" gradients)" = 1
check "after a restart σ′ is still shown" test "$(state "$OUT/second.log" show-derivatives)" = 1
check "after a restart the scale is still global" test "$(state "$OUT/second.log" global-scale)" = 1

# An explicit GSETTINGS_BACKEND is obeyed: memory writes no key file.
rm -rf "$OUT/home/state" "$OUT/home/config"
BACKEND=memory run "$OUT/third.log" g
check "with GSETTINGS_BACKEND=memory, G still toggles" test "$(state "$OUT/third.log" gradients)" = 1
check "... and nothing is written to the key file" test ! -e "$OUT/home/config/backprop-studio/settings.ini"

warnings=$(cat "$OUT"/*.log | grep -E 'WARNING|CRITICAL|Gtk-|GLib-|dconf')
echo "$warnings" | grep . | sed 's/^/# /'
check "no warnings" test -z "$warnings"
exit $FAILED
