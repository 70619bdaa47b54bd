#!/bin/sh
# Sets up and builds Backprop Studio, then starts the app (backprop-studio)
# on the built-in default experiment.  Without a display the app says so in
# one line, trains the default experiment and writes a picture of it to
# backprop-studio.png (or $BACKPROP_STUDIO_PNG, or -o FILE.png).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/app/setup.sh" "$here/build"
exec "$here/build/app/backprop-studio" "$@"
