#!/usr/bin/env bash
# test-determinism.sh — the same seed gives the same bits whatever kernels
# the machine has, as TAP.
#
#   test-determinism.sh BACKPROP EXAMPLES_DIR
#
# Trains a few examples (batches large enough that they once went through
# BLAS) under every OpenBLAS core type this CPU can run, and with the AVX2
# build of our kernels switched off (BACKPROP_NO_SIMD=1), and compares the
# saved model files byte for byte with the default run.

set -u

BACKPROP=${1:?usage: test-determinism.sh BACKPROP EXAMPLES_DIR}
EXAMPLES=${2:?usage: test-determinism.sh BACKPROP EXAMPLES_DIR}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir determinism

# OpenBLAS kernels from the oldest x86-64 generation up to what this CPU
# has (a core type whose instructions the CPU lacks would crash).
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has () { [[ " $flags " == *" $1 "* ]]; }
coretypes=(Prescott Core2)
has sse4_2 && coretypes+=(Nehalem)
has avx && coretypes+=(Sandybridge)
has avx2 && has fma && coretypes+=(Haswell)

# name, model, extra train options (a few epochs or steps: enough to
# accumulate the differences in summation order that BLAS kernels make)
cases=(
  "digits|digits.bpmodel.json|--epochs 3"
  "digits-b8|digits.bpmodel.json|--steps 40 --batch-size 8"
  "iris|iris.bpmodel.json|--epochs 10"
  "spirals-relu|spirals-relu.bpmodel.json|--epochs 5"
)

echo "1..$(( ${#cases[@]} * (${#coretypes[@]} + 1) ))"

for c in "${cases[@]}"; do
  IFS='|' read -r name model opts <<<"$c"
  ref=$WORK/$name-default.json
  # shellcheck disable=SC2086  # opts is a list of words
  if ! "$BACKPROP" train "$EXAMPLES/$model" $opts -q -o "$ref" >/dev/null 2>"$WORK/err"; then
    echo "Bail out! $name: the default run failed: $(head -c 300 "$WORK/err")"
    exit 1
  fi
  variants=()
  for t in "${coretypes[@]}"; do variants+=("OPENBLAS_CORETYPE=$t"); done
  variants+=("BACKPROP_NO_SIMD=1")
  for v in "${variants[@]}"; do
    out=$WORK/$name-${v//[=\/]/_}.json
    # shellcheck disable=SC2086
    if ! env "$v" OPENBLAS_VERBOSE=0 "$BACKPROP" train "$EXAMPLES/$model" $opts -q -o "$out" \
         >/dev/null 2>"$WORK/err"; then
      bad "$name with $v: training failed"
      sed -e 's/^/#   /' "$WORK/err" | head -n 5
    elif cmp -s "$ref" "$out"; then
      ok "$name with $v: the same bytes as the default run"
    else
      bad "$name with $v: the model file differs from the default run"
      diff <(tr ',' '\n' <"$ref") <(tr ',' '\n' <"$out") | grep -c '^<' | sed -e 's/^/#   values that differ: /'
    fi
  done
done

exit $FAILED
