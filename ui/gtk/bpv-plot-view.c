/* bpv-plot-view.c — one plot panel (see bpv-plot-view.h). */
#include "config.h"
#include "bpv-plot-view.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <inttypes.h>
#include <math.h>

#include "bpv-heatmap.h"
#include "bp-diagnostics.h"
#include "bpv-plot.h"
#include "bpv-plot-dist.h"

/* The resolution CSS and Pango sizes are written for (1 pt = 96/72 px);
 * presentation mode's -gtk-dpi: 144 makes text 1.5 × larger. */
#define CSS_DPI 96.0
/* The decision map's size request (pixels): square when there is room,
 * between these bounds. */
#define DECISION_MIN 200
#define DECISION_MAX 520
#define DECISION_NAT 360
/* The other plots' size request (pixels): below 180 wide the norms'
 * legend lies over its lines.  Four columns of them (the histogram's
 * shares its column with the distributions) fit beside the side panel of
 * a 1280-pixel window. */
#define PLOT_MIN_WIDTH  180
#define PLOT_MIN_HEIGHT 150
#define PLOT_NAT_WIDTH  320
#define PLOT_NAT_HEIGHT 210
/* Every plot's tooltip (after the distributions' caption). */
#define LARGE_HINT N_("Double-click to open this plot large")
/* The margin (pixels) of the message shown in place of a plot. */
#define MESSAGE_MARGIN 12
/* While training, the histogram and the map follow the parameters at most
 * every 66 ms (~15 Hz), not with every frame training delivers. */
#define REDRAW_INTERVAL_US 66000

struct _BpvPlotView
{
  GtkWidget    parent_instance;

  BpvSession  *session;
  gulong       history_id;
  gulong       values_id;
  gulong       structure_id;
  gulong       selection_id;
  BpvPlotKind  kind;
  gboolean     gradients;
  guint        quantity;      /* distributions: 0 W, 1 ∂C/∂W, 2 units */
  guint        layer;         /* distributions: n of W(n), from 1 */
  gint64       last_draw;
  guint64      serial;        /* of the numbers last asked for */
  gboolean     marked;        /* the timeline showed a past step, */
  guint64      marked_step;   /* this one, at the last values-changed */
};

G_DEFINE_FINAL_TYPE (BpvPlotView, bpv_plot_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (BpvPlotKind, bpv_plot_kind,
  G_DEFINE_ENUM_VALUE (BPV_PLOT_GRAD_NORMS, "grad-norms"),
  G_DEFINE_ENUM_VALUE (BPV_PLOT_HISTOGRAM, "histogram"),
  G_DEFINE_ENUM_VALUE (BPV_PLOT_LOSS, "loss"),
  G_DEFINE_ENUM_VALUE (BPV_PLOT_ACCURACY, "accuracy"),
  G_DEFINE_ENUM_VALUE (BPV_PLOT_DECISION, "decision"),
  G_DEFINE_ENUM_VALUE (BPV_PLOT_DISTRIBUTIONS, "distributions"))

enum {
  PROP_0,
  PROP_SESSION,
  PROP_KIND,
  PROP_GRADIENTS,
  PROP_QUANTITY,
  PROP_LAYER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static BpvTheme
current_theme (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ())
         ? BPV_THEME_DARK : BPV_THEME_LIGHT;
}

/* The layer a histogram shows: the selection's, else the first. */
static gsize
histogram_layer (BpvPlotView *self)
{
  const BpvHit *sel = bpv_session_get_selection (self->session);
  const BpNetwork *net = bpv_session_get_network (self->session);

  if (sel->kind != BPV_HIT_NONE && sel->layer >= 1 && sel->layer <= net->n_layers)
    return sel->layer;
  return 1;
}

static void
paint_histogram (BpvPlotView        *self,
                 cairo_t            *cr,
                 const BpvRect      *rect,
                 const BpvPlotStyle *style)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  gsize n = histogram_layer (self);
  const BpLayer *L = &net->layers[n - 1];
  g_autofree char *label = NULL;
  g_autofree char *title = NULL;
  BpvPlotStyle st = *style;

  label = self->gradients ? g_strdup_printf ("∂C/∂W(%zu)", n) : g_strdup_printf ("W(%zu)", n);
  title = g_strdup_printf (self->gradients ? _("Gradients %s") : _("Weights %s"), label);
  st.title = title;
  bpv_plot_histogram (cr, rect, self->gradients ? L->dW : L->W, L->in * L->out, 0, label, &st);
}

