/* bpv-layout.h — where everything of a network picture goes, and what is
 * under a point (hit-testing, separate from painting).
 *
 * Columns: one per a(n), n = 0 (the input) … N (the output), left to right.
 * Bundles: W(n), n = 1 … N, the connections from column n−1 to column n.
 *
 * Level of detail (decided here, drawn by bpv-render):
 *   - a column of ≤ max_circles units is a column of circles;
 *   - a larger one is a strip of square cells (wrapping into several strips
 *     when tall), or an image_width × image_height pixel grid for the input
 *     when the caller says a(0) is an image (8×8 digits, 28×28 MNIST);
 *   - a bundle of ≤ max_edges edges is drawn as lines; a larger one as its
 *     weight matrix W(n) (out × in cells, row j = unit j of a(n), column k =
 *     unit k of a(n−1)) between the two columns.  Its cells hit-test as
 *     edges, so a 784-128-64-10 network is inspectable cell by cell.
 *
 * Coordinates: the layout is computed in "world" units fitted to the
 * viewport at zoom 1; widget = world · zoom + pan.  bpv_network_render
 * applies that transform itself; the hit-test takes widget coordinates.
 *
 * Indices follow the notation shown on screen (not the core's C index):
 *   neuron  (layer n, j)    = a(n)_j, n = 0 for the input;
 *   edge    (layer n, j, k) = W(n)_jk, from a(n−1)_k to a(n)_j, n ≥ 1;
 *   the core's layer index is n − 1 (net->layers[n − 1].W[j · in + k]).
 *
 * Layers other than dense (issue 13): a batch-norm, layer-norm or dropout
 * layer is a ONE_TO_ONE bundle (edge (n, j, j) only: γ_j for the norms, the
 * mask for dropout); a dense layer with a skip connection also has an arc
 * over the columns it skips (BpvBundle.skip_from).
 */
#pragma once

#include <glib.h>

#include "bp-network.h"
#include "bpv-render-types.h"

G_BEGIN_DECLS

typedef enum
{
  BPV_COLUMN_CIRCLES,  /* one circle per unit */
  BPV_COLUMN_STRIP,    /* square cells, grid_rows down, grid_cols across */
  BPV_COLUMN_IMAGE,    /* the input as an image: unit k at (k % w, k / w) */
} BpvColumnKind;

typedef enum
{
  BPV_BUNDLE_EDGES,    /* every edge a line between unit centres */
  BPV_BUNDLE_MATRIX,   /* W(n) as out × in heat-mapped cells in `matrix` */
  BPV_BUNDLE_ONE_TO_ONE, /* a batch-norm, layer-norm or dropout layer: unit j
                          * of a(n−1) to unit j of a(n) only (edge j, j) */
} BpvBundleKind;

typedef struct
{
  BpvColumnKind kind;
  gsize         n_units;
  double        x;            /* centre line */
  BpvRect       bounds;       /* encloses every unit */
  BpvRect       header;       /* above the units: "a(1)" / "tanh · 8" */
  double        radius;       /* circles: radius; cells: half a cell side */
  double        cell;         /* strip/image: side of one cell (0 for circles) */
  gsize         grid_cols;    /* strip/image: cells across */
  gsize         grid_rows;    /* strip/image: cells down */
  double       *ux;           /* n_units unit centres, owned by the layout */
  double       *uy;
} BpvColumn;

typedef struct
{
  BpvBundleKind kind;
  gsize         n_edges;      /* out × in; ONE_TO_ONE: out */
  gsize         rows;         /* out: units of a(n) */
  gsize         cols;         /* in: units of a(n−1) */
  BpvRect       matrix;       /* MATRIX: rows × cols cells in here */
  BpvRect       bounds;       /* everything the bundle paints (cache tile) */
  double        label_x;      /* "W(n)" label, centred at (label_x, label_y) */
  double        label_y;
  /* A skip connection into a(n) (a dense layer with skip_from j ≥ 0): an
   * arc from the top of column skip_from to the top of column n, its
   * peak at arc_peak_y (world units); −1: none. */
  gssize        skip_from;
  double        arc_peak_y;
} BpvBundle;

