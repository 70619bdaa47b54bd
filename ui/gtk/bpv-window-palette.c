/* bpv-window-palette.c — the palette beside the canvas: a dense layer per
 * registered activation (built-ins and plugins alike), the costs and the
 * optimizers, each dragged onto the canvas as a string the canvas turns
 * into a win.edit-* action (see bpv-network-view-dnd.c); the layers beyond
 * dense (skip connection, batch norm, layer norm, dropout); a bin that
 * removes a layer dragged onto it by its header. (Undo and redo above it are
 * template children of bpv-window.ui.)  And, for tests, where each drag
 * starts and ends (bpv_window_log_probe).
 */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bp-registry.h"

/* Items are ellipsized at this many characters ("Dense · hard_sig…"), so
 * the palette stays narrow beside the canvas; the full name is in the
 * tooltip. */
#define ITEM_MAX_CHARS 16
/* Pixels: above each heading, above the bin (set apart from the items),
 * and between the bin's icon and label. */
#define HEADING_MARGIN 8
#define BIN_MARGIN     12
#define BIN_SPACING    6
#include "bpv-events.h"
#include "bpv-math.h"

static GdkContentProvider *
on_item_prepare (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkWidget     *item)
{
  const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

  return gdk_content_provider_new_typed (G_TYPE_STRING, what);
}

static void
on_item_drag_begin (GtkDragSource *source,
                    GdkDrag       *drag,
                    GtkWidget     *item)
{
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (item);

  gtk_drag_source_set_icon (source, icon, gtk_widget_get_width (item) / 2,
                            gtk_widget_get_height (item) / 2);
  bpv_event ("DRAG-BEGIN %s", (const char *) g_object_get_data (G_OBJECT (item), "bpv-drag"));
}

/* One draggable item: `what` is what the canvas receives. */
static GtkWidget *
palette_item (const char *label,
              const char *what,
              const char *tooltip_markup)
{
  GtkWidget *item = gtk_label_new (label);
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_label_set_xalign (GTK_LABEL (item), 0);
  gtk_label_set_ellipsize (GTK_LABEL (item), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (item), ITEM_MAX_CHARS);
  gtk_widget_add_css_class (item, "palette-item");
  gtk_widget_set_tooltip_markup (item, tooltip_markup);
  g_object_set_data_full (G_OBJECT (item), "bpv-drag", g_strdup (what), g_free);
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_item_prepare), item);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_item_drag_begin), item);
  gtk_widget_add_controller (item, GTK_EVENT_CONTROLLER (source));
  gtk_widget_set_cursor_from_name (item, "grab");
  return item;
}

static void
add_heading (GtkBox     *box,
             const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, HEADING_MARGIN);
  gtk_box_append (box, label);
}

static char *
tooltip_for (const char *name,
             const char *formula,
             const char *derivative,
             const char *hint)
{
  g_autofree char *n = g_markup_escape_text (name != NULL ? name : "", -1);
  /* Formulas as math (sub/superscripts, Greek), not their TeX source. */
  g_autofree char *f = bpv_math_to_markup (formula);
  g_autofree char *d = bpv_math_to_markup (derivative);

  return g_strdup_printf ("<b>%s</b>\n%s%s%s\n<small>%s</small>", n, f,
                          derivative != NULL ? "\n" : "", d, hint);
}

/* The layers beyond dense, dragged as "skip:nearest" and "typed:TYPE"
 * (the model file's type names). */
static const struct
{
  const char *label;
  const char *what;
  const char *formula;
  const char *hint;
} layer_types[] = {
  { N_("Skip connection"), "skip:nearest", "a(n) = σ(z(n)) + a(j)",
    N_("Drag onto a layer: it adds the nearest earlier a(j) of its width to its output") },
  { N_("Batch norm"), "typed:batchnorm", "z = γ (x − μ)/√(σ² + ε) + β, over the batch",
    N_("Drag between two layers to normalise the left one's output") },
  { N_("Layer norm"), "typed:layernorm", "z = γ (x − μ)/√(σ² + ε) + β, over each sample",
    N_("Drag between two layers to normalise the left one's output") },
  { N_("Dropout"), "typed:dropout", "a = x ⊙ mask / (1 − p), p = 0.5",
    N_("Drag between two layers to drop the left one's units at random while training") },
};

static void
add_layer_types (GtkBox *box)
{
  add_heading (box, _("Beyond dense"));
  for (gsize i = 0; i < G_N_ELEMENTS (layer_types); i++)
    {
      g_autofree char *tip = tooltip_for (_(layer_types[i].label), layer_types[i].formula, NULL,
                                          _(layer_types[i].hint));

      gtk_box_append (box, palette_item (_(layer_types[i].label), layer_types[i].what, tip));
    }
}

static gboolean
on_bin_drop (GtkDropTarget *target,
             const GValue  *value,
             double         x,
             double         y,
             BpvWindow     *self)
{
  const char *what = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;

  if (what == NULL || !g_str_has_prefix (what, "move:"))
    return FALSE;
  bpv_event ("DROP %s slot=bin", what);
  return gtk_widget_activate_action (GTK_WIDGET (self), "win.edit-remove", "u",
                                     (guint32) g_ascii_strtoull (what + 5, NULL, 10));
}

