#!/bin/sh
# Runs the hardening checks: fuzzing, numerics under stress, kill -9 during
# saves, a plugin crashing at train time, long soak runs, valgrind.
#
#   tests/hardening.sh [short|long|SECONDS] [BUILD_DIR]
#
#   short    (the default; what CI runs, as part of `meson test`) the meson
#            suite "hardening": the fuzz regressions and seed corpora
#            replayed, a libFuzzer smoke run of 12 s per target, the
#            stress and degenerate-shape tests, the 200-kill save loop,
#            the plugin-crash test and the app soak's short form (the
#            GUI under Xvfb, 50 s of random actions while it trains).
#            A few minutes.
#   long     short, then 30 minutes of fuzzing per target (two targets at a
#            time, under nice), the full soak (10⁷ steps of 2-8-8-1 and 10⁵
#            of 784-128-64-10, memory measured), the app soak for 30
#            minutes (tests/soak/app-soak.sh: random keys, clicks, drags,
#            undo and dataset changes while training; alive, no warnings,
#            memory flat; its logs, screenshots and rss.tsv in
#            BUILD_DIR/tests/soak/app-soak-long) and valgrind memcheck on
#            a short soak (10⁴ and 10² steps) and on `backprop train`.
#            About 1 h 50 min on two cores.
#   SECONDS  long, with SECONDS of fuzzing per target and SECONDS of app
#            soak instead of 1800.
#
# BUILD_DIR (default: build/) is set up and built with app/setup.sh when it
# does not exist yet; the fuzz targets are built with clang in
# BUILD_DIR/tests/fuzz/libfuzzer.  Needs clang and libclang-rt-14-dev for the
# fuzzing, xvfb-run, xdotool and ImageMagick for the app soak (app/setup.sh
# installs them), valgrind for the long form.  Exits non-zero at the first
# failing part.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-short}
build=${2:-$here/build}

case $mode in
  short) fuzz_seconds=0 ;;
  long) fuzz_seconds=1800 ;;
  ''|*[!0-9]*)
    echo "usage: tests/hardening.sh [short|long|SECONDS] [BUILD_DIR]" >&2
    exit 2 ;;
  *) fuzz_seconds=$mode ;;
esac

step () {
  printf '\n=== %s\n' "$*"
}

if [ ! -f "$build/build.ninja" ]; then
  "$here/app/setup.sh" "$build"
else
  ninja -C "$build"
fi

step "meson test --suite hardening"
meson test -C "$build" --suite hardening --print-errorlogs

[ "$fuzz_seconds" -gt 0 ] || exit 0

export OPENBLAS_NUM_THREADS=1
export BACKPROP_DATA_DIR="$here/data"
export BACKPROP_PLUGIN_PATH="$build/plugins"

step "fuzzing, $fuzz_seconds s per target, two at a time"
BACKPROP_FUZZ_JOBS=2 nice -n 10 \
  "$here/tests/fuzz/run.sh" "$fuzz_seconds" "$build/tests/fuzz/libfuzzer"

step "soak: 10^7 steps of 2-8-8-1, 10^5 steps of 784-128-64-10"
"$build/tests/soak/soak"

step "app soak: the GUI under Xvfb, $fuzz_seconds s of random actions while training"
# Its seed comes from the clock and is printed; SOAK_SEED=N replays one.
# Never on the desktop it may be started from: without a DISPLAY the
# script runs itself under xvfb-run.
GSETTINGS_SCHEMA_DIR="$build/data" nice -n 5 env -u DISPLAY -u WAYLAND_DISPLAY \
  bash "$here/tests/soak/app-soak.sh" "$build/app/backprop-studio" "$fuzz_seconds" \
  "$build/tests/soak/app-soak-long" ${SOAK_SEED:+"$SOAK_SEED"}

if ! command -v valgrind >/dev/null 2>&1; then
  echo "hardening: valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
# Only definite and indirect leaks fail: what GLib, OpenBLAS and the
# dynamic loader keep for the life of the process is "still reachable".
# No suppressions are needed (valgrind 3.19, OpenBLAS 0.3.21).
memcheck="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect
  --error-exitcode=1"

step "valgrind memcheck: soak, 10^4 and 10^2 steps"
# shellcheck disable=SC2086
$memcheck "$build/tests/soak/soak" --teach-steps 10000 --mnist-steps 100

step "valgrind memcheck: backprop train (every plugin scanned afresh), 2000 steps"
work=$(mktemp -d "${TMPDIR:-/tmp}/hardening.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
XDG_CACHE_HOME="$work/cache" \
  $memcheck "$build/app/backprop" train --steps 2000 -q -o "$work/trained.json"

step "hardening: all passed"
