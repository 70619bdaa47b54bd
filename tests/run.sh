#!/bin/sh
# Sets up and builds Backprop Studio, runs every test, then builds again
# with AddressSanitizer and UndefinedBehaviorSanitizer and runs every test
# a second time.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

"$here/app/setup.sh" "$here/build"
meson test -C "$here/build" --print-errorlogs

"$here/app/setup.sh" "$here/build-asan" -Db_sanitize=address,undefined
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C "$here/build-asan" --print-errorlogs
