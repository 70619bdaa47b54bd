/* bpv-network-view-input.c — the canvas's pointer and keyboard: hover
 * and click (the selection), pan by dragging and zoom by scrolling or
 * pinching, tooltips, the layer's menu (right click, Menu, Shift+F10) with
 * the − + buttons under a hidden layer's header, and the selection moved
 * by keys while the canvas has the focus.  Hit-testing is the layout's
 * (bpv-layout.h); nothing here paints but the − + buttons.
 */
#include "config.h"
#include "bpv-network-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bp-edit.h"
#include "bp-registry.h"
#include "bpv-events.h"

/* A press that moves less than this (|dx| + |dy|, pixels) is a click
 * with a shaky hand, not a pan. */
#define PAN_SLOP_PX 3

/* The − + buttons under a hidden layer's header (their circles are the
 * layout's, bpv_layout_width_buttons): the sign's half-length and stroke
 * as fractions of the button's diameter (the stroke at least 1.5 px), the
 * ring's width, and how far the anti-aliased ring reaches outside the
 * circles (pixels). */
#define WIDTH_BUTTON_ARM        0.28
#define WIDTH_BUTTON_STROKE     0.12
#define WIDTH_BUTTON_STROKE_MIN 1.5
#define WIDTH_BUTTON_RING       1.2
#define WIDTH_BUTTON_BLEED      2

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
          || (bpv_network_view_layer_at (self, x, y, &layer) && layer < hidden))
        now = (gssize) layer;
    }
  if (now != self->width_layer)
    {
      self->width_layer = now;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

/* The selected arc's handle is grabbed: the pointer says so over it. */
static void
update_handle_cursor (BpvNetworkView *self,
                      double          x,
                      double          y)
{
  const BpvHit *sel;

  if (self->handle_drag || self->session == NULL || self->layout == NULL)
    return;
  sel = bpv_session_get_selection (self->session);
  if (sel->kind == BPV_HIT_SKIP && bpv_layout_skip_handle_at (self->layout, sel->layer, x, y))
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
  else
    gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
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
  update_handle_cursor (self, x, y);
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
  /* A press on the selected arc's handle grabs it (the drag gesture):
   * it keeps the arc selected, whatever else is under it. */
  if (self->session != NULL && self->layout != NULL)
    {
      const BpvHit *sel = bpv_session_get_selection (self->session);

      if (sel->kind == BPV_HIT_SKIP && bpv_layout_skip_handle_at (self->layout, sel->layer, x, y))
        return;
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
  self->handle_cancelled = FALSE;
  bpv_network_view_skip_handle_begin (self, x, y);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                BpvNetworkView *self)
{
  double x, y;

  /* The handle's drag (or what is left of it after Escape) is no pan. */
  if (self->handle_drag || self->handle_cancelled)
    {
      if (self->handle_drag && gtk_gesture_drag_get_start_point (gesture, &x, &y))
        bpv_network_view_skip_handle_motion (self, x + dx, y + dy);
      return;
    }
  /* Panning only makes sense once zoomed in or moved. */
  if (fabs (dx) + fabs (dy) < PAN_SLOP_PX || self->dragging_layer)
    return;
  bpv_network_view_set_pan (self, self->drag_pan_x + dx, self->drag_pan_y + dy);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             BpvNetworkView *self)
{
  double x, y;

  if (self->handle_drag && gtk_gesture_drag_get_start_point (gesture, &x, &y))
    bpv_network_view_skip_handle_drop (self, x + dx, y + dy);
  self->handle_cancelled = FALSE;
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

/* Over a − or + button: what it does, as win.edit-width does it (the
 * layers a skip ties to this one change with it: say so before the
 * click), and the button's box in *r; NULL elsewhere. */
static char *
width_button_tooltip (BpvNetworkView *self,
                      double          x,
                      double          y,
                      BpvRect        *r)
{
  const BpNetwork *net;
  BpvRect minus, plus;
  gsize layer;
  int delta;
  BpEdit e = { .kind = BP_EDIT_ADD_UNIT, .with_skips = TRUE };

  if (self->session == NULL || self->layout == NULL)
    return NULL;
  net = bpv_session_get_network (self->session);
  delta = bpv_layout_width_button_at (self->layout, net->n_layers - 1, x, y, &layer);
  if (delta == 0 || !bpv_layout_width_buttons (self->layout, layer, &minus, &plus))
    return NULL;
  *r = delta > 0 ? plus : minus;
  e.layer = layer;
  if (delta < 0)
    {
      e.kind = BP_EDIT_SET_WIDTH;
      e.width = net->layers[layer].out > 1 ? net->layers[layer].out - 1 : 1;
    }
  return bp_edit_describe (bpv_session_get_model (self->session), &e);
}

gboolean
bpv_network_view_query_tooltip (GtkWidget  *widget,
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

  if (keyboard)
    return FALSE;
  if ((text = width_button_tooltip (self, x, y, &r)) != NULL)
    {
      GdkRectangle area = { (int) r.x, (int) r.y, MAX ((int) r.width, 1), MAX ((int) r.height, 1) };

      gtk_tooltip_set_text (tooltip, text);
      gtk_tooltip_set_tip_area (tooltip, &area);
      return TRUE;
    }
  if (!bpv_network_view_hit (self, x, y, &hit))
    return FALSE;
  bpv_network_view_fill_state (self, &state);
  text = bpv_render_describe_hit (&state, &hit);
  if (text == NULL)
    return FALSE;
  if (hit.kind == BPV_HIT_SKIP)
    {
      /* The arc's handle is not obvious: say what it does. */
      char *more = g_strconcat (text, "\n", _("Select it, then drag the end to choose where "
                                              "the skip starts"), NULL);

      g_free (text);
      text = more;
    }
  gtk_tooltip_set_text (tooltip, text);
  if (bpv_layout_hit_bounds (self->layout, &hit, &r))
    {
      GdkRectangle area = { (int) r.x, (int) r.y, MAX ((int) r.width, 1), MAX ((int) r.height, 1) };

      gtk_tooltip_set_tip_area (tooltip, &area);
    }
  return TRUE;
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

/* The a(j) a skip into layer `layer` could come from, each an item of
 * win.edit-skip (adds the skip, or moves its start there), the current one
 * ticked: the keyboard's way to do what the arc's handle does.  NULL when
 * there is none (not dense, no a(j) as wide). */
static GMenu *
skip_from_menu (const BpNetwork *net,
                gsize            layer)
{
  GMenu *menu = NULL;

  for (gsize j = 0; j <= layer; j++)
    {
      gsize units = j == 0 ? net->n_inputs : net->layers[j - 1].out;
      g_autofree char *label = NULL;

      if (!bp_edit_check_skip (net, layer, j, NULL))
        continue;
      if (menu == NULL)
        menu = g_menu_new ();
      label = g_strdup_printf (ngettext ("a(%zu), %zu unit", "a(%zu), %zu units", units), j, units);
      if (net->layers[layer].skip_from == (gssize) j)
        {
          char *ticked = g_strconcat (label, "  ✓", NULL);

          g_free (label);
          label = ticked;
        }
      append_item (menu, label, "win.edit-skip",
                   g_variant_new ("(ui)", (guint32) layer, (gint32) j));
    }
  return menu;
}

/* The edits of layer `layer` (0-based) as a menu of win.edit-* actions. */
static GMenu *
layer_menu_model (const BpNetwork *net,
                  gsize            layer)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) skip_from = NULL;
  g_autoptr(GMenu) structure = g_menu_new ();
  g_autoptr(GMenu) width = g_menu_new ();
  g_autoptr(GMenu) acts = g_menu_new ();
  const char *act = net->layers[layer].act_id;
  const char *hidden = layer + 1 < net->n_layers ? act : "tanh";
  guint n = 0;
  const char **ids = bp_registry_list_ids (bp_registry_get_default (), BP_FEATURE_ACTIVATION, &n);
  g_autofree char *title = g_strdup_printf (_("Layer %zu: %zu %s"), layer + 1,
                                            net->layers[layer].out, act);

  append_item (structure, _("Insert Layer _Before"), "win.edit-insert",
               g_variant_new ("(us)", (guint32) layer, hidden));
  if (layer + 1 < net->n_layers)
    append_item (structure, _("Insert Layer _After"), "win.edit-insert",
                 g_variant_new ("(us)", (guint32) layer + 1, hidden));
  append_item (structure, _("_Remove Layer"), "win.edit-remove", g_variant_new_uint32 (layer));
  if (net->layers[layer].skip_from >= 0)
    {
      g_autofree char *skip = g_strdup_printf (_("Remove _Skip Connection a(%zd) → a(%zu)"),
                                               net->layers[layer].skip_from, layer + 1);

      append_item (structure, skip, "win.edit-remove-skip", g_variant_new_uint32 (layer));
    }
  skip_from = skip_from_menu (net, layer);
  append_item (width, _("Add _Unit (+)"), "win.edit-width",
               g_variant_new ("(ui)", (guint32) layer, 1));
  append_item (width, _("Remove U_nit (−)"), "win.edit-width",
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
  g_menu_append_submenu (menu, _("_Activation"), G_MENU_MODEL (acts));
  if (skip_from != NULL)
    g_menu_append_submenu (menu, _("Skip _From"), G_MENU_MODEL (skip_from));
  {
    /* Offered with any layer's menu; enabled when a weight is selected. */
    g_autoptr(GMenu) copy = g_menu_new ();

    g_menu_append (copy, "Copy Selected Weight as _LaTeX", "win.copy-latex");
    g_menu_append_section (menu, NULL, G_MENU_MODEL (copy));
  }
  return menu;
}

void
bpv_network_view_snapshot_width_buttons (BpvNetworkView *self,
                                         GtkSnapshot    *snapshot)
{
  const BpvThemeColors *colors = bpv_theme_colors (bpv_network_view_get_theme (self));
  BpvRect m, p;
  cairo_t *cr;

  if (self->width_layer < 0 || self->layout == NULL
      || !bpv_layout_width_buttons (self->layout, (gsize) self->width_layer, &m, &p))
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (m.x - WIDTH_BUTTON_BLEED, m.y - WIDTH_BUTTON_BLEED,
                                                                 p.x + p.width - m.x + 2 * WIDTH_BUTTON_BLEED,
                                                                 m.height + 2 * WIDTH_BUTTON_BLEED));
  for (int i = 0; i < 2; i++)
    {
      const BpvRect *r = i == 0 ? &m : &p;
      double cx = r->x + r->width / 2, cy = r->y + r->height / 2, arm = r->width * WIDTH_BUTTON_ARM;

      cairo_new_sub_path (cr);
      cairo_arc (cr, cx, cy, r->width / 2, 0, 2 * G_PI);
      bpv_set_source_rgba (cr, colors->panel);
      cairo_fill_preserve (cr);
      bpv_set_source_rgba (cr, colors->selection);
      cairo_set_line_width (cr, WIDTH_BUTTON_RING);
      cairo_stroke (cr);
      cairo_set_line_width (cr, MAX (WIDTH_BUTTON_STROKE_MIN, r->width * WIDTH_BUTTON_STROKE));
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

gboolean
bpv_network_view_layer_at (BpvNetworkView *self,
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

  if (!bpv_network_view_layer_at (self, x, y, &layer))
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
 * A skip arc is selected by clicking it; from it Alt+← / Alt+→ go to its
 * source / target column's first unit, Escape to none.
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
    case BPV_HIT_SKIP:
      /* Off the arc onto a unit of either end (the keys otherwise move
       * between units and weights, never onto an arc). */
      if (left)
        *next = (BpvHit) { BPV_HIT_NEURON, sel->j, 0, 0 };
      else if (right || enter)
        *next = (BpvHit) { BPV_HIT_NEURON, sel->layer, 0, 0 };
      else if (escape)
        *next = (BpvHit) BPV_HIT_INIT;
      return TRUE;
    default:
      return FALSE;
    }
#undef UNITS
}

void
bpv_network_view_select_hit (BpvNetworkView *self,
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
    case BPV_HIT_SKIP:
      bpv_event ("SELECT skip %zu %zu%s", hit->j, hit->layer, how);
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
    bpv_network_view_select_hit (self, &next, " key");
  return TRUE;
}

static gboolean
on_view_key (GtkEventControllerKey *keys,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             BpvNetworkView        *self)
{
  /* Escape lets go of a dragged handle: the skip stays as it was. */
  if (self->handle_drag && keyval == GDK_KEY_Escape)
    {
      bpv_network_view_skip_handle_cancel (self);
      self->handle_cancelled = TRUE;
      return TRUE;
    }
  if (keyval == GDK_KEY_Menu || (keyval == GDK_KEY_F10 && (state & GDK_SHIFT_MASK)))
    return bpv_network_view_popup_layer_menu (self, bpv_network_view_current_layer (self), -1, -1);
  return bpv_network_view_key_navigate (self, keyval, state);
}


void
bpv_network_view_install_input (BpvNetworkView *self)
{
  GtkEventController *motion, *scroll, *keys;
  GtkGesture *click, *drag, *zoom, *secondary;

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
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
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
}
