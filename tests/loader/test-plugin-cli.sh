#!/usr/bin/env bash
# test-plugin-cli.sh — what `backprop` says about plugins that misbehave
# without being refused, and about plugin directories it cannot read, as
# TAP.  Runs the real program on the loader fixtures.
#
#   test-plugin-cli.sh BACKPROP FIXTURE_DIR CLI_FIXTURE_DIR
#
#   prints-stdout.so        prints on stdout when opened: `backprop trace`'s
#                           JSON must stay clean, stderr names the plugin;
#   bad-utf8-id.so          a 10 kB id of bytes that are not UTF-8: the
#                           refusal is escaped and short;
#   nan-later-optimizer.so  its update makes a weight NaN at step 1001: the
#                           error names the plugin, --save-on-fault keeps
#                           the 1000 good steps;
#   a directory that cannot be read, named by --plugin-path or by
#   $BACKPROP_PLUGIN_PATH: the same warning either way, and the command goes
#   on.

set -u

BACKPROP=${1:?usage: test-plugin-cli.sh BACKPROP FIXTURE_DIR CLI_FIXTURE_DIR}
FIXTURES=${2:?usage: test-plugin-cli.sh BACKPROP FIXTURE_DIR CLI_FIXTURE_DIR}
CLI_FIXTURES=${3:?usage: test-plugin-cli.sh BACKPROP FIXTURE_DIR CLI_FIXTURE_DIR}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir plugin-cli
# run [VAR=VALUE…] ARGS…: backprop with a cache of its own, in $WORK.
run () { capture env XDG_CACHE_HOME="$WORK/cache" "$@"; }
plugin_dir () {
  local dir=$WORK/$1
  shift
  mkdir -p "$dir"
  for name in "$@"; do cp "$FIXTURES/$name.so" "$dir/"; done
  echo "$dir"
}

NOISY=$(plugin_dir noisy prints-stdout)
BADID=$(plugin_dir badid bad-utf8-id)
NANOPT=$(plugin_dir nanopt nan-later-optimizer)

# ------------------------------------------------------- stdout stays clean

run BACKPROP_PLUGIN_PATH="$NOISY" "$BACKPROP" trace "$CLI_FIXTURES/tiny.json"
check "trace with a plugin that prints on load exits 0" test "$status" -eq 0
check "... and its stdout is exactly the trace's JSON" \
  /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT"
check "... stderr names the plugin that printed, and what it printed" \
  grep -qF "backprop: warning: plugin prints-stdout.so ($NOISY/prints-stdout.so) wrote to standard output while it was loaded; kept off standard output: “" "$ERR"
check "... in one line, whatever it printed" \
  test "$(grep -c 'prints-stdout.so (' "$ERR")" -eq 1

run "$BACKPROP" plugins check "$NOISY/prints-stdout.so"
check "plugins check: stdout holds only the steps, stderr says what the plugin printed" \
  eval '[ $status -eq 0 ] && ! grep -q "hello from" "$OUT" && grep -q "^prints-stdout.so would be loaded.$" "$OUT" && grep -qF "plugin prints-stdout.so (" "$ERR"'

# ------------------------------------------------- an id that is not UTF-8

run BACKPROP_PLUGIN_PATH="$BADID" "$BACKPROP" plugins
check "plugins lists the refused bad-utf8-id.so" grep -q 'bad-utf8-id.so' "$OUT"
check "... its output is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$OUT" -o /dev/null
check "... the id's bytes are escaped (\\xFF\\xFE\\x01) and the id is cut" \
  grep -qF 'activation id “bad\xFF\xFE\x01idxxx' "$OUT"
check "... no line is longer than 400 bytes (the id has 10 000)" \
  test "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$OUT")" -lt 400

# ----------------------------------------------- a directory it cannot read

# A file where a directory should be: unreadable as a directory even for
# root, whom a mode of 000 does not stop.
: >"$WORK/not-a-dir"
run BACKPROP_PLUGIN_PATH="$WORK/not-a-dir" "$BACKPROP" info "$CLI_FIXTURES/tiny.json"
env_status=$status
cp "$ERR" "$WORK/env.err"
run env -u BACKPROP_PLUGIN_PATH "$BACKPROP" info "$CLI_FIXTURES/tiny.json" --plugin-path "$WORK/not-a-dir"
check "an unreadable directory does not stop info (\$BACKPROP_PLUGIN_PATH, --plugin-path)" \
  test "$env_status" -eq 0 -a "$status" -eq 0
# shellcheck disable=SC1111
check "from \$BACKPROP_PLUGIN_PATH it is one warning naming the directory" \
  grep -qxF "backprop: warning: cannot read the plugin directory “$WORK/not-a-dir” (from \$BACKPROP_PLUGIN_PATH): Not a directory; its plugins are not loaded" "$WORK/env.err"
check "from --plugin-path the same warning, but for where it came from" \
  grep -qxF "backprop: warning: cannot read the plugin directory “$WORK/not-a-dir” (from --plugin-path): Not a directory; its plugins are not loaded" "$ERR"
check "... and nothing else on stderr either way" \
  test "$(wc -l <"$WORK/env.err")" -eq 1 -a "$(wc -l <"$ERR")" -eq 1

# ------------------------------------ an optimizer plugin that makes a NaN

cat >"$WORK/nan.json" <<'EOF'
{ "format": "backprop-model/1", "seed": 3, "cost": "mse",
  "layers": [ { "in": 2, "out": 2, "activation": "tanh" },
              { "in": 2, "out": 1, "activation": "sigmoid" } ],
  "optimizer": { "id": "sgd_nan_later", "lr": 0.1 },
  "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]] }
EOF
run BACKPROP_PLUGIN_PATH="$NANOPT" "$BACKPROP" train "$WORK/nan.json" --steps 1500 -q \
  -o "$WORK/never.json" --save-on-fault "$WORK/before.json"
check "training stops with status 1 and one error line" \
  test "$status" -eq 1 -a "$(wc -l <"$ERR")" -eq 1
check "... at step 1001, naming the plugin's update step as the culprit" \
  grep -qF "Training stopped at step 1001: the update made W(1)[1,1] NaN (layer 1, unit 1). The weights are as they were before this step. The update step of optimizer “sgd_nan_later” from plugin nan-later-optimizer.so made it from finite weights and gradients: the plugin is at fault." "$ERR"
check "... not the learning rate" eval '! grep -q "learning rate" "$ERR"'
check "... and says where the model before that step went" \
  grep -qF "The model as it was before that step was written to $WORK/before.json." "$ERR"
run BACKPROP_PLUGIN_PATH="$NANOPT" "$BACKPROP" info "$WORK/before.json"
# A model file holds only finite numbers: that info reads it says the NaN
# was not saved.
check "--save-on-fault wrote the model of step 1000 (and -o nothing)" \
  eval '[ $status -eq 0 ] && grep -qF "(state after 1000 steps)" "$OUT" && [ ! -e "$WORK/never.json" ]'
tap_done
