/* bpv-shortcuts.h — every keyboard shortcut of Backprop Studio in one
 * table: the application's accelerators, the window's single keys and the
 * canvas's zoom bindings are installed from it, and
 * tests/gui/test-shortcuts.c checks the help overlay (bpv-help-overlay.ui)
 * and the README's shortcut table against it, so a shortcut added in one
 * place and not the others fails a test.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  /* An application accelerator (gtk_application_set_accels_for_action):
   * it works wherever the focus is, so it carries Ctrl or is a function key. */
  BPV_SHORTCUT_ACCEL,
  /* A key without Ctrl or Alt, activated by the window's key controller
   * unless a text field has the focus (typing "r" in an entry must never
   * reset the network): see bpv_shortcuts_lookup_key. */
  BPV_SHORTCUT_KEY,
  /* A key the canvas handles itself while it has the focus
   * (bpv_network_view_key_navigate): listed for the help, not installed. */
  BPV_SHORTCUT_CANVAS,
} BpvShortcutKind;

typedef struct
{
  const char      *section;   /* the help overlay's group */
  const char      *title;     /* its line; entries in a row with the same
                               * title share one line (Zoom in / out / fit) */
  const char      *action;    /* detailed action name; NULL for BPV_SHORTCUT_CANVAS */
  BpvShortcutKind  kind;
  const char      *keys;      /* shown: GTK accelerators, space separated, as
                               * GtkShortcutsShortcut:accelerator reads them */
  const char      *more_keys; /* accepted too but not shown (keypad keys,
                               * Ctrl+Y); NULL if none */
} BpvShortcut;

/* The table, in the help overlay's order; `n_shortcuts` gets its length.
 * Static: not to be freed. */
const BpvShortcut *bpv_shortcuts_get         (gsize           *n_shortcuts);

/* Sets the accelerators of every BPV_SHORTCUT_ACCEL entry on `app` (its
 * shown keys first: menus show the first). Call once, at startup. */
void               bpv_shortcuts_install     (GtkApplication  *app);

/* The action (detailed, "win.play") of the BPV_SHORTCUT_KEY entry for
 * `keyval` (lower case) with `mods` (only Shift may be among them), or
 * NULL. Static: not to be freed. */
const char        *bpv_shortcuts_lookup_key  (guint            keyval,
                                              GdkModifierType  mods);

G_END_DECLS
