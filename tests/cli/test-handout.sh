#!/usr/bin/env bash
# test-handout.sh — `backprop lesson handout`, as TAP, on the lesson
# fixtures of tests/lessons/: the PDF's pages, text and worked answers
# (read back with poppler's pdfinfo, pdffonts and pdftotext), the
# language, and the errors.
#
#   test-handout.sh BACKPROP LESSONS_DIR DATA_DIR
#
# Every built-in lesson (DATA_DIR/lessons/) gets its handout too: one check
# each, so that a lesson of the course that cannot be printed fails here.
#
# The fixture handout-weights.bplesson.json gives its network's weights, so
# its authored answers are known by hand (W(2)[1,3] = 0.75, 4 b(1)[2] =
# −1.2, W(1)[1,1] + W(1)[2,2] = 0.2 + 0.1 = 0.3): the handout must print
# those, and only in the worked answers.

set -u

BACKPROP=${1:?usage: test-handout.sh BACKPROP LESSONS_DIR DATA_DIR}
LESSONS=${2:?}
DATA=${3:?}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir handout

for tool in pdfinfo pdffonts pdftotext; do
  if ! command -v "$tool" >/dev/null; then
    echo "Bail out! $tool is missing (Debian: poppler-utils; app/setup.sh installs it)"
    exit 1
  fi
done

run () { capture "$BACKPROP" "$@"; }
# The PDF's text with every space and line break taken out, so that a
# check does not depend on where a line wrapped or how poppler spaced a
# subscript ("W(2)13 ?").
squash () { tr -d ' \n\t\f' ; }
# TEXT (squashed) is in FILE's text (optionally only pages FIRST..LAST).
pdf_has () {
  local file=$1 text=$2; shift 2
  pdftotext "$@" "$file" - | squash | grep -qF -- "$(printf %s "$text" | squash)"
}
pages () { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }

# Relative names, as a lecturer types them: the messages say what was typed.
cd "$LESSONS" || exit 1
PDF=$WORK/handout.pdf

# ------------------------------------------------------------ the handout

run lesson handout handout-weights.bplesson.json -o "$PDF"
check "handout writes the PDF and says how many pages" \
  eval '[ $status -eq 0 ] && [ -s "$PDF" ] && out_has "$PDF: $(pages "$PDF") pages" && err_empty'
n=$(pages "$PDF")
check "the handout has more than one page ($n)" eval '[ "${n:-0}" -gt 1 ]'
check "its pages are A4 portrait" \
  eval 'pdfinfo "$PDF" | grep -q "^Page size: *595.276 x 841.89 pts (A4)"'
check "its text is text, in fonts embedded in the file" \
  eval 'pdffonts "$PDF" | awk "NR > 2 { n++; if (\$(NF - 4) != \"yes\") bad++ } END { exit !(n > 0 && bad == 0) }"'
check "page 1: the lesson's title and summary, a line for name and date" \
  eval 'pdf_has "$PDF" "Reading a network" -l 1 && pdf_has "$PDF" "Weights, biases and one derivative" -l 1 && pdf_has "$PDF" "Name:" -l 1 && pdf_has "$PDF" "Date:" -l 1'
check "every step's title, numbered" \
  eval 'for t in "1. Weights" "2. Biases" "3. Two weights" "4. The chain rule" "5. Which way" "6. Train"; do pdf_has "$PDF" "$t" || exit 1; done'
check "every step's text, its markup as text" \
  eval 'pdf_has "$PDF" "Each edge carries a weight" && pdf_has "$PDF" "The selected edge is that weight." && pdf_has "$PDF" "Train for fifty steps"'
check "every question's prompt" \
  eval 'pdf_has "$PDF" "Question. What is the weight W(2)13?" && pdf_has "$PDF" "Question. What is four times the bias b(1)2?" && pdf_has "$PDF" "Question. What is W(1)11 + W(1)22?" && pdf_has "$PDF" "Question. Which expression is ∂a(2)/∂a(1)" && pdf_has "$PDF" "Question. Which way does the backward pass go?"'
check "choices as ○ lines, numeric questions with an answer box and their tolerance" \
  eval 'pdf_has "$PDF" "○ From the input to the output ○ From the output to the input" && pdf_has "$PDF" "○ σ′(z(2)) W(2)" && pdf_has "$PDF" "Answer: (to 3 significant figures)"'
check "each figure is the canvas's picture at its step (model, shape, stop)" \
  eval 'pdf_has "$PDF" "Two moons, 2-3-1 2-3-1 · weights · sample 1 of 1" && pdf_has "$PDF" "gradients · sample 1 of 1 · backward through W(2)" && pdf_has "$PDF" "C = "'
