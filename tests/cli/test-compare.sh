#!/usr/bin/env bash
# test-compare.sh — `backprop compare A.json B.json` (core/bp-compare.h), as
# TAP.
#
#   test-compare.sh BACKPROP FIXTURE_DIR
#
# A against itself gives the same numbers in both columns (B − A exactly
# 0); another optimizer gives other numbers; models on other data or of
# other widths are refused with a message saying what differs; and the
# lockstep is real: the last row's losses are, bit for bit, those of two
# `backprop train --steps N` runs of the same models.
set -u

BACKPROP=${1:?usage: test-compare.sh BACKPROP FIXTURE_DIR}
FIXTURES=${2:?usage: test-compare.sh BACKPROP FIXTURE_DIR}
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir compare

run () { capture "$BACKPROP" "$@"; }

# expect_error DESCRIPTION NEEDLE ARGS…: backprop ARGS… fails with one
# "backprop: …" line containing NEEDLE.
expect_error () { expect_failure "$1" "$2" "$BACKPROP" "${@:3}"; }

# json_field FILE EXPR: a value of the JSON output, printed with repr so
# that equal text means equal bits.
json_field () {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(repr(eval(sys.argv[2])))' \
    "$1" "$2" 2>/dev/null || echo "(no such field in $1)"
}

# same_numbers X Y: X and Y are the same text and hold a number (two failed
# runs print the same nothing).
same_numbers () { [ "$1" = "$2" ] && [[ $1 == *[0-9]* ]] && [[ $1 != *"no such field"* ]]; }

cd "$WORK" || exit 1
cp "$FIXTURES"/spirals.json a.json
# B: the same network, seed and data, another optimizer.
sed -e 's/"id": "momentum", "lr": 0.1, "momentum": 0.9/"id": "adam", "lr": 0.01/' \
  a.json > adam.json
sed -e 's/"rows": 100/"rows": 120/' a.json > rows.json
sed -e 's/"name": "spirals", "rows"/"name": "moons", "rows"/' a.json > moons.json
sed -e 's/"in": 2, "out": 6/"in": 3, "out": 6/' a.json > wide.json
sed -e 's/"in": 6, "out": 1, "activation": "sigmoid"/"in": 6, "out": 4, "activation": "tanh" },\n    { "in": 4, "out": 1, "activation": "sigmoid"/' \
  a.json > deeper.json

# ------------------------------------------------------------- A against A
run compare a.json a.json --steps 60 --every 10 --json
cp "$OUT" self.json
check "A vs A exits 0" eval '[ $status -eq 0 ]'
check "A vs A: a row at 0, every 10 steps and at the end (7 rows)" \
  eval '[ "$(json_field self.json "len(d[\"rows\"])")" = 7 ]'
check "A vs A: the loss columns are the same bits and B − A is exactly 0 in every row" \
  eval '[ "$(json_field self.json "all(r[\"loss_a\"] == r[\"loss_b\"] and r[\"b_minus_a\"] == 0 for r in d[\"rows\"])")" = True ]'
check "A vs A: the gradient norms are the same bits in every row" \
  eval '[ "$(json_field self.json "all(r[\"grad_norms_a\"] == r[\"grad_norms_b\"] for r in d[\"rows\"][1:])")" = True ]'
check "A vs A: the loss goes down and no difference is named" \
  eval '[ "$(json_field self.json "d[\"rows\"][-1][\"loss_a\"] < d[\"rows\"][0][\"loss_a\"] and d[\"differences\"] is None")" = True ]'

# ------------------------------------------------ A against another optimizer
run compare a.json adam.json --steps 60 --every 10 --json
cp "$OUT" adam-cmp.json
check "A vs B (adam) exits 0" eval '[ $status -eq 0 ]'
check "A vs B: the same start (step 0: B − A = 0), then other losses" \
  eval '[ "$(json_field adam-cmp.json "d[\"rows\"][0][\"b_minus_a\"] == 0 and all(r[\"b_minus_a\"] != 0 for r in d[\"rows\"][1:])")" = True ]'
check "A vs B: B − A is loss B − loss A" \
  eval '[ "$(json_field adam-cmp.json "all(r[\"b_minus_a\"] == r[\"loss_b\"] - r[\"loss_a\"] for r in d[\"rows\"])")" = True ]'
check "A vs B: the header names the optimizer and the lr" \
  eval '[ "$(json_field adam-cmp.json "d[\"differences\"]")" = "'"'"'optimizer: momentum → adam; lr: 0.1 → 0.01'"'"'" ]'
check "A vs B: the final line says which is lower" \
  eval '[ "$(json_field adam-cmp.json "d[\"final\"][\"lower\"] == (\"a\" if d[\"final\"][\"loss_a\"] < d[\"final\"][\"loss_b\"] else \"b\")")" = True ]'

