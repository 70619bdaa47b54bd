/* bpv-network-view.c — the network canvas (see bpv-network-view.h). */
#include "config.h"
#include "bpv-network-view.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>
#include <string.h>

#include "bp-registry.h"
#include "bpv-events.h"

#define ZOOM_MIN  0.25
#define ZOOM_MAX  12.0
#define ZOOM_STEP 1.25

struct _BpvNetworkView
{
  GtkWidget       parent_instance;

  BpvSession     *session;
  gulong          structure_id;
  gulong          values_id;
  gulong          selection_id;
  gulong          fault_id;

  BpvView         view;
  BpvScale        scale;
  gboolean        show_derivatives;
  gboolean        show_values;
  gboolean        show_neuron_maps;
  gboolean        presentation;   /* labels and strokes × BPV_PRESENTATION_SCALE */

  BpvLayout      *layout;
  BpvRenderCache *cache;
  double          legend_height;
  int             width;
  int             height;

  double          zoom;
  double          pan_x;
  double          pan_y;
  double          drag_pan_x;
  double          drag_pan_y;
  double          pinch_zoom;

  BpvHit          hover;
  double          pointer_x;
  double          pointer_y;

  guint           tick_id;
  gint64          last_frame;

  /* editing by drag and drop */
  BpvDropSlot     drop_slot;      /* the indicator; kind NONE when hidden */
  gboolean        dragging_layer; /* a column header is being dragged */
  gsize           drag_layer;
  GtkWidget      *menu;           /* the layer's context menu (a GtkPopoverMenu) */
  gssize          width_layer;    /* the hidden layer under the pointer (its − + shown), or −1 */
};

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

