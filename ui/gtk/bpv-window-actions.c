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
 *   win.lower-rate                       learning rate ÷ 10 (offered when training
 *                                        stopped on NaN/Inf; an undoable edit)
 *   win.dismiss-fault                    hide that offer and the canvas's marker
 *   win.gradient-view     G              weights ↔ gradients
 *   win.global-scale      N              per-layer ↔ global colour scale
 *   win.show-derivatives  D              σ′ overlay
 *   win.show-values       V              numbers inside the neurons
 *   win.neuron-maps                      per-neuron heat maps
 *   win.check-gradient    C              finite-difference check of the selected weight
 *                                        (a neuron: its bias, i.e. its δ)
 *   win.copy-latex        Ctrl+Shift+C   the selected weight's derivation with its numbers
 *                                        as LaTeX (bpv_explain_latex)
 *   win.export            Ctrl+E         PNG/SVG/PDF of the canvas
 *   win.open              Ctrl+O         a model (in place of an experiment with nothing
 *                                        unsaved, else in a new window) or a CSV dataset
 *   win.open-file (s)                    the same without the dialog (a path)
 *   win.save / save-as    Ctrl+S, Ctrl+Shift+S   the model as JSON
 *   win.open-csv                         a CSV dataset
 *   win.undo / win.redo   Ctrl+Z, Ctrl+Shift+Z (Ctrl+Y)   every edit
 *   win.insert-layer-after Ctrl+Shift+L  a layer after the selected one
 *   win.remove-layer      Delete         the selected layer
 *   win.add-unit / remove-unit  + / −    the selected layer's width
 *   win.layer-menu        Menu, Shift+F10  the selected layer's menu
 *   win.edit-insert (us), edit-activation (us), edit-remove (u),
 *   edit-move (uu), edit-width (ui), edit-cost (s), edit-optimizer (s)
 *                                        the edits the palette, the canvas
 *                                        and its menu ask for
 *   win.zoom-in/-out/-reset Ctrl+plus, Ctrl+minus, Ctrl+0 (the canvas)
 *   win.toggle-sidebar    F9             the settings sidebar
 *   win.presentation      F5             presentation mode (the canvas's property): larger text and
 *                                        strokes, the phase card large, the sidebar,
 *                                        palette and plots hidden
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
  { GDK_KEY_Delete, 0, "win.remove-layer" },
  { GDK_KEY_KP_Delete, 0, "win.remove-layer" },
  { GDK_KEY_plus, 0, "win.add-unit" },
  { GDK_KEY_plus, GDK_SHIFT_MASK, "win.add-unit" },
  { GDK_KEY_KP_Add, 0, "win.add-unit" },
  { GDK_KEY_equal, 0, "win.add-unit" },
  { GDK_KEY_minus, 0, "win.remove-unit" },
  { GDK_KEY_KP_Subtract, 0, "win.remove-unit" },
  { GDK_KEY_F5, 0, "win.presentation" },
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

/* Whether the edit section reads `undo`, `redo` already. */
static gboolean
edit_section_says (GMenuModel *section,
                   const char *undo,
                   const char *redo)
{
  const char *want[] = { undo, redo };

  if (g_menu_model_get_n_items (section) != G_N_ELEMENTS (want))
    return FALSE;
  for (int i = 0; i < (int) G_N_ELEMENTS (want); i++)
    {
      g_autofree char *label = NULL;

      if (!g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label)
          || g_strcmp0 (label, want[i]) != 0)
        return FALSE;
    }
  return TRUE;
}

