#!/usr/bin/env bash
# test-stress.sh — the numerics under stress and degenerate shapes, through
# the `backprop` command line, as TAP.
#
#   test-stress.sh BACKPROP
#
# Training that blows up (a learning rate of 100, exploding products, a
# CSV value of 1e308) must stop with one error line naming the layer and the
# unit; training that underflows (30 sigmoid layers) must finish; odd but
# legal shapes (width 1, 32 layers, a 4096-wide layer, a batch of 1, one
# row, a constant column, 100 000 rows) must train a few steps; every run
# has a time limit, so a freeze fails instead of hanging.  The models and
# CSVs are generated in a temporary directory.

set -u

BACKPROP=${1:?usage: test-stress.sh BACKPROP}
PYTHON=/usr/bin/python3
LIMIT=${BACKPROP_STRESS_TIMEOUT:-120}   # seconds per run; slow ASan runs included

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir stress

# run ARGS…: backprop with a time limit; $status 124 means it froze.
run () { capture timeout "$LIMIT" "$BACKPROP" "$@"; }

# stops DESCRIPTION REGEX ARGS…: exit 1 with one error line matching REGEX.
stops () {
  local desc=$1 regex=$2
  shift 2
  run "$@"
  if [ "$status" -eq 1 ] && one_error_line && grep -qE -- "$regex" "$ERR"; then
    ok "$desc"
  else
    bad "$desc"
  fi
}

# stops_numeric DESCRIPTION REGEX ARGS…: as stops, for a run that met NaN
# or Inf: the message names the step once and the values as "NaN", "+Inf"
# or "−Inf" (never printf's "-nan" or "inf").
stops_numeric () {
  local desc=$1 regex=$2
  shift 2
  run "$@"
  if [ "$status" -eq 1 ] && one_error_line && grep -qE -- "$regex" "$ERR" \
     && [ "$(grep -oE 'step [0-9]+' "$ERR" | wc -l)" -eq 1 ] \
     && grep -qF 'The weights are as they were before this step.' "$ERR" \
     && ! grep -qE '(^|[^[:alpha:]])-?(nan|inf)([^[:alpha:]]|$)' "$ERR"; then
    ok "$desc"
  else
    bad "$desc"
  fi
}

# trains DESCRIPTION ARGS…: exit 0, no error output, a summary with a finite
# loss, and a model written that `backprop info` reads back; $TRAINED is
# that model, for the checks of what the case claims (holds, below).
trains () {
  local desc=$1 out
  shift
  out=$WORK/out-$N.json
  TRAINED=$out
  run "$@" -q -o "$out"
  if [ "$status" -eq 0 ] && [ ! -s "$ERR" ] \
     && grep -qE 'loss +[-+0-9.e]+' "$OUT" && ! grep -qiE 'nan|inf' "$OUT" \
     && "$BACKPROP" info "$out" >/dev/null 2>&1; then
    ok "$desc"
  else
    bad "$desc"
  fi
}

# trace MODEL ARGS… > FILE: `backprop trace` with the time limit.
trace () { timeout "$LIMIT" "$BACKPROP" trace "$@" 2>>"$WORK/trace.err"; }

# holds DESCRIPTION PYTHON FILE…: passes when the Python code (with `args`,
# the files, `load`, a JSON reader, and `norm`, the Frobenius norm of a
# matrix) raises nothing; the assertion that failed is printed.
holds () {
  local desc=$1 code=$2
  shift 2
  if "$PYTHON" - "$code" "$@" >"$WORK/holds.out" 2>&1 <<'EOF'
import json, math, sys
code, args = sys.argv[1], sys.argv[2:]
load = lambda p: json.load(open(p))
norm = lambda M: math.sqrt(math.fsum(v * v for r in M for v in r))
def finite(v):
    return all(finite(e) for e in v) if isinstance(v, list) else \
        (all(finite(e) for e in v.values()) if isinstance(v, dict) else
         (not isinstance(v, float) or math.isfinite(v)))
exec(code)
EOF
  then
    ok "$desc"
  else
    # What failed is the Python, not the last run: show its assertion.
    LAST_CMD= bad "$desc"
    sed -e 's/^/#   /' "$WORK/holds.out" | tail -n 6
  fi
}