check "a step that trains shows the ‖∂C/∂W‖ plot under its network; the others do not" \
  eval '[ "$(pdftotext "$PDF" - | grep -c "‖∂C/∂W(n)‖ per layer")" -eq 1 ] && pdf_has "$PDF" "Train for fifty steps" -f $((n - 1)) -l $((n - 1)) && pdf_has "$PDF" "‖∂C/∂W(n)‖ per layer" -f $((n - 1)) -l $((n - 1))'
check "pages numbered “k / n”, the last “$n / $n”" \
  eval 'pdf_has "$PDF" "1 / $n" -f 1 -l 1 && pdf_has "$PDF" "$n / $n" -f "$n" -l "$n"'

# The worked answers: on the last pages, after every question, with the
# numbers worked out by hand from the fixture's weights.
first_worked=$(for p in $(seq 1 "$n"); do pdf_has "$PDF" "Worked answers" -f "$p" -l "$p" && { echo "$p"; break; }; done)
check "“Worked answers” begins on a page of its own after the questions (page ${first_worked:-none})" \
  eval '[ -n "$first_worked" ] && [ "$first_worked" -gt 1 ] && ! pdf_has "$PDF" "Question." -f "$first_worked" -l "$n"'
check "worked answers: W(2)[1,3] = 0.75, 4 b(1)[2] = −1.2, W(1)[1,1] + W(1)[2,2] = 0.3" \
  eval 'pdf_has "$PDF" "Answer: 0.75 (to 3 significant figures) Read it off the selected edge." -f "$first_worked" && pdf_has "$PDF" "Answer: −1.2 (to 3 significant figures)" -f "$first_worked" && pdf_has "$PDF" "Answer: 0.3 (to 3 significant figures)" -f "$first_worked" && pdf_has "$PDF" "= 0.2 + 0.1 = 0.3" -f "$first_worked"'
check "worked answers of choice questions name the right choice" \
  eval 'pdf_has "$PDF" "Answer: From the output to the input δ(n) is made from δ(n+1)" -f "$first_worked" && pdf_has "$PDF" "Answer: σ′(z(2)) W(2) ∂a(2)/∂a(1) =" -f "$first_worked"'
check "no answer is printed before the worked answers" \
  eval '! pdf_has "$PDF" "Answer: 0.75" -l $((first_worked - 1)) && ! pdf_has "$PDF" "Answer: −1.2" -l $((first_worked - 1)) && ! pdf_has "$PDF" "Answer: From" -l $((first_worked - 1))'

# The generated question is the lesson's (its seed), so the same each time.
run lesson handout handout-weights.bplesson.json -o "$WORK/again.pdf"
check "the same lesson gives the same handout text" \
  eval '[ $status -eq 0 ] && [ "$(pdftotext "$PDF" - | md5sum)" = "$(pdftotext "$WORK/again.pdf" - | md5sum)" ]'

# Page breaks never split a figure or a question: on every page, as many
# questions begin as end (“Working:” or “Why:”, their last part), and as
# many figures begin (their title line) as end (their legend).  The long
# fixture's texts of every length put breaks everywhere.
whole_on_each_page () {
  local file=$1 p text
  for p in $(seq 1 "$(pages "$file")"); do
    text=$(pdftotext -f "$p" -l "$p" "$file" -)
    [ "$(grep -c "Question\." <<<"$text")" -eq "$(grep -c -e "Working:" -e "Why:" <<<"$text")" ] || return 1
    [ "$(grep -c "$2" <<<"$text")" -eq "$(grep -c "scaled per layer" <<<"$text")" ] || return 1
  done
}
run lesson handout handout-long.bplesson.json -o "$WORK/long.pdf"
check "a long lesson: $(pages "$WORK/long.pdf") pages, all 9 steps and their questions" \
  eval '[ $status -eq 0 ] && [ "$(pages "$WORK/long.pdf")" -gt 9 ] && pdf_has "$WORK/long.pdf" "9. Step 9" && [ "$(pdftotext "$WORK/long.pdf" - | grep -c "Question\.")" -eq 6 ]'
check "no page break splits a figure or a question (long lesson)" \
  whole_on_each_page "$WORK/long.pdf" "The chain rule, two layers"
check "no page break splits a figure or a question (weights lesson)" \
  whole_on_each_page "$PDF" "Two moons, 2-3-1"

# ------------------------------------------------------------ the language

