#!/usr/bin/env bash
# test-cli.sh — end-to-end checks of the `backprop` command line, as TAP.
#
#   test-cli.sh BACKPROP [FIXTURE_DIR]
#
# Every check runs the real program and asserts on its exit status, stdout,
# stderr and the files it writes.  An error must be exactly one line
# "backprop: …" on stderr, naming the file or option at fault.

set -u

BACKPROP=${1:?usage: test-cli.sh BACKPROP [FIXTURE_DIR]}
FIXTURES=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
PYTHON=/usr/bin/python3

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir cli

# run ARGS…: runs backprop; sets $status, leaves stdout in $OUT, stderr in $ERR.
run () { capture "$BACKPROP" "$@"; }

out_has_all () {
  local needle
  for needle in "$@"; do out_has "$needle" || return 1; done
}

# expect_error DESCRIPTION STATUS NEEDLE ARGS…: the run fails with STATUS
# (or any failure below 128 when STATUS is "any") and one error line that
# contains NEEDLE.
expect_error () {
  local desc=$1 want=$2 needle=$3
  shift 3
  run "$@"
  if { [ "$want" = any ] && [ "$status" -ne 0 ] && [ "$status" -lt 128 ]; } \
       || [ "$status" = "$want" ]; then
    if one_error_line && grep -qF -- "$needle" "$ERR"; then
      ok "$desc"
      return
    fi
  fi
  bad "$desc"
}

# json_check FILE PYTHON-EXPRESSIONS: asserts inside Python on the parsed JSON `d`.
json_check () {
  "$PYTHON" - "$1" "$2" <<'EOF'
import json, math, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
exec(sys.argv[2])
EOF
}

cp "$FIXTURES"/tiny.json "$FIXTURES"/softmax.json "$FIXTURES"/spirals.json \
   "$FIXTURES"/overflow.json "$FIXTURES"/diverge.json "$FIXTURES"/layers.json "$WORK"/
TINY=$WORK/tiny.json

echo "# backprop: $BACKPROP"

# ------------------------------------------------------------ help, version

run --help
check "--help exits 0 and lists the commands" \
  eval '[ $status -eq 0 ] && out_has train && out_has trace && out_has gradcheck && out_has info && out_has datasets'
run --version
check "--version exits 0 and prints the version" \
  eval '[ $status -eq 0 ] && grep -qE "^backprop .*[0-9]+\.[0-9]+\.[0-9]+" "$OUT"'
run help train
check "help train shows the train options" eval '[ $status -eq 0 ] && out_has --epochs'
for cmd in train trace gradcheck info datasets; do
  run "$cmd" --help
  check "$cmd --help exits 0 with a usage line" \
    eval '[ $status -eq 0 ] && out_has "backprop $cmd" && err_empty'
done
run train --help
check "train --help documents every option" \
  out_has_all --dataset --rows --noise --epochs --steps --batch-size --lr \
              --seed --output --quiet

# ----------------------------------------------------------------- datasets

run datasets
check "datasets lists spirals, iris and digits" \
  eval '[ $status -eq 0 ] && grep -q "^spirals " "$OUT" && grep -q "^iris " "$OUT" && grep -q "^digits " "$OUT"'
check "datasets shows iris as 4 features, 3 targets, multiclass, file" \
  eval 'grep -qE "^iris +4 +3 +multiclass +file" "$OUT"'

# --------------------------------------------------------------------- info

run info "$TINY"
check "info tiny.json exits 0" eval '[ $status -eq 0 ] && err_empty'
check "info shows the name and both layers" \
  eval 'out_has tiny && out_has "1: 2 → 3 tanh" && out_has "2: 3 → 2 sigmoid"'
check "info counts 17 parameters" eval 'grep -qE "^parameters +17$" "$OUT"'
check "info shows cost, optimizer and lr" \
  eval 'grep -qE "^cost +mse, mean" "$OUT" && grep -qE "^optimizer +sgd lr=0.5" "$OUT"'
check "info shows seed 7 and the inline batch of 3" \
  eval 'grep -qE "^seed +7 " "$OUT" && grep -qE "^inline batch +3 samples" "$OUT"'
run info "$WORK/spirals.json"
check "info spirals.json shows the dataset reference and training settings" \
  eval '[ $status -eq 0 ] && out_has "spirals (rows 100, noise 0.05, test fraction 0.2)" && out_has "5 epochs, batch size 16" && grep -qE "^inline batch +\(none\)" "$OUT"'

# -------------------------------------------------------------------- trace

run trace "$TINY"
cp "$OUT" "$WORK/trace1.json"
check "trace exits 0 with nothing on stderr" eval '[ $status -eq 0 ] && err_empty'
check "trace output is valid JSON" \
  eval '"$PYTHON" -c "import json,sys; json.load(sys.stdin)" <"$WORK/trace1.json"'
