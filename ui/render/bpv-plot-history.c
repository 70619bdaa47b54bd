/* bpv-plot-history.c — the loss, accuracy and learning-rate panels: one
 * value per epoch, drawn in the family's frame (bpv-plot-private.h). */
#include "config.h"
#include "bpv-plot.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bpv-plot-private.h"

/* ------------------------------------------------------- loss / accuracy */

typedef enum
{
  HISTORY_LOSS,
  HISTORY_ACCURACY,
  HISTORY_RATE,      /* BpEpochStats.lr: the rate after each epoch */
} HistoryKind;

/* The learning-rate panel's share of the loss plot's height, and its
 * least height in font sizes: one row of text for its label (no title
 * row), the x axis, and a few rows of data. */
#define RATE_PANEL_SHARE 0.3
#define RATE_PANEL_MIN_EM 6.5
#define RATE_PANEL_TOP_EM 1.6

/* Draws one history panel; its data area begins at `min_left` or right of
 * it (so that stacked panels share their x axis pixel for pixel).  Returns
 * where the data area begins. */
static double
plot_history (cairo_t            *cr,
              const BpvRect      *rect,
              const BpEpochStats *stats,
              gsize               n,
              const BpvPlotStyle *style,
              HistoryKind         kind,
              double              min_left)
{
  BpvPlotFrame fr;
  g_autofree double *x = NULL, *train = NULL, *test = NULL;
  double lo = INFINITY, hi = -INFINITY, left;
  gboolean have_test = FALSE, accuracy = kind == HISTORY_ACCURACY;

  g_return_val_if_fail (cr != NULL && rect != NULL, 0);
  g_return_val_if_fail (stats != NULL || n == 0, 0);

  /* The loss plotted is each epoch's mean over the training (and test)
   * set, not one step's. */
  if (!bpv_plot_frame_begin (&fr, cr, rect, style, accuracy ? _("Accuracy")
                             : kind == HISTORY_RATE ? "" : _("Loss, mean per epoch"), 0))
    {
      bpv_plot_frame_end (&fr);
      return 0;
    }
  x = g_new (double, MAX (n, 1));
  train = g_new (double, MAX (n, 1));
  test = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      x[i] = stats[i].epoch;
      train[i] = accuracy ? stats[i].train_accuracy
                 : kind == HISTORY_RATE ? stats[i].lr : stats[i].train_loss;
      test[i] = accuracy ? stats[i].test_accuracy
                : kind == HISTORY_RATE ? NAN : stats[i].test_loss;
      if (isfinite (test[i]))
        have_test = TRUE;
      for (int k = 0; k < 2; k++)
        {
          double v = k == 0 ? train[i] : test[i];

          if (isfinite (v) && (kind != HISTORY_LOSS || v > 0))
            {
              lo = MIN (lo, v);
              hi = MAX (hi, v);
            }
        }
    }
  if (n == 0 || !(hi >= lo))
    {
      bpv_plot_frame_message (&fr, n == 0 ? _("No epochs yet.")
                              : accuracy ? _("No accuracy: this is a regression task.")
                              : kind == HISTORY_RATE ? _("No learning rate recorded.")
                                                     : _("No finite loss values."));
      bpv_plot_frame_end (&fr);
      return 0;
    }

  fr.x0 = n > 1 ? x[0] : x[0] - 1;
  fr.x1 = n > 1 ? x[n - 1] : x[0] + 1;
  if (accuracy)
    {
      fr.y0 = 0;
      fr.y1 = 1;
    }
  else if (kind == HISTORY_LOSS && hi / lo > 100)
    {
      fr.log_y = TRUE;
      fr.y0 = floor (log10 (lo));
      fr.y1 = ceil (log10 (hi));
      if (fr.y1 <= fr.y0)
        fr.y1 = fr.y0 + 1;
    }
  else
    {
      /* From 0: a schedule's rate is read against its base. */
      fr.y0 = 0;
      fr.y1 = hi > 0 ? hi * 1.08 : 1;
    }

  {
    /* The key names each line with its latest value, above the data. */
    BpvRgba colors[2] = { bpv_palette_category (kind == HISTORY_RATE ? 2 : 0),
                          bpv_palette_category (1) };
    gboolean dashed[2] = { FALSE, TRUE };
    g_autofree char *train_s = NULL, *test_s = NULL;
    const char *labels[2];
    gboolean show_test = have_test && isfinite (test[n - 1]);

    train_s = accuracy ? g_strdup_printf (_("train %.1f%%"), train[n - 1] * 100)
              : kind == HISTORY_RATE ? g_strdup_printf (_("learning rate, now %.4g"), train[n - 1])
                                     : g_strdup_printf (_("train %.4g"), train[n - 1]);
    test_s = accuracy ? g_strdup_printf (_("test %.1f%%"), test[n - 1] * 100)
                      : g_strdup_printf (_("test %.4g"), test[n - 1]);
    labels[0] = train_s;
    labels[1] = show_test ? test_s : _("test");
    if (kind == HISTORY_RATE)
      {
        /* A thin panel: the data from just under its top edge. */
        fr.plot.height += fr.plot.y - (rect->y + RATE_PANEL_TOP_EM * fr.f);
        fr.plot.y = rect->y + RATE_PANEL_TOP_EM * fr.f;
      }
    else
      bpv_plot_frame_header_key (&fr, labels, colors, dashed, have_test ? 2 : 1);
    fr.percent_y = accuracy;
    bpv_plot_frame_fit_y (&fr);
    if (fr.plot.x < min_left)
      {
        fr.plot.width -= min_left - fr.plot.x;
        fr.plot.x = min_left;
      }
    left = fr.plot.x;
    bpv_plot_frame_axes (&fr, _("epoch"), accuracy ? _("accuracy")
                         : kind == HISTORY_RATE ? NULL
                         : fr.log_y ? _("loss (log)") : _("loss"), accuracy);
    /* The thin panel's label, in its row above the data: with the latest
     * value when that fits. */
    if (kind == HISTORY_RATE)
      {
        const char *label = train_s;
        double w;

        bpv_text_measure (fr.text, label, fr.f, BPV_TEXT_NORMAL, &w, NULL);
        if (w > rect->width - 2 * PAD_EM * fr.f)
          label = _("learning rate");
        bpv_text_draw (fr.text, label, rect->x + PAD_EM * fr.f, rect->y + 0.2 * fr.f, 0, 0, fr.f,
                       BPV_TEXT_NORMAL, fr.tc->text);
      }
    bpv_plot_frame_line (&fr, x, train, n, 1, colors[0], 0.17 * fr.f, FALSE);
    if (have_test)
      bpv_plot_frame_line (&fr, x, test, n, 1, colors[1], 0.17 * fr.f, TRUE);
    /* The rate's thin panel under the loss has the marker at the same x,
     * its label once, above. */
    bpv_plot_frame_mark (&fr, kind != HISTORY_RATE);
  }
  bpv_plot_frame_end (&fr);
  return left;
}

