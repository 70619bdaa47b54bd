/* bpv-network-view.c — the network canvas (see bpv-network-view.h): the
 * object, its properties, the session's signals, the layout and the
 * snapshot, which paints with the GTK-free bpv_network_render.  Pointer and
 * keyboard input are in bpv-network-view-input.c, drag and drop in
 * bpv-network-view-dnd.c (see bpv-network-view-private.h). */
#include "config.h"
#include "bpv-network-view-private.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "bp-registry.h"
#include "bpv-events.h"
#include "bpv-shortcuts.h"

/* The canvas's size request (pixels): the least it can be squeezed to, and
 * what it asks for when the window has room. */
#define CANVAS_MIN_WIDTH  320
#define CANVAS_MIN_HEIGHT 240
#define CANVAS_NAT_WIDTH  720
#define CANVAS_NAT_HEIGHT 480
/* The network keeps at least this height (pixels) under a tall legend. */
#define NETWORK_MIN_HEIGHT 40.0
/* The longest frame the animation advances by (seconds). */
#define MAX_FRAME_DT_S 0.1

G_DEFINE_FINAL_TYPE (BpvNetworkView, bpv_network_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_GRADIENTS,
  PROP_GLOBAL_SCALE,
  PROP_SHOW_DERIVATIVES,
  PROP_SHOW_VALUES,
  PROP_SHOW_NEURON_MAPS,
  PROP_PRESENTATION,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ----------------------------------------------------------------- layout */

void
bpv_network_view_fill_state (BpvNetworkView *self,
                             BpvRenderState *state)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  gsize sample = 0;
  const BpTrace *trace = bpv_session_get_trace (self->session, &sample);

  bpv_render_state_init (state, net, trace);
  bpv_session_fill_render_state (self->session, state);
  state->view = self->view;
  state->scale = self->scale;
  state->theme = bpv_network_view_get_theme (self);
  state->hover = self->hover;
  state->highlights = (const BpvHit *) self->highlights->data;
  state->n_highlights = self->highlights->len;
  state->show_derivatives = self->show_derivatives;
  state->show_values = self->show_values;
  if (!self->show_neuron_maps)
    state->neuron_maps = NULL;
  state->cache = self->cache;
  state->device_scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  state->text_scale = self->presentation ? BPV_PRESENTATION_SCALE : 1.0;
  {
    /* The outputs carry the class names of a classification dataset. */
    const BpDataset *ds = bpv_session_get_dataset (self->session);

    if (ds != NULL && net->n_layers > 0 && ds->task == BP_TASK_MULTICLASS && ds->target_names != NULL
        && g_strv_length (ds->target_names) == net->layers[net->n_layers - 1].out)
      state->output_names = (const char * const *) ds->target_names;
  }
}

void
bpv_network_view_relayout (BpvNetworkView *self)
{
  BpvLayoutParams params;
  BpvRenderState state;
  double h;

  g_clear_pointer (&self->layout, bpv_layout_free);
  if (self->session == NULL || self->width <= 0 || self->height <= 0)
    return;
  bpv_network_view_fill_state (self, &state);
  self->legend_height = bpv_network_canvas_legend_height (&state, self->width, self->height);
  h = MAX (self->height - self->legend_height, NETWORK_MIN_HEIGHT);
  bpv_layout_params_init (&params, self->width, h);
  params.text_scale = state.text_scale;
  params.zoom = self->zoom;
  params.pan_x = self->pan_x;
  params.pan_y = self->pan_y;
  bpv_session_input_image (self->session, &params.input_image_width, &params.input_image_height);
  self->layout = bpv_layout_new (bpv_session_get_network (self->session), &params);
  bpv_network_view_log_skip_handle (self);
}