check "trace has the documented keys and shapes" json_check "$WORK/trace1.json" '
assert d["format"] == "backprop-trace/1"
assert set(d) == {"format", "loss", "per_sample_loss", "output", "layers"}, d.keys()
B = 3
shapes = [(2, 3), (3, 2)]
assert len(d["per_sample_loss"]) == B
assert [len(r) for r in d["output"]] == [2] * B
assert len(d["layers"]) == 2
for L, (i, o) in zip(d["layers"], shapes):
    assert set(L) == {"z", "a", "dC_da", "dC_dz", "dW", "db"}, L.keys()
    for k in ("z", "a", "dC_da", "dC_dz"):
        assert [len(r) for r in L[k]] == [o] * B, k
    assert [len(r) for r in L["dW"]] == [i] * o
    assert len(L["db"]) == o
'
# trace_check.py recomputes every array of a trace (z, a, ∂C/∂a, δ, ∂C/∂W,
# ∂C/∂b of every layer, per-sample losses, loss, output) from the model
# file's W, b, activations, cost and batch, in plain Python with none of
# backprop's code; on a mismatch its message (array, layer, sample, unit and
# both values) is printed as a TAP comment.
trace_agrees () {
  if "$PYTHON" "$FIXTURES/trace_check.py" "$@" >"$WORK/trace-check.out" 2>&1; then
    return 0
  fi
  sed -e 's/^/#   trace_check: /' "$WORK/trace-check.out"
  return 1
}
check "trace numbers of tiny.json (tanh, sigmoid, mse) agree with an independent recomputation" \
  trace_agrees "$TINY" "$WORK/trace1.json"
run trace "$TINY"
check "trace is deterministic" eval '[ -s "$OUT" ] && cmp -s "$OUT" "$WORK/trace1.json"'
run trace "$WORK/softmax.json"
check "trace of a softmax model is valid JSON" \
  eval '[ $status -eq 0 ] && "$PYTHON" -c "import json,sys; json.load(sys.stdin)" <"$OUT"'
cp "$OUT" "$WORK/trace-softmax.json"
# softmax.json draws its weights from the seed; a step of Adam with lr 1e-300
# writes them out unchanged (each moves by ~1e-300, far below its last
# digit; the zero biases become ±1e-300), so the checker reads the same W.
run train "$WORK/softmax.json" --steps 1 --lr 1e-300 -o "$WORK/softmax-weights.json"
run trace "$WORK/softmax-weights.json"
cp "$OUT" "$WORK/trace-softmax-weights.json"
check "softmax.json with its weights written out traces to the same numbers" \
  "$PYTHON" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a == b, "the written-out weights trace differently"' "$WORK/trace-softmax.json" "$WORK/trace-softmax-weights.json"
check "trace numbers of softmax.json (tanh, softmax, softmax_ce) agree with an independent recomputation" \
  trace_agrees "$WORK/softmax-weights.json" "$WORK/trace-softmax-weights.json"

# bce on a sigmoid output (the fused δ = σ(z) − y), under leaky_relu and
# softplus hidden layers, soft and hard targets, summed over the batch.
cat >"$WORK/bce-inline.json" <<'JSON'
{ "format": "backprop-model/1", "seed": 3,
  "layers": [
    { "in": 2, "out": 4, "activation": "leaky_relu", "alpha": 0.1,
      "W": [[0.9, -1.2], [-0.4, 0.8], [1.1, 0.3], [-0.7, -0.6]], "b": [0.1, -0.2, 0.05, 0.3] },
    { "in": 4, "out": 3, "activation": "softplus",
      "W": [[0.5, -0.3, 0.8, 0.2], [-0.6, 0.4, 0.1, -0.9], [0.3, 0.7, -0.5, 0.6]], "b": [0.0, 0.1, -0.1] },
    { "in": 3, "out": 1, "activation": "sigmoid", "W": [[1.3, -0.8, 0.6]], "b": [-0.2] } ],
  "cost": "bce", "reduction": "sum",
  "inputs": [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [2.0, 1.0]],
  "targets": [[1], [0], [0.3], [1]] }
JSON
run trace "$WORK/bce-inline.json"
cp "$OUT" "$WORK/trace-bce.json"
check "trace numbers of a bce model (leaky_relu, softplus, sigmoid; sum) agree with an independent recomputation" \
  eval '[ $status -eq 0 ] && trace_agrees "$WORK/bce-inline.json" "$WORK/trace-bce.json"'