static GtkWidget *
bin_target (BpvWindow *self)
{
  GtkWidget *bin = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, BIN_SPACING);
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_COPY | GDK_ACTION_MOVE);
  GtkWidget *label = gtk_label_new (_("Remove"));

  gtk_box_append (GTK_BOX (bin), gtk_image_new_from_icon_name ("user-trash-symbolic"));
  gtk_box_append (GTK_BOX (bin), label);
  gtk_widget_add_css_class (bin, "palette-bin");
  gtk_widget_set_tooltip_text (bin, _("Drag a layer here by its header (or off the canvas) to remove it"));
  g_signal_connect (drop, "drop", G_CALLBACK (on_bin_drop), self);
  gtk_widget_add_controller (bin, GTK_EVENT_CONTROLLER (drop));
  return bin;
}

/* Features of disabled plugins ("activation swish", …): registered (the
 * registry cannot forget), so models that use them still open, but not
 * offered. */
static GStrv hidden_features;

void
bpv_window_set_hidden_features (const char * const *features)
{
  g_strfreev (hidden_features);
  hidden_features = g_strdupv ((char **) features);
}

static gboolean
is_hidden (const char *kind,
           const char *id)
{
  g_autofree char *feature = g_strdup_printf ("%s %s", kind, id);

  return hidden_features != NULL && g_strv_contains ((const char * const *) hidden_features, feature);
}

/* A heading and an item per registered cost or optimizer (`kind`), each
 * dragged as "PREFIX:ID"; PREFIX is also the kind's word in the hidden
 * features ("cost mse"). */
static void
add_features (GtkBox        *box,
              BpFeatureKind  kind,
              const char    *heading,
              const char    *prefix,
              const char    *hint)
{
  BpRegistry *reg = bp_registry_get_default ();
  guint n = 0;
  const char **ids;

  add_heading (box, heading);
  ids = bp_registry_list_ids (reg, kind, &n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = ids[i], *formula = NULL;
      g_autofree char *what = g_strdup_printf ("%s:%s", prefix, ids[i]);
      g_autofree char *tip = NULL;

      if (kind == BP_FEATURE_COST)
        {
          const BpCostDesc *d = bp_registry_lookup_cost (reg, ids[i]);

          name = d != NULL ? d->name : name;
          formula = d != NULL ? d->formula : NULL;
        }
      else
        {
          const BpOptimizerDesc *d = bp_registry_lookup_optimizer (reg, ids[i]);

          name = d != NULL ? d->name : name;
          formula = d != NULL ? d->formula : NULL;
        }
      tip = tooltip_for (name, formula, NULL, hint);
      if (is_hidden (prefix, ids[i]))
        continue;
      gtk_box_append (box, palette_item (ids[i], what, tip));
    }
  g_free (ids);
}

void
bpv_window_build_palette (BpvWindow *self)
{
  BpRegistry *reg = bp_registry_get_default ();
  GtkBox *box = self->palette_box;
  GtkWidget *bin;
  const char **ids;
  guint n = 0;
  GtkWidget *child;

  /* Built again when plugins come: empty it first (undo and redo above
   * it are template children, bpv-window.ui). */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);

  add_heading (box, _("Layers"));
  ids = bp_registry_list_ids (reg, BP_FEATURE_ACTIVATION, &n);
  for (guint i = 0; i < n; i++)
    {
      const BpActivationDesc *d = bp_registry_lookup_activation (reg, ids[i]);
      g_autofree char *label = g_strdup_printf (_("Dense · %s"), ids[i]);
      g_autofree char *what = g_strdup_printf ("layer:%s", ids[i]);
      g_autofree char *tip = tooltip_for (d != NULL ? d->name : ids[i], d != NULL ? d->formula : NULL,
                                          d != NULL ? d->derivative_formula : NULL,
                                          _("Drag between two layers to insert a layer, "
                                          "onto a layer to change its activation"));

      if (is_hidden ("activation", ids[i]))
        continue;
      gtk_box_append (box, palette_item (label, what, tip));
    }
  g_free (ids);
  add_layer_types (box);

  add_features (box, BP_FEATURE_COST, _("Cost"), "cost", _("Drag onto the canvas to use this cost"));
  add_features (box, BP_FEATURE_OPTIMIZER, _("Optimizer"), "optimizer",
                _("Drag onto the canvas to train with this optimizer"));

  bin = bin_target (self);
  gtk_widget_set_margin_top (bin, BIN_MARGIN);
  gtk_box_append (box, bin);
}

/* ------------------------------------------------------- the test probe */

/* Tells a test where a known weight is, once the canvas has kept its size
 * for a moment (the sidebar folds with an animation after mapping). */
