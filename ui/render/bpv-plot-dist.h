/* bpv-plot-dist.h — distributions over a recording's kept steps
 * (core/bp-record-dist.h) drawn with cairo into a rect, in the frame of the
 * other plots (bpv-plot.h): the same step axis, the same marker of the
 * step the timeline shows (BpvPlotStyle.mark, mark_x in steps).
 *
 *   histograms  a heat map per layer: x = step, y = value (W(n): linear;
 *               ∂C/∂W(n): symmetric log bins, ±10ᵏ ticks and a middle bin
 *               for the values below the smallest decade shown), colour =
 *               count on a log scale, viridis — ordered in lightness, so
 *               it reads on a projector and in grayscale (light theme:
 *               light is few, dark is many; dark theme: the other way).
 *   units       the fraction of dead (solid) and saturated (dashed) units
 *               of each dense layer over the steps, with a key.
 *
 * Each has a caption under the axes that says what was counted: the rows
 * of the pass and, for units, the definitions.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bp-record-dist.h"
#include "bpv-plot.h"

G_BEGIN_DECLS

/* Layer `layer`'s (0-based) histograms of quantity q over the kept steps.
 * `layer_name`: how the app names the layer's parameters ("W(2)",
 * "γ(2)"); the gradients' are "∂C/∂" + it.  A layer without parameters
 * (dropout) gets a message instead. */
void     bpv_plot_dist_histograms (cairo_t              *cr,
                                   const BpvRect        *rect,
                                   const BpRecordDist   *dist,
                                   BpRecordDistQuantity  q,
                                   gsize                 layer,
                                   const char           *layer_name,
                                   const BpvPlotStyle   *style);
/* Dead and saturated fractions of every dense layer over the kept steps. */
void     bpv_plot_dist_units      (cairo_t              *cr,
                                   const BpvRect        *rect,
                                   const BpRecordDist   *dist,
                                   const BpvPlotStyle   *style);
/* What a plot's caption says (the rows of the pass, the bins, for units
 * the definitions), for a tooltip where the caption has no room: q =
 * BP_RECORD_DIST_N_QUANTITIES for the units plot.  Free with g_free. */
char    *bpv_plot_dist_caption    (const BpRecordDist   *dist,
                                   BpRecordDistQuantity  q,
                                   gsize                 layer);
/* The panel with `title` and a message in place of the data ("Computing
 * distributions… 40 %", "Train to record steps"). */
void     bpv_plot_dist_message    (cairo_t              *cr,
                                   const BpvRect        *rect,
                                   const char           *title,
                                   const char           *message,
                                   const BpvPlotStyle   *style);
/* The ramp's colour at t in [0, 1] (0: fewest, 1: most) for `theme`. */
BpvRgba  bpv_plot_dist_ramp       (double                t,
                                   BpvTheme              theme);

G_END_DECLS