/* Labels follow the widget's CSS resolution (-gtk-dpi), which the
 * window raises in presentation mode (bpv.css). */
static double
text_scale (BpvPlotView *self)
{
  double dpi = pango_cairo_context_get_resolution (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  return dpi > CSS_DPI ? dpi / CSS_DPI : 1.0;
}

static void
paint_decision (BpvPlotView        *self,
                cairo_t            *cr,
                const BpvRect      *rect,
                BpvTheme            theme)
{
  const BpvDecisionMap *map = bpv_session_get_decision_map (self->session);
  const BpDataset *ds = bpv_session_get_dataset (self->session);
  const BpvThemeColors *colors = bpv_theme_colors (theme);
  BpvDecisionStyle style;

  if (map == NULL)
    {
      /* Not a 2-D input: say so rather than leave a hole. */
      cairo_t *c = cr;
      PangoLayout *layout = pango_cairo_create_layout (c);
      PangoFontDescription *font = pango_font_description_from_string ("Sans 13");
      int tw, th;

      pango_cairo_context_set_resolution (pango_layout_get_context (layout), CSS_DPI * text_scale (self));
      pango_layout_context_changed (layout);

      bpv_set_source_rgba (c, colors->panel);
      cairo_rectangle (c, rect->x, rect->y, rect->width, rect->height);
      cairo_fill (c);
      pango_layout_set_font_description (layout, font);
      pango_layout_set_width (layout, (int) (rect->width - 2 * MESSAGE_MARGIN) * PANGO_SCALE);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_set_text (layout, _("The decision map needs a dataset with two inputs."), -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      bpv_set_source_rgba (c, colors->text_muted);
      cairo_move_to (c, rect->x + MESSAGE_MARGIN, rect->y + (rect->height - th) / 2);
      pango_cairo_show_layout (c, layout);
      pango_font_description_free (font);
      g_object_unref (layout);
      return;
    }
  bpv_decision_style_init (&style);
  style.theme = theme;
  style.text_scale = text_scale (self);
  style.boundary = bpv_session_get_decision_level (self->session);
  if (ds->feature_names != NULL && ds->feature_names[0] != NULL && ds->feature_names[1] != NULL)
    {
      style.x_label = ds->feature_names[0];
      style.y_label = ds->feature_names[1];
    }
  bpv_decision_map_render (cr, rect, map, bpv_session_get_train (self->session),
                           bpv_session_get_test (self->session), &style);
}

/* While the timeline shows a past step, the plots against steps or epochs
 * mark it: the norms plot at that step, loss and accuracy at the epoch
 * containing it (the first whose end, BpEpochStats.step, is at or after
 * it; none yet while that epoch is still running).  `label` receives the
 * label style->mark_label points to. */
static void
set_mark (BpvPlotView        *self,
          BpvPlotStyle       *style,
          const BpEpochStats *stats,
          gsize               n,
          char              **label)
{
  guint64 step;

  if (!bpv_session_is_viewing_past (self->session))
    return;
  step = bpv_session_get_shown_step (self->session);
  if (stats == NULL)
    {
      style->mark = TRUE;
      style->mark_x = (double) step;
      *label = g_strdup_printf (_("step %" PRIu64), step);
    }
  else
    for (gsize i = 0; i < n; i++)
      if (stats[i].step >= step)
        {
          style->mark = TRUE;
          style->mark_x = stats[i].epoch;
          /* The x axis says the epoch; the label, the step in it. */
          *label = g_strdup_printf (_("step %" PRIu64), step);
          break;
        }
  style->mark_label = *label;
}

/* The distributions of layer n (or every layer's units), the last ones
 * computed while new ones are: a message in their place when there are
 * none that fit the network, or no layer n. */
static void
paint_distributions (BpvPlotView        *self,
                     cairo_t            *cr,
                     const BpvRect      *rect,
                     const BpvPlotStyle *style)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  const char *status = NULL;
  const BpRecordDist *dist = bpv_session_get_distributions (self->session, &status);
  gsize n = self->layer;
  g_autofree char *name = NULL;

  if (dist == NULL || dist->n_layers != net->n_layers || dist->n_steps == 0)
    {
      bpv_plot_dist_message (cr, rect, _("Distributions"),
                             status != NULL ? status : _("Nothing recorded yet: train or step to record steps."),
                             style);
      return;
    }
  if (self->quantity == 2)
    {
      bpv_plot_dist_units (cr, rect, dist, style);
      return;
    }
  if (n > net->n_layers)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("Layer %u: the network has %u layer.",
                                                         "Layer %u: the network has %u layers.",
                                                         (guint) net->n_layers),
                                               self->layer, (guint) net->n_layers);

      bpv_plot_dist_message (cr, rect, _("Distributions"), text, style);
      return;
    }
  name = bp_diag_grad_layer_name (net, n - 1);
  if (name == NULL)
    name = g_strdup_printf ("W(%zu)", n);
  bpv_plot_dist_histograms (cr, rect, dist, self->quantity == 1 ? BP_RECORD_DIST_GRADIENTS
                                                                : BP_RECORD_DIST_WEIGHTS,
                            n - 1, name, style);
}

