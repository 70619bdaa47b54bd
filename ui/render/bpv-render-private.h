/* bpv-render-private.h — what the files of the network painter share.
 *
 * bpv_network_render (bpv-render.c) fills one Paint per call and hands it
 * to the painters, back to front: bundles (bpv-render-edges.c, from the
 * tiles of bpv-render-tiles.c), neurons (bpv-render-nodes.c), labels
 * (bpv-render-labels.c) and the fault marker (bpv-render-fault.c).  The
 * legend (bpv-render-legend.c) only needs the public API.  Nothing here is
 * for use outside bpv-render*.c.
 */
#pragma once

#include "bp-diagnostics.h"
#include "bpv-render.h"
#include "bpv-text.h"

G_BEGIN_DECLS

/* Gradient widths span this many decades of |∂C/∂W| below the maximum. */
#define GRAD_DECADES 4.0

/* Label sizes on the canvas, in units of the layout's base font f, which
 * is never below BPV_TEXT_MIN_SIZE: no label is smaller than f.  Where
 * there is no room for a label at its size it is left out (level of
 * detail), never shrunk. */
#define TITLE_EM        1.2   /* "a(n)" over a column, "C = …" */
#define LABEL_EM        1.0   /* every other label */

/* Line widths and gaps are in units u of 1/16 of the base font size (1 px
 * at the default 16 px), so that strokes grow with the labels. */
#define FONT_UNITS              16.0

/* A negative edge's dashes: on for 5 u + 1.5 × its width, off for 3.5 u +
 * its width, so that thick dashes stay dashes. */
#define EDGE_DASH_ON_UNITS      5
#define EDGE_DASH_ON_PER_WIDTH  1.5
#define EDGE_DASH_OFF_UNITS     3.5

/* Separators between the cells of a matrix or a strip: only where cells
 * are this big (px in world units) to tell apart, this fraction of one. */
#define CELL_SEPARATOR_MIN      5
#define CELL_SEPARATOR_PER_CELL 0.12

/* The δ ring around a neuron: this many u at least, else this fraction of
 * its radius, and this many u clear of the neuron. */
#define RING_MIN_UNITS          3
#define RING_PER_RADIUS         0.26
#define RING_GAP_UNITS          0.6

/* A mark around a cell of a strip or an image reaches at least this many u
 * from its centre: cells may be a pixel. */
#define MARK_MIN_HALF_UNITS     3

/* A dead unit's cross: each arm this fraction of the radius from the
 * centre, as in the legend. */
#define DEAD_CROSS_PER_RADIUS   0.62

/* A quiz answer's highlights (state->highlights): a halo of the accent
 * colour at this opacity, this many u wider than an edge (half of it each
 * side; _bpv_render_emphasise_edge) or reaching this many u beyond a skip
 * arc on either side (_bpv_render_emphasise_skip); around a unit a band
 * this many u wide, this many u clear of its δ ring, with a crisp accent
 * ring this many u wide at its inner side. */
#define HIGHLIGHT_HALO_ALPHA    0.45
#define HIGHLIGHT_HALO_UNITS    7
#define HIGHLIGHT_BAND_UNITS    6
#define HIGHLIGHT_GAP_UNITS     1.5
#define HIGHLIGHT_RING_UNITS    2

/* Text on a fill of any colour: dark ink above this luminance, else light. */
#define INK_LUMINANCE_SPLIT     0.5
#define INK_ON_LIGHT            ((BpvRgba) { 0.1, 0.1, 0.1, 1 })
#define INK_ON_DARK             ((BpvRgba) { 1, 1, 1, 1 })

typedef enum
{
  SRC_WEIGHTS,    /* W, weights style */
  SRC_GRADIENTS,  /* ∂C/∂W, gradients style */
  SRC_OLD,        /* old_params' W, weights style, current normaliser */
} EdgeSource;

/* One painted bundle in a BpvRenderCache (bpv-render-tiles.c). */
typedef struct
{
  guint64          key;       /* hash of everything painted in it */
  guint64          used;      /* the cache's clock when last used */
  cairo_surface_t *surface;
  double           x, y;      /* widget position of the tile */
} Tile;

/* Everything one painting needs, computed once per call. */
typedef struct
{
  cairo_t               *cr;
  const BpvLayout       *layout;
  const BpvRenderState  *st;
  const BpNetwork       *net;
  const BpTrace         *trace;      /* NULL unless it fits the network */
  const BpvThemeColors  *tc;
  BpvText               *text;
  gsize                  sample;
  double                 unit;       /* base line width, world units */
  double                 font;       /* the layout's base label size f */
  GArray                *placed;     /* BpvRect: labels drawn so far, world units */
  BpvRect                visible;    /* the viewport in world units */
  double                 w_max[BP_MAX_LAYERS + 1];   /* per bundle n */
  double                 g_max[BP_MAX_LAYERS + 1];
  double                 a_max[BP_MAX_LAYERS + 1];   /* per column n */
  double                 d_max[BP_MAX_LAYERS + 1];
} Paint;

