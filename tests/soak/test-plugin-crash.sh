#!/usr/bin/env bash
# test-plugin-crash.sh — a plugin that crashes at train time is named as the
# culprit, as TAP.
#
#   test-plugin-crash.sh BACKPROP PLUGIN_DIR MODEL
#
# PLUGIN_DIR holds crash_later.so (crash-later.c), which passes its checks
# and crashes on the 1 000 001st call of its activation; MODEL uses it.

set -u

BACKPROP=${1:?usage: test-plugin-crash.sh BACKPROP PLUGIN_DIR MODEL}
PLUGINS=${2:?usage: test-plugin-crash.sh BACKPROP PLUGIN_DIR MODEL}
MODEL=${3:?usage: test-plugin-crash.sh BACKPROP PLUGIN_DIR MODEL}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir crash
run () { capture timeout 300 "$BACKPROP" "$@" --plugin-path "$PLUGINS"; }

so=$PLUGINS/crash_later.so

run plugins
check "crash_later passes its load-time checks" \
  eval '[ "$status" -eq 0 ] && grep -qE "^  crash_later 1\.0 \(.*/crash_later\.so\)\$" "$OUT"'

run train "$MODEL" --steps 20 -q -o "$WORK/short.json"
check "20 steps (under 1 000 000 calls) train and save" \
  [ "$status" -eq 0 -a -s "$WORK/short.json" ]

run train "$MODEL" --steps 5000 -q -o "$WORK/never.json"
# shellcheck disable=SC1111 # the message quotes the name with “ ”
expected="backprop: plugin “crash_later” ($so) crashed with SIGSEGV while training"
if [ "$status" -eq 139 ] || [ "$status" -eq 1 ]; then
  ok "the crash ends the run with status $status (128 + SIGSEGV, or 1)"
else
  bad "the crash ends the run with status 139 or 1"
fi
grep -qxF -- "$expected" "$ERR" || echo "#   expected: $expected"
check "stderr names the plugin, its file, the signal and the activity" \
  grep -qxF -- "$expected" "$ERR"
check "nothing is saved after the crash" [ ! -e "$WORK/never.json" ]

# A SIGSEGV that is not the plugin's (sent from outside, while the same
# plugin is loaded) is not blamed on it.
"$BACKPROP" train --steps 100000000 -q -o "$WORK/never.json" \
  --plugin-path "$PLUGINS" >"$OUT" 2>"$ERR" &
pid=$!
sleep 1
kill -SEGV "$pid"
wait "$pid"
status=$?
LAST_CMD="backprop train --steps 100000000 (sent SIGSEGV after 1 s)"
if [ "$status" -ne 0 ] && ! grep -q 'plugin “' "$ERR"; then
  ok "a SIGSEGV from outside is not blamed on a plugin (status $status)"
else
  bad "a SIGSEGV from outside is not blamed on a plugin"
fi

tap_done
