/* bpv-network-view-dnd.c — editing the network on the canvas by drag and
 * drop, the indicator of where a drop would go, and the grab handle of a
 * selected skip arc that chooses where the skip starts. */
#include "config.h"
#include "bpv-network-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bpv-events.h"

/* The drop indicator: Adwaita's blue (#3584e4, its accent and
 * drop-highlight colour) so it reads as GTK's own, strong for the bar in
 * a gap and the border around a layer, faint for that layer's fill.
 * Border width and corner radius in pixels. */
#define DROP_ACCENT { 0.21f, 0.52f, 0.89f, 0.9f }
#define DROP_FILL   { 0.21f, 0.52f, 0.89f, 0.12f }
#define DROP_BORDER 2
#define DROP_RADIUS 8
/* Pixels between the indicator and the text saying what the drop does. */
#define DROP_TEXT_GAP 4
/* A skip's candidate sources: a border this many pixels wide, the one the
 * drop picks also filled. */
#define DROP_SOURCE_BORDER 1
/* A column a skip's handle cannot be dropped on: Adwaita's red (#e01b24),
 * the border and the text saying why. */
#define DROP_REFUSED { 0.88f, 0.11f, 0.14f, 0.9f }
/* The arc a drop of the handle would make: dashes this many pixels long
 * and this wide, the handle's disc (the layout's size) at its start. */
#define HANDLE_ARC_DASH   6.0
#define HANDLE_ARC_WIDTH  2.0
/* What a drop of the handle does, on a plate (the theme's panel colour,
 * this opaque) this many pixels below the pointer, its text wrapped at
 * this many pixels and padded this much. */
#define HANDLE_TEXT_BELOW     22
#define HANDLE_TEXT_WRAP      360
#define HANDLE_TEXT_PAD       6
#define HANDLE_PLATE_ALPHA    0.92f

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
 *   "cost:ID", "optimizer:ID"   anywhere on the canvas;
 *   "skip:nearest"  onto a column: a skip connection (win.edit-skip).  Onto
 *                   a(n) that an earlier a(j) is as wide as: into a(n),
 *                   from the nearest such a(j) (bp_edit_skip_source); onto
 *                   a column that can take no skip (the input, a layer
 *                   wider or narrower than all before it): from it, into
 *                   the nearest later a(n) as wide (SkipDrop below).  The
 *                   new skip is selected, so its grab handle shows at
 *                   once to choose another source (see "the handle");
 *   "typed:TYPE"    a batch-norm, layer-norm or dropout layer, into a gap:
 *                   inserted after the column left of it
 *                   (win.edit-insert-typed).
 * For the last two the indicator also says in words what the drop will do
 * (the edit's undo label and the rule that chose a skip's ends) or why it
 * would be refused (the message the drop then shows as a toast); a skip's
 * marks the layer it goes into and outlines every earlier a(j) as wide
 * (the sources a skip into it could have), the one the drop picks filled.
 * The canvas only turns drops into actions; the window performs them. */

/* What a "skip:" drop at a widget point makes: the column under it (as a
 * palette drop onto a layer finds it; the input's box for a(0)), and the
 * skip.  A drop on a(n) that some earlier a(j) is as wide as is a skip
 * into a(n) from the nearest such a(j); a drop on a column that can take
 * no skip (the input, or a(n) wider or narrower than all before it) starts
 * one instead: from it into the nearest later dense a(n) as wide that has
 * no skip yet.  So where the drop lands picks the end it can only be. */
typedef struct
{
  gssize   column;     /* under the point, or −1: no skip drop there */
  gboolean ok;
  gboolean as_source;  /* the column starts the skip */
  gsize    layer;      /* the skip into a(layer + 1) … */
  gsize    from;       /* … from a(from) */
} SkipDrop;