/* A tooltip set only when it changes: setting it, even to the same text,
 * copies and escapes the text and notifies its properties. */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
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
  {
    /* Training stopped on NaN/Inf: the bar offers a smaller rate, as long
     * as the rate's spin button can show it. */
    gboolean fault = bpv_session_get_fault (session, NULL);
    double lr = bpv_session_get_learning_rate (session);

    set_enabled (self, "lower-rate", fault && lr / 10 >= gtk_adjustment_get_lower (self->lr_adjustment));
    set_enabled (self, "dismiss-fault", fault);
  }
  /* With a neuron selected, C checks its bias or says why it cannot. */
  set_enabled (self, "copy-latex", edge && !running);
  set_enabled (self, "check-gradient",
               bpv_session_get_selection (session)->kind != BPV_HIT_NONE && !running);
  set_enabled (self, "export", TRUE);
  set_enabled (self, "open-csv", TRUE);
  {
    const BpEditHistory *history = bpv_session_get_history (session);
    const BpNetwork *net = bpv_session_get_network (session);
    gsize layer = bpv_network_view_current_layer (self->network_view);
    const char *undo = bp_edit_undo_label (history);
    const char *redo = bp_edit_redo_label (history);
    g_autofree char *undo_label = undo != NULL ? g_strdup_printf ("_Undo %s", undo) : g_strdup ("_Undo");
    g_autofree char *redo_label = redo != NULL ? g_strdup_printf ("_Redo %s", redo) : g_strdup ("_Redo");
    GMenuItem *item;

    set_enabled (self, "undo", undo != NULL);
    set_enabled (self, "redo", redo != NULL);
    set_enabled (self, "remove-layer", net->n_layers > 1 && layer + 1 < net->n_layers);
    set_enabled (self, "add-unit", layer + 1 < net->n_layers);
    set_enabled (self, "remove-unit", layer + 1 < net->n_layers && net->layers[layer].out > 1);
    set_enabled (self, "insert-layer-after", TRUE);

    /* The menu and the palette's buttons name the step.  This runs with
     * every frame that training delivers, so the section is replaced
     * only when a label changes: each replacement makes the main menu's
     * popover destroy its two buttons and build new ones (in the app
     * soak, 3700 allocations a second while training). */
    if (!edit_section_says (G_MENU_MODEL (self->edit_section), undo_label, redo_label))
      {
        g_menu_remove_all (self->edit_section);
        item = g_menu_item_new (undo_label, "win.undo");
        g_menu_append_item (self->edit_section, item);
        g_object_unref (item);
        item = g_menu_item_new (redo_label, "win.redo");
        g_menu_append_item (self->edit_section, item);
        g_object_unref (item);
      }
    if (self->palette_box != NULL)
      {
        GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->palette_box));
        GtkWidget *ub = row != NULL ? gtk_widget_get_first_child (row) : NULL;
        GtkWidget *rb = ub != NULL ? gtk_widget_get_next_sibling (ub) : NULL;
        g_autofree char *ut = undo != NULL ? g_strdup_printf ("Undo %s (Ctrl+Z)", undo) : g_strdup ("Nothing to undo");
        g_autofree char *rt = redo != NULL ? g_strdup_printf ("Redo %s (Ctrl+Shift+Z)", redo) : g_strdup ("Nothing to redo");

        if (ub != NULL)
          set_tooltip (ub, ut);
        if (rb != NULL)
          set_tooltip (rb, rt);
      }
  }

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

  /* NaN/Inf is told by the fault bar. */
  if (!bpv_session_step (self->session, &error) && !bpv_session_get_fault (self->session, NULL))
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

  if (!bpv_session_step_phase (self->session, &error) && !bpv_session_get_fault (self->session, NULL))
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
lower_rate_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;
  double lr = bpv_session_get_learning_rate (self->session);

  /* Through the setter: one undoable edit, and the sidebar follows. */
  if (!bpv_session_set_learning_rate (self->session, lr / 10, &error))
    bpv_window_toast (self, error->message);
  bpv_event ("ACTION lower-rate lr=%g", bpv_session_get_learning_rate (self->session));
  bpv_window_update_actions (self);
}

static void
dismiss_fault_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       data)
{
  BpvWindow *self = data;

  bpv_session_clear_fault (self->session);
  bpv_event ("ACTION dismiss-fault");
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

/* ------------------------------------------------------------------ edits */

static void
perform (BpvWindow    *self,
         const BpEdit *edit)
{
  g_autoptr(GError) error = NULL;

  if (!bpv_session_edit (self->session, edit, &error))
    {
      bpv_event ("EDIT refused: %s", error->message);
      bpv_window_toast (self, error->message);
    }
  bpv_window_update_actions (self);
}

/* A new hidden layer is as wide as the layer before the gap (the input's
 * width is often 2: then 8). */
static gsize
new_layer_width (const BpNetwork *net,
                 gsize            position)
{
  gsize w = position > 0 ? net->layers[position - 1].out : net->layers[0].out;

  if (position == 0 && net->n_layers == 1)
    w = 8;
  return CLAMP (w, 2, 64);
}

static void
edit_insert_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpvWindow *self = data;
  const BpNetwork *net = bpv_session_get_network (self->session);
  guint32 position;
  const char *act;
  BpEdit e = { .kind = BP_EDIT_INSERT_LAYER };

  g_variant_get (parameter, "(u&s)", &position, &act);
  e.layer = MIN (position, net->n_layers);
  e.width = new_layer_width (net, e.layer);
  e.activation = act;
  perform (self, &e);
}

