/* bpv-plot-compare.h — the compare view's plots: two runs, A and B,
 * against the same step axis.  A is drawn solid, B dashed, and the key
 * names both ("A · sgd", "B · adam"), so that they are told apart by
 * line style and legend, not by colour alone.
 *
 * GTK-free (cairo), in the family frame of bpv-plot*.c: the same fonts,
 * axes and the step marker (BpvPlotStyle.mark: the step both canvases
 * show while the timeline is scrubbed back).
 */
#pragma once

#include "bpv-plot.h"

G_BEGIN_DECLS

/* One run's values by step: n points (x[i], y[i]) in increasing x. */
typedef struct
{
  const char   *label;   /* "A · sgd" */
  const double *x;       /* steps */
  const double *y;
  gsize         n;
} BpvPlotSeries;

/* One run's ‖∂C/∂W(n)‖ records: n_records × n_layers values, record r at
 * step (r + 1) · stride (bpv_session_get_grad_norms). */
typedef struct
{
  const char   *label;   /* "A · sgd" */
  const double *norms;
  gsize         n_records;
  guint64       stride;
} BpvPlotNormRun;

/* The batch loss of A and B against the step, on one plot (log y when
 * the values span more than two decades); the key gives each run's value
 * at the marker's step (BpvPlotStyle.mark), else its latest. */
void bpv_plot_compare_loss       (cairo_t             *cr,
                                  const BpvRect       *rect,
                                  const BpvPlotSeries *a,
                                  const BpvPlotSeries *b,
                                  const BpvPlotStyle  *style);
/* ‖∂C/∂W(n)‖ per layer of both runs on a log y-axis: one colour a layer
 * (the colours of bpv_plot_grad_norms, named in the key), A solid, B
 * dashed (said in the title; the labels are not used here).  The two runs
 * must have n_layers each (the same shapes). */
void bpv_plot_compare_grad_norms (cairo_t              *cr,
                                  const BpvRect        *rect,
                                  const BpvPlotNormRun *a,
                                  const BpvPlotNormRun *b,
                                  gsize                 n_layers,
                                  const BpvPlotStyle   *style);
/* One weight's value in A and in B against the step, the key as the
 * loss's; `name` says which ("W(2)[4,1]"; NULL: nothing selected, and the
 * panel says to select one).  No points in either: the panel says so (no
 * step recorded yet, or the weight is not one of both networks). */
void bpv_plot_compare_weight     (cairo_t             *cr,
                                  const BpvRect       *rect,
                                  const char          *name,
                                  const BpvPlotSeries *a,
                                  const BpvPlotSeries *b,
                                  const BpvPlotStyle  *style);

G_END_DECLS
