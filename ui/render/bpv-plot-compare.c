/* bpv-plot-compare.c — two runs against one step axis (see
 * bpv-plot-compare.h), in the family frame (bpv-plot-private.h). */
#include "config.h"
#include "bpv-plot-compare.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bpv-plot-private.h"

/* Line widths in font sizes: as the loss plot's. */
#define LINE_WIDTH_EM   0.17
#define NORM_WIDTH_EM   0.13

/* The x range both runs cover, and the y range of their finite values
 * (positive ones only when `positive`).  FALSE when there is none. */
static gboolean
series_ranges (const BpvPlotSeries *const *runs,
               gsize                       n_runs,
               gboolean                    positive,
               double                     *x0,
               double                     *x1,
               double                     *lo,
               double                     *hi)
{
  *x0 = *lo = INFINITY;
  *x1 = *hi = -INFINITY;
  for (gsize r = 0; r < n_runs; r++)
    for (gsize i = 0; i < runs[r]->n; i++)
      {
        double v = runs[r]->y[i];

        *x0 = MIN (*x0, runs[r]->x[i]);
        *x1 = MAX (*x1, runs[r]->x[i]);
        if (isfinite (v) && (!positive || v > 0))
          {
            *lo = MIN (*lo, v);
            *hi = MAX (*hi, v);
          }
      }
  return *hi >= *lo && *x1 >= *x0;
}

static void
set_x_range (BpvPlotFrame *fr,
             double        x0,
             double        x1)
{
  fr->x0 = x1 > x0 ? x0 : x0 - 1;
  fr->x1 = x1 > x0 ? x1 : x0 + 1;
}

/* A log axis over whole decades around lo … hi. */
static void
set_log_y (BpvPlotFrame *fr,
           double        lo,
           double        hi)
{
  fr->log_y = TRUE;
  fr->y0 = floor (log10 (lo));
  fr->y1 = ceil (log10 (hi));
  if (fr->y1 <= fr->y0)
    fr->y1 = fr->y0 + 1;
}

/* A linear axis with a little room above and below the values. */
static void
set_linear_y (BpvPlotFrame *fr,
              double        lo,
              double        hi)
{
  double pad = hi > lo ? 0.08 * (hi - lo) : MAX (fabs (hi) * 0.1, 1e-3);

  fr->y0 = lo - pad;
  fr->y1 = hi + pad;
}

/* "A · sgd 0.123": a run's label and its value at step `at` (the last
 * finite one at or before it), escaped for the frame's markup. */
static char *
key_label (const BpvPlotSeries *s,
           double               at)
{
  g_autofree char *escaped = g_markup_escape_text (s->label != NULL ? s->label : "", -1);

  for (gsize i = s->n; i > 0; i--)
    if (s->x[i - 1] <= at && isfinite (s->y[i - 1]))
      return g_strdup_printf ("%s  %.4g", escaped, s->y[i - 1]);
  return g_steal_pointer (&escaped);
}

/* The loss and weight panels: two series, A solid, B dashed. */
static void
plot_pair (cairo_t             *cr,
           const BpvRect       *rect,
           const BpvPlotSeries *a,
           const BpvPlotSeries *b,
           const BpvPlotStyle  *style,
           const char          *title,
           const char          *empty,
           gboolean             loss)
{
  const BpvPlotSeries *runs[2] = { a, b };
  BpvPlotFrame fr;
  double x0, x1, lo, hi;

  g_return_if_fail (cr != NULL && rect != NULL && a != NULL && b != NULL);

  if (!bpv_plot_frame_begin (&fr, cr, rect, style, title, 0))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  if (empty != NULL || !series_ranges (runs, 2, loss, &x0, &x1, &lo, &hi))
    {
      bpv_plot_frame_message (&fr, empty != NULL ? empty : _("No steps yet."));
      bpv_plot_frame_end (&fr);
      return;
    }
  set_x_range (&fr, x0, x1);
  if (loss && hi / lo > 100)
    set_log_y (&fr, lo, hi);
  else if (loss)
    {
      fr.y0 = 0;
      fr.y1 = hi * 1.08;
    }
  else
    set_linear_y (&fr, lo, hi);
  {
    BpvRgba colors[2] = { bpv_palette_category (0), bpv_palette_category (1) };
    gboolean dashed[2] = { FALSE, TRUE };
    /* The values at the step the canvases show: the marker's, else the
     * latest. */
    double at = fr.mark ? fr.mark_x : INFINITY;
    g_autofree char *ka = key_label (a, at), *kb = key_label (b, at);
    const char *labels[2] = { ka, kb };

    bpv_plot_frame_header_key (&fr, labels, colors, dashed, 2);
    bpv_plot_frame_fit_y (&fr);
    bpv_plot_frame_axes (&fr, _("step"), loss ? (fr.log_y ? _("loss (log)") : _("loss"))
                                              : _("value"), FALSE);
    for (gsize r = 0; r < 2; r++)
      bpv_plot_frame_line (&fr, runs[r]->x, runs[r]->y, runs[r]->n, 1, colors[r],
                           LINE_WIDTH_EM * fr.f, dashed[r]);
  }
  bpv_plot_frame_mark (&fr, TRUE);
  bpv_plot_frame_end (&fr);
}