static void
edit_activation_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       data)
{
  BpvWindow *self = data;
  guint32 layer;
  const char *act;
  BpEdit e = { .kind = BP_EDIT_SET_ACTIVATION, .adapt = TRUE };

  const BpNetwork *net = bpv_session_get_network (self->session);
  gboolean trained = bpv_session_get_step_count (self->session) > 0;

  gboolean changes;

  g_variant_get (parameter, "(u&s)", &layer, &act);
  changes = layer < net->n_layers && g_strcmp0 (net->layers[layer].act->id, act) != 0;
  e.layer = layer;
  e.activation = act;
  perform (self, &e);
  /* The weights stay, and weights learned for another function can start
   * the new one dead (sigmoid's large negative weights under relu): say
   * how to start afresh. */
  net = bpv_session_get_network (self->session);
  if (trained && changes && layer < net->n_layers && g_strcmp0 (net->layers[layer].act->id, act) == 0)
    {
      g_autofree char *msg = g_strdup_printf ("Layer %u keeps the weights it learned; "
                                              "Reset Weights (R) starts afresh with %s",
                                              layer + 1, act);

      bpv_window_toast (self, msg);
    }
}

static void
edit_remove_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpEdit e = { .kind = BP_EDIT_REMOVE_LAYER, .layer = g_variant_get_uint32 (parameter) };

  perform (data, &e);
}

static void
edit_move_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  guint32 from, to;
  BpEdit e = { .kind = BP_EDIT_MOVE_LAYER };

  g_variant_get (parameter, "(uu)", &from, &to);
  e.layer = from;
  e.to = to;
  perform (data, &e);
}

static void
edit_width_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  BpvWindow *self = data;
  const BpNetwork *net = bpv_session_get_network (self->session);
  guint32 layer;
  gint32 delta;
  BpEdit e = { .kind = BP_EDIT_SET_WIDTH };

  g_variant_get (parameter, "(ui)", &layer, &delta);
  if (layer >= net->n_layers)
    return;
  e.layer = layer;
  if (delta > 0)
    e.kind = BP_EDIT_ADD_UNIT;
  else
    e.width = net->layers[layer].out > 1 ? net->layers[layer].out - 1 : 1;
  perform (self, &e);
}

static void
edit_cost_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  BpEdit e = { .kind = BP_EDIT_SET_COST, .adapt = TRUE,
               .cost = g_variant_get_string (parameter, NULL) };

  perform (data, &e);
}

static void
edit_optimizer_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  /* The session's setter carries the learning rate and decay over. */
  if (!bpv_session_set_optimizer (self->session, g_variant_get_string (parameter, NULL), &error))
    bpv_window_toast (self, error->message);
  bpv_window_update_actions (self);
}

/* The keyboard's edits act on the selected layer (see
 * bpv_network_view_current_layer). */
static void
insert_after_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  BpvWindow *self = data;
  const BpNetwork *net = bpv_session_get_network (self->session);
  gsize layer = bpv_network_view_current_layer (self->network_view);
  gsize position = MIN (layer + 1, net->n_layers - 1);
  const char *act = position > 0 ? net->layers[position - 1].act_id : "tanh";

  if (position + 1 == net->n_layers && position == layer)
    position = layer;  /* the output layer selected: before it */
  if (layer + 1 == net->n_layers)
    act = net->n_layers > 1 ? net->layers[net->n_layers - 2].act_id : "tanh";
  gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-insert", "(us)",
                              (guint32) position, act);
}