static void
skip_drop_at (BpvNetworkView *self,
              double          x,
              double          y,
              SkipDrop       *d,
              GError        **error)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  BpvDropSlot slot;
  BpvRect input;
  gsize c;

  *d = (SkipDrop) { .column = -1 };
  if (bpv_layout_drop_slot (self->layout, x, y, &slot) && slot.kind == BPV_DROP_LAYER)
    d->column = (gssize) slot.index + 1;
  else if (bpv_layout_column_rect (self->layout, 0, &input)
           && x >= input.x && x <= input.x + input.width)
    d->column = 0;
  if (d->column < 0)
    return;
  c = (gsize) d->column;
  if (c >= 1 && bp_edit_skip_source (net, c - 1, &d->from, NULL))
    {
      d->layer = c - 1;
      d->ok = TRUE;
      return;
    }
  for (gsize n = c + 1; n <= net->n_layers; n++)
    if (net->layers[n - 1].skip_from < 0 && bp_edit_check_skip (net, n - 1, c, NULL))
      {
        d->layer = n - 1;
        d->from = c;
        d->ok = d->as_source = TRUE;
        return;
      }
  /* Neither end: the message the window's refusal will give. */
  d->layer = c >= 1 ? c - 1 : 0;
  d->from = c;
  if (c >= 1)
    bp_edit_skip_source (net, c - 1, &d->from, error);
  else
    bp_edit_check_skip (net, 0, 0, error);
}

/* The slot a drag of `what` at (x, y) would use (NONE: the whole canvas),
 * and for a skip what it makes. */
static void
slot_for (BpvNetworkView *self,
          const char     *what,
          double          x,
          double          y,
          BpvDropSlot    *slot,
          SkipDrop       *skip,
          GError        **error)
{
  slot->kind = BPV_DROP_NONE;
  slot->index = 0;
  *skip = (SkipDrop) { .column = -1 };
  if (what == NULL || self->layout == NULL || self->session == NULL)
    return;
  /* A skip marks the layer it goes into (the source filled, see the
   * indicator); refused on the input, the gap beside it says why. */
  if (g_str_has_prefix (what, "skip:"))
    {
      skip_drop_at (self, x, y, skip, error);
      if (skip->ok || skip->column >= 1)
        *slot = (BpvDropSlot) { BPV_DROP_LAYER, skip->layer };
      else if (skip->column == 0)
        *slot = (BpvDropSlot) { BPV_DROP_GAP, 0 };
      return;
    }
  if (g_str_has_prefix (what, "layer:") || g_str_has_prefix (what, "move:") ||
      g_str_has_prefix (what, "typed:"))
    bpv_layout_drop_slot (self->layout, x, y, slot);
  /* Moves and the layers beyond dense go into gaps. */
  if ((g_str_has_prefix (what, "move:") || g_str_has_prefix (what, "typed:")) &&
      slot->kind != BPV_DROP_GAP)
    slot->kind = BPV_DROP_NONE;
}

/* What the indicator says for a drop of `what` at (x, y): the undo label
 * of its edit and for a skip the rule that chose its ends, or why there is
 * none; NULL for every other drop (its place says it).  The slot and the
 * skip in *slot and *skip. */
static char *
drop_text_at (BpvNetworkView *self,
              const char     *what,
              double          x,
              double          y,
              BpvDropSlot    *slot,
              SkipDrop       *skip)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  BpEdit edit = { .kind = BP_EDIT_INSERT_TYPED, .layer = 0 };

  slot_for (self, what, x, y, slot, skip, &error);
  if (slot->kind == BPV_DROP_NONE || self->session == NULL ||
      !(g_str_has_prefix (what, "skip:") || g_str_has_prefix (what, "typed:")))
    return NULL;
  if (error != NULL)
    return g_strdup (error->message);
  if (g_str_has_prefix (what, "skip:"))
    edit = (BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = skip->layer, .from = skip->from };
  else
    {
      edit.layer = slot->index;
      if (!bp_layer_type_from_string (what + strlen ("typed:"), &edit.layer_type))
        edit.layer_type = BP_LAYER_DENSE;  /* the edit says it cannot */
    }
  label = bp_edit_describe (bpv_session_get_model (self->session), &edit);
  /* The rule that picked the ends, so the learner can predict it, and
   * how to choose another source. */
  if (edit.kind == BP_EDIT_ADD_SKIP && skip->as_source)
    return g_strdup_printf (_("%s (no earlier a(j) is as wide as a(%zu), so it starts the skip: "
                              "into the nearest later a(n) as wide)"),
                            label, skip->from);
  if (edit.kind == BP_EDIT_ADD_SKIP)
    return g_strdup_printf (_("%s (the nearest earlier a(j) as wide as a(%zu); "
                              "drag the handle at its start to choose another)"),
                            label, edit.layer + 1);
  return g_steal_pointer (&label);
}