# mse on a softmax output: not fused, so δ goes through the full softmax
# Jacobian; relu and a linear hidden layer before it.
cat >"$WORK/mse-inline.json" <<'JSON'
{ "format": "backprop-model/1", "seed": 4,
  "layers": [
    { "in": 3, "out": 3, "activation": "relu",
      "W": [[0.6, -0.4, 0.2], [-0.3, 0.9, 0.5], [0.8, 0.1, -0.7]], "b": [0.1, -0.1, 0.2] },
    { "in": 3, "out": 2, "activation": "linear", "W": [[0.5, -1.1, 0.4], [0.9, 0.3, -0.6]], "b": [0.0, 0.25] },
    { "in": 2, "out": 3, "activation": "softmax",
      "W": [[1.2, -0.5], [-0.8, 0.7], [0.3, 1.1]], "b": [0.1, 0.0, -0.1] } ],
  "cost": "mse", "reduction": "mean",
  "inputs": [[1.0, 0.5, -0.5], [-1.0, 2.0, 0.3], [0.2, -0.4, 1.5]],
  "targets": [[1, 0, 0], [0, 1, 0], [0.2, 0.3, 0.5]] }
JSON
run trace "$WORK/mse-inline.json"
cp "$OUT" "$WORK/trace-mse.json"
check "trace numbers of an mse model (relu, linear, softmax Jacobian) agree with an independent recomputation" \
  eval '[ $status -eq 0 ] && trace_agrees "$WORK/mse-inline.json" "$WORK/trace-mse.json"'

# The checker itself can fail: one number of a trace moved in its 9th digit,
# or the checker given another model, is caught.
"$PYTHON" - "$WORK/trace1.json" "$WORK/trace-planted.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["layers"][0]["dC_da"][2][1] *= 1 + 1e-8
json.dump(d, open(sys.argv[2], "w"))
PY
check "trace_check.py refuses a trace with one number off by 1e-8 (relative)" \
  eval '! "$PYTHON" "$FIXTURES/trace_check.py" "$TINY" "$WORK/trace-planted.json" >/dev/null 2>&1'
check "trace_check.py refuses the trace of another model" \
  eval '! "$PYTHON" "$FIXTURES/trace_check.py" "$WORK/mse-inline.json" "$WORK/trace-bce.json" >/dev/null 2>&1'

# -------------------------------------------------------------------- train

run train "$TINY" --steps 3 -o "$WORK/steps.json"
check "train --steps 3 exits 0 and writes the model" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/steps.json" ] && out_has "model written to $WORK/steps.json"'
check "train --steps 3 reports 3 steps" eval 'out_has "3 steps"'
run info "$WORK/steps.json"
check "the trained model loads again, with 3 optimizer steps of state" \
  eval '[ $status -eq 0 ] && out_has "state after 3 steps"'
run trace "$WORK/steps.json"
cp "$OUT" "$WORK/trace3.json"
check "3 sgd steps lower the loss of the inline batch" \
  "$PYTHON" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert b["loss"] < a["loss"], (a["loss"], b["loss"])' "$WORK/trace1.json" "$WORK/trace3.json"
run train "$TINY" --steps 1 --quiet
check "train without -o writes MODEL-trained.json next to the model and says so" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/tiny-trained.json" ] && out_has "$WORK/tiny-trained.json"'

(cd "$WORK" && "$BACKPROP" train --epochs 3 --seed 5 >"$OUT" 2>"$ERR")
status=$?
LAST_CMD="(in $WORK) backprop train --epochs 3 --seed 5"
check "train of the default model writes trained-model.json in the cwd" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/trained-model.json" ] && out_has "trained-model.json"'
check "the summary names the dataset, epochs, losses and throughput" \
  eval 'out_has "trained on moons: 3 epochs" && out_has "samples/s" && grep -qE "^ +train +loss " "$OUT" && grep -qE "^ +test +loss " "$OUT"'
check "progress without a terminal is plain lines on stdout" \
  eval 'grep -qE "^epoch 3/3 loss [0-9.e+-]+" "$OUT" && err_empty'
run info "$WORK/trained-model.json"
check "the trained default model loads and keeps --seed" \
  eval '[ $status -eq 0 ] && grep -qE "^seed +5 " "$OUT"'

run train --epochs 3 --seed 5 --quiet -o "$WORK/again.json"
check "training is reproducible: same seed, same file" \
  eval '[ $status -eq 0 ] && cmp -s "$WORK/trained-model.json" "$WORK/again.json"'
check "--quiet prints no progress lines, only the summary" \
  eval '! grep -q "^epoch " "$OUT" && out_has "trained on moons"'
run train --epochs 3 --seed 6 --quiet -o "$WORK/other.json"
check "a different seed gives a different model" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/other.json" ] && ! cmp -s "$WORK/trained-model.json" "$WORK/other.json"'

run render "$WORK/tiny.json" -o "$WORK/tiny.png"
check "render writes a PNG" \
  eval '[ $status -eq 0 ] && [ "$(head -c 8 "$WORK/tiny.png" | od -An -tx1 | tr -d " ")" = "89504e470d0a1a0a" ]'