run lesson handout handout-weights.bplesson.json -o "$WORK/de.pdf" --lang de
check "--lang de: the lesson's German texts, English where it has no German" \
  eval '[ $status -eq 0 ] && pdf_has "$WORK/de.pdf" "Ein Netz lesen" && pdf_has "$WORK/de.pdf" "1. Gewichte" && pdf_has "$WORK/de.pdf" "Wie groß ist das Gewicht W(2)13?" && pdf_has "$WORK/de.pdf" "2. Biases" && ! pdf_has "$WORK/de.pdf" "1. Weights"'
# The handout's own words come from po/de.po, and so does the quiz's
# tolerance: --lang sets the language after the first messages were
# looked up, which GLib's g_dngettext would not notice.
check "--lang de: the handout's own words and the tolerance in German" \
  eval 'pdf_has "$WORK/de.pdf" "Name:" && pdf_has "$WORK/de.pdf" "Datum:" && pdf_has "$WORK/de.pdf" "Antwort:" && pdf_has "$WORK/de.pdf" "Lösungen" && pdf_has "$WORK/de.pdf" "(auf3signifikanteStellen)" && ! pdf_has "$WORK/de.pdf" "Answer:" && ! pdf_has "$WORK/de.pdf" "significant"'
LANGUAGE=de run lesson handout handout-weights.bplesson.json -o "$WORK/de-env.pdf"
check "LANGUAGE=de picks the same texts as --lang de" \
  eval '[ $status -eq 0 ] && pdf_has "$WORK/de-env.pdf" "1. Gewichte" && pdf_has "$WORK/de-env.pdf" "Ein Netz lesen"'

# ------------------------------------------------------ the built-in course

for lesson in "$DATA"/lessons/*.bplesson.json; do
  [ -e "$lesson" ] || continue
  name=$(basename "$lesson" .bplesson.json)
  run lesson handout "$lesson" -o "$WORK/$name.pdf"
  check "built-in lesson $name: its handout, with its title and worked answers" \
    eval '[ $status -eq 0 ] && [ "$(pages "$WORK/$name.pdf")" -gt 1 ] && pdf_has "$WORK/$name.pdf" "1. " -l 1 && { ! grep -q "\"question\"" "$lesson" || pdf_has "$WORK/$name.pdf" "Worked answers"; }'
done

# ---------------------------------------------------------------- errors

run lesson handout bad/05-markup.bplesson.json -o "$WORK/bad.pdf"
check "a malformed lesson: exit 1, the loader's message naming file, step and field, no PDF" \
  eval '[ $status -eq 1 ] && one_error_line && err_has "bad/05-markup.bplesson.json: step 1 (‘First’), field ‘text’: at character 7: ‘\$’ is not closed" && [ ! -e "$WORK/bad.pdf" ]'
run lesson handout bad/53-answer-name.bplesson.json -o "$WORK/bad.pdf"
check "an answer that does not compute: exit 1, step and field named, no PDF" \
  eval '[ $status -eq 1 ] && one_error_line && err_has "bad/53-answer-name.bplesson.json: step 2 (‘Second’), field ‘question.answer’:" && [ ! -e "$WORK/bad.pdf" ]'
run lesson handout no-such.bplesson.json -o "$WORK/bad.pdf"
check "a missing lesson file is named" \
  eval '[ $status -eq 1 ] && one_error_line && err_has "no-such.bplesson.json"'
run lesson handout handout-weights.bplesson.json -o "$WORK/no-such-dir/h.pdf"
check "-o into a directory that does not exist: a clear error naming the file" \
  eval '[ $status -eq 1 ] && one_error_line && err_has "$WORK/no-such-dir/h.pdf: cannot write the document: No such file or directory"'
mkdir "$WORK/folder.pdf"
run lesson handout handout-weights.bplesson.json -o "$WORK/folder.pdf"
check "-o naming a directory: a clear error naming it" \
  eval '[ $status -eq 1 ] && one_error_line && err_has "$WORK/folder.pdf: cannot write the document: Is a directory"'
run lesson handout handout-weights.bplesson.json
check "without -o: a usage error" eval '[ $status -eq 2 ] && one_error_line && err_has "-o FILE.pdf"'
run lesson handout handout-weights.bplesson.json -o "$WORK/h.png"
check "-o not a .pdf: a usage error" eval '[ $status -eq 2 ] && one_error_line && err_has "must end in .pdf"'
run lesson handout -o "$WORK/h.pdf"
check "without a lesson: a usage error" eval '[ $status -eq 2 ] && one_error_line'
run lesson handout handout-weights.bplesson.json -o "$WORK/h.pdf" --lang ""
check "--lang empty: a usage error" eval '[ $status -eq 2 ] && one_error_line && err_has "--lang"'

tap_done
