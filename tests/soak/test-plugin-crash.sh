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

WORK=$(mktemp -d "${TMPDIR:-/tmp}/backprop-crash.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/stdout
ERR=$WORK/stderr
n=0
failed=0
pass () { n=$((n + 1)); echo "ok $n - $1"; }
fail () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  echo "#   exit status: ${status:-}"
  sed -e 's/^/#   stderr: /' "$ERR" | head -n 8
}
run () {
  timeout 300 "$BACKPROP" "$@" --plugin-path "$PLUGINS" >"$OUT" 2>"$ERR"
  status=$?
}

so=$PLUGINS/crash_later.so

run plugins
if [ "$status" -eq 0 ] && grep -qE '^  crash_later 1\.0 \(.*/crash_later\.so\)$' "$OUT"; then
  pass "crash_later passes its load-time checks"
else
  fail "crash_later passes its load-time checks"
fi

run train "$MODEL" --steps 20 -q -o "$WORK/short.json"
if [ "$status" -eq 0 ] && [ -s "$WORK/short.json" ]; then
  pass "20 steps (under 1 000 000 calls) train and save"
else
  fail "20 steps (under 1 000 000 calls) train and save"
fi

run train "$MODEL" --steps 5000 -q -o "$WORK/never.json"
# shellcheck disable=SC1111 # the message quotes the name with “ ”
expected="backprop: plugin “crash_later” ($so) crashed with SIGSEGV while training"
if [ "$status" -eq 139 ] || [ "$status" -eq 1 ]; then
  pass "the crash ends the run with status $status (128 + SIGSEGV, or 1)"
else
  fail "the crash ends the run with status 139 or 1"
fi
if grep -qxF -- "$expected" "$ERR"; then
  pass "stderr names the plugin, its file, the signal and the activity"
else
  echo "#   expected: $expected"
  fail "stderr names the plugin, its file, the signal and the activity"
fi
if [ ! -e "$WORK/never.json" ]; then
  pass "nothing is saved after the crash"
else
  fail "nothing is saved after the crash"
fi

# A SIGSEGV that is not the plugin's (sent from outside, while the same
# plugin is loaded) is not blamed on it.
"$BACKPROP" train --steps 100000000 -q -o "$WORK/never.json" \
  --plugin-path "$PLUGINS" >"$OUT" 2>"$ERR" &
pid=$!
sleep 1
kill -SEGV "$pid"
wait "$pid"
status=$?
if [ "$status" -ne 0 ] && ! grep -q 'plugin “' "$ERR"; then
  pass "a SIGSEGV from outside is not blamed on a plugin (status $status)"
else
  fail "a SIGSEGV from outside is not blamed on a plugin"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