run render "$WORK/tiny.json" -o "$WORK/tiny.svg" --view gradients --phase backward --layer 1
check "render writes an SVG of the gradients view mid-backward" \
  eval '[ $status -eq 0 ] && grep -q "<svg" "$WORK/tiny.svg"'
run render "$WORK/tiny.json" -o "$WORK/tiny.pdf" --dark
check "render writes a PDF" \
  eval '[ $status -eq 0 ] && [ "$(head -c 5 "$WORK/tiny.pdf")" = "%PDF-" ]'
run render "$WORK/tiny.json" -o "$WORK/tiny.bmp"
check "render refuses an unknown picture format with one error line" \
  eval '[ $status -ne 0 ] && [ $status -lt 128 ] && one_error_line'

run train --dataset iris --epochs 2 --quiet -o "$WORK/iris.json"
check "without a model, the default network is fitted to the dataset (iris: 4 in, 3 softmax out)" \
  eval '[ $status -eq 0 ] && out_has "trained on iris"'
run info "$WORK/iris.json"
check "the fitted model has 4 inputs, a softmax output, softmax_ce and names iris" \
  eval 'out_has "(4 inputs)" && out_has "8 → 3 softmax" && out_has "softmax_ce" && grep -qE "^dataset +iris" "$OUT"'
run train --dataset sine --epochs 2 --quiet -o "$WORK/sine.json"
run info "$WORK/sine.json"
check "fitted to a regression dataset: a linear output and mse" \
  eval 'out_has "8 → 1 linear" && out_has "mse"'

run train "$WORK/spirals.json" --epochs 2 --batch-size 8 --lr 0.05 -o "$WORK/sp.json"
check "train a model on its dataset with --batch-size and --lr" \
  eval '[ $status -eq 0 ] && out_has "batch size 8" && out_has "2 epochs"'
run info "$WORK/sp.json"
check "--lr is stored in the trained model" \
  eval '[ $status -eq 0 ] && out_has "lr=0.05"'
run train "$WORK/spirals.json" --steps 7 --rows 60 -o "$WORK/sp7.json"
check "--steps on a model without an inline batch takes dataset steps" \
  eval '[ $status -eq 0 ] && out_has "7 steps" && out_has "60 rows"'
run info "$WORK/sp7.json"
check "... and the optimizer state counts 7 steps" eval 'out_has "state after 7 steps"'

printf 'x1,x2,y\n0.1,0.2,0\n0.3,-0.1,1\n-0.2,0.5,0\n0.7,0.7,1\n0.0,-0.6,1\n' >"$WORK/small.csv"
run train "$WORK/spirals.json" --dataset "$WORK/small.csv" --epochs 2 -o "$WORK/csv.json"
check "train on a CSV file given with --dataset" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/csv.json" ]'

# A file's rows are the file's: the default experiment's 400 generated
# rows must not be written for a CSV, nor reported by info.
"$PYTHON" -c '
print("x1,x2,y")
for i in range(300): print("%d,%d,%d" % (i % 7, i % 5, i % 2))' >"$WORK/rows300.csv"
run train --dataset "$WORK/rows300.csv" --epochs 1 --quiet -o "$WORK/rows300.json"
run info "$WORK/rows300.json"
check "info of a model trained on a 300-row CSV says 300 rows, not 400" \
  eval '[ $status -eq 0 ] && out_has "rows300.csv (300 rows, 2 features, 1 target column," && ! out_has "rows 400"'
check "... and the model file gives the CSV no generator rows" \
  eval '! grep -q "\"rows\"" "$WORK/rows300.json"'
sed 's/"name": "[^"]*rows300.csv"/"name": "'"${WORK//\//\\/}"'\/rows300.csv", "rows": 400/' "$WORK/rows300.json" >"$WORK/rows400.json"
run info "$WORK/rows400.json"
check "info of a model whose CSV dataset says \"rows\": 400 still counts the file's 300" \
  eval '[ $status -eq 0 ] && out_has "rows300.csv (300 rows," && grep -q "\"rows\": 400" "$WORK/rows400.json"'

# A CSV of 10⁶ columns: the error names the file and the column count
# (not "input width 1000000 is out of range").
"$PYTHON" -c '
n = 10 ** 6
print(",".join("c%d" % i for i in range(n - 1)) + ",y")
print(",".join("0" for i in range(n)))' >"$WORK/wide.csv"
expect_error "a CSV of 10⁶ columns names the file and the column count" 1 \
  "wide.csv:1: the header has 1000000 columns, 999999 of them features, but a network takes at most 4096 inputs" \
  train --dataset "$WORK/wide.csv" --epochs 1 -o "$WORK/wide.json"