static void
set_drop_slot (BpvNetworkView *self,
               const char     *what,
               double          x,
               double          y)
{
  BpvDropSlot slot = { BPV_DROP_NONE, 0 };
  SkipDrop skip = { .column = -1 };
  char *text = what != NULL ? drop_text_at (self, what, x, y, &slot, &skip) : NULL;

  self->drop_skip = what != NULL && g_str_has_prefix (what, "skip:");
  self->drop_skip_from = skip.ok ? (gssize) skip.from : -1;
  if (g_strcmp0 (text, self->drop_text) == 0 && slot.kind == self->drop_slot.kind
      && slot.index == self->drop_slot.index)
    {
      g_free (text);
      return;
    }
  self->drop_slot = slot;
  g_free (self->drop_text);
  self->drop_text = text;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static const char *
drop_string (GtkDropTarget *target)
{
  const GValue *value = gtk_drop_target_get_value (target);

  return value != NULL && G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;
}

char *
bpv_network_view_dup_drop_text (BpvNetworkView *self,
                                const char     *what,
                                double          x,
                                double          y)
{
  BpvDropSlot slot;
  SkipDrop skip;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self) && what != NULL, NULL);

  return drop_text_at (self, what, x, y, &slot, &skip);
}

static GdkDragAction
on_drop_motion (GtkDropTarget  *target,
                double          x,
                double          y,
                BpvNetworkView *self)
{
  set_drop_slot (self, drop_string (target), x, y);
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget  *target,
               BpvNetworkView *self)
{
  set_drop_slot (self, NULL, 0, 0);
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
  BpvDropSlot slot;
  SkipDrop skip;
  gboolean done = FALSE;

  set_drop_slot (self, NULL, 0, 0);
  if (colon == NULL || self->session == NULL)
    return FALSE;
  slot_for (self, what, x, y, &slot, &skip, NULL);
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
  else if (g_str_has_prefix (what, "skip:") && skip.column >= 0)
    {
      const BpNetwork *net;

      /* Refused onto a(n ≥ 1): the window says there is no source (−1
       * asks it for the nearest); elsewhere it refuses the pair. */
      done = gtk_widget_activate_action (widget, "win.edit-skip", "(ui)", (guint32) skip.layer,
                                         (gint32) (skip.ok || skip.column == 0 ? (gssize) skip.from : -1));
      /* Selected, so that its handle offers to choose another source. */
      net = bpv_session_get_network (self->session);
      if (skip.ok && skip.layer < net->n_layers && net->layers[skip.layer].skip_from == (gssize) skip.from)
        bpv_network_view_select_hit (self, &(BpvHit) { BPV_HIT_SKIP, skip.layer + 1, skip.from, 0 },
                                     "");
    }
  else if (g_str_has_prefix (what, "typed:") && slot.kind == BPV_DROP_GAP)
    done = gtk_widget_activate_action (widget, "win.edit-insert-typed", "(us)",
                                       (guint32) slot.index, colon + 1);
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

/* The columns a skip into layer `layer` (0-based) could come from: each
 * earlier a(j) as wide as its a(n) outlined, `picked` (the one a drop
 * chooses; −1: none) also filled. */
static void
snapshot_skip_sources (BpvNetworkView *self,
                       GtkSnapshot    *snapshot,
                       gsize           layer,
                       gssize          picked)
{
  const GdkRGBA accent = DROP_ACCENT;
  const GdkRGBA fill = DROP_FILL;
  const float widths[4] = { DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER };
  const GdkRGBA colors[4] = { accent, accent, accent, accent };
  const BpNetwork *net = bpv_session_get_network (self->session);

  if (layer >= net->n_layers)
    return;
  for (gsize j = 0; j <= layer; j++)
    {
      BpvRect r;
      GskRoundedRect rr;
      graphene_rect_t box;

      if (!bp_edit_check_skip (net, layer, j, NULL) || !bpv_layout_column_rect (self->layout, j, &r))
        continue;
      box = GRAPHENE_RECT_INIT (r.x, r.y, r.width, r.height);
      gsk_rounded_rect_init_from_rect (&rr, &box, DROP_RADIUS);
      if ((gssize) j == picked)
        {
          gtk_snapshot_push_rounded_clip (snapshot, &rr);
          gtk_snapshot_append_color (snapshot, &fill, &box);
          gtk_snapshot_pop (snapshot);
        }
      gtk_snapshot_append_border (snapshot, &rr, widths, colors);
    }
}

/* `text` above the widget box `r` (kept inside the canvas), in `color`. */
static void
snapshot_text_above (BpvNetworkView *self,
                     GtkSnapshot    *snapshot,
                     const char     *text,
                     const BpvRect  *r,
                     const GdkRGBA  *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int tw, th;

  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (
                            CLAMP (r->x + r->width / 2 - tw / 2.0, 0,
                                   MAX (0, gtk_widget_get_width (GTK_WIDGET (self)) - tw)),
                            MAX (0, r->y - th - DROP_TEXT_GAP)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

void
bpv_network_view_snapshot_drop_indicator (BpvNetworkView *self,
                                          GtkSnapshot    *snapshot)
{
  const GdkRGBA accent = DROP_ACCENT;
  const GdkRGBA fill = DROP_FILL;
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
      const float widths[4] = { DROP_BORDER, DROP_BORDER, DROP_BORDER, DROP_BORDER };
      const GdkRGBA colors[4] = { accent, accent, accent, accent };

      gsk_rounded_rect_init_from_rect (&rr, &box, DROP_RADIUS);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &fill, &box);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &rr, widths, colors);
      if (self->drop_skip && self->session != NULL)
        {
          snapshot_skip_sources (self, snapshot, self->drop_slot.index, self->drop_skip_from);
        }
    }
  /* Above the indicator. */
  if (self->drop_text != NULL)
    snapshot_text_above (self, snapshot, self->drop_text, &r, &accent);
}


