#!/usr/bin/env bash
# test-examples-stories.sh — the three examples of issue 13 still tell the
# story their paragraph tells, as TAP.
#
#   test-examples-stories.sh BACKPROP DATA_DIR
#
# Each story is checked as a direction with a wide margin, never as the
# exact figure the paragraph quotes, so that a change in summation order
# does not break it while a change that kills the story does:
# - deep-sigmoid-skips: the per-layer ‖∂C/∂W‖ no longer fan out by decades,
#   and the network learns where the plain deep-sigmoid does not;
# - deep-sigmoid-batchnorm: the same with batch norm instead of skips;
# - dropout: without it the test loss climbs far above the train loss,
#   with p = 0.5 it stays low.
# The examples are those of DATA_DIR/examples.

set -u

BACKPROP=${1:?usage: test-examples-stories.sh BACKPROP DATA_DIR}
DATA=${2:?usage: test-examples-stories.sh BACKPROP DATA_DIR}
PYTHON=/usr/bin/python3

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/numbers.sh"
tap_workdir stories

# Rows of the moons traced for the gradient norms: enough that the norms
# do not hang on a few samples (they vary by less than 30 % from 8 to 400).
TRACE_ROWS=64

example () {
  echo "$DATA/examples/$1.bpmodel.json"
}

PLAIN=$(example deep-sigmoid)
SKIPS=$(example deep-sigmoid-skips)
BN=$(example deep-sigmoid-batchnorm)
DROPOUT=$(example dropout)

# norm_ratio TRACE.json: ‖∂C/∂W‖ of the last hidden dense layer over that of
# the first (how far the norms fan out); dense layers are those with dW.
norm_ratio () {
  "$PYTHON" - "$1" <<'EOF'
import json, math, sys
with open(sys.argv[1]) as f:
    t = json.load(f)
n = [math.sqrt(sum(x * x for row in l["dW"] for x in row)) for l in t["layers"] if "dW" in l]
print("%.6g" % (n[-2] / n[0]))
EOF
}

# trace_ratio NAME MODEL: traces MODEL and sets ratio_NAME.
trace_ratio () {
  capture "$BACKPROP" trace "$2" --rows "$TRACE_ROWS"
  if [ "$status" -ne 0 ]; then bad "trace $2"; eval "ratio_$1=nan"; return; fi
  eval "ratio_$1=$(norm_ratio "$OUT")"
}

# ------------------------------------------------------------ skips
# At the first step ‖∂C/∂W(8)‖/‖∂C/∂W(1)‖ is about 10⁴ without skips and
# about 6 with them.
trace_ratio plain "$PLAIN"
trace_ratio skips "$SKIPS"
echo "# step 0: ‖∂C/∂W(8)‖/‖∂C/∂W(1)‖ plain $ratio_plain, skips $ratio_skips"
check "deep-sigmoid: the norms fan out by decades at the first step (W(8)/W(1) > 10³)" \
  lt 1000 "$ratio_plain"
check "deep-sigmoid-skips: they do not (W(8)/W(1) < 30, and 100× less than without skips)" \
  eval 'lt "$ratio_skips" 30 && lt "$(awk -v r="$ratio_skips" "BEGIN { print r * 100 }")" "$ratio_plain"'

# After the 200 epochs of the examples: the plain network still guesses
# (loss ≈ 0.69), the one with skips has learnt (≈ 0.04; a straight boundary
# alone reaches 0.28), and its norms still do not fan out.
train plain "$PLAIN" -q
train skips "$SKIPS" -q
plain_loss=$(final train "$WORK/plain.out")
skips_loss=$(final train "$WORK/skips.out")
echo "# after 200 epochs: train loss plain $plain_loss, skips $skips_loss"
check "deep-sigmoid does not learn (train loss > 0.6)" lt 0.6 "$plain_loss"
check "deep-sigmoid-skips learns (train loss < 0.4)" lt "$skips_loss" 0.4
trace_ratio plain_t "$WORK/plain.json"
trace_ratio skips_t "$WORK/skips.json"
echo "# trained: ‖∂C/∂W(8)‖/‖∂C/∂W(1)‖ plain $ratio_plain_t, skips $ratio_skips_t"
check "after training the norms still fan out without skips (> 300) and not with them (< 30)" \
  eval 'lt 300 "$ratio_plain_t" && lt "$ratio_skips_t" 30'

# ------------------------------------------------------------ batch norm
# ‖∂C/∂W(15)‖/‖∂C/∂W(1)‖ (the last hidden dense layer) is about 8.
trace_ratio bn "$BN"
echo "# step 0: batch norm ‖∂C/∂W(15)‖/‖∂C/∂W(1)‖ $ratio_bn"
check "deep-sigmoid-batchnorm: the norms do not fan out (W(15)/W(1) < 100)" lt "$ratio_bn" 100
train bn "$BN" -q
bn_loss=$(final train "$WORK/bn.out")
bn_test=$(final test "$WORK/bn.out")
echo "# after 200 epochs: batch norm train loss $bn_loss, test loss $bn_test"
check "deep-sigmoid-batchnorm learns (train and test loss < 0.4)" \
  eval 'lt "$bn_loss" 0.4 && lt "$bn_test" 0.4'

# ------------------------------------------------------------ dropout
# The same model with p = 0 (the same numbers as without the dropout layers).
"$PYTHON" - "$DROPOUT" "$WORK/dropout-p0.json" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for l in d["layers"]:
    if l.get("type") == "dropout":
        l["p"] = 0
with open(sys.argv[2], "w") as f:
    json.dump(d, f)
EOF
train p0 "$WORK/dropout-p0.json"
train p5 "$DROPOUT"
p0_train=$(final train "$WORK/p0.out")
p0_test=$(final test "$WORK/p0.out")
p5_train=$(final train "$WORK/p5.out")
p5_test=$(final test "$WORK/p5.out")
# The lowest test loss of the progress lines ("test_loss X").
p0_best=$(awk '{ for (i = 1; i < NF; i++) if ($i == "test_loss") print $(i + 1) }' "$WORK/p0.out" \
          | sort -g | head -n 1)
echo "# dropout p = 0: train $p0_train, test $p0_test (lowest on the way $p0_best); p = 0.5: train $p5_train, test $p5_test"
check "p = 0 overfits: test loss > train loss + 0.4, and it climbed by > 0.3 from its lowest" \
  eval 'lt "$(awk -v a="$p0_train" "BEGIN { print a + 0.4 }")" "$p0_test" && lt "$(awk -v a="$p0_best" "BEGIN { print a + 0.3 }")" "$p0_test"'
check "p = 0.5: test loss < 0.5 and < 0.7 × that of p = 0" \
  eval 'lt "$p5_test" 0.5 && lt "$p5_test" "$(awk -v a="$p0_test" "BEGIN { print a * 0.7 }")"'
check "p = 0.5 fits the training set less closely than p = 0" lt "$p0_train" "$p5_train"

tap_done
