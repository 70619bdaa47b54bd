#!/usr/bin/env bash
# test-import.sh — `backprop import MODEL.onnx` (core/bp-onnx-read*.c) as a
# user runs it, as TAP.
#
#   test-import.sh BACKPROP ONNX_FIXTURE_DIR
#
# The model file is written where -o says (or beside the .onnx, or on
# stdout for -), with a summary of what was read; `trace --eval` on it with
# a CSV of the fixture's batch gives torch's outputs; a refused file is one
# error line naming the node and writes nothing.
set -u

BACKPROP=${1:?usage: test-import.sh BACKPROP ONNX_FIXTURE_DIR}
FIXTURES=${2:?usage: test-import.sh BACKPROP ONNX_FIXTURE_DIR}
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir import

run () { capture "$BACKPROP" "$@"; }

cp "$FIXTURES"/skip-f64.onnx "$FIXTURES"/skip-f64.json "$FIXTURES"/mlp-f32.onnx \
   "$FIXTURES"/refuse-reshape.onnx "$WORK"/
cd "$WORK" || exit 1

run import skip-f64.onnx -o skip.bpmodel.json
check "import writes the model and says what it read" \
  eval '[ $status -eq 0 ] && out_has "Imported from skip-f64.onnx: pytorch 1.13.0, opset 14" &&
        out_has "  layer 2: dense 4 → 4, relu, + a(1) (skip connection)" &&
        out_has "  layer 3: dense 4 → 2, softmax" && out_has "cost softmax_ce" &&
        out_has "wrote skip.bpmodel.json" && [ -s skip.bpmodel.json ]'
run info skip.bpmodel.json
check "the model file loads (backprop info)" eval '[ $status -eq 0 ]'

run import mlp-f32.onnx
check "without -o: MODEL.bpmodel.json beside the .onnx" \
  eval '[ $status -eq 0 ] && [ -s mlp-f32.bpmodel.json ] && out_has "leaky_relu alpha=0.1"'

run import skip-f64.onnx -o -
check "-o -: the model on stdout, the summary on stderr" \
  eval '[ $status -eq 0 ] && out_has "\"format\": \"backprop-model/1\"" &&
        err_has "  layer 1: dense 3 → 4, tanh" && ! out_has "  layer 1: dense"'

# The fixture's batch as a CSV (two classes, named so that the first row's
# class is the first one-hot column), then trace --eval against torch.
python3 - skip-f64.json data.csv <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    f.write("x1,x2,x3,class\n")
    for i, (x, y) in enumerate(zip(d["inputs"], d["outputs"])):
        f.write(",".join(repr(v) for v in x) + ",%s\n" % ("a" if i % 2 == 0 else "b"))
PY
run trace --eval skip.bpmodel.json --dataset data.csv --rows 5
check "trace --eval on the imported model gives torch's outputs (1e-12)" \
  eval '[ $status -eq 0 ] && python3 - "$OUT" skip-f64.json <<'"'"'PY'"'"'
import json, sys
t, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert t["inputs"] == d["inputs"], "not the fixture batch"
for row, want in zip(t["output"], d["outputs"]):
    for a, b in zip(row, want):
        assert abs(a - b) <= 1e-12 * (1 + abs(b)), (a, b)
PY'

expect_failure "a Reshape is refused naming the node and its op" \
  'refuse-reshape.onnx: node “/Reshape” (Reshape): this operator is not supported; supported: Gemm' \
  "$BACKPROP" import refuse-reshape.onnx -o refused.json
check "a refused import writes nothing" eval '[ ! -e refused.json ]'

expect_failure "a missing file says so" "nothing.onnx: cannot read" \
  "$BACKPROP" import nothing.onnx
run import skip-f64.onnx -o skip-f64.onnx
check "-o naming the ONNX file itself is a usage error" \
  eval '[ $status -eq 2 ] && err_has "would overwrite the ONNX file"'
printf 'not protobuf at all\377' >garbage.onnx
expect_failure "bytes that are no ModelProto" "garbage.onnx: not an ONNX model" \
  "$BACKPROP" import garbage.onnx
run --help
check "backprop --help lists import" eval 'out_has "  import "'

tap_done