static void
fill_state (BpvNetworkView *self,
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

static void
relayout (BpvNetworkView *self)
{
  BpvLayoutParams params;
  BpvRenderState state;
  double h;

  g_clear_pointer (&self->layout, bpv_layout_free);
  if (self->session == NULL || self->width <= 0 || self->height <= 0)
    return;
  fill_state (self, &state);
  self->legend_height = bpv_network_canvas_legend_height (&state, self->width, self->height);
  h = MAX (self->height - self->legend_height, 40.0);
  bpv_layout_params_init (&params, self->width, h);
  params.text_scale = state.text_scale;
  params.zoom = self->zoom;
  params.pan_x = self->pan_x;
  params.pan_y = self->pan_y;
  bpv_session_input_image (self->session, &params.input_image_width, &params.input_image_height);
  self->layout = bpv_layout_new (bpv_session_get_network (self->session), &params);
}

static void
apply_view (BpvNetworkView *self)
{
  if (self->layout != NULL)
    bpv_layout_set_view (self->layout, self->zoom, self->pan_x, self->pan_y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
  dt = MIN (dt, 0.1);
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
    return g_strdup ("No network");
  net = bpv_session_get_network (self->session);
  s = g_string_new (NULL);
  g_string_append_printf (s, "Input a(0): %zu unit%s. ", net->n_inputs, net->n_inputs == 1 ? "" : "s");
  for (gsize l = 0; l < net->n_layers; l++)
    g_string_append_printf (s, "%s %zu, a(%zu) = %s(z(%zu)): %zu unit%s. ",
                            l + 1 == net->n_layers ? "Output layer" : "Layer", l + 1, l + 1,
                            net->layers[l].act_id, l + 1, net->layers[l].out,
                            net->layers[l].out == 1 ? "" : "s");
  if (net->cost_id != NULL)
    g_string_append_printf (s, "Cost: %s. ", net->cost_id);
  sel = bpv_session_get_selection (self->session);
  if (sel->kind == BPV_HIT_NEURON)
    g_string_append_printf (s, "Selected: neuron %zu of a(%zu).", sel->j + 1, sel->layer);
  else if (sel->kind == BPV_HIT_EDGE)
    g_string_append_printf (s, "Selected: weight W(%zu) from unit %zu of a(%zu) to unit %zu of a(%zu).",
                            sel->layer, sel->k + 1, sel->layer - 1, sel->j + 1, sel->layer);
  else
    g_string_append (s, "Nothing selected.");
  if (sel->kind != BPV_HIT_NONE)
    {
      /* Its numbers, as the tooltip gives them: the selection can be read
       * without a mouse. */
      BpvRenderState state;
      g_autofree char *numbers = NULL;

      fill_state (self, &state);
      numbers = bpv_render_describe_hit (&state, sel);
      if (numbers != NULL)
        g_string_append_printf (s, " %s.", numbers);
    }
  g_string_append (s, " Up and Down move within a layer, Alt+Left and Alt+Right across layers, "
                      "Enter onto the weights into a neuron, Escape back.");
  return g_string_free (s, FALSE);
}

static void
update_accessible (BpvNetworkView *self)
{
  g_autofree char *description = bpv_network_view_describe (self);
  g_autoptr(GString) label = g_string_new ("Network");

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
  if (self->cache != NULL)
    bpv_render_cache_invalidate (self->cache);
  relayout (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_selection_changed (BpvSession     *session,
                      BpvNetworkView *self)
{
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ input */

static void
set_hover (BpvNetworkView *self,
           const BpvHit   *hit)
{
  if (bpv_hit_equal (hit, &self->hover))
    return;
  self->hover = *hit;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean layer_at (BpvNetworkView *self, double x, double y, gsize *layer);

/* The − + buttons show under the header of the hidden layer the pointer is
 * over (the output's width is the data's). */
static void
update_width_layer (BpvNetworkView *self,
                    double          x,
                    double          y)
{
  gsize layer = 0;
  gssize now = -1;

  if (self->session != NULL && self->layout != NULL && x >= 0)
    {
      gsize hidden = bpv_session_get_network (self->session)->n_layers - 1;

      if (bpv_layout_width_button_at (self->layout, hidden, x, y, &layer) != 0
          || (layer_at (self, x, y, &layer) && layer < hidden))
        now = (gssize) layer;
    }
  if (now != self->width_layer)
    {
      self->width_layer = now;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           BpvNetworkView           *self)
{
  BpvHit hit = BPV_HIT_INIT;

  self->pointer_x = x;
  self->pointer_y = y;
  bpv_network_view_hit (self, x, y, &hit);
  set_hover (self, &hit);
  update_width_layer (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *motion,
          BpvNetworkView           *self)
{
  BpvHit none = BPV_HIT_INIT;

  self->pointer_x = self->pointer_y = -1;
  set_hover (self, &none);
  update_width_layer (self, -1, -1);
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            BpvNetworkView  *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->layout != NULL && self->session != NULL)
    {
      gsize layer;
      int delta = bpv_layout_width_button_at (self->layout,
                                              bpv_session_get_network (self->session)->n_layers - 1,
                                              x, y, &layer);

      if (delta != 0)
        {
          bpv_event ("WIDTH-BUTTON layer %zu %s", layer + 1, delta > 0 ? "+" : "-");
          gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-width", "(ui)",
                                      (guint32) layer, (gint32) delta);
          return;
        }
    }
  if (n_press == 2)
    {
      BpvHit hit = BPV_HIT_INIT;

      /* A double click on empty space fits the network again. */
      if (!bpv_network_view_hit (self, x, y, &hit))
        {
          bpv_network_view_reset_zoom (self);
          return;
        }
    }
  bpv_network_view_click (self, x, y);
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           BpvNetworkView           *self)
{
  /* Zoom about the pointer (its last position from the motion controller). */
  double x = self->pointer_x >= 0 ? self->pointer_x : self->width / 2.0;
  double y = self->pointer_y >= 0 ? self->pointer_y : self->height / 2.0;

  if (dy == 0)
    return FALSE;
  bpv_network_view_set_zoom (self, self->zoom * pow (ZOOM_STEP, -dy), x, y);
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               BpvNetworkView *self)
{
  self->drag_pan_x = self->pan_x;
  self->drag_pan_y = self->pan_y;
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                BpvNetworkView *self)
{
  /* Panning only makes sense once zoomed in or moved. */
  if (fabs (dx) + fabs (dy) < 3 || self->dragging_layer)
    return;
  self->pan_x = self->drag_pan_x + dx;
  self->pan_y = self->drag_pan_y + dy;
  apply_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static void
on_zoom_begin (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               BpvNetworkView   *self)
{
  self->pinch_zoom = self->zoom;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture,
                       double          scale,
                       BpvNetworkView *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    {
      x = self->width / 2.0;
      y = self->height / 2.0;
    }
  bpv_network_view_set_zoom (self, self->pinch_zoom * scale, x, y);
}

static gboolean
query_tooltip (GtkWidget  *widget,
               int         x,
               int         y,
               gboolean    keyboard,
               GtkTooltip *tooltip)
{
  BpvNetworkView *self = BPV_NETWORK_VIEW (widget);
  BpvHit hit = BPV_HIT_INIT;
  BpvRenderState state;
  g_autofree char *text = NULL;
  BpvRect r;

  if (keyboard || !bpv_network_view_hit (self, x, y, &hit))
    return FALSE;
  fill_state (self, &state);
  text = bpv_render_describe_hit (&state, &hit);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  if (bpv_layout_hit_bounds (self->layout, &hit, &r))
    {
      GdkRectangle area = { (int) r.x, (int) r.y, MAX ((int) r.width, 1), MAX ((int) r.height, 1) };

      gtk_tooltip_set_tip_area (tooltip, &area);
    }
  return TRUE;
}

/* ---------------------------------------------------------------- drawing */

/* ---------------------------------------------------- editing: drag and drop
 *
 * What is dragged is a string (the palette's GtkDragSource and the column
 * headers' make them):
 *   "layer:ID"      a dense layer with activation ID: into a gap it is
 *                   inserted (win.edit-insert), onto a layer it sets that
 *                   layer's activation (win.edit-activation);
 *   "move:L"        layer L (0-based) picked up by its header: into a gap it
 *                   moves there (win.edit-move); dropped where nothing takes
 *                   it (off the canvas) or on the palette's bin, it is
 *                   removed (win.edit-remove);
 *   "cost:ID", "optimizer:ID"   anywhere on the canvas.
 * The canvas only turns drops into actions; the window performs them. */

static void
set_drop_slot (BpvNetworkView    *self,
               const BpvDropSlot *slot)
{
  if (slot->kind == self->drop_slot.kind && slot->index == self->drop_slot.index)
    return;
  self->drop_slot = *slot;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static const char *
drop_string (GtkDropTarget *target)
{
  const GValue *value = gtk_drop_target_get_value (target);

  return value != NULL && G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;
}

/* The slot a drag of `what` at (x, y) would use (NONE: the whole canvas). */
static void
slot_for (BpvNetworkView *self,
          const char     *what,
          double          x,
          double          y,
          BpvDropSlot    *slot)
{
  slot->kind = BPV_DROP_NONE;
  slot->index = 0;
  if (what == NULL || self->layout == NULL)
    return;
  if (g_str_has_prefix (what, "layer:") || g_str_has_prefix (what, "move:"))
    bpv_layout_drop_slot (self->layout, x, y, slot);
  if (g_str_has_prefix (what, "move:") && slot->kind != BPV_DROP_GAP)
    slot->kind = BPV_DROP_NONE;
}

static GdkDragAction
on_drop_motion (GtkDropTarget  *target,
                double          x,
                double          y,
                BpvNetworkView *self)
{
  BpvDropSlot slot;

  slot_for (self, drop_string (target), x, y, &slot);
  set_drop_slot (self, &slot);
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget  *target,
               BpvNetworkView *self)
{
  BpvDropSlot none = { BPV_DROP_NONE, 0 };

  set_drop_slot (self, &none);
}

static gboolean
on_drop (GtkDropTarget  *target,
         const GValue   *value,
         double          x,
         double          y,
         BpvNetworkView *self)
{
  const char *what = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;
  const char *colon = what != NULL ? strchr (what, ':') : NULL;
  GtkWidget *widget = GTK_WIDGET (self);
  BpvDropSlot slot, none = { BPV_DROP_NONE, 0 };
  gboolean done = FALSE;

  set_drop_slot (self, &none);
  if (colon == NULL || self->session == NULL)
    return FALSE;
  slot_for (self, what, x, y, &slot);
  bpv_event ("DROP %s slot=%s index=%zu", what,
             slot.kind == BPV_DROP_GAP ? "gap" : slot.kind == BPV_DROP_LAYER ? "layer" : "none",
             slot.index);
  if (g_str_has_prefix (what, "layer:") && slot.kind == BPV_DROP_GAP)
    done = gtk_widget_activate_action (widget, "win.edit-insert", "(us)",
                                       (guint32) slot.index, colon + 1);
  else if (g_str_has_prefix (what, "layer:") && slot.kind == BPV_DROP_LAYER)
    done = gtk_widget_activate_action (widget, "win.edit-activation", "(us)",
                                       (guint32) slot.index, colon + 1);
  else if (g_str_has_prefix (what, "move:") && slot.kind == BPV_DROP_GAP)
    {
      guint64 from = g_ascii_strtoull (colon + 1, NULL, 10);
      /* Gap c is before layer c; the layer's index afterwards: */
      guint64 to = slot.index > from ? slot.index - 1 : slot.index;

      done = to == from
             || gtk_widget_activate_action (widget, "win.edit-move", "(uu)",
                                            (guint32) from, (guint32) to);
    }
  else if (g_str_has_prefix (what, "move:"))
    done = TRUE;  /* back where it was: nothing to do, and not a removal */
  else if (g_str_has_prefix (what, "cost:"))
    done = gtk_widget_activate_action (widget, "win.edit-cost", "s", colon + 1);
  else if (g_str_has_prefix (what, "optimizer:"))
    done = gtk_widget_activate_action (widget, "win.edit-optimizer", "s", colon + 1);
  return done;
}

static GdkContentProvider *
on_header_drag_prepare (GtkDragSource  *source,
                        double          x,
                        double          y,
                        BpvNetworkView *self)
{
  gsize layer;
  g_autofree char *what = NULL;

  if (self->layout == NULL || self->session == NULL
      || !bpv_layout_header_layer (self->layout, x, y, &layer))
    return NULL;
  self->dragging_layer = TRUE;
  self->drag_layer = layer;
  what = g_strdup_printf ("move:%zu", layer);
  return gdk_content_provider_new_typed (G_TYPE_STRING, what);
}

static void
on_header_drag_begin (GtkDragSource  *source,
                      GdkDrag        *drag,
                      BpvNetworkView *self)
{
  bpv_event ("DRAG-BEGIN layer %zu", self->drag_layer + 1);
}

static gboolean
on_header_drag_cancel (GtkDragSource       *source,
                       GdkDrag             *drag,
                       GdkDragCancelReason  reason,
                       BpvNetworkView      *self)
{
  /* Dropped where nothing takes a layer: off the canvas, so away. */
  if (reason == GDK_DRAG_CANCEL_NO_TARGET && self->dragging_layer)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-remove", "u",
                                (guint32) self->drag_layer);
  self->dragging_layer = FALSE;
  return FALSE;
}

static void
on_header_drag_end (GtkDragSource  *source,
                    GdkDrag        *drag,
                    gboolean        delete_data,
                    BpvNetworkView *self)
{
  self->dragging_layer = FALSE;
}

static void
snapshot_drop_indicator (BpvNetworkView *self,
                         GtkSnapshot    *snapshot)
{
  const GdkRGBA accent = { 0.21f, 0.52f, 0.89f, 0.9f };
  const GdkRGBA fill = { 0.21f, 0.52f, 0.89f, 0.12f };
  BpvRect r;
  GskRoundedRect rr;
  graphene_rect_t box;

  if (self->drop_slot.kind == BPV_DROP_NONE
      || !bpv_layout_drop_rect (self->layout, &self->drop_slot, &r))
    return;
  box = GRAPHENE_RECT_INIT (r.x, r.y, r.width, r.height);
  if (self->drop_slot.kind == BPV_DROP_GAP)
    {
      gsk_rounded_rect_init_from_rect (&rr, &box, r.width / 2);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &accent, &box);
      gtk_snapshot_pop (snapshot);
    }
  else
    {
      const float widths[4] = { 2, 2, 2, 2 };
      const GdkRGBA colors[4] = { accent, accent, accent, accent };

      gsk_rounded_rect_init_from_rect (&rr, &box, 8);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &fill, &box);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &rr, widths, colors);
    }
}

/* ------------------------------------------------------ the layer's menu */

static void
append_item (GMenu      *menu,
             const char *label,
             const char *action,
             GVariant   *target)
{
  GMenuItem *item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, target);
  g_menu_append_item (menu, item);
  g_object_unref (item);
}

/* The edits of layer `layer` (0-based) as a menu of win.edit-* actions. */
static GMenu *
layer_menu_model (const BpNetwork *net,
                  gsize            layer)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) structure = g_menu_new ();
  g_autoptr(GMenu) width = g_menu_new ();
  g_autoptr(GMenu) acts = g_menu_new ();
  const char *act = net->layers[layer].act_id;
  const char *hidden = layer + 1 < net->n_layers ? act : "tanh";
  guint n = 0;
  const char **ids = bp_registry_list_ids (bp_registry_get_default (), BP_FEATURE_ACTIVATION, &n);
  g_autofree char *title = g_strdup_printf ("Layer %zu: %zu %s", layer + 1,
                                            net->layers[layer].out, act);

  append_item (structure, "Insert Layer _Before", "win.edit-insert",
               g_variant_new ("(us)", (guint32) layer, hidden));
  if (layer + 1 < net->n_layers)
    append_item (structure, "Insert Layer _After", "win.edit-insert",
                 g_variant_new ("(us)", (guint32) layer + 1, hidden));
  append_item (structure, "_Remove Layer", "win.edit-remove", g_variant_new_uint32 (layer));
  append_item (width, "Add _Unit (+)", "win.edit-width",
               g_variant_new ("(ui)", (guint32) layer, 1));
  append_item (width, "Remove U_nit (−)", "win.edit-width",
               g_variant_new ("(ui)", (guint32) layer, -1));
  for (guint i = 0; i < n; i++)
    {
      const BpActivationDesc *d = bp_registry_lookup_activation (bp_registry_get_default (), ids[i]);
      g_autofree char *label = g_strdup_printf ("%s%s",
                                                d != NULL && d->name != NULL ? d->name : ids[i],
                                                g_strcmp0 (ids[i], act) == 0 ? "  ✓" : "");

      append_item (acts, label, "win.edit-activation",
                   g_variant_new ("(us)", (guint32) layer, ids[i]));
    }
  g_free (ids);
  g_menu_append_section (menu, title, G_MENU_MODEL (structure));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (width));
  g_menu_append_submenu (menu, "_Activation", G_MENU_MODEL (acts));
  {
    /* Offered with any layer's menu; enabled when a weight is selected. */
    g_autoptr(GMenu) copy = g_menu_new ();

    g_menu_append (copy, "Copy Selected Weight as _LaTeX", "win.copy-latex");
    g_menu_append_section (menu, NULL, G_MENU_MODEL (copy));
  }
  return menu;
}