gboolean
bpv_plot_rate_varies (const BpEpochStats *stats,
                      gsize               n)
{
  for (gsize i = 1; i < n; i++)
    if (isfinite (stats[i].lr) && isfinite (stats[0].lr) && stats[i].lr != stats[0].lr)
      return TRUE;
  return FALSE;
}

void
bpv_plot_loss (cairo_t            *cr,
               const BpvRect      *rect,
               const BpEpochStats *stats,
               gsize               n,
               const BpvPlotStyle *style)
{
  BpvPlotStyle st;
  BpvRect top = *rect, bottom = *rect;
  double f, rate_left, loss_left;

  if (style != NULL)
    st = *style;
  else
    bpv_plot_style_init (&st);
  /* Both panels keep the type the whole rect would have had. */
  f = bpv_plot_frame_font_size (rect, &st);
  bottom.height = MAX (RATE_PANEL_SHARE * rect->height, RATE_PANEL_MIN_EM * f);
  if (!bpv_plot_rate_varies (stats, n) || bottom.height > rect->height / 2)
    {
      plot_history (cr, rect, stats, n, style, HISTORY_LOSS, 0);
      return;
    }
  st.font_size = f / (st.text_scale > 0 ? st.text_scale : 1.0);
  top.height = rect->height - bottom.height;
  bottom.y = rect->y + top.height;
  /* Under the loss, the same epochs at the same x: the panel whose y
   * labels are wider sets where both data areas begin. */
  rate_left = plot_history (cr, &bottom, stats, n, &st, HISTORY_RATE, 0);
  loss_left = plot_history (cr, &top, stats, n, &st, HISTORY_LOSS, rate_left);
  if (loss_left > rate_left)
    plot_history (cr, &bottom, stats, n, &st, HISTORY_RATE, loss_left);
}

void
bpv_plot_accuracy (cairo_t            *cr,
                   const BpvRect      *rect,
                   const BpEpochStats *stats,
                   gsize               n,
                   const BpvPlotStyle *style)
{
  plot_history (cr, rect, stats, n, style, HISTORY_ACCURACY, 0);
}