# A save killed with SIGKILL leaves OUT.json.saving-PID-XXXXXX; the next
# save to OUT.json removes it (its PID is gone), and nothing else.
mkdir -p "$WORK/stale"
: >"$WORK/stale/out.json.saving-2147480000-AbC123"
: >"$WORK/stale/out.json.backup"
run train "$TINY" --steps 1 --quiet -o "$WORK/stale/out.json"
check "a save removes what a killed save to the same path left behind, and nothing else" \
  eval '[ $status -eq 0 ] && [ ! -e "$WORK/stale/out.json.saving-2147480000-AbC123" ] && [ -e "$WORK/stale/out.json.backup" ] && [ "$(ls "$WORK/stale" | wc -l)" -eq 2 ]'

# ---------------------------------------------------------------- gradcheck

run gradcheck "$TINY"
check "gradcheck passes on tiny.json" \
  eval '[ $status -eq 0 ] && out_has "passed" && grep -q "^layer 1 " "$OUT" && grep -q "^layer 2 " "$OUT"'
check "gradcheck names the worst parameter and both values" \
  eval 'grep -qE "worst [Wb]\(1\)\[" "$OUT" && out_has backprop && out_has numeric'
run gradcheck "$WORK/softmax.json"
check "gradcheck passes on a softmax/softmax_ce model" eval '[ $status -eq 0 ] && out_has passed'
run gradcheck "$WORK/spirals.json"
check "gradcheck without an inline batch uses 32 rows of the dataset" \
  eval '[ $status -eq 0 ] && out_has "32 samples" && out_has passed'
expect_error "gradcheck below an impossible tolerance fails with the verdict" 1 \
  "gradient check failed" gradcheck "$TINY" --tolerance 1e-300

# ------------------------------------------------------------------- errors

expect_error "no command" 2 "no command" 
expect_error "unknown command" 2 "frobnicate" frobnicate
expect_error "unknown option" 2 "--frobnicate" train --frobnicate
expect_error "missing model file" 1 "no-such-model.json" info "$WORK/no-such-model.json"
expect_error "a directory as model" 1 "$WORK" info "$WORK"
expect_error "a directory as model (train)" 1 "$WORK" train "$WORK"
expect_error "trace without a model" 2 "trace" trace
expect_error "two models" 2 "extra.json" info "$TINY" extra.json
expect_error "--epochs -1" 2 "--epochs" train "$TINY" --epochs -1
expect_error "--epochs abc" 2 "--epochs" train "$TINY" --epochs abc
expect_error "--epochs 0" 2 "--epochs" train "$TINY" --epochs 0
expect_error "--batch-size 0" 2 "--batch-size" train "$TINY" --batch-size 0
expect_error "--steps with --epochs" 2 "--steps" train "$TINY" --steps 1 --epochs 1
expect_error "--lr abc" 2 "--lr" train "$TINY" --steps 1 --lr abc
expect_error "--lr -0.1" 2 "--lr" train "$TINY" --steps 1 --lr -0.1
expect_error "--lr out of the optimizer's range" 2 "--lr" train "$TINY" --steps 1 --lr 1e300
expect_error "--noise nan" 2 "--noise" train "$TINY" --noise nan
expect_error "--seed 1x" 2 "--seed" train --seed 1x
expect_error "--eps 0" 2 "--eps" gradcheck "$TINY" --eps 0
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 1, "activation": "tanh"}]}' \
  >"$WORK/no-batch-no-dataset.json"
expect_error "trace of a model with neither an inline batch nor a dataset" 1 \
  "no-batch-no-dataset.json" trace "$WORK/no-batch-no-dataset.json"
expect_error "train without any dataset" 1 "tiny.json" train "$TINY" --epochs 1
expect_error "unknown dataset" 1 "nosuchset" train "$TINY" --dataset nosuchset
expect_error "missing CSV file" 1 "missing.csv" train "$TINY" --dataset "$WORK/missing.csv"
printf 'a,b,c,label\n1,2,3,x\n4,5,6,y\n' >"$WORK/wide.csv"
expect_error "a CSV whose width does not match the network" 1 "wide.csv" \
  train "$TINY" --dataset "$WORK/wide.csv" --epochs 1
check "... and the message names both widths" eval 'grep -q "3 features" "$ERR" && grep -q "2 inputs" "$ERR"'
expect_error "iris on a 2-input network" 1 "4 features" train "$TINY" --dataset iris --epochs 1
check "... naming the model and its 2 inputs" eval 'grep -q "tiny.json" "$ERR" && grep -q "2 inputs" "$ERR"'
printf 'a,b,y\n1,2,0\n3,oops,1\n' >"$WORK/broken.csv"
expect_error "a malformed CSV" 1 "broken.csv" train "$TINY" --dataset "$WORK/broken.csv" --epochs 1
expect_error "writing into a missing directory" 1 "$WORK/no/such/dir/out.json" \
  train "$TINY" --steps 1 -o "$WORK/no/such/dir/out.json"

run trace "$WORK/overflow.json"
check "trace of an overflowing pass fails with one error line naming the file" \
  eval '[ $status -eq 1 ] && one_error_line && grep -q overflow.json "$ERR"'
