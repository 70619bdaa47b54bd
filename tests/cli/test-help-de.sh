#!/bin/bash
# Both programs in German (test 'help-de', suite 'cli' and 'i18n'): each
# binds the build tree's catalogue itself when it runs uninstalled, so this
# checks their main()s as a user runs them, with LANGUAGE=de under the
# built-in C.UTF-8 locale.  What scripts read stays the same: the exit
# status and the one-line "backprop: …" error, and trace's JSON keys.
#
#   test-help-de.sh BACKPROP BACKPROP_STUDIO FIXTURE_DIR
set -u
backprop=$1
studio=$2
fixtures=$3
n=0
fail=0
ok ()  { n=$((n + 1)); echo "ok $n - $*"; }
bad () { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
has () { grep -qF -- "$2" <<<"$1"; }

export LANGUAGE=de LC_ALL=C.UTF-8
unset LANG

out=$("$backprop" --help 2>&1); status=$?
[ $status -eq 0 ] && ok "backprop --help exits 0" || bad "backprop --help exited $status"
for want in "Aufruf:" "Befehle:" "Ein Modell auf einem Datensatz oder seinem eingebetteten Batch trainieren" \
            "Rückgabewert: 0 bei Erfolg, 1 bei einem Fehler, 2 bei falschem Aufruf."; do
  has "$out" "$want" && ok "backprop --help says “$want”" || bad "backprop --help lacks “$want”: $out"
done
has "$out" "Usage:" && bad "backprop --help is still English" || ok "no English usage line"

out=$("$backprop" train --help 2>&1)
has "$out" "Lernrate (Standard: die des Modells)" && ok "train --help: option descriptions" \
  || bad "train --help: option descriptions not German: $out"

out=$("$backprop" frobnicate 2>&1); status=$?
[ $status -eq 2 ] && ok "an unknown command still exits 2" || bad "unknown command exited $status"
[ "$out" = "backprop: unbekannter Befehl „frobnicate“ (siehe „backprop --help“)" ] \
  && ok "one-line error in German" || bad "error line: $out"

out=$("$backprop" trace "$fixtures/tiny.json" 2>&1)
has "$out" '"format": "backprop-trace/1"' && has "$out" '"per_sample_loss"' \
  && ok "trace JSON keys are not translated" || bad "trace JSON changed: ${out:0:200}"

out=$(DISPLAY= WAYLAND_DISPLAY= "$studio" --help 2>&1)
has "$out" "Kein Fenster öffnen: trainieren und ein Bild schreiben" \
  && has "$out" "— Backpropagation sichtbar gemacht" \
  && ok "backprop-studio --help in German" || bad "backprop-studio --help: $out"

echo "1..$n"
exit $fail