void
bpv_plot_view_paint (BpvPlotView *self,
                     cairo_t     *cr,
                     double       width,
                     double       height)
{
  BpvRect rect = { 0, 0, width, height };
  BpvPlotStyle style;
  g_autofree char *mark_label = NULL;
  gsize n;

  g_return_if_fail (BPV_IS_PLOT_VIEW (self));

  if (self->session == NULL)
    return;
  bpv_plot_style_init (&style);
  style.theme = current_theme ();
  style.text_scale = text_scale (self);
  switch (self->kind)
    {
    case BPV_PLOT_GRAD_NORMS:
      {
        const double *norms;
        gsize n_layers;
        guint64 stride;

        n = bpv_session_get_grad_norms (self->session, &norms, &n_layers, &stride);
        style.title = _("‖∂C/∂W(n)‖ per layer");
        style.layer_names = bpv_session_get_grad_norm_names (self->session);
        set_mark (self, &style, NULL, 0, &mark_label);
        bpv_plot_grad_norms (cr, &rect, norms, n, n_layers, stride, &style);
      }
      break;
    case BPV_PLOT_HISTOGRAM:
      paint_histogram (self, cr, &rect, &style);
      break;
    case BPV_PLOT_LOSS:
      {
        const BpEpochStats *stats = bpv_session_get_epochs (self->session, &n);

        set_mark (self, &style, stats, n, &mark_label);
        bpv_plot_loss (cr, &rect, stats, n, &style);
      }
      break;
    case BPV_PLOT_ACCURACY:
      {
        const BpEpochStats *stats = bpv_session_get_epochs (self->session, &n);

        set_mark (self, &style, stats, n, &mark_label);
        bpv_plot_accuracy (cr, &rect, stats, n, &style);
      }
      break;
    case BPV_PLOT_DECISION:
      paint_decision (self, cr, &rect, style.theme);
      break;
    case BPV_PLOT_DISTRIBUTIONS:
      set_mark (self, &style, NULL, 0, &mark_label);
      paint_distributions (self, cr, &rect, &style);
      break;
    default:
      break;
    }
}