/* A value for a label, in a char[] of the caller's (see _bpv_render_value_text). */
#define VALUE_TEXT(buf, format, v) _bpv_render_value_text ((buf), sizeof (buf), (format), (v))

/* bpv-render.c: small math shared by the painters */

/* Hermite step from 0 at e0 to 1 at e1 (clamped): the animation's easing. */
double            _bpv_render_smoothstep        (double e0,
                                                 double e1,
                                                 double x);
double            _bpv_render_ease              (double t);
/* v as printf's `format` gives it into buf (size bytes) when finite, else
 * "NaN", "+Inf" or "−Inf"; never "-0".  Returns buf or a static string. */
const char       *_bpv_render_value_text        (char       *buf,
                                                 gsize       size,
                                                 const char *format,
                                                 double      v);
/* v on the colour scale of `view`, −1…1 (NaN stays NaN): linear up to max
 * for the weights, GRAD_DECADES decades of log below max for the gradients.
 * One definition so that edges, matrices and the legend agree. */
double            _bpv_render_view_scale        (BpvView     view,
                                                 double      v,
                                                 double      max);

/* bpv-render.c: what each stop shows */
/* Does `trace` hold a forward pass of `net` with at least one row? */
gboolean          _bpv_render_trace_usable      (const BpNetwork *net,
                                                 const BpTrace   *trace);
/* The values of bundle n (n ≥ 1) that `src` names (borrowed): W(n) out
 * × in; γ (out) for a norm layer; the shown sample's dropout mask (out of
 * 0/1, whatever `src`; NULL before any pass: every unit kept). */
const double     *_bpv_render_layer_values      (const Paint     *p,
                                                 gsize            n,
                                                 EdgeSource       src);
/* How many values _bpv_render_layer_values has for bundle n. */
gsize             _bpv_render_layer_n_values    (const Paint     *p,
                                                 gsize            n);
/* The index of edge (j, k)'s value in them (j for a one-to-one bundle),
 * and back: the ends of the e-th edge. */
gsize             _bpv_render_edge_index        (const BpvBundle *b,
                                                 gsize            j,
                                                 gsize            k);
void              _bpv_render_edge_ends         (const BpvBundle *b,
                                                 gsize            e,
                                                 gsize           *j,
                                                 gsize           *k);
/* The normaliser of bundle n's values from `src`. */
double            _bpv_render_source_max        (const Paint *p,
                                                 gsize        n,
                                                 EdgeSource   src);
BpvView           _bpv_render_source_view       (EdgeSource src);
/* What bundle n shows at rest in this stop (bpv_render_bundle_view). */
EdgeSource        _bpv_render_bundle_source     (const Paint *p,
                                                 gsize        n);
/* a(n) of the shown sample (the input for n = 0), or NULL; borrowed. */
const double     *_bpv_render_unit_values       (const Paint *p,
                                                 gsize        n);
/* δ(n) of the shown sample (n ≥ 1), or NULL; borrowed. */
const double     *_bpv_render_unit_deltas       (const Paint *p,
                                                 gsize        n);
/* The core's state of each unit of a(n) (n ≥ 1) and, in *deriv unless
 * deriv is NULL, their σ′(z).  Both newly allocated: free with g_free. */
BpDiagUnitState  *_bpv_render_unit_states       (const Paint  *p,
                                                 gsize         n,
                                                 double      **deriv);
/* How filled column n is in this stop: 0 empty … 1 showing a(n). */
double            _bpv_render_fill_alpha        (const Paint *p,
                                                 gsize        n);
/* How visible the δ rings of column n are (0 without a trace). */
double            _bpv_render_column_ring_alpha (const Paint *p,
                                                 gsize        n);

/* bpv-render.c: the painting */
/* Fills *p for one painting of `state` on `cr` (may be NULL to fill tiles). */
void              _bpv_render_paint_init        (Paint                *p,
                                                 cairo_t              *cr,
                                                 const BpvLayout      *layout,
                                                 const BpvRenderState *state);
/* From widget units to world units: the layout's pan and zoom. */
void              _bpv_render_apply_view        (cairo_t         *cr,
                                                 const BpvLayout *layout);
/* Is `hit` a neuron or an edge of this layout? */
gboolean          _bpv_render_hit_valid         (const Paint  *p,
                                                 const BpvHit *hit);

/* bpv-render-edges.c: bundles, highlights, paths, pulses */
/* Strokes edge W(n)_jk in world units, `extra_width` wider than its style. */
void              _bpv_render_stroke_edge       (const Paint        *p,
                                                 cairo_t            *cr,
                                                 gsize               n,
                                                 gsize               j,
                                                 gsize               k,
                                                 const BpvEdgeStyle *style,
                                                 double              extra_width);
