/* bpv-window-actions.c — every behaviour of the window as a GAction (the
 * files' actions are in bpv-window-files.c), the one function that decides
 * which are enabled, and the window's single-key shortcuts.
 *
 * The keys of the actions are in one table, bpv-shortcuts.c, with the
 * application's accelerators and the help overlay's lines.  Keys without
 * a modifier are not application accelerators: a key controller in the
 * capture phase activates them unless a text field has the focus, so
 * typing "r" in an entry never resets the network.
 *
 * Actions with a parameter are the edits the palette, the canvas and its
 * menu ask for: win.edit-insert (us), edit-activation (us), edit-remove (u),
 * edit-move (uu), edit-width (ui), edit-cost (s), edit-optimizer (s),
 * edit-skip (ui), edit-remove-skip (u), edit-insert-typed (us); and
 * win.open-file (s), a path (bpv-window-files.c).
 */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bpv-compare-window.h"
#include "bpv-events.h"
#include "bpv-shortcuts.h"

/* After NaN/Inf the fault bar offers the learning rate ÷ 10: one order of
 * magnitude smaller. */
#define LOWER_RATE_FACTOR 10
/* The width of an inserted hidden layer: the first hidden layer of a
 * network without one, and the bounds for one copied from its neighbour. */
#define NEW_LAYER_FIRST 8
#define NEW_LAYER_MIN   2
#define NEW_LAYER_MAX   64
/* The inspector's least height (pixels), and while the Quiz pane is open
 * above it. */
#define INSPECTOR_MIN_HEIGHT      240
#define INSPECTOR_MIN_HEIGHT_QUIZ 120

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
  const BpEditHistory *history;
  const BpNetwork *net;
  gboolean running, stopping, edge, fault;
  gsize layer;
  double lr;

  if (session == NULL)
    return;
  running = bpv_session_get_running (session);
  stopping = bpv_session_get_stopping (session);
  edge = bpv_session_get_selection (session)->kind == BPV_HIT_EDGE;
  history = bpv_session_get_history (session);
  net = bpv_session_get_network (session);
  layer = bpv_network_view_current_layer (self->network_view);
  fault = bpv_session_get_fault (session, NULL);
  lr = bpv_session_get_learning_rate (session);

  set_enabled (self, "play", TRUE);
  set_enabled (self, "step", !stopping);
  set_enabled (self, "step-phase", !stopping);
  set_enabled (self, "step-back", bpv_session_can_step_back (session));
  set_enabled (self, "autoplay", !stopping);
  set_enabled (self, "reset", TRUE);
  /* Training stopped on NaN/Inf: the bar offers a smaller rate, as long
   * as the rate's spin button can show it. */
  set_enabled (self, "lower-rate",
               fault && lr / LOWER_RATE_FACTOR >= gtk_adjustment_get_lower (self->lr_adjustment));
  set_enabled (self, "dismiss-fault", fault);
  /* With a neuron selected, C checks its bias or says why it cannot. */
  set_enabled (self, "copy-latex", edge && !running);
  set_enabled (self, "check-gradient",
               bpv_session_get_selection (session)->kind != BPV_HIT_NONE && !running);
  set_enabled (self, "export", TRUE);
  set_enabled (self, "open-csv", TRUE);
  set_enabled (self, "undo", bp_edit_undo_label (history) != NULL);
  set_enabled (self, "redo", bp_edit_redo_label (history) != NULL);
  set_enabled (self, "remove-layer", net->n_layers > 1 && layer + 1 < net->n_layers);
  set_enabled (self, "add-unit", layer + 1 < net->n_layers);
  set_enabled (self, "remove-unit", layer + 1 < net->n_layers && net->layers[layer].out > 1);
  set_enabled (self, "insert-layer-after", TRUE);
  set_enabled (self, "lesson-next", bpv_window_lesson_can_next (self));
  set_enabled (self, "lesson-back", self->lesson != NULL && self->lesson_step > 0);
  set_enabled (self, "lesson-leave", self->lesson != NULL);
  set_enabled (self, "lesson-retry", bpv_window_lesson_can_retry (self));

  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "autoplay")),
                             g_variant_new_boolean (bpv_session_get_autoplay (session)));
}

void
bpv_window_update_play_button (BpvWindow *self)
{
  gboolean pausable;

  if (self->session == NULL)
    return;
  pausable = bpv_session_get_running (self->session) && !bpv_session_get_stopping (self->session);
  gtk_button_set_icon_name (self->play_button, pausable
                                               ? "media-playback-pause-symbolic"
                                               : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               pausable ? _("Pause (Space)") : _("Train (Space)"));
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
  if (!bpv_session_set_learning_rate (self->session, lr / LOWER_RATE_FACTOR, &error))
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
 * width is often 2: then NEW_LAYER_FIRST), within the bounds below. */
