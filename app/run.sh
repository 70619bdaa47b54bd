#!/bin/sh
# Sets up and builds Backprop Studio, then runs the main job: train the
# built-in default experiment and write the trained model.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/app/setup.sh" "$here/build"
exec "$here/build/app/backprop" train -o "${BACKPROP_OUT:-trained-model.json}"