static void
snapshot_width_buttons (BpvNetworkView *self,
                        GtkSnapshot    *snapshot)
{
  const BpvThemeColors *colors = bpv_theme_colors (bpv_network_view_get_theme (self));
  BpvRect m, p;
  cairo_t *cr;

  if (self->width_layer < 0 || self->layout == NULL
      || !bpv_layout_width_buttons (self->layout, (gsize) self->width_layer, &m, &p))
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (m.x - 2, m.y - 2,
                                                                 p.x + p.width - m.x + 4,
                                                                 m.height + 4));
  for (int i = 0; i < 2; i++)
    {
      const BpvRect *r = i == 0 ? &m : &p;
      double cx = r->x + r->width / 2, cy = r->y + r->height / 2, arm = r->width * 0.28;

      cairo_new_sub_path (cr);
      cairo_arc (cr, cx, cy, r->width / 2, 0, 2 * G_PI);
      bpv_set_source_rgba (cr, colors->panel);
      cairo_fill_preserve (cr);
      bpv_set_source_rgba (cr, colors->selection);
      cairo_set_line_width (cr, 1.2);
      cairo_stroke (cr);
      cairo_set_line_width (cr, MAX (1.5, r->width * 0.12));
      cairo_move_to (cr, cx - arm, cy);
      cairo_line_to (cr, cx + arm, cy);
      if (i == 1)
        {
          cairo_move_to (cr, cx, cy - arm);
          cairo_line_to (cr, cx, cy + arm);
        }
      bpv_set_source_rgba (cr, colors->text);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static gboolean
layer_at (BpvNetworkView *self,
          double          x,
          double          y,
          gsize          *layer)
{
  BpvHit hit = BPV_HIT_INIT;
  BpvDropSlot slot;

  if (self->layout == NULL)
    return FALSE;
  if (bpv_layout_header_layer (self->layout, x, y, layer))
    return TRUE;
  if (bpv_layout_hit_test (self->layout, x, y, &hit) && hit.layer >= 1)
    {
      *layer = hit.layer - 1;
      return TRUE;
    }
  if (bpv_layout_drop_slot (self->layout, x, y, &slot) && slot.kind == BPV_DROP_LAYER)
    {
      *layer = slot.index;
      return TRUE;
    }
  return FALSE;
}

gboolean
bpv_network_view_popup_layer_menu (BpvNetworkView *self,
                                   gsize           layer,
                                   double          x,
                                   double          y)
{
  const BpNetwork *net;
  g_autoptr(GMenu) model = NULL;
  GdkRectangle r;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), FALSE);

  if (self->session == NULL || self->layout == NULL)
    return FALSE;
  net = bpv_session_get_network (self->session);
  if (layer >= net->n_layers || layer + 1 >= self->layout->n_columns)
    return FALSE;
  if (x < 0 || y < 0)
    {
      const BpvColumn *c = &self->layout->columns[layer + 1];

      bpv_layout_to_widget (self->layout, c->x, c->header.y + c->header.height, &x, &y);
    }
  model = layer_menu_model (net, layer);
  if (self->menu == NULL)
    {
      self->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (model));
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
    }
  else
    gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), G_MENU_MODEL (model));
  r.x = (int) x;
  r.y = (int) y;
  r.width = r.height = 1;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &r);
  /* The hover tooltip would cover the menu's title. */
  set_hover (self, &(BpvHit) BPV_HIT_INIT);
  bpv_event ("MENU layer %zu", layer + 1);
  gtk_popover_popup (GTK_POPOVER (self->menu));
  return TRUE;
}