static gsize
new_layer_width (const BpNetwork *net,
                 gsize            position)
{
  gsize w = position > 0 ? net->layers[position - 1].out : net->layers[0].out;

  if (position == 0 && net->n_layers == 1)
    w = NEW_LAYER_FIRST;
  return CLAMP (w, NEW_LAYER_MIN, NEW_LAYER_MAX);
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
      g_autofree char *msg = g_strdup_printf (_("Layer %u keeps the weights it learned; "
                                              "Reset Weights (R) starts afresh with %s"),
                                              layer + 1, act);

      bpv_window_toast (self, msg);
    }
}

/* edit-remove: the layer; edit-remove-skip: its skip connection. */
static void
edit_remove_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  gboolean skip = g_str_equal (g_action_get_name (G_ACTION (action)), "edit-remove-skip");
  BpEdit e = { .kind = skip ? BP_EDIT_REMOVE_SKIP : BP_EDIT_REMOVE_LAYER,
               .layer = g_variant_get_uint32 (parameter) };

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
  /* A layer a skip ties to others changes with them (both ends of a skip
   * keep one width), rather than being refused. */
  BpEdit e = { .kind = BP_EDIT_SET_WIDTH, .with_skips = TRUE };

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

/* A skip connection into layer L from a(j); j = −1: from the nearest
 * earlier a(j) of the layer's width (bp_edit_skip_source), or a message
 * saying there is none. */
static void
edit_skip_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;
  guint32 layer;
  gint32 from;
  gsize source = 0;
  BpEdit e = { .kind = BP_EDIT_ADD_SKIP };

  g_variant_get (parameter, "(ui)", &layer, &from);
  if (from < 0 && !bp_edit_skip_source (bpv_session_get_network (self->session), layer,
                                        &source, &error))
    {
      bpv_event ("EDIT refused: %s", error->message);
      bpv_window_toast (self, error->message);
      return;
    }
  e.layer = layer;
  e.from = from >= 0 ? (gsize) from : source;
  perform (self, &e);
}

/* A batch-norm, layer-norm or dropout layer ("batchnorm", "layernorm",
 * "dropout": the model file's names) at a position (before which layer). */