typedef struct
{
  double   width;             /* the viewport, widget units; > 0 */
  double   height;
  double   zoom;              /* 1 = fit; ≤ 0 is taken as 1 */
  double   pan_x;             /* widget units, applied after the zoom */
  double   pan_y;
  gsize    input_image_width; /* > 0 with _height: a(0) is an image */
  gsize    input_image_height;
  gsize    max_circles;       /* 0: 32 */
  gsize    max_edges;         /* 0: 300 */
  gboolean show_headers;      /* reserve room for column headers and W labels */
  double   text_scale;        /* labels and strokes × this (presentation mode ≥ 1.5); ≤ 0 is 1 */
} BpvLayoutParams;

typedef struct
{
  BpvLayoutParams params;
  gsize           n_columns;  /* net->n_layers + 1 */
  BpvColumn      *columns;    /* columns[n] shows a(n) */
  BpvBundle      *bundles;    /* bundles[n] shows W(n); bundles[0] is unused */
  BpvRect         content;    /* columns + bundles + headers, world units */
  double          cost_x;     /* below the output column (the renderer puts
                               * "C = …" where no edge and no label is) */
  double          cost_y;
  double          font_size;  /* base label size, world units (never below
                               * BPV_TEXT_MIN_SIZE × text_scale) */
  guint64         serial;     /* unique per computed geometry: a cache key */
} BpvLayout;

typedef enum
{
  BPV_HIT_NONE,
  BPV_HIT_NEURON,
  BPV_HIT_EDGE,
  BPV_HIT_SKIP,   /* the arc of a skip connection into a(layer) from a(j) */
} BpvHitKind;

typedef struct
{
  BpvHitKind kind;
  gsize      layer;   /* n: a(n) for a neuron, W(n) for an edge, the
                       * skip's target a(n) */
  gsize      j;       /* unit of a(n); a skip: its source column */
  gsize      k;       /* edge: unit of a(n−1); 0 for a neuron or a skip */
} BpvHit;

#define BPV_HIT_INIT { BPV_HIT_NONE, 0, 0, 0 }

/* Defaults: zoom 1, no pan, no image, 32 circles, 300 edges, headers. */
void       bpv_layout_params_init   (BpvLayoutParams       *params,
                                     double                 width,
                                     double                 height);

/* A layout for the shape of `net`.  Free with bpv_layout_free. */
BpvLayout *bpv_layout_new           (const BpNetwork       *net,
                                     const BpvLayoutParams *params);
void       bpv_layout_free          (BpvLayout             *layout);
/* Was `layout` made for a network of this shape (widths and depth)? */
gboolean   bpv_layout_fits          (const BpvLayout       *layout,
                                     const BpNetwork       *net);
/* Can the canvas draw every layer of `net`?  Dense (with or without a
 * skip), batch norm, layer norm and dropout: yes.  Otherwise FALSE with an
 * error naming the first layer it cannot draw (a layer type newer than
 * this canvas). */
gboolean   bpv_layout_check_drawable (const BpNetwork      *net,
                                      GError              **error);
/* Changes zoom and pan only (the geometry stays; the serial changes). */
void       bpv_layout_set_view      (BpvLayout             *layout,
                                     double                 zoom,
                                     double                 pan_x,
                                     double                 pan_y);

void       bpv_layout_to_world      (const BpvLayout       *layout,
                                     double                 wx,
                                     double                 wy,
                                     double                *x,
                                     double                *y);
void       bpv_layout_to_widget     (const BpvLayout       *layout,
                                     double                 x,
                                     double                 y,
                                     double                *wx,
                                     double                *wy);

/* What is at widget point (wx, wy): neurons win over skip arcs, arcs over
 * edges; for line bundles an edge (and an arc) is hit within a few units
 * of its line.  Returns hit->kind != BPV_HIT_NONE. */
gboolean   bpv_layout_hit_test      (const BpvLayout       *layout,
                                     double                 wx,
                                     double                 wy,
                                     BpvHit                *hit);
/* The arc of the skip connection into a(n) as one cubic Bézier, world
 * units: from (x[0], y[0]) above column skip_from, control points 1 and
 * 2, to (x[3], y[3]) above column n, where its arrowhead points.  FALSE
 * (x, y untouched) when a(n) has no skip.  The painter and the hit-test
 * both use it, so what is hit is what is drawn. */
gboolean   bpv_layout_skip_arc      (const BpvLayout       *layout,
                                     gsize                  n,
                                     double                 x[4],
                                     double                 y[4]);
/* The same arc as if it started above column `from` (< n) instead: where
 * the arc would go if its start were dragged there (the canvas draws it
 * while the handle is dragged).  FALSE when a(n) has no skip. */