static void
on_secondary_pressed (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      BpvNetworkView  *self)
{
  gsize layer;

  if (!layer_at (self, x, y, &layer))
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  bpv_network_view_popup_layer_menu (self, layer, x, y);
}

gsize
bpv_network_view_current_layer (BpvNetworkView *self)
{
  const BpNetwork *net;
  const BpvHit *sel;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), 0);

  if (self->session == NULL)
    return 0;
  net = bpv_session_get_network (self->session);
  sel = bpv_session_get_selection (self->session);
  if (sel->kind != BPV_HIT_NONE && sel->layer >= 1 && sel->layer <= net->n_layers)
    return sel->layer - 1;
  return net->n_layers >= 2 ? net->n_layers - 2 : 0;
}

/* ------------------------------------------------- keyboard: the selection
 *
 * With the canvas focused (Tab reaches it), the selection moves without a
 * mouse; ← and → stay the stepper's (bpv-window-actions.c):
 *
 *   ↑ / ↓            the unit above / below in the column; on a weight, the
 *                    weight into the same neuron from the unit above / below
 *   Alt+← / Alt+→    the layer before / after (the same unit, or the last);
 *                    on a weight, the neuron it comes from / goes to
 *   Enter            from a neuron, onto the weights into it
 *   Escape           from a weight back to its neuron; from a neuron, none
 *
 * With nothing selected any of them selects a(1)₁. */