run compare a.json adam.json --steps 60 --every 20 --weight "W(2)[1,3]"
check "the human table has a labelled column per quantity" \
  eval '[ $status -eq 0 ] && grep -q "step *loss A *loss B *B − A *‖∂C/∂W(1)‖ A *‖∂C/∂W(1)‖ B *‖∂C/∂W(2)‖ A *‖∂C/∂W(2)‖ B *W(2)\[1,3\] A *W(2)\[1,3\] B" "$OUT"'
check "the human table says what differs and which run ends lower" \
  eval 'out_has "B differs from A in: optimizer: momentum → adam; lr: 0.1 → 0.01" && grep -q "^Lower final loss: [AB], by " "$OUT"'
check "the human table's rows line up with its header (in characters)" \
  eval '[ "$(python3 -c "import sys; print(len({len(l) for l in open(sys.argv[1], encoding=\"utf-8\").read().split(chr(10)) if l.lstrip().split(\" \")[0] in (\"step\", \"0\", \"20\", \"40\", \"60\")}))" "$OUT")" = 1 ]'

# ---------------------------------------------------------- the lockstep
# Each model trained on its own for 60 steps, then measured as it is
# (--steps 0): the same bits as the comparison's last row.
run train a.json --steps 60 -q -o a-trained.json
run train adam.json --steps 60 -q -o adam-trained.json
run compare a-trained.json adam-trained.json --steps 0 --json
cp "$OUT" trained.json
check "the losses of two train runs equal the table's last row bit for bit" \
  same_numbers "$(json_field trained.json "(d['rows'][0]['loss_a'], d['rows'][0]['loss_b'])")" \
    "$(json_field adam-cmp.json "(d['rows'][-1]['loss_a'], d['rows'][-1]['loss_b'])")"
# An epochs run crosses epochs, where the order is reshuffled.
run compare a.json adam.json --epochs 3 --json
cp "$OUT" epochs.json
run train adam.json --steps 15 -q -o adam-15.json
run compare a.json adam-15.json --steps 0 --json
cp "$OUT" adam-15-cmp.json
check "3 epochs of 80 rows in batches of 16 are 15 steps, B's as train takes them" \
  same_numbers "$(json_field epochs.json "(d['steps'], d['rows'][-1]['loss_b'])")" \
    "$(json_field adam-15-cmp.json "(15, d['rows'][0]['loss_b'])")"

# The order is A's whatever B's seed: B, the same trained weights under
# another seed, follows A's rows (the same losses) and the header names the
# seed.
sed -e 's/"seed": 3,/"seed": 4,/' a-trained.json > seed4.json
run compare a-trained.json seed4.json --steps 30 --every 10 --json
cp "$OUT" seed4-cmp.json
check "B with another seed takes A's rows: B − A is 0 in every row" \
  eval '[ "$(json_field seed4-cmp.json "len(d[\"rows\"]) == 4 and all(r[\"b_minus_a\"] == 0 for r in d[\"rows\"])")" = True ]'
check "B with another seed: the header names the seed" \
  eval '[ "$(json_field seed4-cmp.json "d[\"differences\"]")" = "'"'"'seed: 3 → 4'"'"'" ]'

# -------------------------------------------------------------- refusals
expect_error "other dataset rows are refused, naming them" \
  "the datasets have different rows: A 100, B 120" compare a.json rows.json --steps 5
expect_error "another dataset is refused, naming both" \
  "different datasets: A “spirals”, B “moons”" compare a.json moons.json --steps 5
expect_error "other input widths are refused, naming them" \
  "different inputs: A has 2, B has 3" compare a.json wide.json --steps 5
run compare a.json moons.json --steps 5 --data spirals --json
check "--data gives both the same dataset" eval '[ $status -eq 0 ]'
expect_error "a --weight that B does not have is refused" \
  "--weight:" compare a.json a.json --steps 5 --weight "W(3)[1,1]"
run compare a.json a.json --steps 5 --epochs 2
check "--steps and --epochs together are a usage error" \
  eval '[ $status -eq 2 ] && one_error_line'

# ------------------------------------------------------- unmatched layers
run compare a.json deeper.json --steps 10 --json
cp "$OUT" deeper-cmp.json
check "layers of other shapes: each run's own norms, not paired" \
  eval '[ "$(json_field deeper-cmp.json "(d[\"layers_matched\"], len(d[\"rows\"][-1][\"grad_norms_a\"]), len(d[\"rows\"][-1][\"grad_norms_b\"]))")" = "(False, 2, 3)" ]'
run compare a.json deeper.json --steps 10
check "the human table lists A's norms, then B's" \
  eval 'grep -q "‖∂C/∂W(1)‖ A *‖∂C/∂W(2)‖ A *‖∂C/∂W(1)‖ B *‖∂C/∂W(2)‖ B *‖∂C/∂W(3)‖ B" "$OUT"'

tap_done
