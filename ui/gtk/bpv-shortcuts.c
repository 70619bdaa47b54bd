/* bpv-shortcuts.c — the one table of keyboard shortcuts (see bpv-shortcuts.h).
 *
 * The window's actions are in bpv-window-actions.c, the application's
 * (app.quit, app.preferences) in app/. Keys without a modifier are not
 * application accelerators: those would fire while an entry has the focus.
 */
#include "config.h"
#include "bpv-shortcuts.h"

#define RUN     "Run"
#define EDIT    "Edit the network"
#define CANVAS  "Canvas"
#define SELECT  "Select without a mouse (canvas focused: Tab)"
#define GENERAL "General"

static const BpvShortcut shortcuts[] = {
  { RUN, "Train / pause", "win.play", BPV_SHORTCUT_KEY, "space", NULL },
  { RUN, "Step one layer forward", "win.step", BPV_SHORTCUT_KEY, "Right", NULL },
  { RUN, "Step back (across the update too)", "win.step-back", BPV_SHORTCUT_KEY, "Left", NULL },
  { RUN, "To the end of the next phase", "win.step-phase", BPV_SHORTCUT_KEY, "<Shift>Right", NULL },
  { RUN, "Animate the steps", "win.autoplay", BPV_SHORTCUT_KEY, "<Shift>space", NULL },
  { RUN, "Reset weights", "win.reset", BPV_SHORTCUT_KEY, "r", NULL },

  { EDIT, "Undo", "win.undo", BPV_SHORTCUT_ACCEL, "<Control>z", NULL },
  { EDIT, "Redo", "win.redo", BPV_SHORTCUT_ACCEL, "<Control><Shift>z", "<Control>y" },
  { EDIT, "Insert a layer after the selected one", "win.insert-layer-after", BPV_SHORTCUT_ACCEL,
    "<Control><Shift>l", NULL },
  { EDIT, "Remove the selected layer", "win.remove-layer", BPV_SHORTCUT_KEY, "Delete", "KP_Delete" },
  /* "+" is Shift+= on many layouts, and "=" the same key unshifted. */
  { EDIT, "One unit more / less", "win.add-unit", BPV_SHORTCUT_KEY, "plus", "<Shift>plus KP_Add equal" },
  { EDIT, "One unit more / less", "win.remove-unit", BPV_SHORTCUT_KEY, "minus", "KP_Subtract" },
  /* Menu only reaches the canvas with the focus; Shift+F10 works anywhere. */
  { EDIT, "The layer's menu", NULL, BPV_SHORTCUT_CANVAS, "Menu", NULL },
  { EDIT, "The layer's menu", "win.layer-menu", BPV_SHORTCUT_ACCEL, "<Shift>F10", NULL },

  { CANVAS, "Weights ↔ gradients", "win.gradient-view", BPV_SHORTCUT_KEY, "g", NULL },
  { CANVAS, "Per-layer ↔ global colour scale", "win.global-scale", BPV_SHORTCUT_KEY, "n", NULL },
  { CANVAS, "Local derivatives σ′", "win.show-derivatives", BPV_SHORTCUT_KEY, "d", NULL },
  { CANVAS, "Values inside neurons", "win.show-values", BPV_SHORTCUT_KEY, "v", NULL },
  { CANVAS, "Check the selected gradient (a neuron: its bias)", "win.check-gradient",
    BPV_SHORTCUT_KEY, "c", NULL },
  { CANVAS, "Copy the selected weight's derivation as LaTeX", "win.copy-latex", BPV_SHORTCUT_ACCEL,
    "<Control><Shift>c", NULL },
  /* Ctrl+= is Ctrl++ without Shift on many layouts. */
  { CANVAS, "Zoom in / out / fit", "win.zoom-in", BPV_SHORTCUT_ACCEL, "<Control>plus", "<Control>equal" },
  { CANVAS, "Zoom in / out / fit", "win.zoom-out", BPV_SHORTCUT_ACCEL, "<Control>minus", NULL },
  { CANVAS, "Zoom in / out / fit", "win.zoom-reset", BPV_SHORTCUT_ACCEL, "<Control>0", NULL },

  { SELECT, "Unit above / below (on a weight: the next weight in)", NULL, BPV_SHORTCUT_CANVAS,
    "Up Down", NULL },
  { SELECT, "Layer before / after (on a weight: its ends)", NULL, BPV_SHORTCUT_CANVAS,
    "<Alt>Left <Alt>Right", NULL },
  { SELECT, "Onto the weights into the neuron", NULL, BPV_SHORTCUT_CANVAS, "Return", NULL },
  { SELECT, "Back to the neuron, then nothing", NULL, BPV_SHORTCUT_CANVAS, "Escape", NULL },

  { GENERAL, "Settings sidebar", "win.toggle-sidebar", BPV_SHORTCUT_ACCEL, "F9", NULL },
  { GENERAL, "Presentation mode: larger text, only the network and the phase", "win.presentation",
    BPV_SHORTCUT_KEY, "F5", NULL },
  { GENERAL, "Quiz: a question about this stop", "win.quiz", BPV_SHORTCUT_KEY, "q", NULL },
  { GENERAL, "Open a model or a CSV dataset", "win.open", BPV_SHORTCUT_ACCEL, "<Control>o", NULL },
  { GENERAL, "Save", "win.save", BPV_SHORTCUT_ACCEL, "<Control>s", NULL },
  { GENERAL, "Save as", "win.save-as", BPV_SHORTCUT_ACCEL, "<Control><Shift>s", NULL },
  { GENERAL, "Preferences", "app.preferences", BPV_SHORTCUT_ACCEL, "<Control>comma", NULL },
  { GENERAL, "Export the canvas", "win.export", BPV_SHORTCUT_ACCEL, "<Control>e", NULL },
  { GENERAL, "Compare with a variant: the same network with one change, side by side",
    "win.compare-variant", BPV_SHORTCUT_ACCEL, "<Control>d", NULL },
  /* GtkApplicationWindow's action, for the overlay GtkApplication loads
   * from gtk/help-overlay.ui. */
  { GENERAL, "Keyboard shortcuts", "win.show-help-overlay", BPV_SHORTCUT_ACCEL,
    "F1 <Control>question", NULL },
  { GENERAL, "Quit", "app.quit", BPV_SHORTCUT_ACCEL, "<Control>q", NULL },
};