static gboolean
navigate (BpvNetworkView *self,
          guint           keyval,
          GdkModifierType state,
          BpvHit         *next)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  const BpvHit *sel = bpv_session_get_selection (self->session);
  gboolean alt = (state & GDK_ALT_MASK) != 0;
  gboolean up = keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up;
  gboolean down = keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down;
  gboolean left = alt && (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left);
  gboolean right = alt && (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right);
  gboolean enter = keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter;
  gboolean escape = keyval == GDK_KEY_Escape;

#define UNITS(n) ((n) == 0 ? net->n_inputs : net->layers[(n) - 1].out)
  if (!(up || down || left || right || enter || escape))
    return FALSE;
  *next = *sel;
  switch (sel->kind)
    {
    case BPV_HIT_NONE:
      if (escape)
        return FALSE;
      *next = (BpvHit) { BPV_HIT_NEURON, net->n_layers > 0 ? 1 : 0, 0, 0 };
      return TRUE;
    case BPV_HIT_NEURON:
      if (up)
        next->j = sel->j > 0 ? sel->j - 1 : 0;
      else if (down)
        next->j = MIN (sel->j + 1, UNITS (sel->layer) - 1);
      else if (left || right)
        {
          if ((left && sel->layer == 0) || (right && sel->layer >= net->n_layers))
            return TRUE;  /* at the edge: stay */
          next->layer = left ? sel->layer - 1 : sel->layer + 1;
          next->j = MIN (sel->j, UNITS (next->layer) - 1);
        }
      else if (enter)
        {
          if (sel->layer == 0)
            return TRUE;  /* an input has no weights into it */
          *next = (BpvHit) { BPV_HIT_EDGE, sel->layer, sel->j, 0 };
        }
      else
        *next = (BpvHit) BPV_HIT_INIT;
      return TRUE;
    case BPV_HIT_EDGE:
      if (up)
        next->k = sel->k > 0 ? sel->k - 1 : 0;
      else if (down)
        next->k = MIN (sel->k + 1, UNITS (sel->layer - 1) - 1);
      else if (left)
        *next = (BpvHit) { BPV_HIT_NEURON, sel->layer - 1, sel->k, 0 };
      else if (right || escape)
        *next = (BpvHit) { BPV_HIT_NEURON, sel->layer, sel->j, 0 };
      return TRUE;
    default:
      return FALSE;
    }