/* ------------------------------------------------------------- the handle
 *
 * A selected skip arc has a grab handle at its start (painted by
 * bpv_network_render, placed by bpv_layout_skip_handle).  Dragged, it
 * chooses the a(j) the skip into a(n) starts at:
 *   - on a column that can be the source (earlier, as wide as a(n)): that
 *     one;
 *   - on a column that cannot (later, a(n) itself, another width): none;
 *     the drop is refused with the reason (the window's toast), which the
 *     canvas already says beside the pointer;
 *   - anywhere else (between columns, above them): the nearest column that
 *     can, by x: the arc snaps to it.
 * The sources it could choose are outlined as for a palette drop, the one
 * it chooses filled, and the arc a drop would make is drawn dashed.  A
 * drop asks for win.edit-skip (n − 1, j): bp-edit's "Move skip
 * connection …", one undo step.  Escape cancels. */

/* The column whose box (header included) holds the widget point, or −1. */
static gssize
column_at (BpvNetworkView *self,
           double          x,
           double          y)
{
  for (gsize c = 0; c < self->layout->n_columns; c++)
    {
      BpvRect r;

      if (bpv_layout_column_rect (self->layout, c, &r)
          && x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height)
        return (gssize) c;
    }
  return -1;
}

/* Where a drop at (x, y) starts the skip into a(handle_n) (the rules
 * above): TRUE with the a(j), or FALSE with the reason. */
