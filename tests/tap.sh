# tap.sh — the TAP counters and checks the shell tests share; source it.
#   ok WHAT / bad WHAT    one passed / failed line, numbered
#   check WHAT CMD...     ok or bad by CMD's status
# FAILED is 1 once anything failed: end a script with `exit $FAILED`.
N=0
FAILED=0
ok ()  { N=$((N + 1)); echo "ok $N - $*"; }
bad () { N=$((N + 1)); FAILED=1; echo "not ok $N - $*"; }
check () { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