void
bpv_network_view_apply_view (BpvNetworkView *self)
{
  if (self->layout != NULL)
    bpv_layout_set_view (self->layout, self->zoom, self->pan_x, self->pan_y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bpv_network_view_set_pan (BpvNetworkView *self,
                          double          pan_x,
                          double          pan_y)
{
  self->pan_x = pan_x;
  self->pan_y = pan_y;
  bpv_network_view_apply_view (self);
  /* "zoom" stands for the whole view: who follows it follows panning. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* -------------------------------------------------------------- animation */

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame > 0 ? (double) (now - self->last_frame) / 1e6 : 0.0;

  self->last_frame = now;
  /* A long stall (a hidden window) does not jump the animation. */
  dt = MIN (dt, MAX_FRAME_DT_S);
  if (self->session == NULL || !bpv_session_tick (self->session, dt))
    {
      self->tick_id = 0;
      self->last_frame = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
ensure_ticking (BpvNetworkView *self)
{
  if (self->tick_id != 0 || self->session == NULL || !bpv_session_is_animating (self->session))
    return;
  self->last_frame = 0;
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* What a screen reader says of the canvas: the network's layers, and what
 * is selected; updated with every edit and selection. */
char *
bpv_network_view_describe (BpvNetworkView *self)
{
  const BpNetwork *net;
  const BpvHit *sel;
  GString *s;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), NULL);

  if (self->session == NULL)
    return g_strdup (_("No network"));
  net = bpv_session_get_network (self->session);
  s = g_string_new (NULL);
  g_string_append_printf (s, ngettext ("Input a(0): %zu unit. ", "Input a(0): %zu units. ", net->n_inputs), net->n_inputs);
  for (gsize l = 0; l < net->n_layers; l++)
    g_string_append_printf (s, l + 1 == net->n_layers
                            ? ngettext ("Output layer %zu, a(%zu) = %s(z(%zu)): %zu unit. ",
                                        "Output layer %zu, a(%zu) = %s(z(%zu)): %zu units. ", net->layers[l].out)
                            : ngettext ("Layer %zu, a(%zu) = %s(z(%zu)): %zu unit. ",
                                        "Layer %zu, a(%zu) = %s(z(%zu)): %zu units. ", net->layers[l].out),
                            l + 1, l + 1, net->layers[l].act_id, l + 1, net->layers[l].out);
  if (net->cost_id != NULL)
    g_string_append_printf (s, _("Cost: %s. "), net->cost_id);
  sel = bpv_session_get_selection (self->session);
  if (sel->kind == BPV_HIT_NEURON)
    g_string_append_printf (s, _("Selected: neuron %zu of a(%zu)."), sel->j + 1, sel->layer);
  else if (sel->kind == BPV_HIT_EDGE)
    g_string_append_printf (s, _("Selected: weight W(%zu) from unit %zu of a(%zu) to unit %zu of a(%zu)."),
                            sel->layer, sel->k + 1, sel->layer - 1, sel->j + 1, sel->layer);
  else if (sel->kind == BPV_HIT_SKIP)
    g_string_append_printf (s, _("Selected: the skip connection from a(%zu) to a(%zu)."), sel->j, sel->layer);
  else
    g_string_append (s, _("Nothing selected."));
  if (sel->kind != BPV_HIT_NONE)
    {
      /* Its numbers, as the tooltip gives them: the selection can be read
       * without a mouse. */
      BpvRenderState state;
      g_autofree char *numbers = NULL;

      bpv_network_view_fill_state (self, &state);
      numbers = bpv_render_describe_hit (&state, sel);
      if (numbers != NULL)
        g_string_append_printf (s, " %s.", numbers);
    }
  g_string_append (s, _(" Up and Down move within a layer, Alt+Left and Alt+Right across layers, "
                      "Enter onto the weights into a neuron, Escape back."));
  return g_string_free (s, FALSE);
}

static void
update_accessible (BpvNetworkView *self)
{
  g_autofree char *description = bpv_network_view_describe (self);
  g_autoptr(GString) label = g_string_new (_("Network"));

  if (self->session != NULL)
    {
      const BpNetwork *net = bpv_session_get_network (self->session);

      g_string_append_printf (label, " %zu", net->n_inputs);
      for (gsize l = 0; l < net->n_layers; l++)
        g_string_append_printf (label, "–%zu", net->layers[l].out);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label->str,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
on_values_changed (BpvSession     *session,
                   BpvNetworkView *self)
{
  /* The selection's numbers in the description follow the steps (not
   * every frame of training). */
  if (bpv_session_get_selection (session)->kind != BPV_HIT_NONE && !bpv_session_get_running (session))
    update_accessible (self);
  ensure_ticking (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_structure_changed (BpvSession     *session,
                      BpvNetworkView *self)
{
  BpvHit none = BPV_HIT_INIT;

  self->hover = none;
  /* A handle dragged over the columns of before would choose wrongly. */
  bpv_network_view_skip_handle_cancel (self);
  if (self->cache != NULL)
    bpv_render_cache_invalidate (self->cache);
  bpv_network_view_relayout (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_selection_changed (BpvSession     *session,
                      BpvNetworkView *self)
{
  /* What the handle was dragged for is gone (an undo meanwhile). */
  if (self->handle_drag && bpv_session_get_selection (session)->kind != BPV_HIT_SKIP)
    bpv_network_view_skip_handle_cancel (self);
  bpv_network_view_log_skip_handle (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bpv_network_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  BpvRenderState state;
  cairo_t *cr;

  if (self->session == NULL || w <= 0 || h <= 0)
    return;
  if (self->layout == NULL || !bpv_layout_fits (self->layout, bpv_session_get_network (self->session)))
    bpv_network_view_relayout (self);
  if (self->layout == NULL)
    return;

  bpv_network_view_fill_state (self, &state);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  bpv_network_render (cr, self->layout, &state);
  if (self->legend_height > 0)
    {
      BpvRect r = { 0, h - self->legend_height, w, self->legend_height };

      cairo_identity_matrix (cr);
      cairo_reset_clip (cr);
      bpv_network_render_legend (cr, &state, &r);
    }
  cairo_destroy (cr);
  bpv_network_view_snapshot_drop_indicator (self, snapshot);
  bpv_network_view_snapshot_skip_handle (self, snapshot);
  bpv_network_view_snapshot_width_buttons (self, snapshot);
}

static void
bpv_network_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (widget);

  if (self->menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->menu));
  if (width == self->width && height == self->height && self->layout != NULL)
    return;
  self->width = width;
  self->height = height;
  /* The layout test paints at the sizes this reports (1920×1080). */
  bpv_event ("CANVAS-SIZE width=%d height=%d presentation=%d", width, height, self->presentation);
  bpv_network_view_relayout (self);
}

static void
bpv_network_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? CANVAS_MIN_WIDTH : CANVAS_MIN_HEIGHT;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? CANVAS_NAT_WIDTH : CANVAS_NAT_HEIGHT;
}

/* ---------------------------------------------------------------- GObject */

static void
bpv_network_view_dispose (GObject *object)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (object);

  bpv_network_view_set_session (self, NULL);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
  G_OBJECT_CLASS (bpv_network_view_parent_class)->dispose (object);
}

static void
bpv_network_view_finalize (GObject *object)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (object);

  bpv_layout_free (self->layout);
  bpv_render_cache_free (self->cache);
  g_free (self->drop_text);
  g_array_unref (self->highlights);
  g_free (self->handle_text);
  G_OBJECT_CLASS (bpv_network_view_parent_class)->finalize (object);
}

static void
bpv_network_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_GRADIENTS:
      g_value_set_boolean (value, self->view == BPV_VIEW_GRADIENTS);
      break;
    case PROP_GLOBAL_SCALE:
      g_value_set_boolean (value, self->scale == BPV_SCALE_GLOBAL);
      break;
    case PROP_SHOW_DERIVATIVES:
      g_value_set_boolean (value, self->show_derivatives);
      break;
    case PROP_SHOW_VALUES:
      g_value_set_boolean (value, self->show_values);
      break;
    case PROP_SHOW_NEURON_MAPS:
      g_value_set_boolean (value, self->show_neuron_maps);
      break;
    case PROP_PRESENTATION:
      g_value_set_boolean (value, self->presentation);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_network_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      bpv_network_view_set_session (self, g_value_get_object (value));
      break;
    case PROP_GRADIENTS:
      bpv_network_view_set_view (self, g_value_get_boolean (value) ? BPV_VIEW_GRADIENTS
                                                                   : BPV_VIEW_WEIGHTS);
      break;
    case PROP_GLOBAL_SCALE:
      bpv_network_view_set_scale (self, g_value_get_boolean (value) ? BPV_SCALE_GLOBAL
                                                                    : BPV_SCALE_LAYER);
      break;
    case PROP_SHOW_DERIVATIVES:
      bpv_network_view_set_show_derivatives (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_VALUES:
      bpv_network_view_set_show_values (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_NEURON_MAPS:
      bpv_network_view_set_show_neuron_maps (self, g_value_get_boolean (value));
      break;
    case PROP_PRESENTATION:
      if (self->presentation != g_value_get_boolean (value))
        {
          self->presentation = g_value_get_boolean (value);
          /* Every size of the picture follows the scale. */
          bpv_network_view_relayout (self);
          gtk_widget_queue_draw (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ZOOM:
      bpv_network_view_set_zoom (self, g_value_get_double (value), self->width / 2.0,
                                 self->height / 2.0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (widget);

  if (g_str_equal (action_name, "canvas.zoom-in"))
    bpv_network_view_set_zoom (self, self->zoom * ZOOM_STEP, self->width / 2.0, self->height / 2.0);
  else if (g_str_equal (action_name, "canvas.zoom-out"))
    bpv_network_view_set_zoom (self, self->zoom / ZOOM_STEP, self->width / 2.0, self->height / 2.0);
  else
    bpv_network_view_reset_zoom (self);
}

/* The canvas zooms with the window's zoom keys (bpv-shortcuts.c) also
 * where no application installs them as accelerators (a window without an
 * application, as in the tests): win.zoom-X's keys activate canvas.zoom-X. */
static void
add_zoom_bindings (GtkWidgetClass *widget_class)
{
  gsize n = 0;
  const BpvShortcut *shortcuts = bpv_shortcuts_get (&n);

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *keys = NULL;
      g_autofree char *canvas = NULL;
      g_auto(GStrv) accels = NULL;

      if (shortcuts[i].action == NULL || !g_str_has_prefix (shortcuts[i].action, "win.zoom-"))
        continue;
      keys = g_strjoin (" ", shortcuts[i].keys, shortcuts[i].more_keys, NULL);
      canvas = g_strconcat ("canvas.", shortcuts[i].action + strlen ("win."), NULL);
      accels = g_strsplit (keys, " ", -1);
      for (guint k = 0; accels[k] != NULL; k++)
        {
          guint keyval = 0;
          GdkModifierType mods = 0;

          if (gtk_accelerator_parse (accels[k], &keyval, &mods))
            gtk_widget_class_add_binding_action (widget_class, keyval, mods, canvas, NULL);
        }
    }
}

static void
bpv_network_view_class_init (BpvNetworkViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bpv_network_view_dispose;
  object_class->finalize = bpv_network_view_finalize;
  object_class->get_property = bpv_network_view_get_property;
  object_class->set_property = bpv_network_view_set_property;

  widget_class->snapshot = bpv_network_view_snapshot;
  widget_class->size_allocate = bpv_network_view_size_allocate;
  widget_class->measure = bpv_network_view_measure;
  widget_class->query_tooltip = bpv_network_view_query_tooltip;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BPV_TYPE_SESSION, rw);
  properties[PROP_GRADIENTS] =
    g_param_spec_boolean ("gradients", NULL, NULL, FALSE, rw);
  properties[PROP_GLOBAL_SCALE] =
    g_param_spec_boolean ("global-scale", NULL, NULL, FALSE, rw);
  properties[PROP_SHOW_DERIVATIVES] =
    g_param_spec_boolean ("show-derivatives", NULL, NULL, FALSE, rw);
  properties[PROP_SHOW_VALUES] =
    g_param_spec_boolean ("show-values", NULL, NULL, FALSE, rw);
  properties[PROP_SHOW_NEURON_MAPS] =
    g_param_spec_boolean ("show-neuron-maps", NULL, NULL, TRUE, rw);
  /* Presentation mode: labels and strokes BPV_PRESENTATION_SCALE × larger. */
  properties[PROP_PRESENTATION] =
    g_param_spec_boolean ("presentation", NULL, NULL, FALSE, rw);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, ZOOM_MIN, ZOOM_MAX, 1.0, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "canvas.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-reset", NULL, zoom_action);
  add_zoom_bindings (widget_class);

  gtk_widget_class_set_css_name (widget_class, "networkview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bpv_network_view_init (BpvNetworkView *self)
{
  BpvHit none = BPV_HIT_INIT;

  self->view = BPV_VIEW_WEIGHTS;
  self->scale = BPV_SCALE_LAYER;
  self->show_neuron_maps = TRUE;
  self->zoom = 1.0;
  self->hover = none;
  self->highlights = g_array_new (FALSE, FALSE, sizeof (BpvHit));
  self->pointer_x = self->pointer_y = -1;
  self->width_layer = -1;
  self->handle_from = -1;
  self->handle_column = -1;
  self->cache = bpv_render_cache_new ();

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  bpv_network_view_install_input (self);
  bpv_network_view_install_dnd (self);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

/* -------------------------------------------------------------------- API */

/* A boolean drawing option: the layout follows (when the option changes
 * it), the canvas is redrawn and the property notified, only on change. */
static void
set_option (BpvNetworkView *self,
            gboolean       *option,
            gboolean        value,
            gboolean        relayout,
            guint           prop)
{
  value = !!value;
  if (*option == value)
    return;
  *option = value;
  if (relayout)
    bpv_network_view_relayout (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

GtkWidget *
bpv_network_view_new (void)
{
  return g_object_new (BPV_TYPE_NETWORK_VIEW, NULL);
}

void
bpv_network_view_set_session (BpvNetworkView *self,
                              BpvSession     *session)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->structure_id, self->session);
      g_clear_signal_handler (&self->values_id, self->session);
      g_clear_signal_handler (&self->selection_id, self->session);
      g_clear_signal_handler (&self->fault_id, self->session);
      g_clear_object (&self->session);
    }
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      self->structure_id = g_signal_connect (session, "structure-changed",
                                             G_CALLBACK (on_structure_changed), self);
      self->values_id = g_signal_connect (session, "values-changed",
                                          G_CALLBACK (on_values_changed), self);
      self->selection_id = g_signal_connect (session, "selection-changed",
                                             G_CALLBACK (on_selection_changed), self);
      /* The fault's marker comes and goes with it. */
      self->fault_id = g_signal_connect_swapped (session, "notify::has-fault",
                                                 G_CALLBACK (gtk_widget_queue_draw), self);
    }
  bpv_network_view_relayout (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

BpvSession *
bpv_network_view_get_session (BpvNetworkView *self)
{
  return self->session;
}

void
bpv_network_view_set_view (BpvNetworkView *self,
                           BpvView         view)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (self->view == view)
    return;
  self->view = view;
  bpv_network_view_relayout (self);  /* the legend may change height */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRADIENTS]);
}

BpvView
bpv_network_view_get_view (BpvNetworkView *self)
{
  return self->view;
}

void
bpv_network_view_set_scale (BpvNetworkView *self,
                            BpvScale        scale)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (self->scale == scale)
    return;
  self->scale = scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GLOBAL_SCALE]);
}

BpvScale
bpv_network_view_get_scale (BpvNetworkView *self)
{
  return self->scale;
}

void
bpv_network_view_set_show_derivatives (BpvNetworkView *self,
                                       gboolean        show)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  set_option (self, &self->show_derivatives, show, TRUE, PROP_SHOW_DERIVATIVES);
}

gboolean
bpv_network_view_get_show_derivatives (BpvNetworkView *self)
{
  return self->show_derivatives;
}

void
bpv_network_view_set_show_values (BpvNetworkView *self,
                                  gboolean        show)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  set_option (self, &self->show_values, show, FALSE, PROP_SHOW_VALUES);
}

gboolean
bpv_network_view_get_show_values (BpvNetworkView *self)
{
  return self->show_values;
}

void
bpv_network_view_set_show_neuron_maps (BpvNetworkView *self,
                                       gboolean        show)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  set_option (self, &self->show_neuron_maps, show, FALSE, PROP_SHOW_NEURON_MAPS);
}