static gboolean
handle_source_at (BpvNetworkView *self,
                  double          x,
                  double          y,
                  gsize          *from,
                  GError        **error)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  gsize layer = self->handle_n - 1;
  gssize column = column_at (self, x, y);
  double best = G_MAXDOUBLE;

  if (column >= 0)
    {
      if (!bp_edit_check_skip (net, layer, (gsize) column, error))
        return FALSE;
      *from = (gsize) column;
      return TRUE;
    }
  /* The current source always qualifies, so one is found. */
  *from = (gsize) net->layers[layer].skip_from;
  for (gsize j = 0; j <= layer; j++)
    {
      double cx, cy;

      if (!bp_edit_check_skip (net, layer, j, NULL))
        continue;
      bpv_layout_to_widget (self->layout, self->layout->columns[j].x, 0, &cx, &cy);
      if (fabs (cx - x) < best)
        {
          best = fabs (cx - x);
          *from = j;
        }
    }
  return TRUE;
}

gboolean
bpv_network_view_skip_handle_begin (BpvNetworkView *self,
                                    double          x,
                                    double          y)
{
  const BpvHit *sel;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), FALSE);

  if (self->session == NULL || self->layout == NULL)
    return FALSE;
  sel = bpv_session_get_selection (self->session);
  if (sel->kind != BPV_HIT_SKIP || !bpv_layout_skip_handle_at (self->layout, sel->layer, x, y))
    return FALSE;
  self->handle_drag = TRUE;
  self->handle_n = sel->layer;
  bpv_event ("SKIP-HANDLE begin n=%zu from=%zu", sel->layer, sel->j);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  bpv_network_view_skip_handle_motion (self, x, y);
  return TRUE;
}

void
bpv_network_view_skip_handle_motion (BpvNetworkView *self,
                                     double          x,
                                     double          y)
{
  g_autoptr(GError) error = NULL;
  const BpNetwork *net;
  gsize from;

  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (!self->handle_drag)
    return;
  net = bpv_session_get_network (self->session);
  self->handle_x = x;
  self->handle_y = y;
  self->handle_column = column_at (self, x, y);
  g_clear_pointer (&self->handle_text, g_free);
  if (!handle_source_at (self, x, y, &from, &error))
    {
      self->handle_from = -1;
      self->handle_text = g_strdup (error->message);
    }
  else
    {
      BpEdit edit = { .kind = BP_EDIT_ADD_SKIP, .layer = self->handle_n - 1, .from = from };

      self->handle_from = (gssize) from;
      if ((gssize) from == net->layers[edit.layer].skip_from)
        self->handle_text = g_strdup_printf (_("Drop on another a(j) as wide as a(%zu) to start "
                                               "the skip there"), self->handle_n);
      else
        self->handle_text = bp_edit_describe (bpv_session_get_model (self->session), &edit);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
handle_end (BpvNetworkView *self)
{
  self->handle_drag = FALSE;
  g_clear_pointer (&self->handle_text, g_free);
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bpv_network_view_skip_handle_drop (BpvNetworkView *self,
                                   double          x,
                                   double          y)
{
  const BpNetwork *net;
  gsize layer, from;
  gssize column;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), FALSE);

  if (!self->handle_drag)
    return FALSE;
  bpv_network_view_skip_handle_motion (self, x, y);
  layer = self->handle_n - 1;
  column = self->handle_column;
  net = bpv_session_get_network (self->session);
  if (self->handle_from < 0)
    {
      /* The window refuses it and says why (the same message as here). */
      bpv_event ("SKIP-HANDLE drop n=%zu onto=%zd refused", self->handle_n, column);
      handle_end (self);
      return gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-skip", "(ui)",
                                         (guint32) layer, (gint32) column);
    }
  from = (gsize) self->handle_from;
  bpv_event ("SKIP-HANDLE drop n=%zu from=%zu", self->handle_n, from);
  handle_end (self);
  if ((gssize) from == net->layers[layer].skip_from)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-skip", "(ui)", (guint32) layer,
                              (gint32) from);
  /* The moved arc stays selected, its handle ready for another try. */
  net = bpv_session_get_network (self->session);
  if (layer < net->n_layers && net->layers[layer].skip_from == (gssize) from)
    bpv_network_view_select_hit (self, &(BpvHit) { BPV_HIT_SKIP, layer + 1, from, 0 }, "");
  return TRUE;
}