static void
remove_layer_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  BpvWindow *self = data;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-remove", "u",
                              (guint32) bpv_network_view_current_layer (self->network_view));
}

static void
unit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  gboolean add = g_str_equal (g_action_get_name (G_ACTION (action)), "add-unit");

  gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-width", "(ui)",
                              (guint32) bpv_network_view_current_layer (self->network_view),
                              add ? 1 : -1);
}

static void
layer_menu_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  BpvWindow *self = data;

  bpv_network_view_popup_layer_menu (self->network_view,
                                     bpv_network_view_current_layer (self->network_view), -1, -1);
}

static void
hide_explanation_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       data)
{
  BpvWindow *self = data;

  gtk_revealer_set_reveal_child (self->explain_revealer, FALSE);
  self->chain_quiz = FALSE;
}

/* The selected weight's derivation with its numbers, as LaTeX, on the
 * clipboard (bpv_explain_latex gives the text). */
static void
copy_latex_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *latex = bpv_explain_latex (self->session, bpv_session_get_selection (self->session),
                                              &error);

  if (latex == NULL)
    {
      bpv_window_toast (self, error->message);
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), latex);
  bpv_event ("COPY-LATEX bytes=%zu", strlen (latex));
  bpv_window_toast (self, "Derivation copied as LaTeX");
}

static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;

  if (g_str_equal (g_action_get_name (G_ACTION (action)), "redo"))
    bpv_session_redo (self->session);
  else
    bpv_session_undo (self->session);
  bpv_window_update_actions (self);
}

/* ------------------------------------------------------------------ files */

static void
log_file (BpvWindow  *self,
          const char *what,
          GFile      *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *sum = bpv_session_checksum (self->session);

  bpv_event ("%s %s layers=%zu checksum=%s", what, path != NULL ? path : "?",
             bpv_session_get_network (self->session)->n_layers, sum);
}

gboolean
bpv_window_save_to (BpvWindow *self,
                    GFile     *file,
                    GError   **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "only local files can be saved");
      return FALSE;
    }
  if (!bpv_session_save (self->session, path, error))
    return FALSE;
  bpv_window_set_file (self, file);
  /* Tell the application (recent files) even when the file is the same. */
  g_object_notify (G_OBJECT (self), "file");
  log_file (self, "SAVED", file);
  bpv_window_update_file_title (self);
  return TRUE;
}

gboolean
bpv_window_open_file (BpvWindow *self,
                      GFile     *file)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GtkApplication *app;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      bpv_window_toast (self, "Only local files can be opened");
      return FALSE;
    }
  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    {
      if (!bpv_session_set_dataset (self->session, path, 0, -1,
                                    gtk_adjustment_get_value (self->test_adjustment), &error))
        {
          bpv_window_toast (self, error->message);
          return FALSE;
        }
      return TRUE;
    }
  app = gtk_window_get_application (GTK_WINDOW (self));
  if (app == NULL)
    {
      bpv_window_toast (self, "Models open in a new window of the application");
      return FALSE;
    }
  g_application_open (G_APPLICATION (app), &file, 1, "");
  return TRUE;
}

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               BpvWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        bpv_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;
  GtkFileFilter *all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new ("Open Model or Dataset", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_filter_set_name (all, "Models and CSV datasets");
  gtk_file_filter_add_pattern (all, "*.[jJ][sS][oO][nN]");
  gtk_file_filter_add_pattern (all, "*.[cC][sS][vV]");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  g_object_unref (all);
  add_filter (GTK_FILE_CHOOSER (dialog), "Models (*.bpmodel.json)", "*.[jJ][sS][oO][nN]");
  add_filter (GTK_FILE_CHOOSER (dialog), "CSV datasets", "*.[cC][sS][vV]");
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_file_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));

  bpv_window_open_file (data, file);
}

/* Closes the window once the question (transient for it) is gone: a
 * window finalized under its dialog leaves the dialog's handlers on a
 * dead object. */
static gboolean
close_later (gpointer data)
{
  BpvWindow *self = data;

  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

/* After Save As from the close question, the window closes. */
#define CLOSE_AFTER_SAVE "bpv-close-after-save"

static void
save_as_response (GtkNativeDialog *dialog,
                  int              response,
                  BpvWindow       *self)
{
  gboolean close = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), CLOSE_AFTER_SAVE));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (file != NULL && !bpv_window_save_to (self, file, &error))
        bpv_window_toast (self, error->message);
      else if (file != NULL && close)
        g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
    }
  g_object_unref (dialog);
}