static void
edit_insert_typed_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       data)
{
  guint32 position;
  const char *type;
  BpEdit e = { .kind = BP_EDIT_INSERT_TYPED };

  g_variant_get (parameter, "(u&s)", &position, &type);
  e.layer = position;
  if (!bp_layer_type_from_string (type, &e.layer_type))
    e.layer_type = BP_LAYER_DENSE;  /* refused by the edit, with a message */
  perform (data, &e);
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
  bpv_window_toast (self, _("Derivation copied as LaTeX"));
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
bpv_window_update_undo (BpvWindow *self)
{
  const BpEditHistory *history;
  const char *undo, *redo;
  g_autofree char *undo_label = NULL;
  g_autofree char *redo_label = NULL;
  g_autofree char *undo_tip = NULL;
  g_autofree char *redo_tip = NULL;

  if (self->session == NULL)
    return;
  history = bpv_session_get_history (self->session);
  undo = bp_edit_undo_label (history);
  redo = bp_edit_redo_label (history);
  undo_label = undo != NULL ? g_strdup_printf (_("_Undo %s"), undo) : g_strdup (_("_Undo"));
  redo_label = redo != NULL ? g_strdup_printf (_("_Redo %s"), redo) : g_strdup (_("_Redo"));
  undo_tip = undo != NULL ? g_strdup_printf (_("Undo %s (Ctrl+Z)"), undo) : g_strdup (_("Nothing to undo"));
  redo_tip = redo != NULL ? g_strdup_printf (_("Redo %s (Ctrl+Shift+Z)"), redo) : g_strdup (_("Nothing to redo"));

  /* The section is replaced only when a label changes: each replacement
   * makes the main menu's popover destroy its two buttons and build new
   * ones (the session says "edited" when training starts, too). */
  if (!edit_section_says (G_MENU_MODEL (self->edit_section), undo_label, redo_label))
    {
      g_autoptr(GMenuItem) undo_item = g_menu_item_new (undo_label, "win.undo");
      g_autoptr(GMenuItem) redo_item = g_menu_item_new (redo_label, "win.redo");

      g_menu_remove_all (self->edit_section);
      g_menu_append_item (self->edit_section, undo_item);
      g_menu_append_item (self->edit_section, redo_item);
    }
  set_tooltip (GTK_WIDGET (self->undo_button), undo_tip);
  set_tooltip (GTK_WIDGET (self->redo_button), redo_tip);
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

/* The Quiz pane opens (Q, the header bar's toggle) on a question about
 * this stop, and the log names it as the other toggles. */
static void
on_quiz_notify (GObject    *object,
                GParamSpec *pspec,
                BpvWindow  *self)
{
  gboolean on = gtk_revealer_get_reveal_child (self->quiz_revealer);

  /* The question needs the room more than the inspector's scroller. */
  gtk_widget_set_size_request (GTK_WIDGET (self->inspector), -1,
                               on ? INSPECTOR_MIN_HEIGHT_QUIZ : INSPECTOR_MIN_HEIGHT);
  bpv_event ("ACTION quiz state=%d", on);
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
  gtk_widget_set_visible (self->palette_scroller, !on);
  gtk_widget_set_visible (self->palette_separator, !on);
  gtk_widget_set_visible (self->plots_box, !on);
  /* The card's detail wraps instead of being cut at the larger size. */
  gtk_label_set_wrap (self->phase_detail, on);
  gtk_label_set_ellipsize (self->phase_detail, on ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
  on_toggle_notify (object, pspec, self);
}

/* "Compare With a Variant…" and "Compare With File…": a window of their
 * own (bpv-compare-window.h) over copies of the model as shown; this
 * window's session is touched only by Keep B (one undo step). */
static void
compare_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       data)
{
  BpvWindow *self = data;

  if (g_str_equal (g_action_get_name (G_ACTION (action)), "compare-file"))
    bpv_compare_window_ask_file (GTK_WINDOW (self), self->session);
  else
    bpv_compare_window_ask_variant (GTK_WINDOW (self), self->session);
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
    { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
    { "redo", undo_activated, NULL, NULL, NULL, { 0 } },
    { "edit-insert", edit_insert_activated, "(us)", NULL, NULL, { 0 } },
    { "edit-activation", edit_activation_activated, "(us)", NULL, NULL, { 0 } },
    { "edit-remove", edit_remove_activated, "u", NULL, NULL, { 0 } },
    { "edit-move", edit_move_activated, "(uu)", NULL, NULL, { 0 } },
    { "edit-width", edit_width_activated, "(ui)", NULL, NULL, { 0 } },
    { "edit-cost", edit_cost_activated, "s", NULL, NULL, { 0 } },
    { "edit-optimizer", edit_optimizer_activated, "s", NULL, NULL, { 0 } },
    { "edit-skip", edit_skip_activated, "(ui)", NULL, NULL, { 0 } },
    { "edit-remove-skip", edit_remove_activated, "u", NULL, NULL, { 0 } },
    { "edit-insert-typed", edit_insert_typed_activated, "(us)", NULL, NULL, { 0 } },
    { "insert-layer-after", insert_after_activated, NULL, NULL, NULL, { 0 } },
    { "remove-layer", remove_layer_activated, NULL, NULL, NULL, { 0 } },
    { "add-unit", unit_activated, NULL, NULL, NULL, { 0 } },
    { "remove-unit", unit_activated, NULL, NULL, NULL, { 0 } },
    { "layer-menu", layer_menu_activated, NULL, NULL, NULL, { 0 } },
    { "hide-explanation", hide_explanation_activated, NULL, NULL, NULL, { 0 } },
    { "copy-latex", copy_latex_activated, NULL, NULL, NULL, { 0 } },
    { "compare-variant", compare_activated, NULL, NULL, NULL, { 0 } },
    { "compare-file", compare_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  bpv_window_install_file_actions (self);
  bpv_window_install_lesson_actions (self);
  add_property_action (self, "gradient-view", self->network_view, "gradients");
  add_property_action (self, "global-scale", self->network_view, "global-scale");
  add_property_action (self, "show-derivatives", self->network_view, "show-derivatives");
  add_property_action (self, "show-values", self->network_view, "show-values");
  add_property_action (self, "neuron-maps", self->network_view, "show-neuron-maps");
  add_property_action (self, "toggle-sidebar", self->flap, "reveal-flap");
  add_property_action (self, "presentation", self->network_view, "presentation");
  add_property_action (self, "quiz", self->quiz_revealer, "reveal-child");
  g_signal_connect (self->quiz_revealer, "notify::reveal-child", G_CALLBACK (on_quiz_notify), self);
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
  const char *detailed;
  GAction *action;

  if ((mods & ~GDK_SHIFT_MASK) != 0 || focus_takes_text (self))
    return FALSE;
  detailed = bpv_shortcuts_lookup_key (key, mods);
  if (detailed == NULL)
    return FALSE;
  g_assert (g_str_has_prefix (detailed, "win."));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), detailed + strlen ("win."));
  if (action != NULL && g_action_get_enabled (action))
    g_action_activate (action, NULL);
  /* A disabled action still owns its key (no stray focus moves). */
  return TRUE;
}

void
bpv_window_install_key_shortcuts (BpvWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