const BpvShortcut *
bpv_shortcuts_get (gsize *n_shortcuts)
{
  g_return_val_if_fail (n_shortcuts != NULL, NULL);

  *n_shortcuts = G_N_ELEMENTS (shortcuts);
  return shortcuts;
}

/* Appends the space-separated accelerators of `keys` (may be NULL). */
static void
add_keys (GPtrArray  *out,
          const char *keys)
{
  g_auto(GStrv) split = NULL;

  if (keys == NULL)
    return;
  split = g_strsplit (keys, " ", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (split[i][0] != '\0')
      g_ptr_array_add (out, g_strdup (split[i]));
}

void
bpv_shortcuts_install (GtkApplication *app)
{
  g_return_if_fail (GTK_IS_APPLICATION (app));

  for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_autoptr(GPtrArray) accels = NULL;

      if (shortcuts[i].kind != BPV_SHORTCUT_ACCEL)
        continue;
      accels = g_ptr_array_new_with_free_func (g_free);
      add_keys (accels, shortcuts[i].keys);
      add_keys (accels, shortcuts[i].more_keys);
      g_ptr_array_add (accels, NULL);
      gtk_application_set_accels_for_action (app, shortcuts[i].action,
                                             (const char * const *) accels->pdata);
    }
}

typedef struct
{
  guint            keyval;
  GdkModifierType  mods;
  const char      *action;
} KeyEntry;

/* The BPV_SHORTCUT_KEY entries parsed once: the window asks on every key
 * press. */
static GArray *
key_entries (void)
{
  static GArray *entries;

  if (g_once_init_enter (&entries))
    {
      GArray *parsed = g_array_new (FALSE, FALSE, sizeof (KeyEntry));

      for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
        {
          g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

          if (shortcuts[i].kind != BPV_SHORTCUT_KEY)
            continue;
          add_keys (keys, shortcuts[i].keys);
          add_keys (keys, shortcuts[i].more_keys);
          for (guint k = 0; k < keys->len; k++)
            {
              KeyEntry e = { 0, 0, shortcuts[i].action };

              if (!gtk_accelerator_parse (g_ptr_array_index (keys, k), &e.keyval, &e.mods))
                g_critical ("bpv-shortcuts.c: “%s” is not an accelerator",
                            (const char *) g_ptr_array_index (keys, k));
              else
                g_array_append_val (parsed, e);
            }
        }
      g_once_init_leave (&entries, parsed);
    }
  return entries;
}

const char *
bpv_shortcuts_lookup_key (guint           keyval,
                          GdkModifierType mods)
{
  GArray *entries = key_entries ();

  for (guint i = 0; i < entries->len; i++)
    {
      const KeyEntry *e = &g_array_index (entries, KeyEntry, i);

      if (e->keyval == keyval && e->mods == mods)
        return e->action;
    }
  return NULL;
}