void
bpv_network_view_skip_handle_cancel (BpvNetworkView *self)
{
  g_return_if_fail (BPV_IS_NETWORK_VIEW (self));

  if (!self->handle_drag)
    return;
  bpv_event ("SKIP-HANDLE cancel n=%zu", self->handle_n);
  handle_end (self);
}

const char *
bpv_network_view_get_skip_handle_text (BpvNetworkView *self)
{
  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), NULL);

  return self->handle_drag ? self->handle_text : NULL;
}

gssize
bpv_network_view_get_skip_handle_source (BpvNetworkView *self)
{
  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self), -1);

  return self->handle_drag ? self->handle_from : -1;
}

/* The handle's text on a plate under the pointer (above it near the
 * bottom), kept inside the canvas: it crosses edges and labels, so it
 * needs a ground of its own. */
static void
snapshot_handle_text (BpvNetworkView *self,
                      GtkSnapshot    *snapshot,
                      const GdkRGBA  *color)
{
  const BpvThemeColors *tc = bpv_theme_colors (bpv_network_view_get_theme (self));
  GdkRGBA panel = { tc->panel.r, tc->panel.g, tc->panel.b, HANDLE_PLATE_ALPHA };
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self),
                                                                  self->handle_text);
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  const float widths[4] = { DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };
  double px, py, pw, ph;
  int tw, th;
  GskRoundedRect rr;

  pango_layout_set_width (layout, MIN (HANDLE_TEXT_WRAP, MAX (w - 4 * HANDLE_TEXT_PAD, 1)) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &tw, &th);
  pw = tw + 2 * HANDLE_TEXT_PAD;
  ph = th + 2 * HANDLE_TEXT_PAD;
  px = CLAMP (self->handle_x - pw / 2, 0, MAX (0, w - pw));
  py = self->handle_y + HANDLE_TEXT_BELOW;
  if (py + ph > h)
    py = MAX (0, self->handle_y - HANDLE_TEXT_BELOW - ph);
  gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (px, py, pw, ph), DROP_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &rr);
  gtk_snapshot_append_color (snapshot, &panel, &rr.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &rr, widths, colors);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px + HANDLE_TEXT_PAD, py + HANDLE_TEXT_PAD));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* The arc from `x`, `y` (widget, 4 Bézier points) dashed in `color`, with
 * the handle's disc at its start. */
static void
draw_handle_arc (cairo_t       *cr,
                 const double   x[4],
                 const double   y[4],
                 double         radius,
                 const GdkRGBA *color)
{
  const double dash[1] = { HANDLE_ARC_DASH };

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, HANDLE_ARC_WIDTH);
  cairo_set_dash (cr, dash, 1, 0);
  cairo_move_to (cr, x[0], y[0]);
  cairo_curve_to (cr, x[1], y[1], x[2], y[2], x[3], y[3]);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_arc (cr, x[0], y[0], radius, 0, 2 * G_PI);
  cairo_fill (cr);
}