static void
bpv_plot_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  BpvPlotView *self = BPV_PLOT_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->session == NULL || w <= 0 || h <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  bpv_plot_view_paint (self, cr, w, h);
  cairo_destroy (cr);
  self->last_draw = g_get_monotonic_time ();
}

static GtkSizeRequestMode
bpv_plot_view_get_request_mode (GtkWidget *widget)
{
  return BPV_PLOT_VIEW (widget)->kind == BPV_PLOT_DECISION
         ? GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
bpv_plot_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  BpvPlotView *self = BPV_PLOT_VIEW (widget);

  if (self->kind == BPV_PLOT_DECISION)
    {
      /* Square when there is room. */
      *minimum = DECISION_MIN;
      *natural = orientation == GTK_ORIENTATION_VERTICAL && for_size > 0
                 ? CLAMP (for_size, DECISION_MIN, DECISION_MAX) : DECISION_NAT;
      return;
    }
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? PLOT_MIN_WIDTH : PLOT_MIN_HEIGHT;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? PLOT_NAT_WIDTH : PLOT_NAT_HEIGHT;
}

static void
queue_redraw (BpvPlotView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The distributions are computed while their plot is on screen. */
static void
update_distributions (BpvPlotView *self)
{
  if (self->kind == BPV_PLOT_DISTRIBUTIONS && self->session != NULL
      && gtk_widget_get_mapped (GTK_WIDGET (self)))
    bpv_session_update_distributions (self->session);
}

static void
bpv_plot_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bpv_plot_view_parent_class)->map (widget);
  update_distributions (BPV_PLOT_VIEW (widget));
}

/* The caption as the tooltip too: a small panel has no room for it. */
static void
update_tooltip (BpvPlotView *self)
{
  const BpRecordDist *dist;
  g_autofree char *caption = NULL;
  g_autofree char *text = NULL;

  if (self->kind != BPV_PLOT_DISTRIBUTIONS || self->session == NULL)
    return;
  dist = bpv_session_get_distributions (self->session, NULL);
  if (dist != NULL && dist->n_steps > 0 && dist->n_layers == bpv_session_get_network (self->session)->n_layers)
    caption = bpv_plot_dist_caption (dist, self->quantity == 2 ? BP_RECORD_DIST_N_QUANTITIES
                                           : self->quantity == 1 ? BP_RECORD_DIST_GRADIENTS
                                                                 : BP_RECORD_DIST_WEIGHTS,
                                     MIN (self->layer, dist->n_layers) - 1);
  /* With how to see it large (a heat map at 180 px is small). */
  text = caption != NULL ? g_strdup_printf ("%s\n%s", caption, _(LARGE_HINT)) : g_strdup (_(LARGE_HINT));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), text);
}

/* The histogram and the distributions show the selected layer. */
static void
on_selection_changed (BpvPlotView *self)
{
  const BpvHit *sel = bpv_session_get_selection (self->session);

  /* Clicking a weight or a unit chooses its layer here too. */
  if (self->kind == BPV_PLOT_DISTRIBUTIONS && sel->kind != BPV_HIT_NONE && sel->layer >= 1)
    bpv_plot_view_set_layer (self, (guint) sel->layer);
  update_tooltip (self);
  queue_redraw (self);
}

static void
on_values_changed (BpvSession  *session,
                   BpvPlotView *self)
{
  /* A step-mode step or a fork changes the recording. */
  update_distributions (self);
  /* The plots against steps or epochs follow the timeline's marker. */
  if (self->kind != BPV_PLOT_HISTOGRAM && self->kind != BPV_PLOT_DECISION)
    {
      gboolean past = bpv_session_is_viewing_past (session);
      guint64 step = past ? bpv_session_get_shown_step (session) : 0;

      if (past != self->marked || step != self->marked_step)
        {
          self->marked = past;
          self->marked_step = step;
          queue_redraw (self);
        }
      return;
    }
  /* The histogram and the map follow the parameters (at most ~15 Hz). */
  if (bpv_session_get_values_serial (session) == self->serial)
    return;
  self->serial = bpv_session_get_values_serial (session);
  if (g_get_monotonic_time () - self->last_draw < REDRAW_INTERVAL_US && bpv_session_get_running (session))
    return;
  queue_redraw (self);
}

