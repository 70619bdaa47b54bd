/* bpv-window-actions.c — every behaviour of the window as a GAction, the
 * one function that decides which are enabled, and the single-key
 * shortcuts.
 *
 *   win.play              Space          train / pause
 *   win.autoplay          Shift+Space    animate the steps at the chosen speed
 *   win.step              →              one stop forward (a layer, the cost, the update)
 *   win.step-back         ←              one stop back (across the update too)
 *   win.step-phase        Shift+→        to the end of the next phase
 *   win.reset             R              new weights from the seed
 *   win.gradient-view     G              weights ↔ gradients
 *   win.global-scale      N              per-layer ↔ global colour scale
 *   win.show-derivatives  D              σ′ overlay
 *   win.show-values       V              numbers inside the neurons
 *   win.neuron-maps                      per-neuron heat maps
 *   win.check-gradient    C              finite-difference check of the selected weight
 *   win.export            Ctrl+E         PNG/SVG/PDF of the canvas
 *   win.open-csv          Ctrl+O         a CSV dataset
 *   win.zoom-in/-out/-reset Ctrl+plus, Ctrl+minus, Ctrl+0 (the canvas)
 *   win.toggle-sidebar    F9             the settings sidebar
 *   win.show-help-overlay F1, Ctrl+?     the shortcuts window (GtkApplicationWindow's)
 *   app.quit              Ctrl+Q         (app/backprop-studio.c)
 *
 * Keys without a modifier are not application accelerators: a key
 * controller in the capture phase activates them unless a text field has
 * the focus, so typing "r" in an entry never resets the network.
 */
#include "config.h"
#include "bpv-window-private.h"

#include <string.h>

#include "bpv-events.h"
#include "bpv-export.h"

typedef struct
{
  guint           keyval;
  GdkModifierType mods;
  const char     *action;
} KeyShortcut;

static const KeyShortcut key_shortcuts[] = {
  { GDK_KEY_space, 0, "win.play" },
  { GDK_KEY_space, GDK_SHIFT_MASK, "win.autoplay" },
  { GDK_KEY_Right, 0, "win.step" },
  { GDK_KEY_Left, 0, "win.step-back" },
  { GDK_KEY_Right, GDK_SHIFT_MASK, "win.step-phase" },
  { GDK_KEY_r, 0, "win.reset" },
  { GDK_KEY_g, 0, "win.gradient-view" },
  { GDK_KEY_n, 0, "win.global-scale" },
  { GDK_KEY_d, 0, "win.show-derivatives" },
  { GDK_KEY_v, 0, "win.show-values" },
  { GDK_KEY_c, 0, "win.check-gradient" },
};

static void
set_enabled (BpvWindow  *self,
             const char *name,
             gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
bpv_window_update_actions (BpvWindow *self)
{
  BpvSession *session = self->session;
  gboolean running, stopping, edge;
  GAction *autoplay;

  if (session == NULL)
    return;
  running = bpv_session_get_running (session);
  stopping = bpv_session_get_stopping (session);
  edge = bpv_session_get_selection (session)->kind == BPV_HIT_EDGE;

  set_enabled (self, "play", TRUE);
  set_enabled (self, "step", !stopping);
  set_enabled (self, "step-phase", !stopping);
  set_enabled (self, "step-back", bpv_session_can_step_back (session));
  set_enabled (self, "autoplay", !stopping);
  set_enabled (self, "reset", TRUE);
  set_enabled (self, "check-gradient", edge && !running);
  set_enabled (self, "export", TRUE);
  set_enabled (self, "open-csv", TRUE);

  autoplay = g_action_map_lookup_action (G_ACTION_MAP (self), "autoplay");
  g_simple_action_set_state (G_SIMPLE_ACTION (autoplay),
                             g_variant_new_boolean (bpv_session_get_autoplay (session)));

  gtk_button_set_icon_name (self->play_button, running && !stopping
                                               ? "media-playback-pause-symbolic"
                                               : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               running && !stopping ? "Pause (Space)" : "Train (Space)");
}

static void
log_step (BpvWindow  *self,
          const char *name)
{
  BpvStepper *st = bpv_session_get_stepper (self->session);
  BpvStepPhase phase = bpv_stepper_get_phase (st);
  gsize layer = 0;

  switch (phase)
    {
    case BPV_STEP_FORWARD:
    case BPV_STEP_BACKWARD:
      layer = bpv_stepper_get_layer (st) + 1;
      break;
    case BPV_STEP_COST:
    case BPV_STEP_UPDATE:
      layer = bpv_session_get_network (self->session)->n_layers;
      break;
    case BPV_STEP_IDLE:
    case BPV_STEP_INPUT:
    default:
      break;
    }
  bpv_event ("ACTION %s phase=%s layer=%zu step=%" G_GUINT64_FORMAT, name,
             bpv_step_phase_to_string (phase), layer, bpv_stepper_get_step_count (st));
}

static void
play_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (bpv_session_get_running (self->session) && !bpv_session_get_stopping (self->session))
    bpv_session_pause (self->session);
  else if (!bpv_session_play (self->session, &error))
    bpv_window_toast (self, error->message);
  bpv_event ("ACTION play running=%d", bpv_session_get_running (self->session)
                                       && !bpv_session_get_stopping (self->session));
  bpv_window_update_actions (self);
}

static void
autoplay_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  BpvWindow *self = data;
  gboolean on = !bpv_session_get_autoplay (self->session);

  bpv_session_set_autoplay (self->session, on);
  bpv_event ("ACTION autoplay state=%d", on);
  bpv_window_update_actions (self);
}