gboolean
bpv_network_view_get_show_neuron_maps (BpvNetworkView *self)
{
  return self->show_neuron_maps;
}

void
bpv_network_view_set_zoom (BpvNetworkView *self,
                           double          zoom,
                           double          focus_x,
                           double          focus_y)
{
  double f;

  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  if (zoom == self->zoom)
    return;
  /* Keep the point under the focus where it is: widget = world·zoom + pan. */
  f = zoom / self->zoom;
  self->pan_x = focus_x - (focus_x - self->pan_x) * f;
  self->pan_y = focus_y - (focus_y - self->pan_y) * f;
  self->zoom = zoom;
  bpv_network_view_apply_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

double
bpv_network_view_get_zoom (BpvNetworkView *self)
{
  return self->zoom;
}

void
bpv_network_view_reset_zoom (BpvNetworkView *self)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  self->zoom = 1.0;
  self->pan_x = self->pan_y = 0.0;
  bpv_network_view_apply_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

const BpvLayout *
bpv_network_view_get_layout (BpvNetworkView *self)
{
  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), NULL);

  if (self->session != NULL && self->layout != NULL
      && !bpv_layout_fits (self->layout, bpv_session_get_network (self->session)))
    bpv_network_view_relayout (self);
  return self->layout;
}

gboolean
bpv_network_view_find_edge_point (BpvNetworkView *self,
                                  gsize           layer,
                                  gsize           j,
                                  gsize           k,
                                  double         *x,
                                  double         *y)
{
  const BpvLayout *layout = bpv_network_view_get_layout (self);
  BpvHit want = { BPV_HIT_EDGE, layer, j, k };
  double x0, y0, x1, y1;

  if (layout == NULL || layer < 1 || layer >= layout->n_columns)
    return FALSE;
  if (layout->bundles[layer].kind == BPV_BUNDLE_MATRIX)
    {
      BpvRect r;

      if (!bpv_layout_hit_bounds (layout, &want, &r))
        return FALSE;
      *x = r.x + r.width / 2;
      *y = r.y + r.height / 2;
      return TRUE;
    }
  bpv_layout_neuron_center (layout, layer - 1, k, &x0, &y0);
  bpv_layout_neuron_center (layout, layer, j, &x1, &y1);
  /* Try points along the edge, from the middle outwards, until one is not
   * shared with a crossing edge. */
  for (int i = 0; i <= 16; i++)
    {
      double t = 0.5 + (i % 2 == 0 ? 1 : -1) * (i / 2) * 0.04;
      BpvHit hit = BPV_HIT_INIT;
      double px = x0 + t * (x1 - x0), py = y0 + t * (y1 - y0);

      if (bpv_layout_hit_test (layout, px, py, &hit) && bpv_hit_equal (&hit, &want))
        {
          *x = px;
          *y = py;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
bpv_network_view_hit (BpvNetworkView *self,
                      double          x,
                      double          y,
                      BpvHit         *hit)
{
  const BpvLayout *layout = bpv_network_view_get_layout (self);
  BpvHit none = BPV_HIT_INIT;

  *hit = none;
  if (layout == NULL)
    return FALSE;
  return bpv_layout_hit_test (layout, x, y, hit);
}

void
bpv_network_view_click (BpvNetworkView *self,
                        double          x,
                        double          y)
{
  BpvHit hit = BPV_HIT_INIT;

  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (self->session == NULL)
    return;
  bpv_network_view_hit (self, x, y, &hit);
  bpv_network_view_select_hit (self, &hit, "");
}

void
bpv_network_view_get_render_state (BpvNetworkView *self,
                                   BpvRenderState *state)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self) && self->session != NULL);

  bpv_network_view_fill_state (self, state);
  state->cache = NULL;
  state->device_scale = 1.0;
  {
    BpvHit none = BPV_HIT_INIT;

    state->hover = none;
  }
}

void
bpv_network_view_set_highlights (BpvNetworkView *self,
                                 const BpvHit   *hits,
                                 gsize           n_hits)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));
  g_return_if_fail (hits != NULL || n_hits == 0);

  if (n_hits == self->highlights->len)
    {
      gsize i = 0;

      while (i < n_hits && bpv_hit_equal (&hits[i], &g_array_index (self->highlights, BpvHit, i)))
        i++;
      if (i == n_hits)
        return;
    }
  g_array_set_size (self->highlights, 0);
  if (n_hits > 0)
    g_array_append_vals (self->highlights, hits, (guint) n_hits);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const BpvHit *
bpv_network_view_get_highlights (BpvNetworkView *self,
                                 gsize          *n_hits)
{
  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self) && n_hits != NULL, NULL);

  *n_hits = self->highlights->len;
  return (const BpvHit *) self->highlights->data;
}

BpvTheme
bpv_network_view_get_theme (BpvNetworkView *self)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ())
         ? BPV_THEME_DARK : BPV_THEME_LIGHT;
}

