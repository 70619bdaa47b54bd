/* bpv-plot.h — training plots drawn with cairo into a rect: gradient norm
 * per layer (log y, with vanishing/exploding warnings), histograms of a
 * layer's weights or gradients, loss and accuracy curves.
 *
 * Font sizes follow the rect, or BpvPlotStyle.font_size when set, and are
 * never below BPV_TEXT_MIN_SIZE (11 pt): a label without room for it is
 * left out, not shrunk.  text_scale multiplies them (presentation mode).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bp-trainer.h"
#include "bpv-layout.h"
#include "bpv-palette.h"

G_BEGIN_DECLS

typedef struct
{
  BpvTheme    theme;
  const char *title;      /* NULL: the plot's default title */
  double      font_size;  /* 0: from the rect */
  double      text_scale; /* every label × this (presentation mode); 0 = 1 */
  gboolean    frame;      /* paint the panel background and frame; default TRUE */
  /* Gradient norms: each layer's name ("W(1)", "γ(2)"), NULL for one without
   * parameters (dropout: left out, and said so in the title).  NULL: every
   * layer is "W(n)". */
  const char *const *layer_names;
  /* A thin vertical marker in the accent colour at x = mark_x, in the
   * plot's x units (the norms plot: a step; loss and accuracy: an epoch),
   * labelled mark_label ("step 260"; "shown" where that has no room; NULL:
   * no label): the step the canvas
   * shows while the timeline is scrubbed back.  Left out when mark_x is
   * outside the x axis. */
  gboolean    mark;
  double      mark_x;
  const char *mark_label;
} BpvPlotStyle;

void          bpv_plot_style_init       (BpvPlotStyle *style);

/* ‖∂C/∂W(n)‖ per layer against the step on a log y-axis, one line per
 * layer, a legend, and a warning band and label for the layers whose latest
 * record vanishes or explodes: bp_diag_grad_latest_health's verdict, the
 * one `backprop train` warns with.  `norms` holds n_records × n_layers
 * values (record r is step (r + 1) · stride), as BpTrainer.grad_norms. */
void          bpv_plot_grad_norms       (cairo_t            *cr,
                                         const BpvRect      *rect,
                                         const double       *norms,
                                         gsize               n_records,
                                         gsize               n_layers,
                                         guint64             stride,
                                         const BpvPlotStyle *style);
/* A histogram of n values in n_bins bins (0: √n, at most 60), with the
 * count axis, the mean and the zero line; non-finite values are counted
 * and reported, not binned.  `x_label`: e.g. "W(2)" or "∂C/∂W(2)". */
void          bpv_plot_histogram        (cairo_t            *cr,
                                         const BpvRect      *rect,
                                         const double       *values,
                                         gsize               n,
                                         gsize               n_bins,
                                         const char         *x_label,
                                         const BpvPlotStyle *style);

/* Train and test loss per epoch (log y when the values span more than two
 * decades), from n BpEpochStats; NaN test loss = no test set.  When the
 * learning rate changed during the run (a schedule: BpEpochStats.lr
 * varies), a thin second panel under it draws the rate after each epoch,
 * labelled "learning rate", on the same x axis. */
void          bpv_plot_loss             (cairo_t            *cr,
                                         const BpvRect      *rect,
                                         const BpEpochStats *stats,
                                         gsize               n,
                                         const BpvPlotStyle *style);
/* Whether the recorded rate (BpEpochStats.lr) is not the same throughout:
 * bpv_plot_loss then draws it. */
gboolean      bpv_plot_rate_varies      (const BpEpochStats *stats,
                                         gsize               n);
/* Train and test accuracy per epoch on [0, 1] (nothing but a note for
 * regression, where accuracy is NaN). */
void          bpv_plot_accuracy         (cairo_t            *cr,
                                         const BpvRect      *rect,
                                         const BpEpochStats *stats,
                                         gsize               n,
                                         const BpvPlotStyle *style);

G_END_DECLS