static void
on_history_changed (BpvSession  *session,
                    BpvPlotView *self)
{
  if (self->kind == BPV_PLOT_HISTOGRAM || self->kind == BPV_PLOT_DECISION)
    return;
  update_distributions (self);
  update_tooltip (self);
  queue_redraw (self);
}

static void
bpv_plot_view_dispose (GObject *object)
{
  bpv_plot_view_set_session (BPV_PLOT_VIEW (object), NULL);
  G_OBJECT_CLASS (bpv_plot_view_parent_class)->dispose (object);
}

static void
bpv_plot_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BpvPlotView *self = BPV_PLOT_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_GRADIENTS:
      g_value_set_boolean (value, self->gradients);
      break;
    case PROP_QUANTITY:
      g_value_set_uint (value, self->quantity);
      break;
    case PROP_LAYER:
      g_value_set_uint (value, self->layer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_plot_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BpvPlotView *self = BPV_PLOT_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      bpv_plot_view_set_session (self, g_value_get_object (value));
      break;
    case PROP_KIND:
      bpv_plot_view_set_kind (self, g_value_get_enum (value));
      break;
    case PROP_GRADIENTS:
      bpv_plot_view_set_gradients (self, g_value_get_boolean (value));
      break;
    case PROP_QUANTITY:
      bpv_plot_view_set_quantity (self, g_value_get_uint (value));
      break;
    case PROP_LAYER:
      bpv_plot_view_set_layer (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
open_large_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  bpv_plot_view_open_large (BPV_PLOT_VIEW (widget));
}

static void
on_pressed (GtkGestureClick *click,
            int              n_press,
            double           x,
            double           y,
            BpvPlotView     *self)
{
  if (n_press == 2)
    gtk_widget_activate_action (GTK_WIDGET (self), "plot.open-large", NULL);
}

static void
bpv_plot_view_class_init (BpvPlotViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bpv_plot_view_dispose;
  object_class->get_property = bpv_plot_view_get_property;
  object_class->set_property = bpv_plot_view_set_property;
  widget_class->snapshot = bpv_plot_view_snapshot;
  widget_class->map = bpv_plot_view_map;
  widget_class->measure = bpv_plot_view_measure;
  widget_class->get_request_mode = bpv_plot_view_get_request_mode;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BPV_TYPE_SESSION, rw);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, BPV_TYPE_PLOT_KIND, BPV_PLOT_GRAD_NORMS, rw);
  properties[PROP_GRADIENTS] =
    g_param_spec_boolean ("gradients", NULL, NULL, FALSE, rw);
  properties[PROP_QUANTITY] =
    g_param_spec_uint ("quantity", NULL, NULL, 0, 2, 0, rw);
  properties[PROP_LAYER] =
    g_param_spec_uint ("layer", NULL, NULL, 1, BP_MAX_LAYERS, 1, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Double-click: the same plot in a window of its own (open_large). */
  gtk_widget_class_install_action (widget_class, "plot.open-large", NULL, open_large_action);

  gtk_widget_class_set_css_name (widget_class, "plotview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bpv_plot_view_init (BpvPlotView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), _(LARGE_HINT));
  self->layer = 1;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (queue_redraw), self, G_CONNECT_SWAPPED);
}

GtkWidget *
bpv_plot_view_new (BpvPlotKind kind)
{
  return g_object_new (BPV_TYPE_PLOT_VIEW, "kind", kind, NULL);
}

