/* bpv-plot-private.h — what the bpv-plot*.c family shares: the frame every
 * panel is drawn in (title, axes, ticks, key, lines) and its geometry.
 * Only for ui/render/bpv-plot*.c. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bpv-plot.h"
#include "bpv-text.h"

G_BEGIN_DECLS

/* The frame's geometry, in units of its font size f (never below
 * BPV_TEXT_MIN_SIZE: every label is drawn at f, the title a little
 * larger; where a label has no room it is left out, not shrunk). */
#define TITLE_EM        1.1
#define LINE_EM         1.3    /* one row of text, top to top */
#define PAD_EM          0.6    /* inside the panel's edges */
#define TITLE_Y_EM      0.4    /* the title's top */
#define PLOT_TOP_EM     2.5    /* the data area's top, below the title row
                                * (its top y tick label reaches 0.6 f above) */
#define PLOT_BOTTOM_EM  2.9    /* x tick labels and the x title */
#define TICK_GAP_EM     0.4    /* tick labels from the axis */
#define X_TITLE_EM      1.6    /* the x title's top, below the axis */
#define X_TICK_SPACING_EM 4.5  /* x ticks at least this far apart */
#define Y_TICK_SPACING_EM 1.6
#define KEY_STROKE_EM   1.4    /* a key's sample line */
#define KEY_GAP_EM      0.4

typedef struct
{
  cairo_t              *cr;
  const BpvThemeColors *tc;
  BpvTheme              theme;
  BpvText              *text;
  double                f;        /* font size */
  BpvRect               rect;     /* the panel */
  BpvRect               plot;     /* the data area */
  double                title_right;  /* where the title ends */
  double                x0, x1;   /* data range along x */
  double                y0, y1;   /* along y (log10 units when log_y) */
  gboolean              log_y;
  gboolean              percent_y;
  double                y_step;   /* linear y: the ticks' step */
  int                   y_every;  /* log y: a tick every this many decades */
  gboolean              mark;     /* BpvPlotStyle.mark, mark_x, mark_label */
  double                mark_x;
  const char           *mark_label;
} BpvPlotFrame;

/* The frame's x and y in pixels of a data point (y in data units, not
 * log10, also on a log axis). */
double   bpv_plot_frame_x          (const BpvPlotFrame *fr,
                                    double              x);
double   bpv_plot_frame_y          (const BpvPlotFrame *fr,
                                    double              y);
/* The font size of a panel in `rect`, text_scale included. */
double   bpv_plot_frame_font_size  (const BpvRect      *rect,
                                    const BpvPlotStyle *style);
/* Saves cr, clips to rect, paints the panel and title; FALSE when the data
 * area has no room (call bpv_plot_frame_end all the same). */
gboolean bpv_plot_frame_begin      (BpvPlotFrame       *fr,
                                    cairo_t            *cr,
                                    const BpvRect      *rect,
                                    const BpvPlotStyle *style,
                                    const char         *default_title,
                                    double              right_room);
void     bpv_plot_frame_end        (BpvPlotFrame       *fr);
void     bpv_plot_frame_message    (BpvPlotFrame       *fr,
                                    const char         *message);
/* Fits the data area's left side to the y tick labels: after y0/y1. */
void     bpv_plot_frame_fit_y      (BpvPlotFrame       *fr);
void     bpv_plot_frame_axes       (BpvPlotFrame       *fr,
                                    const char         *x_title,
                                    const char         *y_title,
                                    gboolean            percent_y);
void     bpv_plot_frame_line       (BpvPlotFrame       *fr,
                                    const double       *x,
                                    const double       *y,
                                    gsize               n,
                                    gsize               y_stride,
                                    BpvRgba             color,
                                    double              width,
                                    gboolean            dashed);
void     bpv_plot_frame_header_key (BpvPlotFrame       *fr,
                                    const char        **labels,
                                    const BpvRgba      *colors,
                                    const gboolean     *dashed,
                                    gsize               n);
/* Layer l's line colour in the gradient-norm plots (Okabe–Ito, then two
 * more), shared by bpv_plot_grad_norms and the compare view's. */
BpvRgba  bpv_plot_frame_layer_color (const BpvPlotFrame *fr,
                                     gsize               l);
/* The style's marker (BpvPlotStyle.mark), over the lines: call after them.
 * `label`: whether to write its label (a panel stacked under another
 * leaves it to the one above). */
void     bpv_plot_frame_mark       (BpvPlotFrame       *fr,
                                    gboolean            label);

G_END_DECLS
