#!/bin/sh
# Builds (when needed) and runs the libFuzzer targets of tests/fuzz/.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET [BUILD_DIR]]
#
# For each target (model, csv, trace, plugin, expr, record, onnx; BACKPROP_FUZZ_TARGETS picks
# some): replays every file of regressions/<target>/ once, then fuzzes for
# SECONDS_PER_TARGET (default 60) from corpus/<target>/ and what earlier runs
# in BUILD_DIR found.  Prints the executions of each target and any crash;
# exits 1 if a regression or the fuzzing crashed (the input is kept in
# BUILD_DIR/artifacts/<target>/ — copy it to regressions/<target>/ once the
# bug is fixed).  BACKPROP_FUZZ_JOBS (default 1) runs that many targets at
# a time.  BUILD_DIR defaults to build-fuzz/ at the top of the source tree.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=${1:-60}
out=${2:-$src/build-fuzz}
targets=${BACKPROP_FUZZ_TARGETS:-model csv trace plugin expr record onnx}
jobs=${BACKPROP_FUZZ_JOBS:-1}

case $seconds in
  ''|*[!0-9]*) echo "run.sh: SECONDS_PER_TARGET must be a whole number, got \"$seconds\"" >&2
               exit 2 ;;
esac

mkdir -p "$out/logs"
"$here/build.sh" "$out" >"$out/logs/build.log" 2>&1 || {
  cat "$out/logs/build.log" >&2
  echo "run.sh: building the fuzz targets failed" >&2
  exit 1
}

# One thread for OpenBLAS (the batches are tiny); leaks are reported at the
# end of each input; -rss_limit_mb leaves room for the largest networks a
# model file may declare (2²⁵ parameters with Adam's state).
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

dict_for () {
  case $1 in
    model|trace) echo "-dict=$here/model.dict" ;;
    csv) echo "-dict=$here/csv.dict" ;;
    expr) echo "-dict=$here/expr.dict" ;;
    onnx) echo "-dict=$here/onnx.dict" ;;
    *) echo "" ;;
  esac
}

# run_target NAME: one line of results on stdout, the libFuzzer log in
# $out/logs/NAME.log; returns 1 on a crash.
run_target () {
  t=$1
  exe=$out/fuzz-$t
  log=$out/logs/$t.log
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"

  regressions=$(find "$here/regressions/$t" -type f ! -name '.*' ! -name '*.md' 2>/dev/null | sort)
  if [ -n "$regressions" ]; then
    # shellcheck disable=SC2086
    if ! "$exe" $regressions >"$out/logs/$t.regressions.log" 2>&1; then
      echo "fuzz-$t: a regression input crashes again:"
      grep -E '^(==[0-9]+==ERROR|SUMMARY|.*contract broken|.*runtime error)' \
        "$out/logs/$t.regressions.log" | head -n 5 | sed 's/^/  /'
      echo "  (log: $out/logs/$t.regressions.log)"
      return 1
    fi
  fi
  n_regressions=$(printf '%s' "$regressions" | grep -c . || true)

  # Short (CI) runs use a fixed seed, so that a run is reproducible and a
  # red CI is a real regression; long runs explore with a random one
  # (libFuzzer's -seed=0).  BACKPROP_FUZZ_SEED overrides both.
  if [ "$seconds" -lt 60 ]; then seed=${BACKPROP_FUZZ_SEED:-1}; else seed=${BACKPROP_FUZZ_SEED:-0}; fi
  # shellcheck disable=SC2046 # dict_for gives one option or none
  if "$exe" -seed="$seed" -max_total_time="$seconds" -print_final_stats=1 -timeout=60 \
       -rss_limit_mb=3072 -max_len=65536 -artifact_prefix="$out/artifacts/$t/" \
       $(dict_for "$t") "$out/corpus/$t" "$here/corpus/$t" >"$log" 2>&1; then
    crashed=0
  else
    crashed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  corpus=$(find "$out/corpus/$t" -type f | wc -l)
  if [ "$crashed" -eq 0 ]; then
    echo "fuzz-$t: ${execs:-?} executions in ${seconds} s, corpus $corpus," \
         "$n_regressions regression input(s) pass, no crash"
    return 0
  fi
  echo "fuzz-$t: CRASH after ${execs:-?} executions:"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|.*contract broken|.*runtime error|artifact_prefix|Test unit written)' \
    "$log" | head -n 8 | sed 's/^/  /'
  echo "  (log: $log)"
  return 1
}

status=0
if [ "$jobs" -le 1 ]; then
  for t in $targets; do
    run_target "$t" || status=1
  done
else
  # Batches of $jobs targets in the background; each writes its line to a
  # file so the report comes out in order.
  # shellcheck disable=SC2086 # a list of words
  set -- $targets
  while [ $# -gt 0 ]; do
    pids=""
    batch=""
    i=0
    while [ $# -gt 0 ] && [ "$i" -lt "$jobs" ]; do
      (if run_target "$1" >"$out/logs/$1.result" 2>&1; then echo 0; else echo 1; fi \
         >"$out/logs/$1.status") &
      pids="$pids $!"
      batch="$batch $1"
      i=$((i + 1))
      shift
    done
    # shellcheck disable=SC2086
    wait $pids
    for t in $batch; do
      cat "$out/logs/$t.result"
      [ "$(cat "$out/logs/$t.status")" = 0 ] || status=1
    done
  done
fi
exit $status