#undef UNITS
}

static void
select_hit (BpvNetworkView *self,
            const BpvHit   *hit,
            const char     *how)
{
  switch (hit->kind)
    {
    case BPV_HIT_EDGE:
      bpv_event ("SELECT edge %zu %zu %zu%s", hit->layer, hit->j + 1, hit->k + 1, how);
      break;
    case BPV_HIT_NEURON:
      bpv_event ("SELECT neuron %zu %zu%s", hit->layer, hit->j + 1, how);
      break;
    case BPV_HIT_NONE:
    default:
      bpv_event ("SELECT none%s", how);
      break;
    }
  bpv_session_set_selection (self->session, hit);
}

gboolean
bpv_network_view_key_navigate (BpvNetworkView  *self,
                               guint            keyval,
                               GdkModifierType  state)
{
  BpvHit next = BPV_HIT_INIT;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), FALSE);

  if (self->session == NULL || (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  if (!navigate (self, keyval, state, &next))
    return FALSE;
  if (!bpv_hit_equal (&next, bpv_session_get_selection (self->session)))
    select_hit (self, &next, " key");
  return TRUE;
}

static gboolean
on_view_key (GtkEventControllerKey *keys,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             BpvNetworkView        *self)
{
  if (keyval == GDK_KEY_Menu || (keyval == GDK_KEY_F10 && (state & GDK_SHIFT_MASK)))
    return bpv_network_view_popup_layer_menu (self, bpv_network_view_current_layer (self), -1, -1);
  return bpv_network_view_key_navigate (self, keyval, state);
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
    relayout (self);
  if (self->layout == NULL)
    return;

  fill_state (self, &state);
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
  snapshot_drop_indicator (self, snapshot);
  snapshot_width_buttons (self, snapshot);
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
  relayout (self);
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
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 240;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 480;
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
          relayout (self);
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
  widget_class->query_tooltip = query_tooltip;

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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "canvas.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "canvas.zoom-reset", NULL);

  gtk_widget_class_set_css_name (widget_class, "networkview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bpv_network_view_init (BpvNetworkView *self)
{
  GtkEventController *motion, *scroll, *keys;
  GtkGesture *click, *drag, *zoom, *secondary;
  GtkDropTarget *drop;
  GtkDragSource *header_drag;
  GType types[1] = { G_TYPE_STRING };
  BpvHit none = BPV_HIT_INIT;

  self->view = BPV_VIEW_WEIGHTS;
  self->scale = BPV_SCALE_LAYER;
  self->show_neuron_maps = TRUE;
  self->zoom = 1.0;
  self->hover = none;
  self->pointer_x = self->pointer_y = -1;
  self->width_layer = -1;
  self->cache = bpv_render_cache_new ();

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_gesture_group (click, drag);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL
                                            | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  secondary = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (secondary), GDK_BUTTON_SECONDARY);
  g_signal_connect (secondary, "pressed", G_CALLBACK (on_secondary_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (secondary));

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_view_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  /* Layers and features dropped from the palette, layers moved by their
   * header. */
  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY | GDK_ACTION_MOVE);
  gtk_drop_target_set_gtypes (drop, types, 1);
  gtk_drop_target_set_preload (drop, TRUE);
  g_signal_connect (drop, "motion", G_CALLBACK (on_drop_motion), self);
  g_signal_connect (drop, "enter", G_CALLBACK (on_drop_motion), self);
  g_signal_connect (drop, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  header_drag = gtk_drag_source_new ();
  gtk_drag_source_set_actions (header_drag, GDK_ACTION_MOVE | GDK_ACTION_COPY);
  g_signal_connect (header_drag, "prepare", G_CALLBACK (on_header_drag_prepare), self);
  g_signal_connect (header_drag, "drag-begin", G_CALLBACK (on_header_drag_begin), self);
  g_signal_connect (header_drag, "drag-cancel", G_CALLBACK (on_header_drag_cancel), self);
  g_signal_connect (header_drag, "drag-end", G_CALLBACK (on_header_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (header_drag));

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

/* -------------------------------------------------------------------- API */

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
  relayout (self);
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
  relayout (self);  /* the legend may change height */
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

  show = !!show;
  if (self->show_derivatives == show)
    return;
  self->show_derivatives = show;
  relayout (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_DERIVATIVES]);
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

  show = !!show;
  if (self->show_values == show)
    return;
  self->show_values = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_VALUES]);
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

  show = !!show;
  if (self->show_neuron_maps == show)
    return;
  self->show_neuron_maps = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_NEURON_MAPS]);
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
  apply_view (self);
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
  apply_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

const BpvLayout *
bpv_network_view_get_layout (BpvNetworkView *self)
{
  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), NULL);

  if (self->session != NULL && self->layout != NULL
      && !bpv_layout_fits (self->layout, bpv_session_get_network (self->session)))
    relayout (self);
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
  select_hit (self, &hit, "");
}

void
bpv_network_view_get_render_state (BpvNetworkView *self,
                                   BpvRenderState *state)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self) && self->session != NULL);

  fill_state (self, state);
  state->cache = NULL;
  state->device_scale = 1.0;
  {
    BpvHit none = BPV_HIT_INIT;

    state->hover = none;
  }
}

BpvTheme
bpv_network_view_get_theme (BpvNetworkView *self)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ())
         ? BPV_THEME_DARK : BPV_THEME_LIGHT;
}