void
bpv_plot_compare_loss (cairo_t             *cr,
                       const BpvRect       *rect,
                       const BpvPlotSeries *a,
                       const BpvPlotSeries *b,
                       const BpvPlotStyle  *style)
{
  plot_pair (cr, rect, a, b, style, _("Batch loss, A and B"), NULL, TRUE);
}

void
bpv_plot_compare_weight (cairo_t             *cr,
                         const BpvRect       *rect,
                         const char          *name,
                         const BpvPlotSeries *a,
                         const BpvPlotSeries *b,
                         const BpvPlotStyle  *style)
{
  g_autofree char *title = name != NULL ? g_strdup_printf (_("%s in A and B"), name)
                                        : g_strdup (_("A weight in A and B"));

  plot_pair (cr, rect, a, b, style, title,
             name == NULL ? _("Select a weight on either canvas.")
             : a->n == 0 && b->n == 0 ? _("No recorded steps of this weight in both runs.")
             : NULL, FALSE);
}

void
bpv_plot_compare_grad_norms (cairo_t              *cr,
                             const BpvRect        *rect,
                             const BpvPlotNormRun *a,
                             const BpvPlotNormRun *b,
                             gsize                 n_layers,
                             const BpvPlotStyle   *style)
{
  const BpvPlotNormRun *runs[2] = { a, b };
  BpvPlotFrame fr;
  double lo = INFINITY, hi = -INFINITY, x1 = 0;
  g_autofree double *x = NULL;
  gsize most = 0;

  g_return_if_fail (cr != NULL && rect != NULL && a != NULL && b != NULL);

  if (!bpv_plot_frame_begin (&fr, cr, rect, style, _("‖∂C/∂W(n)‖ · A solid, B dashed"), 0))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  for (gsize r = 0; r < 2; r++)
    {
      gsize n = runs[r]->n_records * n_layers;

      for (gsize i = 0; i < n; i++)
        if (isfinite (runs[r]->norms[i]) && runs[r]->norms[i] > 0)
          {
            lo = MIN (lo, runs[r]->norms[i]);
            hi = MAX (hi, runs[r]->norms[i]);
          }
      x1 = MAX (x1, (double) (runs[r]->n_records * runs[r]->stride));
      most = MAX (most, runs[r]->n_records);
    }
  if (n_layers == 0 || !(hi >= lo))
    {
      bpv_plot_frame_message (&fr, _("No steps yet."));
      bpv_plot_frame_end (&fr);
      return;
    }
  set_x_range (&fr, 0, x1);
  set_log_y (&fr, lo, hi);
  {
    /* The key names the layers' colours; the title says which run is
     * which line style (a key of both would leave layers out). */
    g_autofree const char **labels = g_new0 (const char *, MAX (n_layers, 1));
    g_autofree BpvRgba *colors = g_new0 (BpvRgba, MAX (n_layers, 1));
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);

    for (gsize l = 0; l < n_layers; l++)
      {
        char *s = g_strdup_printf ("W(%zu)", l + 1);

        g_ptr_array_add (strings, s);
        labels[l] = s;
        colors[l] = bpv_plot_frame_layer_color (&fr, l);
      }
    bpv_plot_frame_header_key (&fr, labels, colors, NULL, n_layers);
  }
  bpv_plot_frame_fit_y (&fr);
  bpv_plot_frame_axes (&fr, _("step"), _("‖∂C/∂W(n)‖ (log)"), FALSE);
  x = g_new (double, MAX (most, 1));
  for (gsize r = 0; r < 2; r++)
    {
      for (gsize i = 0; i < runs[r]->n_records; i++)
        x[i] = (double) ((i + 1) * runs[r]->stride);
      for (gsize l = 0; l < n_layers; l++)
        bpv_plot_frame_line (&fr, x, runs[r]->norms + l, runs[r]->n_records, n_layers,
                             bpv_plot_frame_layer_color (&fr, l), NORM_WIDTH_EM * fr.f, r == 1);
    }
  bpv_plot_frame_mark (&fr, TRUE);
  bpv_plot_frame_end (&fr);
}