/* Bundle n from `src` in world units on `cr`: lines or a matrix image. */
void              _bpv_render_paint_bundle      (const Paint *p,
                                                 cairo_t     *cr,
                                                 gsize        n,
                                                 EdgeSource   src);
/* Every bundle as the stop shows it, from the cache when there is one. */
void              _bpv_render_paint_bundles     (const Paint *p);
/* Outlines cells [j0, j1) × [k0, k1) of bundle n's matrix. */
void              _bpv_render_outline_cells     (const Paint *p,
                                                 gsize        n,
                                                 double       j0,
                                                 double       j1,
                                                 double       k0,
                                                 double       k1,
                                                 BpvRgba      color,
                                                 double       width);
/* Edge W(n)_jk opaque over a halo (none when halo_width is 0). */
void              _bpv_render_emphasise_edge    (const Paint *p,
                                                 gsize        n,
                                                 gsize        j,
                                                 gsize        k,
                                                 BpvRgba      halo,
                                                 double       halo_width);
/* The incoming and outgoing edges of unit j of a(n). */
void              _bpv_render_emphasise_neuron  (const Paint *p,
                                                 gsize        n,
                                                 gsize        j,
                                                 BpvRgba      color);
/* Is unit j of a(n) on a path from edge `path` to the output (always
 * TRUE when `path` is no edge)? */
gboolean          _bpv_render_on_path           (const BpvHit *path,
                                                 gsize         n,
                                                 gsize         j);
/* Dims everything but the paths from state->path_edge to the output. */
void              _bpv_render_paint_path        (const Paint *p);
/* The arcs of the skip connections, over the columns they skip. */
void              _bpv_render_paint_skips       (const Paint *p);
/* The RMS of ∂C/∂a(n) of the shown sample (what flows back along the skip
 * into a(n)), NAN when not known in this stop; the largest over every
 * skip in *max (may be NULL). */
double            _bpv_render_skip_value        (const Paint *p,
                                                 gsize        n,
                                                 double      *max);
/* The same for any state: the RMS of ∂C/∂a(n) of `trace`'s sample, NAN
 * when `trace` is NULL or δ(n) is not known in this stop. */
double            _bpv_render_skip_rms          (const BpvRenderState *st,
                                                 const BpTrace        *trace,
                                                 gsize                 n,
                                                 gsize                 sample);
/* The skip arc into a(n) emphasised: a halo in `halo` reaching
 * `halo_width` (world units) beyond the arc either side, the arc again on
 * top; on a cairo_t already in world units. */
void              _bpv_render_emphasise_skip    (const Paint *p,
                                                 gsize        n,
                                                 BpvRgba      halo,
                                                 double       halo_width);
/* The edges and skip arcs of state->highlights in an accent halo. */
void              _bpv_render_paint_highlight_edges (const Paint *p);
/* The grab handle at the start of the selected skip into a(n)
 * (bpv_layout_skip_handle), on a cairo_t in world units. */
void              _bpv_render_paint_skip_handle (const Paint *p,
                                                 gsize        n);
/* The forward or backward pulses along W(state->layer). */
void              _bpv_render_paint_pulses      (const Paint *p);

/* bpv-render-nodes.c: neurons and their overlays */
/* Column n as circles: fill a(n), δ ring, values inside. */
void              _bpv_render_paint_circles     (const Paint *p,
                                                 gsize        n);
/* Column n as a strip or an image: one cell per unit. */
void              _bpv_render_paint_cells       (const Paint *p,
                                                 gsize        n);
/* The width of the δ ring around a neuron of `radius`. */
double            _bpv_render_ring_width        (const Paint *p,
                                                 double       radius);
/* A ring (or square) of `color` around unit j of a(n). */
void              _bpv_render_mark_unit         (const Paint *p,
                                                 gsize        n,
                                                 gsize        j,
                                                 BpvRgba      color,
                                                 double       width);
/* The units of state->highlights in an accent band and ring. */
void              _bpv_render_paint_highlight_units (const Paint *p);
/* The units a dropout layer dropped in the shown sample (its mask is 0):
 * veiled and crossed out, once the column is filled. */
void              _bpv_render_paint_dropped     (const Paint *p);
/* Dead units crossed out, saturated ones ringed (show_derivatives). */
void              _bpv_render_paint_derivatives (const Paint *p);

/* bpv-render-labels.c, -fault.c, -tiles.c */
/* Every label by priority, each only where it is free (p->placed). */
void              _bpv_render_paint_labels      (const Paint *p);
/* The NaN/Inf marker of state->fault, over everything. */
void              _bpv_render_paint_fault       (const Paint *p);
/* The cached tile of bundle n from `src` (state->cache), painted if
 * missing; NULL when the bundle is off screen.  Owned by the cache. */
Tile             *_bpv_render_tile_get          (const Paint *p,
                                                 gsize        n,
                                                 EdgeSource   src);

G_END_DECLS