static void
save_as (BpvWindow *self,
         gboolean   close_after)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  dialog = gtk_file_chooser_native_new ("Save Model", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
  if (self->file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), self->file, NULL);
  else
    {
      const BpModel *model = bpv_session_get_model (self->session);

      name = g_strdup_printf ("%s.bpmodel.json",
                              model->name != NULL && model->name[0] != '\0' ? model->name : "network");
      g_strdelimit (name, "/\\", '-');
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
    }
  add_filter (GTK_FILE_CHOOSER (dialog), "Models (*.bpmodel.json)", "*.[jJ][sS][oO][nN]");
  g_object_set_data (G_OBJECT (dialog), CLOSE_AFTER_SAVE, GINT_TO_POINTER (close_after));
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_as_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       data)
{
  save_as (data, FALSE);
}

static void
save_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->file == NULL)
    {
      save_as (self, FALSE);
      return;
    }
  if (!bpv_window_save_to (self, self->file, &error))
    bpv_window_toast (self, error->message);
  else
    {
      g_autofree char *base = g_file_get_basename (self->file);
      g_autofree char *msg = g_strdup_printf ("Saved “%s”", base);

      bpv_window_toast (self, msg);
    }
}

/* A file dropped on the window: the first of the list. */
static gboolean
on_file_drop (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              BpvWindow     *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  {
    g_autofree char *uri = g_file_get_uri (files->data);

    bpv_event ("DROP file %s", uri);
  }
  return bpv_window_open_file (self, files->data);
}

/* ------------------------------------------------- unsaved changes on close */

static void
close_response (AdwMessageDialog *dialog,
                const char       *response,
                BpvWindow        *self)
{
  bpv_event ("CLOSE %s", response);
  if (g_str_equal (response, "discard"))
    g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
  else if (g_str_equal (response, "save"))
    {
      g_autoptr(GError) error = NULL;

      if (self->file == NULL)
        save_as (self, TRUE);
      else if (!bpv_window_save_to (self, self->file, &error))
        bpv_window_toast (self, error->message);
      else
        g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
    }
}

gboolean
bpv_window_close_request (GtkWindow *window)
{
  BpvWindow *self = BPV_WINDOW (window);
  GtkWidget *dialog;
  g_autofree char *base = NULL;

  if (self->close_confirmed || self->session == NULL || !bpv_session_is_dirty (self->session))
    return FALSE;
  /* Asked again (Ctrl+Q twice): the same question. */
  if (self->close_question != NULL)
    {
      gtk_window_present (self->close_question);
      return TRUE;
    }
  base = self->file != NULL ? g_file_get_basename (self->file) : g_strdup ("Untitled");
  dialog = adw_message_dialog_new (window, "Save Changes?", NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  "“%s” has changes that are not saved. "
                                  "Without saving, they are lost.", base);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", "_Cancel",
                                    "discard", "_Discard",
                                    "save", "_Save",
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response), self);
  self->close_question = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->close_question);
  bpv_event ("CLOSE asking");
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
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

/* Presentation mode (the canvas's "presentation" property, which the
 * action toggles and the settings remember): for a projector.  The canvas
 * draws every label and stroke BPV_PRESENTATION_SCALE × larger, the phase
 * card and the inspector grow (bpv.css, .presentation), and what a lecture
 * does not need steps aside: the settings sidebar (given back as it was),
 * the palette and the plots. */
