#!/usr/bin/env bash
# test-train-warnings.sh — `backprop train` names the layers whose gradient
# vanishes or explodes, as the app's gradient plot judges them
# (bp_diag_grad_net_health), once per layer and kind, on stderr; a healthy
# run and --quiet say nothing.  Networks beyond a dense chain are judged
# too: norm layers named γ(n), dropout layers (no parameters) left out.
# TAP.
#
#   test-train-warnings.sh BACKPROP
set -u

BACKPROP=${1:?usage: test-train-warnings.sh BACKPROP}
. "$(dirname "$0")/../tap.sh"
tap_workdir warnings

# train ARGS…: runs backprop train; sets $status, stdout in $OUT, stderr in
# $ERR (shown after a failed check).
train () { capture "$BACKPROP" train "$@"; }

# The "W(n) kind" pairs the warnings on stderr name, one per line:
# "⚠ W(1), W(2) zero · W(3) exploding at step 4 (…)" gives "W(1) zero",
# "W(2) zero" and "W(3) exploding".
named () {
  sed -n 's/^backprop: warning: ⚠ \(.*\) at step [0-9]* (.*)$/\1/p' "$ERR" \
    | sed 's/ · /\n/g' \
    | while read -r group; do
        kind=${group##* }
        for w in ${group% *}; do echo "${w%,} $kind"; done
      done
}

VANISHING='(vanishing: below 10⁻³ × median of the other layers)'
EXPLODING='(exploding: above 10³ × median)'

# sigmoid_chain FILE [EXTRA]: twelve sigmoid layers, σ′ ≤ ¼ in each, so
# ‖∂C/∂W(1)‖ is decades below the middle layers' from the first step on;
# EXTRA (a layer's JSON) goes in as layer 7.
sigmoid_chain () {
  local layers='{ "in": 2, "out": 4, "activation": "sigmoid" }' i
  for i in $(seq 10); do
    layers="$layers, { \"in\": 4, \"out\": 4, \"activation\": \"sigmoid\" }"
    if [ "$i" -eq 5 ] && [ -n "${2:-}" ]; then layers="$layers, $2"; fi
  done
  layers="$layers, { \"in\": 4, \"out\": 1, \"activation\": \"sigmoid\" }"
  cat >"$1" <<EOF
{ "format": "backprop-model/1", "name": "vanish", "seed": 1,
  "layers": [ $layers ],
  "cost": "bce", "optimizer": { "id": "sgd", "lr": 0.5 }, "dataset": "moons" }
EOF
}
sigmoid_chain "$WORK/vanish.json"

# W(1) = 10⁻⁵ starves every later layer of input (a(1) ≈ 10⁻⁵ x), while
# ∂C/∂W(1) = δ(1) x is not: W(1)'s gradient is 10⁵ × the others'.
cat >"$WORK/explode.json" <<'EOF'
{ "format": "backprop-model/1", "name": "explode", "seed": 1,
  "layers": [
    { "in": 1, "out": 1, "activation": "linear", "W": [[1e-5]], "b": [0] },
    { "in": 1, "out": 1, "activation": "linear", "W": [[1]], "b": [0] },
    { "in": 1, "out": 1, "activation": "linear", "W": [[1]], "b": [0] },
    { "in": 1, "out": 1, "activation": "linear", "W": [[1]], "b": [0] } ],
  "cost": "mse", "optimizer": { "id": "sgd", "lr": 1e-6 }, "dataset": "sine" }
EOF

echo "# backprop: $BACKPROP"

# ------------------------------------------------------------- vanishing

train "$WORK/vanish.json" --steps 200 -o "$WORK/vanish-out.json"
check "a deep sigmoid chain trains (exit 0)" [ "$status" -eq 0 ]
check "... and warns that W(1) vanishes, in the app's words" \
  grep -qE '^backprop: warning: ⚠ W\(1\)(, W\([0-9]+\))* vanishing at step [0-9]+ \(' "$ERR"
check "... the warning explains the band: $VANISHING" grep -qF -- "$VANISHING" "$ERR"
check "... every stderr line is such a warning" \
  eval '! grep -qv "^backprop: warning: ⚠ " "$ERR"'
check "... W(1) vanishing is named exactly once over the 10 checks of the run" \
  eval '[ "$(named | grep -cx "W(1) vanishing")" -eq 1 ]'
check "... no layer and kind is named twice" eval '[ -z "$(named | sort | uniq -d)" ]'
check "... and nothing of it goes to stdout" eval '! grep -qF "⚠" "$OUT"'

train "$WORK/vanish.json" --steps 200 --quiet -o "$WORK/vanish-quiet.json"
check "--quiet: no warning" eval '[ "$status" -eq 0 ] && [ ! -s "$ERR" ]'
check "--quiet: the same model, bit for bit (the warnings change nothing)" \
  cmp -s "$WORK/vanish-out.json" "$WORK/vanish-quiet.json"

train "$WORK/vanish.json" --epochs 3 --batch-size 320 -o "$WORK/vanish-epochs.json"
check "epochs mode warns too, at the end of an epoch" \
  eval '[ "$status" -eq 0 ] && named | grep -qx "W(1) vanishing"'

# ------------------------------------------------------------- exploding

train "$WORK/explode.json" --steps 10 -o "$WORK/explode-out.json"
check "W(1) = 10⁻⁵ in a linear chain trains (exit 0)" [ "$status" -eq 0 ]
check "... and warns that W(1) explodes, after the first step" \
  grep -qxF -- "backprop: warning: ⚠ W(1) exploding at step 1 $EXPLODING" "$ERR"
check "... once, though it is checked after each of the 10 steps" \
  eval '[ "$(wc -l <"$ERR")" -eq 1 ]'

# ----------------------------------------------- beyond a plain chain
EXAMPLES=${BACKPROP_SOURCE_DIR:-$(dirname "$0")/../..}/data/examples

# The three deep sigmoid examples, 200 steps each: the plain chain's W(1)
# vanishes (from step 40), while batch norm and skip connections keep every
# layer's norm within three decades of the others'.
train "$EXAMPLES/deep-sigmoid.bpmodel.json" --steps 200 -o "$WORK/ds.json"
check "deep-sigmoid: W(1) vanishes" \
  eval '[ "$status" -eq 0 ] && named | grep -qx "W(1) vanishing"'
train "$EXAMPLES/deep-sigmoid-batchnorm.bpmodel.json" --steps 200 -o "$WORK/ds-bn.json"
check "deep-sigmoid-batchnorm (W and γ judged together): no warning" \
  eval '[ "$status" -eq 0 ] && [ ! -s "$ERR" ]'
train "$EXAMPLES/deep-sigmoid-skips.bpmodel.json" --steps 200 -o "$WORK/ds-skips.json"
check "deep-sigmoid-skips: no warning" \
  eval '[ "$status" -eq 0 ] && [ ! -s "$ERR" ]'

# The vanishing chain with a dropout layer as layer 7: its record is 0 (it
# has no parameters), which the plot leaves out and the warnings must too.
sigmoid_chain "$WORK/dropout.json" '{ "type": "dropout", "in": 4, "out": 4, "p": 0.25 }'
train "$WORK/dropout.json" --steps 200 -o "$WORK/dropout-out.json"
check "a deep sigmoid chain with dropout warns that W(1) vanishes" \
  eval '[ "$status" -eq 0 ] && named | grep -qx "W(1) vanishing"'
check "... and never names the dropout layer (7)" \
  eval '[ -n "$(named)" ] && ! named | grep -q "(7) "'

# Inline-batch mode (--steps on a model with inputs/targets) records the
# norms too, and warns once at the end of the run.
sed 's/"dataset": "sine"/"inputs": [[0.5], [-1]], "targets": [[1], [0]]/' \
  "$WORK/explode.json" >"$WORK/explode-inline.json"
train "$WORK/explode-inline.json" --steps 10 -o "$WORK/explode-inline-out.json"
check "inline batch: W(1) = 10⁻⁵ warns that W(1) explodes, at the end" \
  grep -qxF -- "backprop: warning: ⚠ W(1) exploding at step 10 $EXPLODING" "$ERR"
check "... once" eval '[ "$status" -eq 0 ] && [ "$(wc -l <"$ERR")" -eq 1 ]'
train "$WORK/explode-inline.json" --steps 10 --quiet -o "$WORK/explode-inline-quiet.json"
check "inline batch, --quiet: no warning, the same model bit for bit" \
  eval '[ "$status" -eq 0 ] && [ ! -s "$ERR" ] && cmp -s "$WORK/explode-inline-out.json" "$WORK/explode-inline-quiet.json"'

# --------------------------------------------------------------- healthy

train --epochs 5 -o "$WORK/healthy.json"
check "the default network on moons trains without a warning" \
  eval '[ "$status" -eq 0 ] && [ ! -s "$ERR" ]'

"$BACKPROP" train --help >"$OUT" 2>&1
check "train --help says when it warns and that --quiet silences it" \
  eval 'grep -qF "vanishes or explodes" "$OUT" && grep -qF "no gradient warnings" "$OUT"'

tap_done