void
bpv_plot_view_set_session (BpvPlotView *self,
                           BpvSession  *session)
{
  g_return_if_fail (BPV_IS_PLOT_VIEW (self));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->history_id, self->session);
      g_clear_signal_handler (&self->values_id, self->session);
      g_clear_signal_handler (&self->structure_id, self->session);
      g_clear_signal_handler (&self->selection_id, self->session);
      g_clear_object (&self->session);
    }
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      self->history_id = g_signal_connect (session, "history-changed",
                                           G_CALLBACK (on_history_changed), self);
      self->values_id = g_signal_connect (session, "values-changed",
                                          G_CALLBACK (on_values_changed), self);
      self->structure_id = g_signal_connect_swapped (session, "structure-changed",
                                                     G_CALLBACK (queue_redraw), self);
      self->selection_id = g_signal_connect_swapped (session, "selection-changed",
                                                     G_CALLBACK (on_selection_changed), self);
    }
  update_distributions (self);
  queue_redraw (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

void
bpv_plot_view_set_kind (BpvPlotView *self,
                        BpvPlotKind  kind)
{
  g_return_if_fail (BPV_IS_PLOT_VIEW (self));

  if (self->kind == kind)
    return;
  self->kind = kind;
  update_distributions (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

BpvPlotKind
bpv_plot_view_get_kind (BpvPlotView *self)
{
  return self->kind;
}

void
bpv_plot_view_set_gradients (BpvPlotView *self,
                             gboolean     gradients)
{
  g_return_if_fail (BPV_IS_PLOT_VIEW (self));

  gradients = !!gradients;
  if (self->gradients == gradients)
    return;
  self->gradients = gradients;
  queue_redraw (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRADIENTS]);
}

void
bpv_plot_view_set_quantity (BpvPlotView *self,
                            guint        quantity)
{
  g_return_if_fail (BPV_IS_PLOT_VIEW (self));
  g_return_if_fail (quantity <= 2);

  if (self->quantity == quantity)
    return;
  self->quantity = quantity;
  update_tooltip (self);
  queue_redraw (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUANTITY]);
}

void
bpv_plot_view_set_layer (BpvPlotView *self,
                         guint        layer)
{
  g_return_if_fail (BPV_IS_PLOT_VIEW (self));
  g_return_if_fail (layer >= 1 && layer <= BP_MAX_LAYERS);

  if (self->layer == layer)
    return;
  self->layer = layer;
  update_tooltip (self);
  queue_redraw (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}

/* The title of a plot's own window. */
static const char *
kind_title (BpvPlotKind kind)
{
  switch (kind)
    {
    case BPV_PLOT_GRAD_NORMS:
      return _("Gradient Norms per Layer");
    case BPV_PLOT_HISTOGRAM:
      return _("Histogram of the Layer");
    case BPV_PLOT_LOSS:
      return _("Loss");
    case BPV_PLOT_ACCURACY:
      return _("Accuracy");
    case BPV_PLOT_DECISION:
      return _("Decision Map");
    case BPV_PLOT_DISTRIBUTIONS:
    default:
      return _("Distributions over the Recorded Steps");
    }
}

GtkWindow *
bpv_plot_view_open_large (BpvPlotView *self)
{
  GtkRoot *root;
  GtkWindow *window;
  GtkWidget *large;
  GtkEventController *keys;

  g_return_val_if_fail (BPV_IS_PLOT_VIEW (self), NULL);

  large = bpv_plot_view_new (self->kind);
  bpv_plot_view_set_session (BPV_PLOT_VIEW (large), self->session);
  /* What it shows stays the small plot's, both ways. */
  g_object_bind_property (self, "gradients", large, "gradients",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (self, "quantity", large, "quantity",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (self, "layer", large, "layer",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  gtk_widget_set_margin_start (large, 12);
  gtk_widget_set_margin_end (large, 12);
  gtk_widget_set_margin_top (large, 12);
  gtk_widget_set_margin_bottom (large, 12);

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (window, kind_title (self->kind));
  gtk_window_set_default_size (window, 900, 600);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (window, GTK_WINDOW (root));
      gtk_window_set_destroy_with_parent (window, TRUE);
    }
  keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (window), keys);
  gtk_window_set_child (window, large);
  gtk_window_present (window);
  return window;
}