# model FILE LAYERS-PYTHON [EXTRA-PYTHON-DICT]: writes a model file whose
# "layers" is the value of the Python expression.
model () {
  "$PYTHON" - "$@" <<'EOF'
import json, sys
m = {"format": "backprop-model/1", "seed": 1, "layers": eval("(" + sys.argv[2] + ")")}
if len(sys.argv) > 3:
    m.update(eval("(" + sys.argv[3] + ")"))
with open(sys.argv[1], "w") as f:
    json.dump(m, f)
EOF
}

echo "# backprop: $BACKPROP"

# ------------------------------------------------------------- blowing up

# sgd at lr 100 on a linear network: the weights grow geometrically until
# the products in z(2) overflow and cancel (∞ − ∞).
model "$WORK/linear.json" \
  '[{"in": 2, "out": 8, "activation": "linear"}, {"in": 8, "out": 8, "activation": "linear"},
    {"in": 8, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "optimizer": {"id": "sgd", "lr": 0.1}, "dataset": "moons"}'
stops_numeric "lr 100 diverges: stopped naming layer and unit" \
  ': Training stopped at step [0-9]+: z\([0-9]+\)\[[0-9]+\] is (NaN|\+Inf|−Inf) in the forward pass \(layer [0-9]+, unit [0-9]+, sample [0-9]+\)\. The weights are as they were before this step\. Is the learning rate too large\? Lower it, and reset the weights if they have grown too large\.$' \
  train "$WORK/linear.json" --lr 100 --steps 100000 -o "$WORK/never.json"
check "a diverged run writes no model" [ ! -e "$WORK/never.json" ]

# The same for a regression with mse: (a − y)² overflows before any z does,
# so the output unit farthest from its target is named.
model "$WORK/regression.json" \
  '[{"in": 1, "out": 8, "activation": "linear"}, {"in": 8, "out": 1, "activation": "linear"}]' \
  '{"cost": "mse", "optimizer": {"id": "sgd", "lr": 0.1}, "dataset": "sine"}'
stops_numeric "lr 100 on a regression: the cost overflows, layer and unit named" \
  ': Training stopped at step [0-9]+: the cost is \+Inf for sample [0-9]+ \(layer 2, the output, unit 1: a\(2\)\[1\] = ' \
  train "$WORK/regression.json" --lr 100 --steps 100000 -o "$WORK/never.json"

# Exploding products: 31 layers whose weights are 1e10 overflow z at the
# 31st layer on the first step.
model "$WORK/explode.json" \
  '[{"in": 1, "out": 2, "activation": "linear", "W": [[1e10], [1e10]], "b": [0, 0]}]
   + [{"in": 2, "out": 2, "activation": "linear", "W": [[1e10, 0], [0, 1e10]], "b": [0, 0]}] * 30
   + [{"in": 2, "out": 1, "activation": "linear", "W": [[1, 1]], "b": [0]}]' \
  '{"cost": "mse", "dataset": "sine"}'
stops_numeric "exploding products: stopped at layer 31, unit 1 on step 1" \
  ': Training stopped at step 1: z\(31\)\[1\] is \+Inf in the forward pass \(layer 31, unit 1, sample 1\)\. The weights' \
  train "$WORK/explode.json" --steps 10 -o "$WORK/never.json"

# A finite but huge input: 1e308 through W = [1 1] is 2e308 = ∞ in z(1).
printf 'x1,x2,y\n1,2,0\n1e308,1e308,1\n-1,0.5,0\n3,1,1\n' >"$WORK/huge.csv"
model "$WORK/huge.json" \
  '[{"in": 2, "out": 1, "activation": "linear", "W": [[1, 1]], "b": [0]},
    {"in": 1, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "dataset": {"name": "moons", "test_fraction": 0}}'
