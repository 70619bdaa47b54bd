/* bpv-plot-view.h — a panel that paints one of the session's plots with the
 * GTK-free functions of bpv-plot.h / bpv-heatmap.h: the gradient norms per
 * layer, a histogram of one layer's weights or gradients, the loss and
 * accuracy curves, the decision map behind the data, or the distributions
 * over the recording (W, ∂C/∂W or units over the kept steps).
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-session.h"

G_BEGIN_DECLS

typedef enum
{
  BPV_PLOT_GRAD_NORMS,
  BPV_PLOT_HISTOGRAM,
  BPV_PLOT_LOSS,
  BPV_PLOT_ACCURACY,
  BPV_PLOT_DECISION,
  BPV_PLOT_DISTRIBUTIONS,  /* over the recording: the quantity property */
} BpvPlotKind;

GType bpv_plot_kind_get_type (void) G_GNUC_CONST;
#define BPV_TYPE_PLOT_KIND (bpv_plot_kind_get_type ())

#define BPV_TYPE_PLOT_VIEW (bpv_plot_view_get_type ())
G_DECLARE_FINAL_TYPE (BpvPlotView, bpv_plot_view, BPV, PLOT_VIEW, GtkWidget)

GtkWidget   *bpv_plot_view_new            (BpvPlotKind  kind);
void         bpv_plot_view_set_session    (BpvPlotView *self,
                                           BpvSession  *session);
void         bpv_plot_view_set_kind       (BpvPlotView *self,
                                           BpvPlotKind  kind);
BpvPlotKind  bpv_plot_view_get_kind       (BpvPlotView *self);
/* Histogram: gradients (TRUE) or weights. */
void         bpv_plot_view_set_gradients  (BpvPlotView *self,
                                           gboolean     gradients);
/* Distributions: 0 W(n) of the layer below, 1 its ∂C/∂W(n), 2 the dead
 * and saturated units of every layer. */
void         bpv_plot_view_set_quantity   (BpvPlotView *self,
                                           guint        quantity);
/* Distributions: the layer n of W(n) and ∂C/∂W(n), from 1 (a layer the
 * network does not have is said so); selecting a weight or a unit on the
 * canvas sets it to theirs. */
void         bpv_plot_view_set_layer      (BpvPlotView *self,
                                           guint        layer);
/* The same plot, following the same session and showing what this one
 * shows, in a window of its own of 900 × 600 (what a double-click or the
 * "plot.open-large" action opens), transient for this plot's window and
 * closed with it or by Escape.  The window is GTK's (not to be unref'd). */
GtkWindow   *bpv_plot_view_open_large     (BpvPlotView *self);
/* Paints what snapshot() paints into any cairo context (export, tests). */
void         bpv_plot_view_paint          (BpvPlotView *self,
                                           cairo_t     *cr,
                                           double       width,
                                           double       height);

G_END_DECLS
