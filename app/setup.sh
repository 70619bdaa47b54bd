#!/bin/sh
# Installs what Backprop Studio needs on Debian 12 (only what is missing),
# then configures and builds it.  Used by app/run.sh and tests/run.sh.
#
#   app/setup.sh [BUILD_DIR [MESON_OPTION...]]
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift

# The GTK app (backprop-studio) needs GTK 4 and libadwaita; its tests run it
# under Xvfb (xvfb-run needs xauth, which xvfb only recommends), drive it
# with xdotool and take screenshots with ImageMagick's import.  The desktop
# files are validated with desktop-file-validate and appstreamcli, and the
# icon rendered with rsvg-convert.  pdflatex (texlive-latex-base) compiles
# the inspector's "Copy as LaTeX" output in its test.  clang and its libFuzzer runtime build the
# fuzz targets for the fuzz smoke test.  poppler-utils (pdfinfo, pdffonts,
# pdftotext) reads back the lesson handout's PDF in its test.  gettext
# (msgfmt, xgettext) builds the translations and checks po/; the German
# test needs no generated locale: LANGUAGE=de under glibc's built-in
# C.UTF-8 is enough.  protoc-c (protobuf-c-compiler) generates the ONNX
# reader and writer from the onnx.proto that python3-onnx installs; that
# package's checker also validates our exported ONNX files in the tests.
packages="gcc libc6-dev pkg-config meson ninja-build libglib2.0-dev
libjson-glib-dev libcmocka-dev libopenblas-dev libfann-dev
python3 python3-torch python3-numpy libcairo2-dev libpango1.0-dev
libgtk-4-dev libadwaita-1-dev xvfb xauth xdotool imagemagick
desktop-file-utils appstream librsvg2-bin libglib2.0-bin
clang libclang-rt-14-dev texlive-latex-base poppler-utils gettext
protobuf-c-compiler libprotobuf-c-dev python3-onnx"

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -n "$missing" ]; then
  echo "setup: installing:$missing"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=600 $missing
fi

if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "$here" "$@" >/dev/null
else
  meson setup "$build" "$here" "$@"
fi
ninja -C "$build"