check "... and prints no partial JSON" eval '[ ! -s "$OUT" ]'
expect_error "gradcheck of an overflowing pass" 1 "overflow.json" gradcheck "$WORK/overflow.json"
expect_error "train steps on an overflowing pass" 1 "overflow.json" \
  train "$WORK/overflow.json" --steps 1 -o "$WORK/overflow-out.json"
check "... the whole message: the step once, the place, the value as +Inf" \
  eval '[ "$(cat "$ERR")" = "backprop: $WORK/overflow.json: Training stopped at step 1: z(1)[1] is +Inf in the forward pass (layer 1, unit 1, sample 1). The weights are as they were before this step." ]'

# Learning rate 100: the weights grow until z(2) overflows and cancels.
# Both ways of training print the same one line: the step once, the value
# as "NaN" (never printf's "-nan"), the place, and what was kept.
DIVERGED="backprop: $WORK/diverge.json: Training stopped at step 8: z(2)[1] is NaN in the forward pass (layer 2, unit 1, sample 1). The weights are as they were before this step. Is the learning rate too large? Lower it, and reset the weights if they have grown too large."
run train "$WORK/diverge.json" --steps 1000 -o "$WORK/diverge-out.json"
check "lr 100 diverges at step 8: exit 1 with the exact message" \
  eval '[ $status -eq 1 ] && one_error_line && [ "$(cat "$ERR")" = "$DIVERGED" ]'
check "... and writes no model" eval '[ ! -e "$WORK/diverge-out.json" ]'
run train "$WORK/diverge.json" -q -o "$WORK/diverge-out.json"
check "lr 100 in epochs: the same message, no epoch prefix" \
  eval '[ $status -eq 1 ] && one_error_line && [ "$(cat "$ERR")" = "$DIVERGED" ]'

# ------------------------------------------------------------ garbage files
# Each must be refused with one error line naming the file; never a crash.

G=$WORK/garbage
mkdir -p "$G"
: >"$G/empty.json"
printf '\x00\x01\x02\xff\xfe binary \x7f\x80' >"$G/binary.json"
printf '{' >"$G/truncated.json"
printf '[]' >"$G/array.json"
printf '"backprop-model/1"' >"$G/string.json"
printf '{"format": "backprop-model/2", "layers": []}' >"$G/version.json"
printf '{"format": 1}' >"$G/format-type.json"
printf '{"format": "backprop-model/1"}' >"$G/no-layers.json"
printf '{"format": "backprop-model/1", "layers": []}' >"$G/zero-layers.json"
printf '{"format": "backprop-model/1", "layers": [{"in": -1, "out": 2, "activation": "tanh"}]}' >"$G/negative.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 10000000000, "activation": "tanh"}]}' >"$G/huge.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2.5, "out": 1, "activation": "tanh"}]}' >"$G/fraction.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 1, "activation": "swishy"}]}' >"$G/unknown-act.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 1, "activation": "tanh"}], "cost": "bce"}' >"$G/bce-tanh.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 2, "activation": "tanh", "W": [[1, 2], [3]]}]}' >"$G/ragged.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh", "W": [[NaN]]}]}' >"$G/nan.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh", "W": [[1e999]]}]}' >"$G/inf.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 2, "out": 1, "activation": "tanh"}, {"in": 3, "out": 1, "activation": "tanh"}]}' >"$G/chain.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh"}], "inputs": [[1]]}' >"$G/inputs-only.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh"}], "inputs": [[1, 2]], "targets": [[1]]}' >"$G/inputs-width.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh"}], "optimizer": {"id": "sgd", "lr": -5}}' >"$G/lr.json"
printf '{"format": "backprop-model/1", "layers": [{"in": 1, "out": 1, "activation": "tanh"}], "optimizer": {"id": "adam", "state": {"t": 3, "m": [1]}}}' >"$G/state.json"
"$PYTHON" -c 'print("{\"format\": \"backprop-model/1\", \"layers\": " + "[" * 20000 + "]" * 20000 + "}")' >"$G/deep.json"
"$PYTHON" -c '
import json
layers = [{"in": 1, "out": 1, "activation": "tanh"} for _ in range(40)]
print(json.dumps({"format": "backprop-model/1", "layers": layers}))' >"$G/too-many-layers.json"

