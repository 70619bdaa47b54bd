#!/bin/sh
# desktop-check.sh CHECK ARGS... — one check of the desktop integration
# files (data/), for tests/desktop/meson.build.
#
#   desktop  FILE.desktop          desktop-file-validate: no errors, no warnings
#   metainfo FILE.metainfo.xml     appstreamcli validate --no-net --strict
#   schemas  SOURCE_DIR BUILD_DIR APP_ID
#                                  glib-compile-schemas --strict --dry-run on
#                                  the sources; the compiled schema in the
#                                  build dir has the app's keys (gsettings)
#   mime     FILE.xml              update-mime-database: no errors; then
#                                  GIO sees *.bpmodel.json and model content
#                                  as application/x-backprop-model+json
#   ids      APP_ID SOURCE_ROOT DESKTOP METAINFO SCHEMA ICON SYMBOLIC
#                                  every file is named after the app id the
#                                  application uses, and refers to it
#
# Exit status: 0 passed, 1 failed, 77 skipped (the validator is not
# installed: desktop-file-utils, appstream, libglib2.0-bin, shared-mime-info).
set -u

need () {
  command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed (Debian package $2)"; exit 77; }
}
fail () { echo "FAIL: $*"; exit 1; }

check=${1:?usage: desktop-check.sh CHECK ARGS...}
shift

case $check in
desktop)
  need desktop-file-validate desktop-file-utils
  out=$(desktop-file-validate "$1" 2>&1); rc=$?
  [ -n "$out" ] && printf '%s\n' "$out"
  [ "$rc" -eq 0 ] || fail "desktop-file-validate exited $rc"
  # Hints (e.g. two main categories) are allowed; warnings are not.
  if printf '%s\n' "$out" | grep -q -E ': (error|warning): '; then
    fail "desktop-file-validate reported errors or warnings"
  fi
  echo "desktop-file-validate: $1 is valid"
  ;;

metainfo)
  need appstreamcli appstream
  # --strict fails on every issue but the pedantic ones (the pedantic
  # one left is the upper-case letters of the rDNS id, which are the app's).
  appstreamcli validate --no-net --strict --explain "$1" || fail "appstreamcli validate exited $?"
  ;;

schemas)
  need glib-compile-schemas libglib2.0-bin
  need gsettings libglib2.0-bin
  src=$1 build=$2 id=$3
  glib-compile-schemas --strict --dry-run "$src" || fail "glib-compile-schemas --strict exited $?"
  echo "glib-compile-schemas --strict --dry-run $src: ok"
  [ -f "$build/gschemas.compiled" ] || fail "$build/gschemas.compiled was not built"
  keys=$(GSETTINGS_SCHEMA_DIR=$build GSETTINGS_BACKEND=memory gsettings list-keys "$id" 2>&1) \
    || fail "gsettings cannot read schema $id from $build: $keys"
  for k in window-width window-height window-maximized gradient-view colour-scale \
           show-sigma-prime show-neuron-maps animation-speed last-experiment \
           recent-files disabled-plugins colour-scheme; do
    printf '%s\n' "$keys" | grep -qx "$k" || fail "schema $id has no key $k"
  done
  range=$(GSETTINGS_SCHEMA_DIR=$build gsettings range "$id" animation-speed | tr '\n' ' ')
  [ "$range" = "range d 0.0 1.0 " ] || fail "animation-speed range is '$range'"
  echo "compiled schema in $build: $(printf '%s\n' "$keys" | wc -l) keys, as expected"
  ;;

mime)
  need update-mime-database shared-mime-info
  need gio libglib2.0-bin
  tmp=$(mktemp -d) || fail "mktemp"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/share/mime/packages"
  cp "$1" "$tmp/share/mime/packages/" || fail "cannot copy $1"
  out=$(update-mime-database "$tmp/share/mime" 2>&1); rc=$?
  if [ "$rc" -ne 0 ] || printf '%s\n' "$out" | grep -q -E '^(Error|Warning)|[Ee]rror in|[Ww]arning'; then
    printf '%s\n' "$out"
    fail "update-mime-database rejected $1"
  fi
  printf '{\n  "format": "backprop-model/1",\n  "layers": []\n}\n' >"$tmp/xor.bpmodel.json"
  cp "$tmp/xor.bpmodel.json" "$tmp/xor-model"
  cp "$tmp/xor.bpmodel.json" "$tmp/xor.json"
  printf '\010\007\022\007pytorch' >"$tmp/net.onnx"
  for f in xor.bpmodel.json:application/x-backprop-model+json \
           xor-model:application/x-backprop-model+json \
           xor.json:application/json \
           net.onnx:application/x-onnx; do
    name=${f%%:*} want=${f#*:}
    got=$(XDG_DATA_HOME="$tmp/none" XDG_DATA_DIRS="$tmp/share:/usr/local/share:/usr/share" \
          gio info -a standard::content-type "$tmp/$name" | sed -n 's/^ *standard::content-type: //p')
    [ "$got" = "$want" ] || fail "$name is seen as '$got', expected $want"
    echo "$name: $got"
  done
  ;;

ids)
  id=$1 root=$2 desktop=$3 metainfo=$4 schema=$5 icon=$6 symbolic=$7
  grep -q "\"$id\"" "$root/app/backprop-studio.c" \
    || fail "app/backprop-studio.c does not use the application id $id"
  [ "$(basename "$desktop")" = "$id.desktop" ] || fail "desktop file is $(basename "$desktop")"
  grep -qx "Icon=$id" "$desktop" || fail "$desktop: Icon= is not $id"
  grep -q "<id>$id</id>" "$metainfo" || fail "$metainfo: <id> is not $id"
  grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$metainfo" \
    || fail "$metainfo: the launchable is not $id.desktop"
  grep -q "<schema id=\"$id\" path=\"/$(printf '%s' "$id" | tr . /)/\">" "$schema" \
    || fail "$schema: no schema $id at /$(printf '%s' "$id" | tr . /)/"
  [ "$(basename "$icon")" = "$id.svg" ] || fail "icon is $(basename "$icon")"
  [ "$(basename "$symbolic")" = "$id-symbolic.svg" ] || fail "symbolic icon is $(basename "$symbolic")"
  grep -q "^MimeType=.*application/x-backprop-model+json;" "$desktop" \
    && ! grep -q "<mediatype>application/x-backprop-model+json</mediatype>" "$metainfo" \
    && fail "the metainfo does not provide the desktop file's MIME type"
  echo "every file is named after, and refers to, $id"
  ;;

*)
  fail "unknown check $check"
  ;;
esac
exit 0