gboolean   bpv_layout_skip_arc_from (const BpvLayout       *layout,
                                     gsize                  n,
                                     gsize                  from,
                                     double                 x[4],
                                     double                 y[4]);
/* The grab handle of the skip into a(n), shown at the arc's start while
 * the skip is selected: dragging it to another column chooses the a(j)
 * the skip starts at.  Its centre and radius in widget space; FALSE when
 * a(n) has no skip. */
gboolean   bpv_layout_skip_handle   (const BpvLayout       *layout,
                                     gsize                  n,
                                     double                *wx,
                                     double                *wy,
                                     double                *radius);
/* Is the widget point on that handle (a few pixels of slack around it)? */
gboolean   bpv_layout_skip_handle_at (const BpvLayout      *layout,
                                      gsize                 n,
                                      double                wx,
                                      double                wy);
/* Widget-space centre of a neuron a(n)_j. */
void       bpv_layout_neuron_center (const BpvLayout       *layout,
                                     gsize                  layer,
                                     gsize                  j,
                                     double                *wx,
                                     double                *wy);
/* Widget-space box around a hit (for a tooltip or a redraw region);
 * FALSE for BPV_HIT_NONE or an index out of range. */
gboolean   bpv_layout_hit_bounds    (const BpvLayout       *layout,
                                     const BpvHit          *hit,
                                     BpvRect               *rect);

gboolean   bpv_hit_equal            (const BpvHit          *a,
                                     const BpvHit          *b);

/* Editing by drag and drop: where a dense layer dropped at a widget point
 * goes.  Onto column n ≥ 1 (kind LAYER, index n − 1: the layer that
 * computes a(n), whose activation a dropped activation replaces), or into
 * the gap between columns c and c + 1 (kind GAP, index c: a new layer is
 * inserted before layer c, so it computes the new a(c + 1)).  Left of the
 * input goes to gap 0, right of the output to the gap before the output
 * layer (the data fixes the output).  The input column is not a layer:
 * a point on it is gap 0. */
typedef enum
{
  BPV_DROP_NONE,
  BPV_DROP_GAP,
  BPV_DROP_LAYER,
} BpvDropKind;

typedef struct
{
  BpvDropKind kind;
  gsize       index;
} BpvDropSlot;

gboolean   bpv_layout_drop_slot     (const BpvLayout       *layout,
                                     double                 wx,
                                     double                 wy,
                                     BpvDropSlot           *slot);
/* Widget-space area the drop indicator marks for `slot`: a thin bar in the
 * middle of a gap, or the column's box with its header.  FALSE for NONE
 * or an index out of range. */
gboolean   bpv_layout_drop_rect     (const BpvLayout       *layout,
                                     const BpvDropSlot     *slot,
                                     BpvRect               *rect);
/* Widget-space box of column n (a(n), n = 0 for the input) with its
 * header, as the drop indicator marks a layer: also where the candidate
 * sources of a skip being dragged are marked.  FALSE out of range. */
gboolean   bpv_layout_column_rect   (const BpvLayout       *layout,
                                     gsize                  n,
                                     BpvRect               *rect);
/* The layer (C index, computing a(n) for column n = layer + 1) whose
 * column header is at the widget point: where a layer is picked up to be
 * moved or removed.  FALSE elsewhere (and on the input's header). */
gboolean   bpv_layout_header_layer  (const BpvLayout       *layout,
                                     double                 wx,
                                     double                 wy,
                                     gsize                 *layer);

/* The − and + buttons that change the width of layer `layer` (0-based,
 * column layer + 1), in widget space: either side of the "a(n)" that
 * starts the column's header.  FALSE when there is no such layer. */
gboolean   bpv_layout_width_buttons (const BpvLayout       *layout,
                                     gsize                  layer,
                                     BpvRect               *minus,
                                     BpvRect               *plus);
/* Which of them is at the widget point: −1 (−), +1 (+) or 0 (neither),
 * among the layers below `n_layers` (the output layer's width is the
 * data's: pass net->n_layers − 1 to leave it out). */
int        bpv_layout_width_button_at (const BpvLayout     *layout,
                                     gsize                  n_layers,
                                     double                 wx,
                                     double                 wy,
                                     gsize                 *layer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvLayout, bpv_layout_free)

G_END_DECLS
