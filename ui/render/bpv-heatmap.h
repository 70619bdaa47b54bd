/* bpv-heatmap.h — what a 2-D-input network computes over its input plane:
 * the decision map (the output over a fine grid, drawn behind the data) and
 * the per-neuron maps (every unit's activation over a coarse grid, drawn
 * inside the neurons by bpv-render).
 *
 * Both come from one pass: the grid points are run through the core's
 * bp_network_forward in batches of BPV_HEATMAP_BATCH rows, and every
 * layer's a is read off the trace.
 *
 * The decision map is adaptive unless `exact` is set: the network runs on a
 * lattice of every BPV_HEATMAP_STEP-th point, and exactly on every point of
 * the lattice cells that the decision boundary crosses or comes near, whose
 * class changes, or whose output is steep; the flat rest is interpolated
 * bilinearly (sub-pixel differences at 200×200).  That keeps a 2-64-64-64-1
 * map within a frame.
 *
 * Grids are row-major with row 0 at the TOP of the picture (y = y_max), so
 * they map straight onto an image; column 0 is x = x_min.  Cell centres:
 * x_i = x_min + (i + ½)(x_max − x_min)/nx, likewise y.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bpv-layout.h"
#include "bpv-palette.h"

G_BEGIN_DECLS

#define BPV_HEATMAP_BATCH 200
#define BPV_HEATMAP_STEP  4

typedef struct
{
  double x_min, x_max;  /* input 0 */
  double y_min, y_max;  /* input 1 */
} BpvPlane;

typedef struct
{
  BpvPlane plane;
  gsize    nx, ny;      /* default 200 × 200 */
  gsize    n_outputs;
  double  *values;      /* ny × nx: a(N)_0 when n_outputs is 1, else the largest a(N)_c */
  guint8  *classes;     /* ny × nx: argmax_c a(N)_c when n_outputs > 1, else NULL */
  double   v_min, v_max;  /* range of values over the grid */
  double   boundary;    /* single output: the decision level refined around (default 0.5) */
  gboolean exact;       /* every point through the network (default FALSE: adaptive) */
  gsize    n_evaluated; /* points the last compute ran through the network */
} BpvDecisionMap;

typedef struct
{
  BpvPlane plane;
  gsize    grid;        /* g: each map is g × g (default 24) */
  gsize    n_layers;    /* N: maps exist for a(1) … a(N) */
  gsize   *widths;      /* widths[n − 1] = units of a(n) */
  double **maps;        /* maps[n − 1] + j·g·g: unit j of a(n), g × g */
  double  *max_abs;     /* max |a| of a(n) over its grid: maps[n − 1] scale */
} BpvNeuronMaps;

typedef struct
{
  BpvTheme   theme;
  gboolean   show_axes;      /* ticks and feature names; default TRUE */
  const char *x_label;       /* NULL: "x₁" */
  const char *y_label;       /* NULL: "x₂" */
  double     point_radius;   /* 0: from the rect size */
  double     boundary;       /* a single output's decision level, e.g. 0.5 (σ) or 0 (tanh) */
  double     font_size;      /* 0: from the rect size */
  double     text_scale;     /* labels × this (presentation mode); 0 = 1 */
} BpvDecisionStyle;

/* Owned by the caller; free with the matching _free. */
BpvDecisionMap *bpv_decision_map_new      (gsize nx,
                                           gsize ny);
void            bpv_decision_map_free     (BpvDecisionMap *map);
BpvNeuronMaps  *bpv_neuron_maps_new       (const BpNetwork *net,
                                           gsize            grid);
void            bpv_neuron_maps_free      (BpvNeuronMaps  *maps);
/* Do the maps still fit the network's widths? */
gboolean        bpv_neuron_maps_fit       (const BpvNeuronMaps *maps,
                                           const BpNetwork     *net);

/* A plane enclosing the first two features of `ds` with a 10% margin. */
void            bpv_plane_for_dataset     (const BpDataset *ds,
                                           BpvPlane        *plane);

/* Forward passes over `plane`.  Either output may be NULL.  `net` must have
 * 2 inputs (else FALSE, nothing written).  `trace` may be NULL (one is
 * made); when given it must fit `net` and hold ≥ BPV_HEATMAP_BATCH rows,
 * and it is overwritten.  Returns FALSE only for those misuses. */
gboolean        bpv_heatmap_compute       (const BpNetwork *net,
                                           const BpvPlane  *plane,
                                           BpvDecisionMap  *decision,
                                           BpvNeuronMaps   *neurons,
                                           BpTrace         *trace);

void            bpv_decision_style_init   (BpvDecisionStyle *style);
/* The decision map filling `rect`, the data on top (training rows filled
 * circles, test rows rings; coloured by class), axes and a frame.  `train`
 * and `test` may be NULL; rows with fewer than 2 features are skipped. */
void            bpv_decision_map_render   (cairo_t                *cr,
                                           const BpvRect          *rect,
                                           const BpvDecisionMap   *map,
                                           const BpDataset        *train,
                                           const BpDataset        *test,
                                           const BpvDecisionStyle *style);
/* Unit j of a(n) (n ≥ 1) as a heat map filling `rect` (diverging scale by
 * max_abs[n − 1]).  Draws nothing if out of range. */
void            bpv_neuron_map_render     (cairo_t              *cr,
                                           const BpvRect        *rect,
                                           const BpvNeuronMaps  *maps,
                                           gsize                 layer,
                                           gsize                 j,
                                           BpvTheme              theme);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvDecisionMap, bpv_decision_map_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvNeuronMaps, bpv_neuron_maps_free)

G_END_DECLS