void
bpv_network_view_snapshot_skip_handle (BpvNetworkView *self,
                                       GtkSnapshot    *snapshot)
{
  const GdkRGBA accent = DROP_ACCENT;
  const GdkRGBA refused = DROP_REFUSED;
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double x[4], y[4], hx, hy, radius;
  BpvRect r;
  cairo_t *cr;

  if (!self->handle_drag || self->layout == NULL || self->session == NULL
      || !bpv_layout_skip_handle (self->layout, self->handle_n, &hx, &hy, &radius)
      || !bpv_layout_skip_arc (self->layout, self->handle_n, x, y))
    return;
  snapshot_skip_sources (self, snapshot, self->handle_n - 1, self->handle_from);
  /* Refused: the column under the pointer outlined in red. */
  if (self->handle_from < 0 && self->handle_column >= 0
      && bpv_layout_column_rect (self->layout, (gsize) self->handle_column, &r))
    {
      const float widths[4] = { DROP_BORDER, DROP_BORDER, DROP_BORDER, DROP_BORDER };
      const GdkRGBA colors[4] = { refused, refused, refused, refused };
      GskRoundedRect rr;

      gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (r.x, r.y, r.width, r.height),
                                       DROP_RADIUS);
      gtk_snapshot_append_border (snapshot, &rr, widths, colors);
    }
  /* The arc as the drop would make it, or, refused, from the pointer. */
  if (self->handle_from >= 0)
    bpv_layout_skip_arc_from (self->layout, self->handle_n, (gsize) self->handle_from, x, y);
  for (int i = 0; i < 4; i++)
    bpv_layout_to_widget (self->layout, x[i], y[i], &x[i], &y[i]);
  if (self->handle_from < 0)
    {
      x[1] += self->handle_x - x[0];
      x[0] = self->handle_x;
      y[0] = self->handle_y;
    }
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw_handle_arc (cr, x, y, radius, self->handle_from >= 0 ? &accent : &refused);
  cairo_destroy (cr);
  if (self->handle_text != NULL)
    snapshot_handle_text (self, snapshot, self->handle_from >= 0 ? &accent : &refused);
}

/* Window coordinates of a widget point, as `xdotool mousemove` takes them. */
static gboolean
window_point (BpvNetworkView *self,
              double          x,
              double          y,
              int            *wx,
              int            *wy)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  graphene_point_t q;
  double sx = 0, sy = 0;

  if (native == NULL
      || !gtk_widget_compute_point (GTK_WIDGET (self), GTK_WIDGET (native),
                                    &GRAPHENE_POINT_INIT ((float) x, (float) y), &q))
    return FALSE;
  gtk_native_get_surface_transform (native, &sx, &sy);
  *wx = (int) lround (q.x + sx);
  *wy = (int) lround (q.y + sy);
  return TRUE;
}

void
bpv_network_view_log_skip_handle (BpvNetworkView *self)
{
  const BpvHit *sel;
  double hx, hy, radius;
  int wx, wy;

  if (!bpv_events_enabled () || self->session == NULL || self->layout == NULL)
    return;
  /* Each arc's middle, where a click selects it. */
  for (gsize n = 1; n < self->layout->n_columns; n++)
    {
      double x[4], y[4], mx, my;

      if (!bpv_layout_skip_arc (self->layout, n, x, y))
        continue;
      bpv_layout_to_widget (self->layout, (x[0] + 3 * x[1] + 3 * x[2] + x[3]) / 8,
                            (y[0] + 3 * y[1] + 3 * y[2] + y[3]) / 8, &mx, &my);
      if (window_point (self, mx, my, &wx, &wy))
        bpv_event ("SKIP-ARC n=%zu from=%zd x=%d y=%d", n, self->layout->bundles[n].skip_from,
                   wx, wy);
    }
  sel = bpv_session_get_selection (self->session);
  if (sel->kind != BPV_HIT_SKIP
      || !bpv_layout_skip_handle (self->layout, sel->layer, &hx, &hy, &radius)
      || !window_point (self, hx, hy, &wx, &wy))
    return;
  bpv_event ("SKIP-HANDLE at n=%zu from=%zu x=%d y=%d", sel->layer, sel->j, wx, wy);
  for (gsize c = 0; c < self->layout->n_columns; c++)
    {
      BpvRect r;

      if (bpv_layout_column_rect (self->layout, c, &r)
          && window_point (self, r.x + r.width / 2, r.y + r.height / 2, &wx, &wy))
        bpv_event ("COLUMN %zu x=%d y=%d", c, wx, wy);
    }
}

void
bpv_network_view_install_dnd (BpvNetworkView *self)
{
  GtkDropTarget *drop;
  GtkDragSource *header_drag;
  GType types[1] = { G_TYPE_STRING };

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
}
