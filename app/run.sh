#!/bin/sh
# Sets up and builds Backprop Studio, then starts the app (backprop-studio)
# on the built-in default experiment.  Without a display the app says so in
# one line, trains the default experiment and writes a picture of it to
# backprop-studio.png (or $BACKPROP_STUDIO_PNG, or -o FILE.png).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/app/setup.sh" "$here/build"
# The build's compiled settings schema: without it the app runs, but
# remembers nothing (window size, recent files, the last experiment's file).
export GSETTINGS_SCHEMA_DIR="$here/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
exec "$here/build/app/backprop-studio" "$@"