stops_numeric "a CSV value of 1e308 overflows z(1): layer 1, unit 1 named" \
  ': Training stopped at step 1: z\(1\)\[1\] is \+Inf in the forward pass \(layer 1, unit 1, sample [0-9]\)' \
  train "$WORK/huge.json" --dataset "$WORK/huge.csv" --steps 5 --batch-size 4 \
  -o "$WORK/never.json"
# The default network copes with it: tanh saturates, and W(1)·1e308 stays
# below the largest double for Glorot weights.
trains "the default network trains on a CSV holding 1e308" \
  train --dataset "$WORK/huge.csv" --steps 20
trace "$TRAINED" --dataset "$WORK/huge.csv" --rows 4 >"$WORK/huge-trace.json"
holds "... its tanh units saturate at exactly ±1 on the 1e308 row, every number finite" '
t = load(args[0])
assert t["inputs"][1] == [1e308, 1e308], t["inputs"]
assert finite(t), "a number of the trace is not finite"
assert all(abs(a) == 1.0 for a in t["layers"][0]["a"][1]), t["layers"][0]["a"][1]' \
  "$WORK/huge-trace.json"
printf 'x,y\n1,0\ninf,1\n' >"$WORK/inf.csv"
stops "a CSV cell \"inf\" is refused with file, line and column" \
  'inf.csv:3: column 1 \(“x”\): “inf” is not a number' \
  train --dataset "$WORK/inf.csv" --steps 5 -o "$WORK/never.json"
printf 'x,y\n1,0\n2,1e999\n' >"$WORK/overflow.csv"
stops "a CSV cell that overflows a double (1e999) is refused" \
  'overflow.csv:3: column 2 \(“y”\): “1e999” is not a finite number' \
  train --dataset "$WORK/overflow.csv" --steps 5 -o "$WORK/never.json"

# Underflow: 30 sigmoid layers; the gradients of the first layers vanish
# (σ′ ≤ ¼ per layer), to zero or subnormals, which is not an error — the
# run finishes, in its time limit.
model "$WORK/sigmoid30.json" \
  '[{"in": 2, "out": 4, "activation": "sigmoid"}]
   + [{"in": 4, "out": 4, "activation": "sigmoid"}] * 28
   + [{"in": 4, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "optimizer": {"id": "sgd", "lr": 0.5}, "dataset": "moons"}'
trains "30 sigmoid layers (vanishing gradients) train 2000 steps" \
  train "$WORK/sigmoid30.json" --steps 2000
trace "$WORK/sigmoid30.json" --rows 64 >"$WORK/sigmoid30-before.json"
trace "$TRAINED" --rows 64 >"$WORK/sigmoid30-after.json"
holds "... the gradients vanish: ‖∂C/∂W(1)‖ is 12+ decades below ‖∂C/∂W(30)‖, before and after, and finite" '
for p in args:
    t = load(p)
    n = [norm(L["dW"]) for L in t["layers"]]
    assert len(n) == 30 and finite(n), n
    assert n[-1] > 1e-4, ("the last layer learns nothing", n[-1])
    assert n[0] < 1e-12 * n[-1], ("layer 1 vs layer 30", n[0], n[-1])
    # and they shrink along the way down (σ′ ≤ ¼ per layer): layer 15 between
    assert n[0] < n[14] < n[-1], (n[0], n[14], n[-1])' \
  "$WORK/sigmoid30-before.json" "$WORK/sigmoid30-after.json"
# Subnormal weights all through: every product underflows.
model "$WORK/subnormal.json" \
  '[{"in": 2, "out": 4, "activation": "tanh", "W": [[5e-324, 5e-324]] * 4, "b": [1e-310] * 4}]
   + [{"in": 4, "out": 4, "activation": "tanh", "W": [[5e-324] * 4] * 4, "b": [0] * 4}] * 20
   + [{"in": 4, "out": 1, "activation": "sigmoid", "W": [[5e-324] * 4], "b": [0]}]' \
  '{"cost": "bce", "optimizer": {"id": "adam", "lr": 0.01}, "dataset": "moons"}'
trains "subnormal weights in 22 layers train 500 steps" \
  train "$WORK/subnormal.json" --steps 500
trace "$WORK/subnormal.json" --rows 16 >"$WORK/subnormal-trace.json"
holds "... every product underflows to 0: z = b exactly past layer 1, output σ(0) = ½, loss ln 2" '
t = load(args[0])
assert all(v == 0.0 for L in t["layers"][1:] for r in L["z"] for v in r), "a z past layer 1 is not 0"
assert all(r == [0.5] for r in t["output"]), t["output"][:3]
assert abs(t["loss"] - math.log(2)) <= 1e-15, t["loss"]' "$WORK/subnormal-trace.json"
holds "... and after 500 Adam steps every weight is still exactly 5e-324 (no flush to zero, no NaN), the biases of layer 1 still 1e-310, and only the output bias learned" '
m = load(args[0])
assert finite(m)
assert all(w == 5e-324 for L in m["layers"] for r in L["W"] for w in r), "a weight is no longer 5e-324"
assert m["layers"][0]["b"] == [1e-310] * 4, m["layers"][0]["b"]
assert all(L["b"] == [0.0] * 4 for L in m["layers"][1:-1])
assert m["layers"][-1]["b"][0] != 0.0, m["layers"][-1]["b"]' "$TRAINED"

# ------------------------------------------------------- degenerate shapes

model "$WORK/width1.json" \
  '[{"in": 1, "out": 1, "activation": "tanh"}, {"in": 1, "out": 1, "activation": "tanh"},
    {"in": 1, "out": 1, "activation": "linear"}]' \
  '{"cost": "mse", "dataset": "sine"}'
