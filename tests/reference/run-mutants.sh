#!/bin/sh
# run-mutants.sh — plant each bug of mutants/mutants.py in a copy of the
# tree, rebuild the backprop CLI and expect the PyTorch reference test to
# FAIL.  One line per mutant (killed / survived); exit 1 if any survives
# (or an "equivalent" one is killed: then the check is stricter than
# rounding allows), 2 if the setup itself fails.
#
#   tests/reference/run-mutants.sh [--all | --subset K] [--count N] [--date YYYY-MM-DD]
#                                  [--random-only] [--mutant NAME]...
#
# --all       every mutant (the default, and what the meson test runs)
# --subset K  K mutants chosen from the date (day number mod the mutant
#             count, then the next K-1): a rotating subset for slow machines
# --count N   random networks per reference run (default 150, as CI)
# --mutant NAME  only this one (repeatable)
# --random-only  without the fixed saturated networks (what the random
#             draws alone catch; not what CI runs)
#
# Needs what the reference test needs (/usr/bin/python3 with torch and
# numpy) and a C toolchain with the project's build dependencies.  The copy
# is built in a temporary directory that is removed afterwards.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
python=/usr/bin/python3
mutants=$here/mutants/mutants.py
subset=all
count=150
extra=
only=
day=$(date -u +%Y-%m-%d)

while [ $# -gt 0 ]; do
  case $1 in
    --all) subset=all ;;
    --subset) subset=$2; shift ;;
    --count) count=$2; shift ;;
    --date) day=$2; shift ;;
    --random-only) extra=--no-fixed ;;
    --mutant) only="$only $2"; shift ;;
    *) echo "usage: run-mutants.sh [--all | --subset K] [--count N] [--date YYYY-MM-DD]" \
            "[--random-only] [--mutant NAME]..." >&2
       exit 2 ;;
  esac
  shift
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-mutants.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# The tree as it is (tracked and new files, not build directories).
mkdir "$tmp/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard -- . ':!:build*' |
     xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$tmp/src"
else
  (cd "$src" && tar cf - --exclude='./build*' --exclude=./.git .) | tar xf - -C "$tmp/src"
fi
cp -r "$tmp/src/core" "$tmp/pristine-core"

log=$tmp/build.log
if ! meson setup "$tmp/build" "$tmp/src" >"$log" 2>&1 ||
   ! ninja -C "$tmp/build" app/backprop >>"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "run-mutants.sh: the unmutated copy does not build" >&2
  exit 2
fi
cli=$tmp/build/app/backprop

# The copy's CLI is a plain build: it must not load the calling build's
# plugins (under ASan those need the sanitizer runtime first), and the
# reference networks use only built-ins.
reference () {
  env -u BACKPROP_PLUGIN_PATH XDG_CACHE_HOME="$tmp/cache" OPENBLAS_NUM_THREADS=1 "$python" "$here/torch_reference.py" --backprop "$cli" \
    --count "$count" --seed 1 --workdir "$tmp/work" --max-failures 1 $extra >"$tmp/ref.log" 2>&1
}

# The check must pass on the unmutated code, or a "kill" means nothing.
if ! reference; then
  tail -20 "$tmp/ref.log" >&2
  echo "run-mutants.sh: the reference test fails on the unmutated code" >&2
  exit 2
fi

all=$("$python" "$mutants" list)
n=$(echo "$all" | wc -l)
if [ -n "$only" ]; then
  chosen=$only
elif [ "$subset" = all ]; then
  chosen=$all
else
  start=$(( ($(date -u -d "$day" +%s) / 86400) % n ))
  chosen=$(echo "$all" | awk -v s="$start" -v k="$subset" -v n="$n" \
             '{ i = (NR - 1 - s + n) % n; if (i < k) print }')
  echo "rotating subset of $subset of $n mutants for $day (--all runs every one)"
fi

bad=0
for m in $chosen; do
  files=$("$python" "$mutants" apply "$m" "$tmp/src") || { bad=1; continue; }
  t0=$(date +%s)
  if ! ninja -C "$tmp/build" app/backprop >"$log" 2>&1; then
    verdict="killed (does not compile)"
    killed=1
  elif reference; then
    killed=0
  else
    killed=1
    why=$(grep -m1 -A1 '^FAIL' "$tmp/ref.log" | tail -1 | sed 's/^ *//' | cut -c1-150)
    verdict="killed: ${why:-$(tail -1 "$tmp/ref.log" | cut -c1-150)}"
  fi
  dt=$(( $(date +%s) - t0 ))
  if "$python" "$mutants" equivalent "$m"; then
    if [ $killed = 1 ]; then
      echo "KILLED-EQUIVALENT $m (${dt}s): declared equivalent, yet the check tells it apart: $verdict"
      bad=1
    else
      echo "survived (equivalent) $m (${dt}s): $("$python" "$mutants" describe "$m" | tail -1)"
    fi
  elif [ $killed = 1 ]; then
    echo "killed   $m (${dt}s) — $verdict"
  else
    echo "SURVIVED $m (${dt}s): $("$python" "$mutants" describe "$m" | head -1)"
    bad=1
  fi
  # Fresh copies (new mtimes), so ninja rebuilds what the mutant touched.
  for f in $files; do
    cp "$tmp/pristine-core/${f#core/}" "$tmp/src/$f"
  done
done
exit $bad