for f in "$G"/*.json; do
  name=$(basename "$f")
  for cmd in info trace gradcheck "train --steps 1 --quiet -o $WORK/garbage-out.json"; do
    # shellcheck disable=SC2086
    expect_error "garbage $name: $cmd" 1 "$name" $cmd "$f"
  done
done

# ------------------------------------------- gradcheck and trace on examples
# The shipped examples have no inline batch: both commands fall back to the
# first rows of the example's dataset, as render does.  gradcheck compares
# each gradient against the noise floor of its finite difference, so the
# correct gradients of deep-sigmoid (≈ 1e-8, below the ≈ 1e-9 noise of
# central differences on C ≈ 0.7) are "not resolvable", never "wrong".

EXAMPLES=${BACKPROP_SOURCE_DIR:-$FIXTURES/../..}/data/examples
for ex in "$EXAMPLES"/*.bpmodel.json; do
  name=$(basename "$ex" .bpmodel.json)
  run gradcheck "$ex"
  check "gradcheck passes on the shipped example $name" \
    eval '[ $status -eq 0 ] && err_empty && out_has "passed: no gradient differs" && ! grep -qE "[1-9][0-9]* differ " "$OUT"'
  run trace "$ex"
  cp "$OUT" "$WORK/trace-$name.json"
  check "trace works on the shipped example $name (8 rows of its dataset)" \
    eval '[ $status -eq 0 ] && err_empty'
  check "... as JSON naming the dataset, with its 8 input and target rows" json_check "$WORK/trace-$name.json" '
assert d["format"] == "backprop-trace/1"
assert isinstance(d["dataset"], str) and d["dataset"]
assert len(d["inputs"]) == len(d["targets"]) == len(d["per_sample_loss"]) == 8
assert len(d["layers"][0]["z"]) == 8'
done

run gradcheck "$EXAMPLES/deep-sigmoid.bpmodel.json"
check "gradcheck of deep-sigmoid: the vanishing gradients are not resolvable, none differs" \
  eval '[ $status -eq 0 ] && grep -qE "^layer 2 .* [1-9][0-9]* not resolvable +0 differ" "$OUT"'
check "... and it says what the floor is" eval 'out_has "floor" && out_has "to within their noise floor"'

run gradcheck "$WORK/spirals.json" --rows 5
check "gradcheck --rows 5" eval '[ $status -eq 0 ] && out_has "5 samples"'
run gradcheck "$WORK/spirals.json" --dataset xor --rows 6
check "gradcheck --dataset xor instead of the model's own" \
  eval '[ $status -eq 0 ] && out_has "on xor (6 samples"'

run trace "$WORK/spirals.json" --rows 3
check "trace --rows 3 on a model without an inline batch" json_check "$OUT" '
assert d["dataset"] == "spirals" and len(d["inputs"]) == 3 and len(d["output"]) == 3'
run trace "$TINY"
check "trace of an inline batch stays as it was (no dataset keys)" \
  eval '[ $status -eq 0 ] && cmp -s "$OUT" "$WORK/trace1.json"'
expect_error "trace --rows 0" 2 "--rows" trace "$WORK/spirals.json" --rows 0
expect_error "trace --dataset of the wrong width names both" 1 "4 features" \
  trace "$TINY" --dataset iris

# A model with all its weights inline, traced on iris rows: every number is
# recomputed here from the CSV and the formulas, independently of backprop.
cat >"$WORK/iris-inline.json" <<'JSON'
{ "format": "backprop-model/1", "seed": 1,
  "layers": [
    { "in": 4, "out": 3, "activation": "tanh",
      "W": [[0.1, -0.2, 0.3, 0.05], [0.4, 0.3, -0.1, 0.2], [-0.5, 0.2, 0.1, -0.3]],
      "b": [0.01, -0.02, 0.03] },
    { "in": 3, "out": 3, "activation": "softmax",
      "W": [[0.7, -0.4, 0.2], [-0.3, 0.5, 0.6], [0.1, 0.2, -0.8]],
      "b": [0.05, 0.0, -0.05] } ],
  "cost": "softmax_ce", "dataset": { "name": "iris" } }
JSON
run trace "$WORK/iris-inline.json" --rows 5
export IRIS_CSV=${BACKPROP_DATA_DIR:-$FIXTURES/../../data}/iris.csv
cp "$OUT" "$WORK/trace-iris.json"
check "trace on dataset rows agrees with the CSV and the formulas, computed independently" \
  trace_agrees "$WORK/iris-inline.json" "$WORK/trace-iris.json" \
    --csv "$IRIS_CSV" --rows 5 --classes setosa,versicolor,virginica

# ------------------------------------------------------ layer types (issue 13)

LAYERS=$WORK/layers.json
run trace "$LAYERS"
cp "$OUT" "$WORK/trace-layers.json"
check "trace of every layer type exits 0 with nothing on stderr" eval '[ $status -eq 0 ] && err_empty'
check "trace gives each layer type its documented keys" json_check "$WORK/trace-layers.json" '
want = {"dense": {"type", "z", "a", "dC_da", "dC_dz", "dW", "db"},
        "batchnorm": {"type", "z", "a", "dC_da", "dC_dz", "dgamma", "dbeta",
                      "running_mean", "running_var"},
        "layernorm": {"type", "z", "a", "dC_da", "dC_dz", "dgamma", "dbeta"},
        "dropout": {"type", "a", "dC_da", "mask"}}
types = [L["type"] for L in d["layers"]]
assert types == ["dense", "batchnorm", "dense", "layernorm", "dropout", "dense"], types
for L in d["layers"]:
    assert set(L) == want[L["type"]], (L["type"], set(L))
assert d["layers"][4]["mask"] == [[1, 0, 1, 1], [0, 1, 1, 1], [1, 1, 0, 1]]
# a training pass moves the running statistics
assert d["layers"][1]["running_mean"] != [0.1, -0.2, 0.3, 0]
'
run trace "$LAYERS" --eval
cp "$OUT" "$WORK/trace-layers-eval.json"
check "trace --eval uses the running statistics and passes dropout through" \
  json_check "$WORK/trace-layers-eval.json" '
assert d["layers"][1]["running_mean"] == [0.1, -0.2, 0.3, 0]
assert d["layers"][1]["running_var"] == [0.5, 1.5, 2, 0.8]
assert d["layers"][4]["mask"] == [[1] * 4] * 3
assert d["layers"][4]["a"] == d["layers"][3]["a"]
'
run train "$LAYERS" --steps 2 -o "$WORK/layers-trained.json"
check "train -o writes gamma, beta and the running statistics back" \
  json_check "$WORK/layers-trained.json" '
bn = d["layers"][1]
assert bn["type"] == "batchnorm" and bn["running_mean"] != [0.1, -0.2, 0.3, 0], bn
assert bn["gamma"] != [1.5, 0.5, 1, 2]
assert d["layers"][2]["skip_from"] == 1 and d["layers"][4]["mask"][0] == [1, 0, 1, 1]
'
run info "$LAYERS"
check "info shows the type of each layer" \
  eval 'out_has_all "2: batchnorm 4 → 4 sigmoid" "3: 4 → 4 relu + a(1) (skip connection)" "4: layernorm 4 → 4" "5: dropout 4 → 4 p=0.5, fixed mask of 3 rows"'
# A network of a dropout layer alone has no parameters at all: every
# command on it must work (its blocks of zero doubles were NULL, and
# UBSan caught a memset and a memcpy of zero bytes from NULL).
cat >"$WORK/dropout-only.json" <<'JSON'
{"format": "backprop-model/1", "layers": [{"type": "dropout", "in": 2, "out": 2, "p": 0.25}],
 "cost": "mse", "inputs": [[0.5, -1], [2, 0.25]], "targets": [[1, 0], [0, 1]]}
JSON
check "a parameterless network traces, trains, records and replays" \
  eval '"$BACKPROP" trace "$WORK/dropout-only.json" >/dev/null 2>&1 &&
        "$BACKPROP" trace --eval "$WORK/dropout-only.json" >/dev/null 2>&1 &&
        "$BACKPROP" train "$WORK/dropout-only.json" --steps 5 --record "$WORK/dropout-only.bprecord" \
          -o "$WORK/dropout-only-trained.json" >/dev/null 2>&1 &&
        "$BACKPROP" info "$WORK/dropout-only-trained.json" --record "$WORK/dropout-only.bprecord" >/dev/null 2>&1 &&
        "$BACKPROP" export "$WORK/dropout-only.json" -o "$WORK/dropout-only.onnx" >/dev/null 2>&1'
sed -e 's/"p": 0.5/"p": 1/' "$LAYERS" >"$WORK/layers-p1.json"
expect_error "a dropout p of 1 is refused, naming the layer" 1 \
  "layer 5 (layers[4].p in the file)" trace "$WORK/layers-p1.json"
"$PYTHON" - "$LAYERS" "$WORK/layers-b1.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
del m["layers"][4]["mask"]
m["inputs"], m["targets"] = m["inputs"][:1], m["targets"][:1]
json.dump(m, open(sys.argv[2], "w"))
PY
expect_error "a training batch of one through batch norm is refused, saying why" 1 \
  "layer 2 is a batch-norm layer: in training mode it needs a batch of at least 2" \
  trace "$WORK/layers-b1.json"
run render "$LAYERS" -o "$WORK/layers.png"
check "render draws every layer type (skips, batch and layer norm, dropout)" \
  eval '[ $status -eq 0 ] && [ -s "$WORK/layers.png" ]'
expect_error "render of a batch of one through batch norm says why not" 1 \
  "layer 2 is a batch-norm layer: in training mode it needs a batch of at least 2" \
  render "$WORK/layers-b1.json" -o "$WORK/layers-b1.png"
run trace "$WORK/layers-b1.json" --eval
check "the same batch of one traces in eval mode" eval '[ $status -eq 0 ] && err_empty'

for cmd in trace gradcheck train render info; do
  run $cmd --help
  check "$cmd --help lists --plugin-path" eval '[ $status -eq 0 ] && out_has "--plugin-path"'
done

tap_done
