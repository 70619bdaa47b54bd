# numbers.sh — what the CLI tests that judge training figures share;
# source it after tap.sh and tap_workdir (it uses capture, bad and $WORK).
#   train NAME MODEL ARGS…  trains MODEL into $WORK/NAME.json, keeping its
#                           output in $WORK/NAME.out
#   final KEY OUTPUT        the "train" or "test" loss of that summary
#   lt A B                  A < B for floating-point numbers; false when
#                           either is not a number (an empty figure from a
#                           failed run must not pass)

train () {
  local name=$1 model=$2
  shift 2
  capture "$BACKPROP" train "$model" -o "$WORK/$name.json" "$@"
  cp "$OUT" "$WORK/$name.out"
  [ "$status" -eq 0 ] || bad "train $model $*"
}

final () { awk -v k="$1" '$1 == k && $2 == "loss" { print $3 }' "$2"; }

lt () {
  awk -v a="$1" -v b="$2" 'BEGIN {
    num = "^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$"
    exit !(a ~ num && b ~ num && a + 0 < b + 0)
  }'
}
