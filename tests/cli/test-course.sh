#!/usr/bin/env bash
# test-course.sh — the built-in course (data/lessons/) is sound and still
# tells the truth, as TAP.
#
#   test-course.sh BACKPROP DATA_DIR
#
# - `backprop lesson check` passes on every built-in lesson, in English
#   and in German, without a warning (every reference resolves, every
#   answer computes, every generated question can be asked on its step);
# - the training figures the lessons' texts rely on, measured with
#   `backprop train` and `backprop trace` on the lessons' models: each as a
#   direction with a wide margin (the texts say "about"), so that a change
#   in summation order does not break it while a change that kills the
#   story does.  The figures at each step as the app plays it are
#   tests/session/test-course.c's.

set -u

BACKPROP=${1:?usage: test-course.sh BACKPROP DATA_DIR}
DATA=${2:?usage: test-course.sh BACKPROP DATA_DIR}
PYTHON=/usr/bin/python3

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/numbers.sh"
tap_workdir course

LESSONS=("$DATA"/lessons/*.bplesson.json)
example () { echo "$DATA/examples/$1.bpmodel.json"; }

# ------------------------------------------------------------ the files
check "there are nine built-in lessons" test "${#LESSONS[@]}" -eq 9
for f in "${LESSONS[@]}"; do
  name=$(basename "$f" .bplesson.json)
  for lang in en de; do
    LANGUAGE=$lang capture "$BACKPROP" lesson check "$f"
    check "lesson check passes on $name ($lang), without a warning" \
      eval '[ $status -eq 0 ] && ! grep -qi warning "$OUT" "$ERR"'
  done
done

# ------------------------------------------------------------ the figures
# loss VAR NAME MODEL ARGS…: trains MODEL quietly (numbers.sh's train) and
# sets VAR to its final train loss.
loss () {
  local var=$1
  shift
  train "$@" -q
  printf -v "$var" '%s' "$(final train "$WORK/$1.out")"
}

# variant MODEL OUT.json STATEMENT: MODEL with one change, the Python
# STATEMENT applied to its JSON object `d`.
variant () {
  "$PYTHON" - "$@" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
exec(sys.argv[3])
with open(sys.argv[2], "w") as f:
    json.dump(d, f)
EOF
}

# 01: one neuron learns the blobs in 200 steps of 8 samples.
loss one one "$(example one-neuron)" --steps 200
echo "# 01 one-neuron after 200 steps: train loss $one"
check "01: one neuron separates the blobs in 200 steps (train loss < 0.1)" lt "$one" 0.1

# 03, 08: three-layers, 300 steps of 16 from the same start: SGD at 0.05
# still guesses (≈ 0.69); momentum, Adam and SGD at 0.5 get below 0.1.
THREE=$(example three-layers)
variant "$THREE" "$WORK/three-momentum.json" 'd["optimizer"]["id"] = "momentum"'
variant "$THREE" "$WORK/three-adam.json" 'd["optimizer"]["id"] = "adam"'
loss sgd sgd "$THREE" --steps 300
loss sgd5 sgd5 "$THREE" --steps 300 --lr 0.5
loss momentum momentum "$WORK/three-momentum.json" --steps 300
loss adam adam "$WORK/three-adam.json" --steps 300
echo "# 08 three-layers after 300 steps: sgd $sgd, sgd lr 0.5 $sgd5, momentum $momentum, adam $adam"
check "08: SGD at 0.05 is still near 0.69 after 300 steps (train loss > 0.6)" lt 0.6 "$sgd"
check "03, 08: SGD at 0.5, momentum and Adam get below 0.1 in 300 steps" \
  eval 'lt "$sgd5" 0.1 && lt "$momentum" 0.1 && lt "$adam" 0.1'

# guesses_learns LESSON A STEPS_A B STEPS_B MAX: example A still guesses
# after STEPS_A steps (train loss > 0.65, ln 2 ≈ 0.69), example B has
# learned after STEPS_B (train loss < MAX).
guesses_learns () {
  local a b max=$6
  loss a "$2" "$(example "$2")" --steps "$3"
  loss b "$4" "$(example "$4")" --steps "$5"
  echo "# $1 $2 after $3 steps: $a; $4 after $5 steps: $b"
  check "$1: $2 still guesses after $3 steps (> 0.65), $4 learns in $5 (< $6)" \
    eval 'lt 0.65 "$a" && lt "$b" "$max"'
}

# 06: spirals, 2000 steps: sigmoid still guesses, ReLU learns.
guesses_learns 06 spirals-sigmoid 2000 spirals-relu 2000 0.6

# 07: dead-relu.  Units 2, 5 and 7 of layer 2 are off for all 200 points
# from the start; five steps at lr 2 and 300 at 0.05 kill all of layer 2
# and leave the loss stuck near that of a flat line (½ mean sin² ≈ 0.25).
DEAD=$(example dead-relu)
# dead_units MODEL: the 1-based units of layer 2 whose z ≤ 0 on every row.
dead_units () {
  capture "$BACKPROP" trace "$1" --rows 200
  "$PYTHON" - "$OUT" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    z = json.load(f)["layers"][1]["z"]
print(" ".join(str(j + 1) for j in range(len(z[0])) if all(r[j] <= 0 for r in z)))
EOF
}
at_start=$(dead_units "$DEAD")
echo "# 07 dead units of layer 2 at the start: $at_start"
check "07: units 2, 5 and 7 of layer 2 are dead before training" test "$at_start" = "2 5 7"
train kill "$DEAD" --steps 5 --lr 2 -q
loss stuck after "$WORK/kill.json" --steps 300 --lr 0.05
after=$(dead_units "$WORK/after.json")
echo "# 07 after 5 steps at lr 2 and 300 at 0.05: loss $stuck, dead units of layer 2: $after"
check "07: then every unit of layer 2 is dead" test "$after" = "1 2 3 4 5 6 7 8"
check "07: and the loss is stuck near 0.2 (between 0.15 and 0.3)" eval 'lt 0.15 "$stuck" && lt "$stuck" 0.3'
# The same with leaky ReLU in both hidden layers recovers: 2000 steps at
# 0.05 after the five at 2 bring it to about 0.1.
variant "$DEAD" "$WORK/leaky.json" 'for l in d["layers"][:2]: l["activation"] = "leaky_relu"'
train leaky_kill "$WORK/leaky.json" --steps 5 --lr 2 -q
loss leaky leaky "$WORK/leaky_kill.json" --steps 2000 --lr 0.05
echo "# 07 leaky ReLU after 5 steps at lr 2 and 2000 at 0.05: loss $leaky"
check "07: with leaky ReLU the same steps end below 0.15, under the dead network's loss" \
  eval 'lt "$leaky" 0.15 && lt "$leaky" "$stuck"'

# 09: 1000 steps do not teach the deep sigmoid network; 300 teach it with skips.
guesses_learns 09 deep-sigmoid 1000 deep-sigmoid-skips 300 0.4

tap_done
