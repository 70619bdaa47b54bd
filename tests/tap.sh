# tap.sh — the TAP counters and checks the shell tests share; source it
# (from bash).
#   ok WHAT / bad WHAT    one passed / failed line, numbered
#   check WHAT CMD...     ok or bad by CMD's status
#   tap_done              the plan "1..N" (for scripts that count as they
#                         go), then exit with $FAILED
# FAILED is 1 once anything failed: a script that printed its plan first
# ends with `exit $FAILED`.
#
# Scripts that judge what a program prints:
#   tap_workdir NAME      a temporary directory $WORK, removed on exit,
#                         with $OUT and $ERR in it
#   capture CMD...        runs CMD with stdout in $OUT, stderr in $ERR and
#                         its exit status in $status; from then on every
#                         "not ok" is followed by the last command, its
#                         status and the start of both outputs (TAP
#                         comments)
#   out_has TEXT, err_has TEXT, err_empty, one_error_line
#                         what the last captured run printed
#   expect_failure WHAT NEEDLE CMD...
#                         ok when CMD fails (status 1–127: not a crash)
#                         with one error line containing NEEDLE
N=0
FAILED=0

# What a failed check shows of each output: enough lines to see the error,
# cut short in bytes for outputs of one very long line (a 10 kB plugin id).
TAP_SHOW_LINES=15
TAP_SHOW_BYTES=1200

ok ()  { N=$((N + 1)); echo "ok $N - $*"; }
bad () {
  N=$((N + 1))
  FAILED=1
  echo "not ok $N - $*"
  if [ -n "${LAST_CMD:-}" ]; then tap_show_run; fi
  return 0
}
check () { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
tap_done () { echo "1..$N"; exit "$FAILED"; }

tap_workdir () {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/backprop-$1.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  OUT=$WORK/stdout
  ERR=$WORK/stderr
}

capture () {
  LAST_CMD=$*
  "$@" >"$OUT" 2>"$ERR"
  status=$?
}

tap_show_run () {
  echo "#   command: ${LAST_CMD//$'\n'/ }"
  echo "#   exit status: ${status:-}"
  head -c "$TAP_SHOW_BYTES" "$OUT" 2>/dev/null | head -n "$TAP_SHOW_LINES" | sed -e 's/^/#   stdout: /'
  head -c "$TAP_SHOW_BYTES" "$ERR" 2>/dev/null | head -n "$TAP_SHOW_LINES" | sed -e 's/^/#   stderr: /'
}

out_has () { grep -qF -- "$1" "$OUT"; }
err_has () { grep -qF -- "$1" "$ERR"; }
err_empty () { [ ! -s "$ERR" ]; }
# Exactly one newline-terminated line on stderr, starting "backprop: ": how
# the command line reports every error.
one_error_line () {
  [ "$(wc -l <"$ERR")" -eq 1 ] \
    && [ "$(awk 'END { print NR }' "$ERR")" -eq 1 ] \
    && grep -q '^backprop: .' "$ERR"
}

expect_failure () {
  local what=$1 needle=$2
  shift 2
  capture "$@"
  if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && one_error_line \
       && grep -qF -- "$needle" "$ERR"; then
    ok "$what"
  else
    bad "$what"
  fi
}
