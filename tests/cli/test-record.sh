#!/usr/bin/env bash
# test-record.sh — `backprop train --record`, `render --record --at` and
# `info --record` (a run's recording, core/bp-record.h), as TAP.
#
#   test-record.sh BACKPROP FIXTURE_DIR
#
# Recording changes no bit of training; render draws the latest kept step
# at or before --at and says so when it is not that step; info lists the
# kept steps and stays within the budget; bad files and options are one
# error line naming the file or the option.
set -u

BACKPROP=${1:?usage: test-record.sh BACKPROP FIXTURE_DIR}
FIXTURES=${2:?usage: test-record.sh BACKPROP FIXTURE_DIR}
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir record

run () { capture "$BACKPROP" "$@"; }

# expect_error DESCRIPTION NEEDLE ARGS…: fails with one "backprop: …" line
# containing NEEDLE.
expect_error () { expect_failure "$1" "$2" "$BACKPROP" "${@:3}"; }

cp "$FIXTURES"/spirals.json "$FIXTURES"/tiny.json "$WORK"/
cd "$WORK" || exit 1

# ------------------------------------------------------------------ train
run train spirals.json --steps 300 -q -o plain.json
check "train without --record" eval '[ $status -eq 0 ]'
run train spirals.json --steps 300 -q -o recorded.json --record run.bprecord
check "train --record exits 0 and says where it wrote" \
  eval '[ $status -eq 0 ] && out_has "recording written to run.bprecord (301 kept steps, every 1;"'
check "recording changes no bit of the trained model" cmp -s plain.json recorded.json
check "the recording file starts with its format" \
  eval '[ "$(head -c 18 run.bprecord)" = "backprop-record/2 " ]'

run train tiny.json --steps 3 -q -o tiny-plain.json
run train tiny.json --steps 3 -q -o tiny-recorded.json --record tiny.bprecord
check "an inline-batch run recorded through a trainer gives the same bits" \
  cmp -s tiny-plain.json tiny-recorded.json

run train spirals.json --epochs 2 -q -o epochs-out.json --record epochs.bprecord
check "an epochs run is recorded too" \
  eval '[ $status -eq 0 ] && out_has "recording written to epochs.bprecord"'

# A long run in a small budget: the kept steps thin out, the memory stays
# under the budget, the first and the last step are kept.
run train spirals.json --steps 5000 -q -o long.json --record long.bprecord --record-budget 1
check "a 5000-step run in 1 MiB" eval '[ $status -eq 0 ]'
run info --record long.bprecord
check "info --record lists the kept steps from 0 to the last" \
  eval '[ $status -eq 0 ] && grep -qE "^ +0 16 32 .* 4992 5000$" "$OUT"'
check "info --record: memory within the budget" \
  eval 'b=$(sed -n "s/^memory .*; at most \([0-9]*\) bytes for a budget of 1048576$/\1/p" "$OUT");
        [ -n "$b" ] && [ "$b" -le 1048576 ]'
check "info --record: the statistics cover every step" \
  eval 'out_has "steps 1–5000 in 2500 buckets of 2 steps"'

run info spirals.json --record run.bprecord
check "info MODEL --record describes both" \
  eval '[ $status -eq 0 ] && out_has "parameters" && out_has "kept steps    301"'

# ----------------------------------------------------------------- render
run render spirals.json --record long.bprecord --at 4992 -o at4992.png
check "render --at a kept step: a PNG and nothing on stderr" \
  eval '[ $status -eq 0 ] && err_empty && [ "$(head -c 4 at4992.png | tail -c 3)" = PNG ]'
run render spirals.json --record long.bprecord --at 3000 -o at3000.png
check "render --at a step not kept draws the latest before it and says so" \
  eval '[ $status -eq 0 ] && err_has "step 3000 is not kept in long.bprecord; drawing step 2992"'
run render spirals.json --record long.bprecord --at 2992 -o at2992.png
check "…the same picture as --at that kept step" cmp -s at3000.png at2992.png
run render spirals.json --record long.bprecord --at 0 -o at0.png
run render spirals.json --record long.bprecord --at 5000 -o at5000.png
check "step 0 and step 5000 are different pictures" eval '! cmp -s at0.png at5000.png'