trains "width 1 everywhere (1-1-1-1)" train "$WORK/width1.json" --steps 50
trace "$WORK/width1.json" --rows 64 >"$WORK/width1-before.json"
trace "$TRAINED" --rows 64 >"$WORK/width1-after.json"
holds "... a 1-1-1-1 network whose loss on 64 rows went down" '
m, a, b = load(args[0]), load(args[1]), load(args[2])
assert [(L["in"], L["out"]) for L in m["layers"]] == [(1, 1)] * 3
assert b["loss"] < a["loss"], (a["loss"], b["loss"])' "$TRAINED" "$WORK/width1-before.json" "$WORK/width1-after.json"

model "$WORK/deep32.json" \
  '[{"in": 2, "out": 3, "activation": "tanh"}]
   + [{"in": 3, "out": 3, "activation": "tanh"}] * 30
   + [{"in": 3, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "dataset": "moons"}'
trains "32 layers (the most a model may have)" train "$WORK/deep32.json" --steps 20
trace "$TRAINED" --rows 16 >"$WORK/deep32-trace.json"
holds "... written with its 32 layers, which trace with every number finite" '
m, t = load(args[0]), load(args[1])
assert len(m["layers"]) == 32 and len(t["layers"]) == 32
assert finite(t)' "$TRAINED" "$WORK/deep32-trace.json"
model "$WORK/deep33.json" \
  '[{"in": 2, "out": 3, "activation": "tanh"}]
   + [{"in": 3, "out": 3, "activation": "tanh"}] * 31
   + [{"in": 3, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "dataset": "moons"}'
stops "33 layers are refused with the limit" 'layers: expected 1 to 32 layers, got 33' \
  train "$WORK/deep33.json" --steps 1 -o "$WORK/never.json"

model "$WORK/wide.json" \
  '[{"in": 2, "out": 4096, "activation": "relu"}, {"in": 4096, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "dataset": "moons"}'
trains "a 4096-wide layer (2-4096-1)" train "$WORK/wide.json" --steps 5
trace "$WORK/wide.json" --rows 64 >"$WORK/wide-before.json"
trace "$TRAINED" --rows 64 >"$WORK/wide-after.json"
holds "... written with 4096 rows of W(1), and its loss on 64 rows went down" '
m, a, b = load(args[0]), load(args[1]), load(args[2])
assert len(m["layers"][0]["W"]) == 4096 and len(m["layers"][1]["W"][0]) == 4096
assert b["loss"] < a["loss"], (a["loss"], b["loss"])' "$TRAINED" "$WORK/wide-before.json" "$WORK/wide-after.json"
model "$WORK/wider.json" \
  '[{"in": 2, "out": 4097, "activation": "relu"}, {"in": 4097, "out": 1, "activation": "sigmoid"}]' \
  '{"cost": "bce", "dataset": "moons"}'
stops "a 4097-wide layer is refused with the limit" 'layer 1 \(layers\[0\]\.out in the file\): 4097 is out of range' \
  train "$WORK/wider.json" --steps 1 -o "$WORK/never.json"

trains "a batch of 1" train --batch-size 1 --steps 50
B1=$TRAINED
trains "... and the same 50 steps with a batch of 2" train --batch-size 2 --steps 50
holds "... the batch of 1 is used: it gives other weights than a batch of 2, all finite" '
one, two = load(args[0]), load(args[1])
assert finite(one) and finite(two)
assert one["layers"][0]["W"] != two["layers"][0]["W"]' "$B1" "$TRAINED"

printf 'a,b,label\n0.5,-1,1\n' >"$WORK/one-row.csv"
trains "a dataset of 1 row (nothing left for a test set)" \
  train --dataset "$WORK/one-row.csv" --steps 5
check "... trained on that 1 row, with no test line" \
  eval 'grep -qE "^ +train .*\(1 rows\)" "$OUT" && ! grep -qE "^ +test " "$OUT"'
trace "$TRAINED" --dataset "$WORK/one-row.csv" --rows 1 >"$WORK/one-row-trace.json"
holds "... which it now classifies as its label (1)" '
t = load(args[0])
assert t["targets"] == [[1.0]] and t["output"][0][0] > 0.5, t["output"]' "$WORK/one-row-trace.json"

"$PYTHON" - "$WORK/constant.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("x,const,y\n")
    for i in range(50):
        f.write("%g,5,%d\n" % (i / 10, i % 2))
EOF
trains "a constant feature column" train --dataset "$WORK/constant.csv" --steps 20
trace "$TRAINED" --dataset "$WORK/constant.csv" --rows 50 >"$WORK/constant-trace.json"
holds "... the constant column gives finite numbers all through (no 0/0 from its spread of 0)" '
m, t = load(args[0]), load(args[1])
assert m["layers"][0]["in"] == 2 and finite(m)
assert len(set(r[1] for r in t["inputs"])) == 1, "the column is not constant"
assert finite(t)' "$TRAINED" "$WORK/constant-trace.json"
printf 'x,y\n1,0\n2,0\n3,0\n4,0\n' >"$WORK/constant-target.csv"
trains "a constant target (every label 0)" train --dataset "$WORK/constant-target.csv" --steps 20
trace "$TRAINED" --dataset "$WORK/constant-target.csv" --rows 4 >"$WORK/constant-target-trace.json"
holds "... and learns it: every output below 0.05" '
t = load(args[0])
assert t["targets"] == [[0.0]] * 4 and all(o[0] < 0.05 for o in t["output"]), t["output"]' \
  "$WORK/constant-target-trace.json"

"$PYTHON" - "$WORK/big.csv" <<'EOF'
import random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    f.write("x1,x2,x3,label\n")
    for i in range(100000):
        a, b, c = r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)
        f.write("%.6f,%.6f,%.6f,%s\n" % (a, b, c, "pos" if a * b > c / 3 else "neg"))
EOF
trains "a CSV of 100 000 rows, one epoch" train --dataset "$WORK/big.csv" --epochs 1
check_rows () { grep -q '(80000 rows)' "$OUT" && grep -q '(20000 rows)' "$OUT" \
  && grep -qE '^trained on big\.csv: 1 epoch, 5000 steps ' "$OUT"; }
check "all 100 000 rows are read (80 000 train, 20 000 test), one epoch is 5000 steps of 16" check_rows

tap_done