static void
on_presentation_notify (GObject    *object,
                        GParamSpec *pspec,
                        BpvWindow  *self)
{
  gboolean on = FALSE;
  GtkWidget *palette = gtk_widget_get_ancestor (GTK_WIDGET (self->palette_box), GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *plots = gtk_widget_get_parent (GTK_WIDGET (self->norms_view));

  g_object_get (object, "presentation", &on, NULL);
  if (on)
    {
      g_object_set_data (G_OBJECT (self), "bpv-sidebar-before-presentation",
                         GINT_TO_POINTER (adw_flap_get_reveal_flap (self->flap) ? 2 : 1));
      adw_flap_set_reveal_flap (self->flap, FALSE);
      gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
    }
  else
    {
      int before = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self), "bpv-sidebar-before-presentation"));

      if (before != 0)
        adw_flap_set_reveal_flap (self->flap, before == 2);
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
    }
  if (palette != NULL)
    {
      GtkWidget *separator = gtk_widget_get_next_sibling (palette);

      gtk_widget_set_visible (palette, !on);
      if (GTK_IS_SEPARATOR (separator))
        gtk_widget_set_visible (separator, !on);
    }
  if (plots != NULL)
    gtk_widget_set_visible (plots, !on);
  /* The card's detail wraps instead of being cut at the larger size. */
  gtk_label_set_wrap (self->phase_detail, on);
  gtk_label_set_ellipsize (self->phase_detail, on ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
  on_toggle_notify (object, pspec, self);
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
    { "lower-rate", lower_rate_activated, NULL, NULL, NULL, { 0 } },
    { "dismiss-fault", dismiss_fault_activated, NULL, NULL, NULL, { 0 } },
    { "check-gradient", check_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-in", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-out", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-reset", zoom_activated, NULL, NULL, NULL, { 0 } },
    { "export", export_activated, NULL, NULL, NULL, { 0 } },
    { "open-csv", open_csv_activated, NULL, NULL, NULL, { 0 } },
    { "open", open_activated, NULL, NULL, NULL, { 0 } },
    { "open-file", open_file_activated, "s", NULL, NULL, { 0 } },
    { "save", save_activated, NULL, NULL, NULL, { 0 } },
    { "save-as", save_as_activated, NULL, NULL, NULL, { 0 } },
    { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
    { "redo", undo_activated, NULL, NULL, NULL, { 0 } },
    { "edit-insert", edit_insert_activated, "(us)", NULL, NULL, { 0 } },
    { "edit-activation", edit_activation_activated, "(us)", NULL, NULL, { 0 } },
    { "edit-remove", edit_remove_activated, "u", NULL, NULL, { 0 } },
    { "edit-move", edit_move_activated, "(uu)", NULL, NULL, { 0 } },
    { "edit-width", edit_width_activated, "(ui)", NULL, NULL, { 0 } },
    { "edit-cost", edit_cost_activated, "s", NULL, NULL, { 0 } },
    { "edit-optimizer", edit_optimizer_activated, "s", NULL, NULL, { 0 } },
    { "insert-layer-after", insert_after_activated, NULL, NULL, NULL, { 0 } },
    { "remove-layer", remove_layer_activated, NULL, NULL, NULL, { 0 } },
    { "add-unit", unit_activated, NULL, NULL, NULL, { 0 } },
    { "remove-unit", unit_activated, NULL, NULL, NULL, { 0 } },
    { "layer-menu", layer_menu_activated, NULL, NULL, NULL, { 0 } },
    { "hide-explanation", hide_explanation_activated, NULL, NULL, NULL, { 0 } },
    { "copy-latex", copy_latex_activated, NULL, NULL, NULL, { 0 } },
  };
  GtkDropTarget *files;

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  add_property_action (self, "gradient-view", self->network_view, "gradients");
  add_property_action (self, "global-scale", self->network_view, "global-scale");
  add_property_action (self, "show-derivatives", self->network_view, "show-derivatives");
  add_property_action (self, "show-values", self->network_view, "show-values");
  add_property_action (self, "neuron-maps", self->network_view, "show-neuron-maps");
  add_property_action (self, "toggle-sidebar", self->flap, "reveal-flap");
  add_property_action (self, "presentation", self->network_view, "presentation");
  /* Model files and CSV datasets dropped on the window. */
  files = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (files, "drop", G_CALLBACK (on_file_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (files));
  /* The event log names the toggle and its new state. */
  g_signal_connect (self->network_view, "notify::gradients", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::global-scale", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::show-derivatives", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::show-values", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->flap, "notify::reveal-flap", G_CALLBACK (on_toggle_notify), self);
  g_signal_connect (self->network_view, "notify::presentation", G_CALLBACK (on_presentation_notify), self);
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
