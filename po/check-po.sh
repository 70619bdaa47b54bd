#!/bin/sh
# The translations against the sources (test 'po', suite 'i18n'):
#  1. every file that marks strings (_(), N_(), C_(), ngettext in a .c or
#     .h; translatable="yes" in a .ui; the desktop file and metainfo) is in
#     POTFILES.in, and every file listed there exists;
#  2. a fresh .pot extracted from POTFILES.in (the same xgettext options as
#     meson's 'glib' preset, po/meson.build) has exactly the msgids of each
#     LINGUAS language's .po: none missing (a new string) and none stale;
#  3. msgfmt --check (c-format: the same specifiers in the same order,
#     plural forms, headers) passes with 0 untranslated and 0 fuzzy.
#
#   check-po.sh SOURCE_ROOT WORK_DIR
set -u
src=$1
work=$2
mkdir -p "$work"
fail=0
bad () { echo "FAIL: $*"; fail=1; }

cd "$src" || exit 1
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
for f in $listed; do
  [ -f "$f" ] || bad "po/POTFILES.in lists $f, which does not exist"
done
marking=$( { grep -rlE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext) ?\(' \
               --include='*.c' --include='*.h' core ui app plugins
             grep -rl 'translatable="yes"' --include='*.ui' ui
             ls data/*.desktop.in data/*.metainfo.xml.in; } | sort -u)
for f in $marking; do
  echo "$listed" | grep -qxF "$f" || bad "$f marks strings for translation but is not in po/POTFILES.in"
done

pot=$work/backprop-studio.pot
xgettext --package-name=backprop-studio -f po/POTFILES.in -D "$src" -o "$pot" \
  --from-code=UTF-8 --add-comments -k_ -kN_ -kC_:1c,2 -kNC_:1c,2 -kg_dcgettext:2 \
  -kg_dngettext:2,3 -kg_dpgettext2:2c,3 --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
  --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
  --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
  --flag=g_set_error:4:c-format --flag=g_markup_printf_escaped:1:c-format \
  --flag=g_printerr:1:c-format --flag=g_print:1:c-format 2>"$work/xgettext.log" \
  || { cat "$work/xgettext.log"; bad "xgettext failed"; }
n_msgids=$(grep -c '^msgid ' "$pot")
echo "# $n_msgids msgids (with the header) extracted from $(echo "$listed" | wc -l) files"

for lang in $(grep -v '^#' po/LINGUAS); do
  po=po/$lang.po
  # Every msgid of the sources translated in $po (untranslated and fuzzy
  # entries count as missing) ...
  msgcmp "$po" "$pot" >"$work/$lang-missing.log" 2>&1 \
    || { head -40 "$work/$lang-missing.log"; bad "$po lacks translations (run ninja -C build backprop-studio-update-po)"; }
  # ... and nothing in $po that the sources no longer have.
  msgattrib --no-obsolete "$po" -o "$work/$lang-live.po"
  msgcmp --use-untranslated --use-fuzzy "$pot" "$work/$lang-live.po" >"$work/$lang-stale.log" 2>&1 \
    || { head -40 "$work/$lang-stale.log"; bad "$po has msgids the sources no longer have"; }
  stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1) || bad "msgfmt --check $po: $stats"
  echo "# $lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*) bad "$po: $stats" ;;
  esac
done
[ $fail -eq 0 ] && echo "PASS: po/ matches the sources"
exit $fail
