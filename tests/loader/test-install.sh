#!/usr/bin/env bash
# test-install.sh — install into a temporary DESTDIR, build the example
# plugin (data/example-plugin) against the installed header with
# pkg-config, and use it through the installed `backprop`, as TAP.
#
#   test-install.sh BUILD_DIR SOURCE_DIR
#
# With --destdir the paths compiled into the programs point at the prefix,
# not at DESTDIR, so the installed scanner is given with
# BACKPROP_PLUGIN_SCANNER.  HOME and the XDG directories point into a
# temporary directory: the plugin goes to $XDG_DATA_HOME/backprop-studio/
# plugins, the scan cache to $XDG_CACHE_HOME.

set -u

BUILD=${1:?usage: test-install.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test-install.sh BUILD_DIR SOURCE_DIR}

. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
tap_workdir install
DEST=$WORK/dest

export HOME=$WORK/home
export XDG_DATA_HOME=$WORK/data
export XDG_CACHE_HOME=$WORK/cache
export XDG_CONFIG_HOME=$WORK/config
unset BACKPROP_PLUGIN_PATH
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
USER_PLUGINS=$XDG_DATA_HOME/backprop-studio/plugins

bail () {
  echo "Bail out! $1"
  exit 1
}

# ------------------------------------------------------------------ install

capture meson install -C "$BUILD" --no-rebuild --destdir "$DEST" --quiet
check "meson install --destdir succeeds" [ "$status" -eq 0 ]
[ "$status" -eq 0 ] || bail "cannot install"

PC=$(find "$DEST" -name backprop-plugin.pc -type f | head -n 1)
BACKPROP=$(find "$DEST" -path '*/bin/backprop' -type f | head -n 1)
SCANNER=$(find "$DEST" -name backprop-plugin-scanner -type f | head -n 1)
HEADER=$(find "$DEST" -path '*/include/backprop-studio/backprop-plugin.h' -type f | head -n 1)
check "backprop-plugin.pc is installed" [ -n "$PC" ]
check "the backprop program is installed" [ -n "$BACKPROP" ]
check "the scanner is installed (libexecdir)" \
  bash -c "[ -n '$SCANNER' ] && [ -x '$SCANNER' ] && [[ '$SCANNER' == */libexec/* ]]"
check "backprop-plugin.h is installed in include/backprop-studio" [ -n "$HEADER" ]
[ -n "$PC" ] && [ -n "$BACKPROP" ] && [ -n "$SCANNER" ] || bail "incomplete install"
PCDIR=$(dirname "$PC")
export BACKPROP_PLUGIN_SCANNER=$SCANNER

# ----------------------------------------------------------- pkg-config

CFLAGS=$(PKG_CONFIG_PATH=$PCDIR pkg-config --define-prefix --cflags backprop-plugin)
CFLAGS=${CFLAGS%% }  # pkg-config ends it with a space
check "pkg-config --cflags backprop-plugin points at the installed header" \
  [ "$CFLAGS" = "-I$(dirname "$HEADER")" ]

PLUGINDIR=$(PKG_CONFIG_PATH=$PCDIR pkg-config --define-prefix --variable=plugindir backprop-plugin)
check "pkg-config's plugindir is where the shipped plugins are installed" \
  [ -f "$PLUGINDIR/bp-swish.so" ]

# ------------------------------------------------------ the example plugin

mkdir -p "$USER_PLUGINS"
capture cc $(PKG_CONFIG_PATH=$PCDIR pkg-config --define-prefix --cflags backprop-plugin) \
  -shared -fPIC -o "$USER_PLUGINS/isru.so" "$SRC/data/example-plugin/isru.c" -lm -Wall -Werror
check "the example plugin builds against the installed header, warning-free" \
  bash -c "[ $status -eq 0 ] && [ ! -s '$ERR' ]"

capture "$BACKPROP" plugins
check "backprop plugins succeeds" [ "$status" -eq 0 ]
check "backprop plugins lists isru with its source file" \
  out_has "isru 1.0 ($USER_PLUGINS/isru.so)"
check "backprop plugins lists the isru activation and its formula" \
  out_has "activation  isru  f(z) = z/√(1 + αz²)"
check "backprop plugins lists the built-ins" out_has "builtin "
check "backprop plugins lists the user plugin directory in the search path" \
  out_has "  $USER_PLUGINS"
# isru.so is named under "Loaded plugins" and nowhere under "Refused plugins".
check "backprop plugins loads isru, does not refuse it" \
  awk '/^Refused plugins/ { refused = 1 } /isru\.so/ { if (refused) bad = 1; else seen = 1 }
       END { exit !(seen && !bad) }' "$OUT"
check "the verdict is cached in XDG_CACHE_HOME" \
  grep -qF "$USER_PLUGINS/isru.so" "$XDG_CACHE_HOME/backprop-studio/plugin-scan.ini"

capture "$BACKPROP" plugins check "$USER_PLUGINS/isru.so"
check "backprop plugins check passes isru.so" [ "$status" -eq 0 ]
check "backprop plugins check shows every step passed" \
  bash -c "[ \$(grep -c '  passed' '$OUT') -eq 9 ] && grep -qF 'isru.so would be loaded.' '$OUT'"

capture "$BACKPROP" train "$SRC/data/example-plugin/model.json" --quiet -o "$WORK/trained.json"
check "backprop train uses the isru activation of the plugin" \
  bash -c "[ $status -eq 0 ] && grep -q '\"isru\"' '$WORK/trained.json'"

# ----------------------------------------------------- a refused plugin

cp "$BUILD/tests/loader/wrong-derivative.so" "$USER_PLUGINS/"
capture "$BACKPROP" plugins
check "backprop plugins still succeeds with a broken plugin installed" [ "$status" -eq 0 ]
check "backprop plugins lists the broken plugin as refused, with the reason" \
  bash -c "sed -n '/^Refused/,\$p' '$OUT' | grep -qF 'refused at step “numeric” (NUMERIC): plugin “wrong_derivative”: activation “wrong_swish”: f′('"

capture "$BACKPROP" plugins check "$USER_PLUGINS/wrong-derivative.so"
check "backprop plugins check fails a wrong derivative with status 1" [ "$status" -eq 1 ]
check "backprop plugins check shows the failed step" out_has "numeric     FAILED  plugin “wrong_derivative”"
check "backprop plugins check reports one error line" \
  bash -c "[ \$(wc -l <'$ERR') -eq 1 ] && grep -q '^backprop: .*would be refused at step “numeric”' '$ERR'"

tap_done
