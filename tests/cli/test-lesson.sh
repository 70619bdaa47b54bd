#!/usr/bin/env bash
# test-lesson.sh — `backprop lesson check` and `backprop lesson list`, as
# TAP, on the lesson fixtures of tests/lessons/.
#
#   test-lesson.sh BACKPROP LESSONS_DIR DATA_DIR
#
# check: exit 0 when every file is good (warnings allowed), 1 when one has a
# problem, 2 for a usage error; every problem is a line on stdout naming the
# file, the step and the field; the summary is the one "backprop: …" line.

set -u

BACKPROP=${1:?usage: test-lesson.sh BACKPROP LESSONS_DIR DATA_DIR}
LESSONS=${2:?}
DATA=${3:?}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir lesson

run () { capture "$BACKPROP" "$@"; }

# Relative names, as a lecturer types them: the messages say what was typed.
cd "$LESSONS" || exit 1

# ------------------------------------------------------------------- check

run lesson check good.bplesson.json
check "check passes the good lesson (every key) and says so" \
  eval '[ $status -eq 0 ] && out_has "good.bplesson.json: ok (5 steps)" && err_empty'

run lesson check warn-bare-number.bplesson.json
check "check passes a bare-number answer with a warning naming step and field" \
  eval '[ $status -eq 0 ] && out_has "warn-bare-number.bplesson.json: warning: step 1 (‘First’), field ‘question.answer’: a bare number" && err_empty'

# FILE (in bad/, without .bplesson.json) and what stdout must say.
while IFS='|' read -r file needle; do
  [ -n "$file" ] || continue
  run lesson check "bad/$file.bplesson.json"
  check "check $file: exit 1, “$needle”, one summary line" \
    eval '[ $status -eq 1 ] && out_has "bad/$file.bplesson.json: $needle" && one_error_line && err_has "backprop: 1 of 1 lesson file has problems"'
done <<'TABLE'
00-json|not valid JSON: 2:
01-format|field ‘format’: expected "backprop-lesson/1"
02-top-key|field ‘titel’: unknown key
03-step-key|step 2 (‘Second’), field ‘contine’: unknown key
04-no-text|step 1 (‘First’), field ‘text’: missing
05-markup|step 1 (‘First’), field ‘text’: at character 7: ‘$’ is not closed
06-view|step 1 (‘First’), field ‘view.gradients’: expected true or false
07-action|step 1 (‘First’), field ‘actions[1]’: expected one of
08-goto|step 1 (‘First’), field ‘actions[2].goto’: expected one of
09-unit-zero|step 1 (‘First’), field ‘actions[1].unit’: expected a whole number, 1 or more
10-train|step 1 (‘First’), field ‘actions[1].train’: expected either
11-answer-number|step 1 (‘First’), field ‘question.answer’: expected an expression
12-correct|step 1 (‘First’), field ‘question.correct’: expected a whole number from 1 to 2
13-answered-no-question|step 2 (‘Second’), field ‘continue’: “answered” needs a question
14-example|field ‘model’: no example “no-such-example”
15-edit|step 1 (‘First’), field ‘continue.edit’: expected one of
16-question-key|step 1 (‘First’), field ‘question.topik’: unknown key
17-title-lang|step 1, field ‘title.en’: expected text
18-no-model|field ‘model’: missing
19-topic|step 1 (‘First’), field ‘question.topic’: expected one of “expr-da-da”
51-unit-range|step 2 (‘Second’), field ‘actions[1].unit’: unit 4 of a(1) is not there
52-activation|step 1 (‘First’), field ‘actions[1].set.activation’:
53-answer-name|step 2 (‘Second’), field ‘question.answer’:
54-layer-range|step 1 (‘First’), field ‘actions[1].layer’: layer 5 is not there
55-weight-range|step 1 (‘First’), field ‘question.about.col’: W(2)[1,2] is not there
TABLE

run lesson check good.bplesson.json bad/03-step-key.bplesson.json warn-bare-number.bplesson.json
check "check of three files reports each and fails for the one bad" \
  eval '[ $status -eq 1 ] && out_has "good.bplesson.json: ok" && out_has "warn-bare-number.bplesson.json: ok" && out_has "field ‘contine’" && err_has "1 of 3 lesson files have problems"'

run lesson check no-such.bplesson.json
check "check of a missing file names it" \
  eval '[ $status -eq 1 ] && out_has "no-such.bplesson.json"'

run lesson check
check "check without files is a usage error" eval '[ $status -eq 2 ] && one_error_line'
run lesson paint
check "an unknown lesson command is a usage error" \
  eval '[ $status -eq 2 ] && err_has "“paint”"'

# -------------------------------------------------------------------- list

# A data directory of our own: bp_data_dir wants iris.csv; the lessons
# name the examples.
mkdir -p "$WORK/data/lessons"
ln -s "$DATA/iris.csv" "$WORK/data/iris.csv"
ln -s "$DATA/examples" "$WORK/data/examples"
cp good.bplesson.json "$WORK/data/lessons/02-good.bplesson.json"
cp tiny.bpmodel.json "$WORK/data/lessons/"
cat >"$WORK/data/lessons/01-first.bplesson.json" <<'JSON'
{ "format": "backprop-lesson/1", "title": "First of all", "model": "chain-rule",
  "steps": [ { "title": "One", "text": "One." } ] }
JSON
BACKPROP_DATA_DIR=$WORK/data LANGUAGE=en run lesson list
check "list gives id and title of each built-in lesson in the course's order" \
  eval '[ $status -eq 0 ] && [ "$(cat "$OUT")" = "$(printf "01-first\tFirst of all\ngood-fixture\tA good lesson")" ]'
BACKPROP_DATA_DIR=$WORK/data LANGUAGE=de run lesson list
check "list gives the titles in the user's language (LANGUAGE=de)" \
  eval '[ $status -eq 0 ] && out_has "$(printf "good-fixture\tEine gute Lektion")"'

cp bad/03-step-key.bplesson.json "$WORK/data/lessons/03-bad.bplesson.json"
BACKPROP_DATA_DIR=$WORK/data run lesson list
check "list names a built-in lesson that does not load, lists the others, fails" \
  eval '[ $status -eq 1 ] && out_has "01-first" && err_has "03-bad.bplesson.json: step 2"'

rm -r "$WORK/data/lessons"
BACKPROP_DATA_DIR=$WORK/data run lesson list
check "list without built-in lessons says so" \
  eval '[ $status -eq 1 ] && err_has "no built-in lessons"'

# The README's example lesson is a lesson that checks.
README=$(dirname "${BASH_SOURCE[0]}")/../../README.md
awk '/^## Lessons/ { in_section = 1 } in_section && /^```json/ { on = 1; next }
     on && /^```/ { exit } on { print }' "$README" > "$WORK/readme.bplesson.json"
run lesson check "$WORK/readme.bplesson.json"
check "the README's example lesson checks" \
  eval '[ -s "$WORK/readme.bplesson.json" ] && [ $status -eq 0 ] && out_has "readme.bplesson.json: ok (3 steps)"'

tap_done