# ------------------------------------------------------- with a schedule
# The same model with a cosine learning-rate schedule: a recording keeps
# the schedule's step in each snapshot (format 2); step 90 kept in a
# 150-step run is drawn as the end of a 90-step run.  (render restores the
# parameters only; resuming with the schedule's state is tested bit for bit
# in tests/test-record.c.)
sed 's/"momentum": 0.9 }/"momentum": 0.9, "schedule": { "id": "cosine", "t_max": 60, "eta_min": 0.01 } }/' \
  spirals.json > cosine.json
check "the schedule model has its schedule" grep -q '"id": "cosine"' cosine.json
run train cosine.json --steps 150 -q -o cosine-plain.json
run train cosine.json --steps 150 -q -o cosine-recorded.json --record cosine.bprecord
check "train --record with a schedule exits 0" \
  eval '[ $status -eq 0 ] && out_has "recording written to cosine.bprecord (151 kept steps"'
check "…and changes no bit of the trained model" cmp -s cosine-plain.json cosine-recorded.json
check "…and the schedule moved the rate (not the unscheduled run)" \
  eval '! cmp -s cosine-plain.json plain.json'
run train cosine.json --steps 90 -q -o cosine-90.json --record cosine-90.bprecord
run render cosine.json --record cosine-90.bprecord --at 90 -o cosine-90.png
run render cosine.json --record cosine.bprecord --at 90 -o cosine-at90.png
check "render --at 90 of the scheduled run: a PNG and nothing on stderr" \
  eval '[ $status -eq 0 ] && err_empty && [ "$(head -c 4 cosine-at90.png | tail -c 3)" = PNG ]'
check "…the same picture as the end of a 90-step run" \
  cmp -s cosine-90.png cosine-at90.png
run render cosine.json --record cosine.bprecord --at 150 -o cosine-at150.png
check "…and step 150 is another picture" eval '! cmp -s cosine-at90.png cosine-at150.png'

# The rate at each kept step: the recording keeps where the schedule
# stood, the model gives the schedule and the base rate.  Step 90's row is
# the rate a model saved after 90 steps goes on with (info's "next lr",
# from the saved schedule state: another path to the same number).
run info cosine-90.json
next90=$(sed -n 's/^schedule .*, next lr //p' "$OUT")
run info cosine.json --record cosine.bprecord
check "info MODEL --record: a rate for each of the 151 kept steps" \
  eval '[ $status -eq 0 ] && [ "$(grep -cE "^ +[0-9]+  [0-9][0-9.e-]*$" "$OUT")" -eq 151 ]'
check "…step 0 takes the base rate, step 60 the cosine's eta_min" \
  eval 'grep -qE "^ +0  0[.]1$" "$OUT" && grep -qE "^ +60  0[.]01$" "$OUT"'
check "…step 90's is the rate the model saved after 90 steps goes on with" \
  eval 'lr=$(sed -n "s/^ *90  //p" "$OUT"); [ -n "$next90" ] && [ "$lr" = "$next90" ]'
run info spirals.json --record run.bprecord
check "…without a schedule every kept step takes the base rate" \
  eval '[ "$(grep -cE "^ +[0-9]+  0[.]1$" "$OUT")" -eq 301 ]'
run info --record cosine.bprecord
check "info --record alone says the rates need the model" \
  eval '[ $status -eq 0 ] && out_has "give the model too" && ! grep -qE "^ +60  " "$OUT"'
run info tiny.json --record run.bprecord
check "info with another model's recording: no rates, and why" \
  eval 'out_has "(not for tiny.json: "'

# ----------------------------------------------------------------- errors
expect_error "render --at without --record" "--record FILE and --at STEP go together" \
  render spirals.json --at 3 -o x.png
expect_error "a missing recording names the file" "nothing.bprecord" \
  render spirals.json --record nothing.bprecord --at 3 -o x.png
expect_error "a recording of another model" "not a recording of tiny.json" \
  render tiny.json --record run.bprecord --at 3 -o x.png
head -c 400 run.bprecord > cut.bprecord
expect_error "a cut recording names the file and the byte" "cut.bprecord: byte" \
  info --record cut.bprecord
printf 'hello' > notrec.bprecord
expect_error "not a recording" "notrec.bprecord: not a recording" info --record notrec.bprecord
expect_error "info with nothing to describe" "expected MODEL.json or --record" info
expect_error "--record-budget without --record" "--record-budget needs --record" \
  train spirals.json --steps 3 -o x.json --record-budget 4
expect_error "--record-budget 0" "--record-budget" \
  train spirals.json --steps 3 -o x.json --record r.bprecord --record-budget 0

tap_done