static void
step_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;
  gboolean was_running = bpv_session_get_running (self->session);

  if (!bpv_session_step (self->session, &error))
    bpv_window_toast (self, error->message);
  if (was_running)
    bpv_event ("ACTION step pausing=1");
  else
    log_step (self, "step");
  bpv_window_update_actions (self);
}

static void
step_phase_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (!bpv_session_step_phase (self->session, &error))
    bpv_window_toast (self, error->message);
  log_step (self, "step-phase");
  bpv_window_update_actions (self);
}

static void
step_back_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  BpvWindow *self = data;

  bpv_session_step_back (self->session);
  log_step (self, "step-back");
  bpv_window_update_actions (self);
}

static void
reset_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  BpvWindow *self = data;

  bpv_session_reset_weights (self->session);
  bpv_event ("ACTION reset");
  bpv_window_update_actions (self);
}

static void
zoom_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  const char *name = g_action_get_name (G_ACTION (action));
  g_autofree char *canvas = g_strconcat ("canvas.", name, NULL);

  gtk_widget_activate_action (GTK_WIDGET (self->network_view), canvas, NULL);
}

static void
check_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  BpvWindow *self = data;

  bpv_inspector_check_gradient (self->inspector, NULL, NULL);
}

/* ----------------------------------------------------------- file dialogs */

static void
export_response (GtkNativeDialog *dialog,
                 int              response,
                 BpvWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path != NULL && !bpv_window_export (self, path, &error))
        bpv_window_toast (self, error->message);
      else if (path != NULL)
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *msg = g_strdup_printf ("Exported “%s”", base);

          bpv_window_toast (self, msg);
        }
    }
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

static void
export_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new ("Export Canvas", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "network.png");
  add_filter (GTK_FILE_CHOOSER (dialog), "PNG, SVG or PDF", "*.[pPsS][nNvVdD][gGfF]");
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_csv_response (GtkNativeDialog *dialog,
                   int              response,
                   BpvWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path != NULL
          && !bpv_session_set_dataset (self->session, path, 0, -1,
                                       gtk_adjustment_get_value (self->test_adjustment), &error))
        bpv_window_toast (self, error->message);
    }
  g_object_unref (dialog);
}

static void
open_csv_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new ("Open CSV Dataset", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  add_filter (GTK_FILE_CHOOSER (dialog), "CSV files", "*.[cC][sS][vV]");
  g_signal_connect (dialog, "response", G_CALLBACK (open_csv_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------ toggles */

static void
on_toggle_notify (GObject    *object,
                  GParamSpec *pspec,
                  BpvWindow  *self)
{
  gboolean value;

  g_object_get (object, pspec->name, &value, NULL);
  bpv_event ("ACTION %s state=%d", pspec->name, value);
}

static void
add_property_action (BpvWindow  *self,
                     const char *name,
                     gpointer    object,
                     const char *property)
{
  GPropertyAction *action = g_property_action_new (name, object, property);

  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
  g_object_unref (action);
}

void
bpv_window_install_actions (BpvWindow *self)
{
  const GActionEntry entries[] = {
    { "play", play_activated, NULL, NULL, NULL, { 0 } },
    { "autoplay", autoplay_activated, NULL, "false", NULL, { 0 } },
    { "step", step_activated, NULL, NULL, NULL, { 0 } },
    { "step-back", step_back_activated, NULL, NULL, NULL, { 0 } },
    { "step-phase", step_phase_activated, NULL, NULL, NULL, { 0 } },
    { "reset", reset_activated, NULL, NULL, NULL, { 0 } },
    { "check-gradient", check_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-in", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-out", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-reset", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "export", export_activated, NULL, NULL, NULL, { 0 } },
    { "open-csv", open_csv_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  add_property_action (self, "gradient-view", self->network_view, "gradients");
  add_property_action (self, "global-scale", self->network_view, "global-scale");
  add_property_action (self, "show-derivatives", self->network_view, "show-derivatives");
  add_property_action (self, "show-values", self->network_view, "show-values");
  add_property_action (self, "neuron-maps", self->network_view, "show-neuron-maps");
  add_property_action (self, "toggle-sidebar", self->flap, "reveal-flap");
  /* The event log names the toggle and its new state. */
  g_signal_connect (self->network_view, "notify::gradients", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::global-scale", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::show-derivatives", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::show-values", G_CALLBACK (on_toggle_notify), self);
}

/* --------------------------------------------------------------- keys */

static gboolean
focus_takes_text (BpvWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  for (; focus != NULL; focus = gtk_widget_get_parent (focus))
    if (GTK_IS_EDITABLE (focus))
      return TRUE;
  return FALSE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                BpvWindow             *self)
{
  GdkModifierType mods = state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK
                                  | GDK_SUPER_MASK | GDK_META_MASK);
  guint key = gdk_keyval_to_lower (keyval);

  if ((mods & ~GDK_SHIFT_MASK) != 0 || focus_takes_text (self))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (key_shortcuts); i++)
    if (key_shortcuts[i].keyval == key && key_shortcuts[i].mods == mods)
      {
        const char *name = key_shortcuts[i].action + strlen ("win.");
        GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

        if (action != NULL && g_action_get_enabled (action))
          g_action_activate (action, NULL);
        /* A disabled action still owns its key (no stray focus moves). */
        return TRUE;
      }
  return FALSE;
}

void
bpv_window_install_key_shortcuts (BpvWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