void
bpv_window_log_probe (BpvWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double x, y, sx = 0, sy = 0;
  graphene_point_t p, q;
  int w = gtk_widget_get_width (GTK_WIDGET (self->network_view));
  int h = gtk_widget_get_height (GTK_WIDGET (self->network_view));

  /* Window (X surface) coordinates, for `xdotool mousemove --window`. */
  gtk_native_get_surface_transform (GTK_NATIVE (self), &sx, &sy);
  p = GRAPHENE_POINT_INIT (0, 0);
  if (gtk_widget_compute_point (GTK_WIDGET (self->network_view), widget, &p, &q))
    bpv_event ("CANVAS x=%d y=%d width=%d height=%d", (int) lround (q.x + sx),
               (int) lround (q.y + sy), w, h);
  if (bpv_session_get_network (self->session)->n_layers >= 2
      && bpv_session_get_network (self->session)->layers[0].out >= 3
      && bpv_network_view_find_edge_point (self->network_view, 2, 0, 2, &x, &y))
    {
      p = GRAPHENE_POINT_INIT ((float) x, (float) y);
      if (gtk_widget_compute_point (GTK_WIDGET (self->network_view), widget, &p, &q))
        bpv_event ("PROBE edge 2 1 3 x=%d y=%d", (int) lround (q.x + sx), (int) lround (q.y + sy));
    }
  if (!bpv_events_enabled ())
    return;
  /* Where to drag from and to: the palette's items, the gaps between
   * columns and the layers' headers. */
  /* The palette's items, placed from the scroller's origin, their place in
   * the scrolled content and the scroll value: just after a scroll the
   * items' allocations are still the old ones until the next frame. */
  {
    GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (self->palette_scroller);
    GtkWidget *content = gtk_scrolled_window_get_child (scroller);
    double top = gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (scroller));
    graphene_point_t origin;

    if (GTK_IS_VIEWPORT (content))
      content = gtk_viewport_get_child (GTK_VIEWPORT (content));
    p = GRAPHENE_POINT_INIT (0, 0);
    if (content != NULL && gtk_widget_get_mapped (self->palette_scroller)
        && gtk_widget_compute_point (self->palette_scroller, widget, &p, &origin))
      {
        for (GtkWidget *item = gtk_widget_get_first_child (GTK_WIDGET (self->palette_box));
             item != NULL; item = gtk_widget_get_next_sibling (item))
          {
            const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

            p = GRAPHENE_POINT_INIT (gtk_widget_get_width (item) / 2.f, gtk_widget_get_height (item) / 2.f);
            if (what != NULL && gtk_widget_get_mapped (item)
                && gtk_widget_compute_point (item, content, &p, &q))
              bpv_event ("PALETTE %s x=%d y=%d", what, (int) lround (origin.x + q.x + sx),
                         (int) lround (origin.y + q.y - top + sy));
          }
        /* The part the scroller shows: with every plugin loaded the list is
         * taller than the window, and an item below it must be scrolled to
         * before it can be dragged (each scroll logs again). */
        bpv_event ("PALETTE-VIEW top=%d bottom=%d", (int) lround (origin.y + sy),
                   (int) lround (origin.y + sy) + gtk_widget_get_height (self->palette_scroller));
      }
  }
  {
    const BpvLayout *layout = bpv_network_view_get_layout (self->network_view);

    for (gsize c = 0; layout != NULL && c + 1 < layout->n_columns; c++)
      {
        BpvDropSlot slot = { BPV_DROP_GAP, c };
        BpvRect r;
        gsize layer;

        if (bpv_layout_drop_rect (layout, &slot, &r))
          {
            p = GRAPHENE_POINT_INIT ((float) (r.x + r.width / 2), (float) (r.y + r.height / 2));
            if (gtk_widget_compute_point (GTK_WIDGET (self->network_view), widget, &p, &q))
              bpv_event ("GAP %zu x=%d y=%d", c, (int) lround (q.x + sx), (int) lround (q.y + sy));
          }
        /* The + under the pointer's layer (hidden layers only). */
        if (c + 2 < layout->n_columns)
          {
            BpvRect minus, plus;

            if (bpv_layout_width_buttons (layout, c, &minus, &plus))
              {
                p = GRAPHENE_POINT_INIT ((float) (plus.x + plus.width / 2),
                                         (float) (plus.y + plus.height / 2));
                if (gtk_widget_compute_point (GTK_WIDGET (self->network_view), widget, &p, &q))
                  bpv_event ("PLUS %zu x=%d y=%d", c + 1, (int) lround (q.x + sx),
                             (int) lround (q.y + sy));
              }
          }
        /* The header of column c + 1, found by hit-testing its centre. */
        {
          const BpvColumn *col = &layout->columns[c + 1];
          double hx, hy;

          bpv_layout_to_widget (layout, col->x, col->header.y + col->header.height / 2, &hx, &hy);
          if (bpv_layout_header_layer (layout, hx, hy, &layer) && layer == c)
            {
              p = GRAPHENE_POINT_INIT ((float) hx, (float) hy);
              if (gtk_widget_compute_point (GTK_WIDGET (self->network_view), widget, &p, &q))
                bpv_event ("HEADER %zu x=%d y=%d", c + 1, (int) lround (q.x + sx),
                           (int) lround (q.y + sy));
            }
        }
      }
  }
}
