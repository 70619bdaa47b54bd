/* bpv-network-view-dnd.c — editing the network on the canvas by drag and
 * drop, and the indicator of where a drop would go. */
#include "config.h"
#include "bpv-network-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

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
 *   "skip:nearest"  onto a dense layer's column: a skip connection into it
 *                   from the nearest earlier a(j) of its width
 *                   (win.edit-skip, bp_edit_skip_source);
 *   "typed:TYPE"    a batch-norm, layer-norm or dropout layer, into a gap:
 *                   inserted after the column left of it
 *                   (win.edit-insert-typed).
 * For the last two the indicator also says in words what the drop will do
 * (the edit's undo label) or why it would be refused (the message the drop
 * then shows as a toast); a skip's also marks every earlier a(j) as wide
 * as the target (the sources a skip into it could have), the one the drop
 * picks filled.
 * The canvas only turns drops into actions; the window performs them. */

/* The edit a drop of a layer beyond dense (`what`) into `slot` asks for;
 * FALSE with the message when there is none to ask for. */
static gboolean
typed_edit_for (BpvNetworkView    *self,
                const char        *what,
                const BpvDropSlot *slot,
                BpEdit            *edit,
                GError           **error)
{
  const BpNetwork *net = bpv_session_get_network (self->session);

  *edit = (BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = slot->index };
  if (g_str_has_prefix (what, "skip:"))
    return bp_edit_skip_source (net, slot->index, &edit->from, error);
  edit->kind = BP_EDIT_INSERT_TYPED;
  if (!bp_layer_type_from_string (what + strlen ("typed:"), &edit->layer_type))
    edit->layer_type = BP_LAYER_DENSE;  /* the edit says it cannot */
  return TRUE;
}

/* What the indicator says for a drop of `what` into `slot`: the undo label
 * of its edit, or why there is none; NULL for every other drop (its place
 * says it). */
static char *
drop_text_for (BpvNetworkView    *self,
               const char        *what,
               const BpvDropSlot *slot)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  BpEdit edit;

  if (slot->kind == BPV_DROP_NONE || self->session == NULL ||
      !(g_str_has_prefix (what, "skip:") || g_str_has_prefix (what, "typed:")))
    return NULL;
  if (!typed_edit_for (self, what, slot, &edit, &error))
    return g_strdup (error->message);
  label = bp_edit_describe (bpv_session_get_model (self->session), &edit);
  /* The rule that picked the source, so the learner can predict it. */
  if (edit.kind == BP_EDIT_ADD_SKIP)
    return g_strdup_printf (_("%s (the nearest earlier a(j) as wide as a(%zu))"), label,
                            edit.layer + 1);
  return g_steal_pointer (&label);
}

static void
set_drop_slot (BpvNetworkView    *self,
               const char        *what,
               const BpvDropSlot *slot)
{
  if (slot->kind == self->drop_slot.kind && slot->index == self->drop_slot.index)
    return;
  self->drop_slot = *slot;
  self->drop_skip = what != NULL && g_str_has_prefix (what, "skip:");
  g_free (self->drop_text);
  self->drop_text = what != NULL ? drop_text_for (self, what, slot) : NULL;
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
  if (g_str_has_prefix (what, "layer:") || g_str_has_prefix (what, "move:") ||
      g_str_has_prefix (what, "skip:") || g_str_has_prefix (what, "typed:"))
    bpv_layout_drop_slot (self->layout, x, y, slot);
  /* Moves and the layers beyond dense go into gaps; a skip onto a layer. */
  if ((g_str_has_prefix (what, "move:") || g_str_has_prefix (what, "typed:")) &&
      slot->kind != BPV_DROP_GAP)
    slot->kind = BPV_DROP_NONE;
  if (g_str_has_prefix (what, "skip:") && slot->kind != BPV_DROP_LAYER)
    slot->kind = BPV_DROP_NONE;
}

char *
bpv_network_view_dup_drop_text (BpvNetworkView *self,
                                const char     *what,
                                double          x,
                                double          y)
{
  BpvDropSlot slot;

  g_return_val_if_fail (BPV_IS_NETWORK_VIEW (self) && what != NULL, NULL);

  slot_for (self, what, x, y, &slot);
  return drop_text_for (self, what, &slot);
}

static GdkDragAction
on_drop_motion (GtkDropTarget  *target,
                double          x,
                double          y,
                BpvNetworkView *self)
{
  BpvDropSlot slot;

  slot_for (self, drop_string (target), x, y, &slot);
  set_drop_slot (self, drop_string (target), &slot);
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget  *target,
               BpvNetworkView *self)
{
  BpvDropSlot none = { BPV_DROP_NONE, 0 };

  set_drop_slot (self, NULL, &none);
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

  set_drop_slot (self, NULL, &none);
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
  else if (g_str_has_prefix (what, "skip:") && slot.kind == BPV_DROP_LAYER)
    done = gtk_widget_activate_action (widget, "win.edit-skip", "(ui)", (guint32) slot.index,
                                       (gint32) -1);
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

/* The columns a skip into the layer of the drop slot could come from:
 * each earlier a(j) as wide as its a(n), the nearest (the one the drop
 * picks, bp_edit_skip_source) filled. */
static void
snapshot_skip_sources (BpvNetworkView *self,
                       GtkSnapshot    *snapshot)
{
  const GdkRGBA accent = DROP_ACCENT;
  const GdkRGBA fill = DROP_FILL;
  const float widths[4] = { DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER, DROP_SOURCE_BORDER };
  const GdkRGBA colors[4] = { accent, accent, accent, accent };
  const BpNetwork *net = bpv_session_get_network (self->session);
  gsize layer = self->drop_slot.index, nearest;

  if (layer >= net->n_layers || !bp_edit_skip_source (net, layer, &nearest, NULL))
    return;
  for (gsize j = 0; j <= layer; j++)
    {
      gsize width = j == 0 ? net->n_inputs : net->layers[j - 1].out;
      BpvRect r;
      GskRoundedRect rr;
      graphene_rect_t box;

      if (width != net->layers[layer].out || !bpv_layout_column_rect (self->layout, j, &r))
        continue;
      box = GRAPHENE_RECT_INIT (r.x, r.y, r.width, r.height);
      gsk_rounded_rect_init_from_rect (&rr, &box, DROP_RADIUS);
      if (j == nearest)
        {
          gtk_snapshot_push_rounded_clip (snapshot, &rr);
          gtk_snapshot_append_color (snapshot, &fill, &box);
          gtk_snapshot_pop (snapshot);
        }
      gtk_snapshot_append_border (snapshot, &rr, widths, colors);
    }
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
        snapshot_skip_sources (self, snapshot);
    }
  if (self->drop_text != NULL)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self),
                                                                      self->drop_text);
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      /* Above the indicator, kept inside the canvas. */
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (
                                CLAMP (r.x + r.width / 2 - tw / 2.0, 0,
                                       MAX (0, gtk_widget_get_width (GTK_WIDGET (self)) - tw)),
                                MAX (0, r.y - th - DROP_TEXT_GAP)));
      gtk_snapshot_append_layout (snapshot, layout, &accent);
      gtk_snapshot_restore (snapshot);
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
