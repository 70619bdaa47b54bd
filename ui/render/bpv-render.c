/* bpv-render.c — paints a network (see bpv-render.h for what is shown).
 *
 * Order of painting, back to front:
 *   background → bundles (cached tiles or live) → path veil and path →
 *   hover/selection edges → pulses → neurons → overlays → labels → the
 *   fault marker (NaN/Inf), which nothing may hide.
 *
 * Cost model (software cairo, see notes/gtk-headless.md §7): a diagonal
 * anti-aliased line costs 40–90 µs, so the bundles are painted once per
 * change into image tiles (BpvRenderCache) and blitted each frame; big
 * bundles are weight matrices (one scaled image), big columns pixel grids.
 */
#include "config.h"
#include "bpv-render.h"

#include <math.h>
#include <string.h>

#include "bp-diagnostics.h"
#include "bp-util.h"
#include "bpv-text.h"

/* Gradient widths span this many decades of |∂C/∂W| below the maximum. */
#define GRAD_DECADES 4.0
/* Tiles kept per bundle: current W, ∂C/∂W, old W, and one spare. */
#define CACHE_SLOTS 4
/* The update phase interpolates edge values live below this many edges on
 * screen, and cross-fades the cached tiles above it. */
#define LIVE_UPDATE_MAX_EDGES 200

/* Label sizes on the canvas, in units of the layout's base font f, which
 * is never below BPV_TEXT_MIN_SIZE: no label is smaller than f.  Where
 * there is no room for a label at its size it is left out (level of
 * detail), never shrunk. */
#define TITLE_EM        1.2   /* "a(n)" over a column, "C = …" */
#define LABEL_EM        1.0   /* every other label */
#define LINE_EM         1.25  /* one line of labels, top to top */
/* Gap between a unit and the label beside it, and around labels. */
#define LABEL_GAP_EM    0.35
/* The header's second line, below its top. */
#define HEADER_SUB_EM   1.5
/* Headers need this much spacing between columns for a W(n) between them. */
#define BUNDLE_LABEL_SPACING_EM 9.5
/* Class names beside at most this many output units. */
#define MAX_OUTPUT_LABELS 16

typedef enum
{
  SRC_WEIGHTS,    /* W, weights style */
  SRC_GRADIENTS,  /* ∂C/∂W, gradients style */
  SRC_OLD,        /* old_params' W, weights style, current normaliser */
} EdgeSource;

typedef struct
{
  guint64          key;
  guint64          used;
  cairo_surface_t *surface;
  double           x, y;      /* widget position of the tile */
} Tile;

struct _BpvRenderCache
{
  Tile    tiles[BP_MAX_LAYERS + 1][CACHE_SLOTS];
  guint64 clock;
};

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

/* ------------------------------------------------------------- small math */

static double
smoothstep (double e0,
            double e1,
            double x)
{
  double t = CLAMP ((x - e0) / (e1 - e0), 0.0, 1.0);

  return t * t * (3 - 2 * t);
}

static double
ease (double t)
{
  return smoothstep (0.0, 1.0, t);
}

/* A value as printf's `format` gives it when finite, else "NaN", "+Inf"
 * or "−Inf" as everywhere else in the app (never "-nan" or "inf"). */
static const char *
value_text (char       *buf,
            gsize       size,
            const char *format,
            double      v)
{
  const char *name = bp_nonfinite_name (v);

  if (name != NULL)
    return name;
  g_snprintf (buf, size, format, v);
  /* −0, or a tiny negative value that rounds to zero ("-0", "-0.000"):
   * a zero has no sign worth showing. */
  if (buf[0] == '-' && strspn (buf + 1, "0.") == strlen (buf + 1))
    memmove (buf, buf + 1, strlen (buf));
  return buf;
}

#define VALUE_TEXT(buf, format, v) value_text ((buf), sizeof (buf), (format), (v))

static double
max_abs (const double *v,
         gsize         n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double a = fabs (v[i]);

      if (a > m || isnan (a))
        m = isnan (a) ? INFINITY : a;
    }
  return m;
}

static guint64
hash_mix (guint64 h,
          guint64 v)
{
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

static guint64
hash_double (guint64 h,
             double  d)
{
  guint64 u;

  memcpy (&u, &d, sizeof u);
  return hash_mix (h, u);
}

/* A hash of n doubles: four independent lanes, so it runs at memory speed
 * (≈ 0.1 ms for the 100 k weights of a 784×128 layer). */
static guint64
hash_doubles (const double *v,
              gsize         n)
{
  guint64 h[4] = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull,
                   0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull };
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++)
      {
        guint64 u;

        memcpy (&u, v + i + l, sizeof u);
        h[l] = (h[l] ^ u) * 0x100000001b3ull;
      }
  for (; i < n; i++)
    h[0] = hash_double (h[0], v[i]);
  return hash_mix (hash_mix (h[0], h[1]), hash_mix (h[2], h[3])) ^ n;
}

/* ------------------------------------------------------------ state/style */

void
bpv_render_state_init (BpvRenderState  *state,
                       const BpNetwork *net,
                       const BpTrace   *trace)
{
  g_return_if_fail (state != NULL);

  *state = (BpvRenderState) {
    .net = net,
    .trace = trace,
    .view = BPV_VIEW_WEIGHTS,
    .scale = BPV_SCALE_LAYER,
    .theme = BPV_THEME_LIGHT,
    .phase = BPV_PHASE_IDLE,
    .t = 1.0,
    .hover = BPV_HIT_INIT,
    .selection = BPV_HIT_INIT,
    .path_edge = BPV_HIT_INIT,
    .show_labels = TRUE,
    .show_cost = TRUE,
    .show_targets = TRUE,
    .device_scale = 1.0,
  };
}

BpvEdgeStyle
bpv_render_edge_style (BpvView  view,
                       BpvTheme theme,
                       double   v,
                       double   max)
{
  BpvEdgeStyle style;
  double s;

  s = view == BPV_VIEW_WEIGHTS ? bpv_scale_linear (v, max)
                               : bpv_scale_log (v, max, GRAD_DECADES);
  if (isnan (s))
    {
      style.color = bpv_theme_colors (theme)->warning;
      style.width = 3.0;
      style.dashed = FALSE;
      return style;
    }
  s = fabs (s);
  /* On the log scale most gradients sit within two decades of the largest;
   * squaring keeps the picture from turning into a thicket. */
  if (view == BPV_VIEW_GRADIENTS)
    s = s * s;
  /* The hue says the sign at any strength; weak edges are thin, light and
   * translucent, the strongest opaque. */
  style.color = bpv_palette_diverging (theme, (v < 0 ? -1 : 1) * (0.5 + 0.5 * s));
  style.color.a = 0.15 + 0.85 * s;
  style.width = 0.6 + 4.4 * s;
  style.dashed = v < 0;
  return style;
}

BpvRgba
bpv_render_neuron_fill (BpvTheme theme,
                        double   a,
                        double   max)
{
  return bpv_palette_diverging (theme, bpv_scale_linear (a, max));
}

static gboolean
trace_usable (const BpNetwork *net,
              const BpTrace   *trace)
{
  return trace != NULL && trace->batch > 0 && bp_trace_fits (trace, net);
}

static const double *
layer_values (const BpNetwork *net,
              gsize            n,
              EdgeSource       src,
              const double    *old_params)
{
  const BpLayer *L = &net->layers[n - 1];

  switch (src)
    {
    case SRC_GRADIENTS:
      return L->dW;
    case SRC_OLD:
      return old_params + (L->W - net->params);
    case SRC_WEIGHTS:
    default:
      return L->W;
    }
}

/* Does the activation stay within [−1, 1] (σ, tanh, softmax, …)?  Then its
 * natural scale is used for the fill: a σ output of 0.48 must not look
 * like a saturated one just because it is the largest of its layer. */
static gboolean
activation_bounded (const BpLayer *L)
{
  static const double probes[] = { -1e3, -10, -1, 0, 1, 10, 1e3 };

  if (L->act == NULL)
    return FALSE;
  if (L->act->vec_forward != NULL)
    return TRUE;  /* softmax-like: a distribution */
  if (L->act->f == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      double a = L->act->f (probes[i], L->act_params);

      if (!(fabs (a) <= 1.0))
        return FALSE;
    }
  return TRUE;
}

/* Per-bundle and per-column normalisers, per layer or global. */
static void
compute_maxima (Paint *p)
{
  const BpNetwork *net = p->net;
  gsize N = net->n_layers;
  double wg = 0, gg = 0, ag = 0, dg = 0;

  for (gsize n = 1; n <= N; n++)
    {
      const BpLayer *L = &net->layers[n - 1];

      p->w_max[n] = max_abs (L->W, L->out * L->in);
      p->g_max[n] = max_abs (L->dW, L->out * L->in);
      wg = MAX (wg, p->w_max[n]);
      gg = MAX (gg, p->g_max[n]);
    }
  for (gsize n = 0; n <= N; n++)
    {
      p->a_max[n] = 0;
      p->d_max[n] = 0;
      if (p->trace == NULL)
        continue;
      if (n == 0)
        p->a_max[0] = max_abs (p->trace->input, p->trace->batch * net->n_inputs);
      else
        {
          gsize count = p->trace->batch * net->layers[n - 1].out;

          p->a_max[n] = max_abs (p->trace->a[n - 1], count);
          p->d_max[n] = max_abs (p->trace->dC_dz[n - 1], count);
          ag = MAX (ag, p->a_max[n]);
          dg = MAX (dg, p->d_max[n]);
        }
    }
  if (p->st->scale == BPV_SCALE_GLOBAL)
    /* The input keeps its own scale: it is data, often in other units. */
    for (gsize n = 0; n <= N; n++)
      {
        p->w_max[n] = wg;
        p->g_max[n] = gg;
        if (n > 0)
          {
            p->a_max[n] = ag;
            p->d_max[n] = dg;
          }
      }
  for (gsize n = 1; n <= N; n++)
    if (activation_bounded (&net->layers[n - 1]))
      p->a_max[n] = 1.0;
}

static double
edge_max_for (const Paint *p,
              gsize        n,
              EdgeSource   src)
{
  return src == SRC_GRADIENTS ? p->g_max[n] : p->w_max[n];
}

static BpvView
view_for (EdgeSource src)
{
  return src == SRC_GRADIENTS ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
}

BpvView
bpv_render_bundle_view (const BpvRenderState *state,
                        gsize                 layer)
{
  g_return_val_if_fail (state != NULL, BPV_VIEW_WEIGHTS);

  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* Gradients exist for the layers backprop has passed, whatever the
       * view; the layers before still show their weights. */
      return layer >= state->layer ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
    case BPV_PHASE_UPDATE:
      /* The weights move from before the step to after it. */
      return state->old_params != NULL ? BPV_VIEW_WEIGHTS : state->view;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_FORWARD:
    case BPV_PHASE_COST:
    default:
      return state->view;
    }
}

static EdgeSource
bundle_source (const Paint *p,
               gsize        n)
{
  return bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS ? SRC_GRADIENTS : SRC_WEIGHTS;
}

double
bpv_render_edge_max (const BpvRenderState *state,
                     gsize                 layer)
{
  Paint p = { 0 };

  g_return_val_if_fail (state != NULL && state->net != NULL, 0);
  g_return_val_if_fail (layer >= 1 && layer <= state->net->n_layers, 0);
  p.st = state;
  p.net = state->net;
  p.trace = trace_usable (state->net, state->trace) ? state->trace : NULL;
  compute_maxima (&p);
  return bpv_render_bundle_view (state, layer) == BPV_VIEW_GRADIENTS ? p.g_max[layer] : p.w_max[layer];
}

double
bpv_render_neuron_max (const BpvRenderState *state,
                       gsize                 layer)
{
  Paint p = { 0 };

  g_return_val_if_fail (state != NULL && state->net != NULL, 0);
  g_return_val_if_fail (layer <= state->net->n_layers, 0);
  p.st = state;
  p.net = state->net;
  p.trace = trace_usable (state->net, state->trace) ? state->trace : NULL;
  compute_maxima (&p);
  return p.a_max[layer];
}

/* a(n) of the shown sample (the input for n = 0), or NULL. */
static const double *
unit_values (const Paint *p,
             gsize        n)
{
  if (p->trace == NULL)
    return NULL;
  if (n == 0)
    return p->trace->input + p->sample * p->net->n_inputs;
  return bp_trace_a (p->trace, n - 1, p->sample);
}

static const double *
unit_deltas (const Paint *p,
             gsize        n)
{
  if (p->trace == NULL || n == 0)
    return NULL;
  return bp_trace_dC_dz (p->trace, n - 1, p->sample);
}

/* ------------------------------------------------------------------ edges */

static void
set_edge_line (cairo_t            *cr,
               const BpvEdgeStyle *style,
               double              unit,
               double              extra_width)
{
  double w = style->width * unit + extra_width;

  cairo_set_line_width (cr, w);
  if (style->dashed)
    {
      double dash[2] = { 5 * unit + 1.5 * w, 3.5 * unit + w };

      cairo_set_dash (cr, dash, 2, 0);
    }
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

static void
stroke_edge (const Paint        *p,
             cairo_t            *cr,
             gsize               n,
             gsize               j,
             gsize               k,
             const BpvEdgeStyle *style,
             double              extra_width)
{
  const BpvColumn *l = &p->layout->columns[n - 1];
  const BpvColumn *r = &p->layout->columns[n];

  set_edge_line (cr, style, p->unit, extra_width);
  bpv_set_source_rgba (cr, style->color);
  cairo_move_to (cr, l->ux[k], l->uy[k]);
  cairo_line_to (cr, r->ux[j], r->uy[j]);
  cairo_stroke (cr);
}

typedef struct
{
  float  s;
  guint  index;
} EdgeOrder;

static int
compare_edge_order (const void *a,
                    const void *b)
{
  float x = ((const EdgeOrder *) a)->s, y = ((const EdgeOrder *) b)->s;

  return (x > y) - (x < y);
}

/* Every edge of a line bundle, weakest first so that the strong ones lie
 * on top.  One stroke per line: one path of crossing lines scan-converts
 * super-linearly. */
static void
paint_edge_lines (const Paint  *p,
                  cairo_t      *cr,
                  gsize         n,
                  const double *values,
                  BpvView       view,
                  double        max)
{
  const BpvBundle *b = &p->layout->bundles[n];
  gsize count = b->rows * b->cols;
  g_autofree EdgeOrder *order = g_new (EdgeOrder, count);

  for (gsize i = 0; i < count; i++)
    {
      double v = values[i];

      order[i].index = (guint) i;
      order[i].s = isnan (v) ? 2.0f : (float) fabs (view == BPV_VIEW_WEIGHTS
                                                    ? bpv_scale_linear (v, max)
                                                    : bpv_scale_log (v, max, GRAD_DECADES));
    }
  qsort (order, count, sizeof *order, compare_edge_order);

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (gsize i = 0; i < count; i++)
    {
      gsize e = order[i].index;
      BpvEdgeStyle style = bpv_render_edge_style (view, p->st->theme, values[e], max);

      /* Opaque strokes cost cairo about 40% less than translucent ones:
       * blend with the background here (weakest first, so a strong edge
       * still lies on top where two cross). */
      style.color = bpv_rgba_mix (p->tc->background, bpv_rgba_with_alpha (style.color, 1.0),
                                  style.color.a);

      stroke_edge (p, cr, n, e / b->cols, e % b->cols, &style, 0);
    }
  cairo_restore (cr);
}

/* W(n) (or ∂C/∂W(n)) as an out × in image, one pixel per weight. */
static cairo_surface_t *
matrix_image (const Paint  *p,
              gsize         n,
              const double *values,
              BpvView       view,
              double        max)
{
  const BpvBundle *b = &p->layout->bundles[n];
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) b->cols, (int) b->rows);
  unsigned char *data;
  int stride;
  guint32 lut[257];

  /* A 257-entry lookup table: 100 k weights per frame while training. */
  for (int i = 0; i <= 256; i++)
    lut[i] = bpv_rgba_to_argb32 (bpv_palette_diverging (p->st->theme, (i - 128) / 128.0));

  cairo_surface_flush (img);
  data = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  for (gsize j = 0; j < b->rows; j++)
    {
      guint32 *row = (guint32 *) (void *) (data + (gsize) stride * j);
      const double *w = values + j * b->cols;

      for (gsize k = 0; k < b->cols; k++)
        {
          double s = view == BPV_VIEW_WEIGHTS ? bpv_scale_linear (w[k], max)
                                              : bpv_scale_log (w[k], max, GRAD_DECADES);

          row[k] = isnan (s) ? bpv_rgba_to_argb32 (p->tc->warning)
                             : lut[(int) lround (s * 128.0) + 128];
        }
    }
  cairo_surface_mark_dirty (img);
  return img;
}

static void
paint_matrix (const Paint  *p,
              cairo_t      *cr,
              gsize         n,
              const double *values,
              BpvView       view,
              double        max)
{
  const BpvBundle *b = &p->layout->bundles[n];
  const BpvColumn *l = &p->layout->columns[n - 1];
  const BpvColumn *r = &p->layout->columns[n];
  const BpvRect *m = &b->matrix;
  cairo_surface_t *img = matrix_image (p, n, values, view, max);
  cairo_pattern_t *pattern;
  cairo_matrix_t mat;
  double cw = m->width / (double) b->cols, ch = m->height / (double) b->rows;

  cairo_save (cr);

  /* Fans from the columns to the matrix: the connectivity, without lines. */
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->grid, 0.28));
  cairo_move_to (cr, l->bounds.x + l->bounds.width, l->bounds.y);
  cairo_line_to (cr, m->x, m->y);
  cairo_line_to (cr, m->x, m->y + m->height);
  cairo_line_to (cr, l->bounds.x + l->bounds.width, l->bounds.y + l->bounds.height);
  cairo_close_path (cr);
  cairo_fill (cr);
  cairo_move_to (cr, m->x + m->width, m->y);
  cairo_line_to (cr, r->bounds.x, r->bounds.y);
  cairo_line_to (cr, r->bounds.x, r->bounds.y + r->bounds.height);
  cairo_line_to (cr, m->x + m->width, m->y + m->height);
  cairo_close_path (cr);
  cairo_fill (cr);

  pattern = cairo_pattern_create_for_surface (img);
  cairo_matrix_init_scale (&mat, 1.0 / cw, 1.0 / ch);
  cairo_matrix_translate (&mat, -m->x, -m->y);
  cairo_pattern_set_matrix (pattern, &mat);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  /* Shrinking averages neighbouring weights (honest: mixed signs fade);
   * enlarging keeps crisp cells. */
  cairo_pattern_set_filter (pattern, cw < 1 || ch < 1 ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, m->x, m->y, m->width, m->height);
  cairo_fill (cr);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (img);

  /* Cell separators where cells are big enough to tell apart. */
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, 0.8));
  cairo_set_line_width (cr, MIN (1.0, 0.12 * MIN (cw, ch)));
  if (cw >= 5)
    for (gsize k = 1; k < b->cols; k++)
      {
        cairo_move_to (cr, m->x + cw * (double) k, m->y);
        cairo_rel_line_to (cr, 0, m->height);
      }
  if (ch >= 5)
    for (gsize j = 1; j < b->rows; j++)
      {
        cairo_move_to (cr, m->x, m->y + ch * (double) j);
        cairo_rel_line_to (cr, m->width, 0);
      }
  cairo_stroke (cr);

  bpv_set_source_rgba (cr, p->tc->grid);
  cairo_set_line_width (cr, p->unit);
  cairo_rectangle (cr, m->x, m->y, m->width, m->height);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* A bundle in world coordinates on `cr`. */
static void
paint_bundle (const Paint *p,
              cairo_t     *cr,
              gsize        n,
              EdgeSource   src)
{
  const double *values = layer_values (p->net, n, src, p->st->old_params);
  double max = edge_max_for (p, n, src);

  if (p->layout->bundles[n].kind == BPV_BUNDLE_MATRIX)
    paint_matrix (p, cr, n, values, view_for (src), max);
  else
    paint_edge_lines (p, cr, n, values, view_for (src), max);
}

static void
apply_view (cairo_t         *cr,
            const BpvLayout *layout)
{
  cairo_translate (cr, layout->params.pan_x, layout->params.pan_y);
  cairo_scale (cr, layout->params.zoom, layout->params.zoom);
}

/* The cached tile of bundle n from `src`, painted if missing.  Tiles are
 * positioned in widget units; NULL when the bundle is off screen. */
static Tile *
get_tile (const Paint *p,
          gsize        n,
          EdgeSource   src)
{
  BpvRenderCache *cache = p->st->cache;
  const BpvLayout *layout = p->layout;
  const BpvBundle *b = &layout->bundles[n];
  double ds = p->st->device_scale > 0 ? p->st->device_scale : 1.0;
  double x0, y0, x1, y1;
  guint64 key = 0x5bd1e995ull;
  Tile *tile = NULL;
  cairo_t *tcr;
  int pw, ph;

  bpv_layout_to_widget (layout, b->bounds.x, b->bounds.y, &x0, &y0);
  bpv_layout_to_widget (layout, b->bounds.x + b->bounds.width,
                        b->bounds.y + b->bounds.height, &x1, &y1);
  x0 = floor (MAX (x0, 0));
  y0 = floor (MAX (y0, 0));
  x1 = ceil (MIN (x1, layout->params.width));
  y1 = ceil (MIN (y1, layout->params.height));
  if (x1 <= x0 || y1 <= y0)
    return NULL;

  key = hash_mix (key, layout->serial);
  key = hash_mix (key, n);
  key = hash_mix (key, src);
  key = hash_mix (key, p->st->theme);
  key = hash_double (key, edge_max_for (p, n, src));
  key = hash_double (key, ds);
  key = hash_double (key, p->unit);
  key = hash_mix (key, hash_doubles (layer_values (p->net, n, src, p->st->old_params),
                                     b->rows * b->cols));

  cache->clock++;
  for (int i = 0; i < CACHE_SLOTS; i++)
    if (cache->tiles[n][i].surface != NULL && cache->tiles[n][i].key == key)
      {
        cache->tiles[n][i].used = cache->clock;
        return &cache->tiles[n][i];
      }

  /* Replace the least recently used slot. */
  for (int i = 0; i < CACHE_SLOTS; i++)
    if (tile == NULL || cache->tiles[n][i].used < tile->used)
      tile = &cache->tiles[n][i];
  g_clear_pointer (&tile->surface, cairo_surface_destroy);

  pw = (int) ceil ((x1 - x0) * ds);
  ph = (int) ceil ((y1 - y0) * ds);
  tile->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
  cairo_surface_set_device_scale (tile->surface, ds, ds);
  tile->x = x0;
  tile->y = y0;
  tile->key = key;
  tile->used = cache->clock;

  tcr = cairo_create (tile->surface);
  cairo_translate (tcr, -x0, -y0);
  apply_view (tcr, layout);
  paint_bundle (p, tcr, n, src);
  cairo_destroy (tcr);
  return tile;
}

/* Bundle n from `src` at opacity alpha, from the cache or painted live.
 * `cr` is in widget units (no zoom applied). */
static void
show_bundle (const Paint *p,
             gsize        n,
             EdgeSource   src,
             double       alpha)
{
  cairo_t *cr = p->cr;

  if (alpha <= 0.003)
    return;
  if (p->st->cache != NULL)
    {
      Tile *tile = get_tile (p, n, src);

      if (tile == NULL)
        return;
      cairo_set_source_surface (cr, tile->surface, tile->x, tile->y);
      if (alpha >= 0.997)
        cairo_paint (cr);
      else
        cairo_paint_with_alpha (cr, alpha);
      return;
    }

  cairo_save (cr);
  apply_view (cr, p->layout);
  if (alpha >= 0.997)
    paint_bundle (p, cr, n, src);
  else
    {
      cairo_push_group (cr);
      paint_bundle (p, cr, n, src);
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, alpha);
    }
  cairo_restore (cr);
}

/* The update phase on small networks: each edge drawn at the value between
 * old and new, so its width really grows or shrinks. */
static void
paint_interpolated_bundle (const Paint *p,
                           gsize        n)
{
  const BpvBundle *b = &p->layout->bundles[n];
  const double *w_new = p->net->layers[n - 1].W;
  const double *w_old = layer_values (p->net, n, SRC_OLD, p->st->old_params);
  double t = ease (p->st->t);
  gsize count = b->rows * b->cols;
  g_autofree double *v = g_new (double, count);

  for (gsize i = 0; i < count; i++)
    v[i] = w_old[i] + (w_new[i] - w_old[i]) * t;
  cairo_save (p->cr);
  apply_view (p->cr, p->layout);
  paint_edge_lines (p, p->cr, n, v, BPV_VIEW_WEIGHTS, p->w_max[n]);
  cairo_restore (p->cr);
}

static void
paint_bundles (const Paint *p)
{
  const BpvRenderState *st = p->st;
  gsize N = p->net->n_layers;
  gboolean live_update = FALSE;

  if (st->phase == BPV_PHASE_UPDATE && st->old_params != NULL)
    {
      gsize lines = 0;

      for (gsize n = 1; n <= N; n++)
        if (p->layout->bundles[n].kind == BPV_BUNDLE_EDGES)
          lines += p->layout->bundles[n].n_edges;
      live_update = lines <= LIVE_UPDATE_MAX_EDGES;
    }

  for (gsize n = 1; n <= N; n++)
    {
      EdgeSource rest = bundle_source (p, n);

      switch (st->phase)
        {
        case BPV_PHASE_BACKWARD:
          /* bundle_source: gradients for the layers backprop has passed. */
          if (n > st->layer)
            show_bundle (p, n, rest, 1.0);
          else if (n == st->layer)
            {
              double g = smoothstep (0.55, 1.0, st->t);

              show_bundle (p, n, SRC_WEIGHTS, 1.0 - g);
              show_bundle (p, n, SRC_GRADIENTS, g);
            }
          else
            show_bundle (p, n, rest, 1.0);
          break;

        case BPV_PHASE_UPDATE:
          if (st->old_params == NULL)
            show_bundle (p, n, SRC_WEIGHTS, 1.0);
          else if (live_update && p->layout->bundles[n].kind == BPV_BUNDLE_EDGES)
            paint_interpolated_bundle (p, n);
          else
            {
              double t = ease (st->t);

              show_bundle (p, n, SRC_OLD, 1.0 - t);
              show_bundle (p, n, SRC_WEIGHTS, t);
            }
          break;

        case BPV_PHASE_IDLE:
        case BPV_PHASE_FORWARD:
        case BPV_PHASE_COST:
        default:
          show_bundle (p, n, rest, 1.0);
          break;
        }
    }
}

/* --------------------------------------------------- highlights and paths */

static void
outline_matrix_cells (const Paint *p,
                      gsize        n,
                      double       j0,
                      double       j1,
                      double       k0,
                      double       k1,
                      BpvRgba      color,
                      double       width)
{
  const BpvBundle *b = &p->layout->bundles[n];
  const BpvRect *m = &b->matrix;
  double cw = m->width / (double) b->cols, ch = m->height / (double) b->rows;
  double x0 = m->x + cw * k0, x1 = m->x + cw * k1;
  double y0 = m->y + ch * j0, y1 = m->y + ch * j1;
  double min = 6 * p->unit;

  /* Sub-pixel cells: keep the mark visible. */
  if (x1 - x0 < min)
    {
      double c = (x0 + x1) / 2;
      x0 = c - min / 2;
      x1 = c + min / 2;
    }
  if (y1 - y0 < min)
    {
      double c = (y0 + y1) / 2;
      y0 = c - min / 2;
      y1 = c + min / 2;
    }
  cairo_save (p->cr);
  cairo_set_dash (p->cr, NULL, 0, 0);
  bpv_set_source_rgba (p->cr, color);
  cairo_set_line_width (p->cr, width);
  cairo_rectangle (p->cr, x0, y0, x1 - x0, y1 - y0);
  cairo_stroke (p->cr);
  cairo_restore (p->cr);
}

/* One edge emphasised: a halo in `color`, then the edge itself opaque. */
static void
emphasise_edge (const Paint *p,
                gsize        n,
                gsize        j,
                gsize        k,
                BpvRgba      halo,
                double       halo_width)
{
  const BpvBundle *b = &p->layout->bundles[n];

  if (b->kind == BPV_BUNDLE_MATRIX)
    {
      outline_matrix_cells (p, n, (double) j, j + 1.0, (double) k, k + 1.0, halo, 2 * p->unit);
      return;
    }
  {
    EdgeSource src = bundle_source (p, n);
    double v = layer_values (p->net, n, src, NULL)[j * b->cols + k];
    BpvEdgeStyle style = bpv_render_edge_style (view_for (src), p->st->theme, v, edge_max_for (p, n, src));
    BpvEdgeStyle h = style;

    cairo_save (p->cr);
    cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_ROUND);
    if (halo_width > 0)
      {
        h.dashed = FALSE;
        h.color = halo;
        stroke_edge (p, p->cr, n, j, k, &h, halo_width);
      }
    cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_BUTT);
    style.color.a = 1.0;
    style.width = MAX (style.width, 1.5);
    stroke_edge (p, p->cr, n, j, k, &style, 0);
    cairo_restore (p->cr);
  }
}

/* The fan of a neuron: its incoming and outgoing edges. */
static void
emphasise_neuron_edges (const Paint *p,
                        gsize        n,
                        gsize        j,
                        BpvRgba      color)
{
  gsize N = p->net->n_layers;

  if (n >= 1)
    {
      const BpvBundle *b = &p->layout->bundles[n];

      if (b->kind == BPV_BUNDLE_MATRIX)
        outline_matrix_cells (p, n, (double) j, j + 1.0, 0, (double) b->cols, color, 2 * p->unit);
      else
        for (gsize k = 0; k < b->cols; k++)
          emphasise_edge (p, n, j, k, color, 0);
    }
  if (n + 1 <= N)
    {
      const BpvBundle *b = &p->layout->bundles[n + 1];

      if (b->kind == BPV_BUNDLE_MATRIX)
        outline_matrix_cells (p, n + 1, 0, (double) b->rows, (double) j, j + 1.0, color, 2 * p->unit);
      else
        for (gsize jj = 0; jj < b->rows; jj++)
          emphasise_edge (p, n + 1, jj, j, color, 0);
    }
}

static gboolean
hit_valid (const Paint  *p,
           const BpvHit *hit)
{
  const BpvLayout *layout = p->layout;

  if (hit->kind == BPV_HIT_NEURON)
    return hit->layer < layout->n_columns && hit->j < layout->columns[hit->layer].n_units;
  if (hit->kind == BPV_HIT_EDGE)
    return hit->layer >= 1 && hit->layer < layout->n_columns
           && hit->j < layout->bundles[hit->layer].rows
           && hit->k < layout->bundles[hit->layer].cols;
  return FALSE;
}

/* Is unit j of column n on a path from edge W(i)_jk to the output? */
static gboolean
on_path (const BpvHit *path,
         gsize         n,
         gsize         j)
{
  if (path->kind != BPV_HIT_EDGE)
    return TRUE;
  if (n + 1 == path->layer)
    return j == path->k;
  if (n == path->layer)
    return j == path->j;
  return n > path->layer;
}

static EdgeSource
path_source (const Paint *p,
             gsize        n)
{
  return bundle_source (p, n);
}

/* Bundle n again, clipped to matrix cells [j0, j1) × [k0, k1). */
static void
show_bundle_cells (const Paint *p,
                   gsize        n,
                   gsize        j0,
                   gsize        j1,
                   gsize        k0,
                   gsize        k1)
{
  const BpvBundle *b = &p->layout->bundles[n];
  double cw = b->matrix.width / (double) b->cols, ch = b->matrix.height / (double) b->rows;
  cairo_matrix_t m;

  cairo_save (p->cr);
  cairo_get_matrix (p->cr, &m);
  apply_view (p->cr, p->layout);
  cairo_rectangle (p->cr, b->matrix.x + cw * (double) k0, b->matrix.y + ch * (double) j0,
                   cw * (double) (k1 - k0), ch * (double) (j1 - j0));
  cairo_clip (p->cr);
  cairo_set_matrix (p->cr, &m);
  show_bundle (p, n, path_source (p, n), 1.0);
  cairo_restore (p->cr);
}

/* Dims everything, then brings back the paths from W(i)_jk to the output:
 * the edge, the fan out of a(i)_j, and every bundle after it. */
static void
paint_path (const Paint *p)
{
  const BpvHit *e = &p->st->path_edge;
  const BpvLayout *layout = p->layout;
  gsize N = p->net->n_layers;
  cairo_t *cr = p->cr;

  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, 0.78));
  cairo_paint (cr);

  for (gsize n = e->layer + 2; n <= N; n++)
    show_bundle (p, n, path_source (p, n), 1.0);

  /* Matrices: bring back the one cell, and the column of W(i+1) fed by
   * a(i)_j. */
  if (layout->bundles[e->layer].kind == BPV_BUNDLE_MATRIX)
    show_bundle_cells (p, e->layer, e->j, e->j + 1, e->k, e->k + 1);
  if (e->layer + 1 <= N && layout->bundles[e->layer + 1].kind == BPV_BUNDLE_MATRIX)
    show_bundle_cells (p, e->layer + 1, 0, layout->bundles[e->layer + 1].rows, e->j, e->j + 1);

  cairo_save (cr);
  apply_view (cr, layout);
  emphasise_edge (p, e->layer, e->j, e->k, p->tc->selection, 4 * p->unit);
  if (e->layer + 1 <= N)
    {
      const BpvBundle *b = &layout->bundles[e->layer + 1];

      if (b->kind == BPV_BUNDLE_MATRIX)
        outline_matrix_cells (p, e->layer + 1, 0, (double) b->rows, (double) e->j, e->j + 1.0,
                              p->tc->selection, 2 * p->unit);
      else
        for (gsize jj = 0; jj < b->rows; jj++)
          emphasise_edge (p, e->layer + 1, jj, e->j, bpv_rgba_with_alpha (p->tc->selection, 0.35),
                          2 * p->unit);
    }
  cairo_restore (cr);
}

/* ----------------------------------------------------------------- pulses */

static void
paint_pulses (const Paint *p)
{
  const BpvRenderState *st = p->st;
  const BpvLayout *layout = p->layout;
  gboolean backward = st->phase == BPV_PHASE_BACKWARD;
  gsize n = st->layer;
  const BpvBundle *b;
  const BpvColumn *l, *r;
  double t, size;
  cairo_t *cr = p->cr;

  if (st->phase != BPV_PHASE_FORWARD && !backward)
    return;
  if (n < 1 || n > p->net->n_layers || st->t <= 0 || st->t >= 1)
    return;

  b = &layout->bundles[n];
  l = &layout->columns[n - 1];
  r = &layout->columns[n];
  t = ease (st->t);
  size = MAX (MIN (l->radius, r->radius), 3 * p->unit);

  cairo_save (cr);
  apply_view (cr, layout);
  if (b->kind == BPV_BUNDLE_MATRIX)
    {
      /* A wavefront sweeping the matrix: forward left to right (over the
       * inputs k), backward right to left. */
      const BpvRect *m = &b->matrix;
      double x = backward ? m->x + m->width * (1 - t) : m->x + m->width * t;
      double band = MAX (m->width * 0.06, 4 * p->unit);
      cairo_pattern_t *glow = cairo_pattern_create_linear (x - band, 0, x + band, 0);
      BpvRgba c = backward ? p->tc->selection : p->tc->pulse;

      cairo_pattern_add_color_stop_rgba (glow, 0, c.r, c.g, c.b, 0);
      cairo_pattern_add_color_stop_rgba (glow, 0.5, c.r, c.g, c.b, 0.55);
      cairo_pattern_add_color_stop_rgba (glow, 1, c.r, c.g, c.b, 0);
      cairo_set_source (cr, glow);
      cairo_rectangle (cr, x - band, m->y - 3 * p->unit, 2 * band, m->height + 6 * p->unit);
      cairo_fill (cr);
      cairo_pattern_destroy (glow);
      bpv_set_source_rgba (cr, c);
      cairo_set_line_width (cr, 2 * p->unit);
      cairo_move_to (cr, x, m->y - 3 * p->unit);
      cairo_rel_line_to (cr, 0, m->height + 6 * p->unit);
      cairo_stroke (cr);
    }
  else
    {
      const double *a_prev = unit_values (p, n - 1);
      const double *W = p->net->layers[n - 1].W;
      const double *dW = p->net->layers[n - 1].dW;
      double cmax = 0;

      /* Forward: what travels is the contribution W_jk a_k; backward, the
       * gradient ∂C/∂W_jk. */
      if (!backward && a_prev != NULL)
        for (gsize e = 0; e < b->n_edges; e++)
          cmax = MAX (cmax, fabs (W[e] * a_prev[e % b->cols]));
      for (gsize e = 0; e < b->n_edges; e++)
        {
          gsize j = e / b->cols, k = e % b->cols;
          double v, s, x, y, rad;
          BpvRgba c;

          if (backward)
            {
              v = dW[e];
              s = bpv_scale_log (v, p->g_max[n], GRAD_DECADES);
            }
          else if (a_prev != NULL)
            {
              v = W[e] * a_prev[k];
              s = bpv_scale_linear (v, cmax);
            }
          else
            {
              v = 1;
              s = 1;
            }
          if (isnan (s))
            s = 1;
          if (backward)
            {
              x = r->ux[j] + (l->ux[k] - r->ux[j]) * t;
              y = r->uy[j] + (l->uy[k] - r->uy[j]) * t;
            }
          else
            {
              x = l->ux[k] + (r->ux[j] - l->ux[k]) * t;
              y = l->uy[k] + (r->uy[j] - l->uy[k]) * t;
            }
          rad = size * (0.12 + 0.2 * fabs (s));
          c = bpv_palette_diverging (st->theme, (v < 0 ? -1 : 1) * (0.6 + 0.4 * fabs (s)));
          bpv_set_source_rgba (cr, c);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, rad, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- neurons */

/* The state of every unit of a(n) (n ≥ 1) for the shown sample, as the
 * core judges it (bp-diagnostics.h), and their σ′(z) in *deriv when it is
 * not NULL.  Both arrays are newly allocated: free with g_free. */
static BpDiagUnitState *
unit_states (const Paint  *p,
             gsize         n,
             double      **deriv)
{
  gsize out = p->net->layers[n - 1].out;
  BpDiagUnitState *state = g_new (BpDiagUnitState, out);
  double *dv = g_new (double, out);

  bp_diag_unit_states (p->net, p->trace, n - 1, p->sample, dv, state);
  if (deriv != NULL)
    *deriv = dv;
  else
    g_free (dv);
  return state;
}

static double
luminance (BpvRgba c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

/* How filled column n is in this phase: 0 empty … 1 showing a(n). */
static double
fill_alpha (const Paint *p,
            gsize        n)
{
  const BpvRenderState *st = p->st;

  if (p->trace == NULL)
    return 0;
  if (n == 0 || st->phase != BPV_PHASE_FORWARD)
    return 1;
  if (n < st->layer)
    return 1;
  if (n == st->layer)
    return smoothstep (0.75, 1.0, st->t);
  return 0;
}

gboolean
bpv_render_forward_known (const BpvRenderState *state,
                          gsize                 layer)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (state->trace == NULL)
    return FALSE;
  if (layer == 0 || state->phase != BPV_PHASE_FORWARD)
    return TRUE;
  /* The stop at layer n has computed a(n) once its pulses have landed
   * (t = 1, as fill_alpha fills it); the input stop is layer 1 at t = 0. */
  return layer < state->layer || (layer == state->layer && state->t >= 1);
}

gboolean
bpv_render_delta_known (const BpvRenderState *state,
                        gsize                 layer)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (state->trace == NULL || layer == 0)
    return FALSE;
  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* The stop at layer n has computed δ(n) from δ(n+1); δ(n−1) is the
       * next stop's (the stepper's bpv_stepper_backward_known). */
      return layer >= state->layer;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_UPDATE:
      return TRUE;
    case BPV_PHASE_FORWARD:
    case BPV_PHASE_COST:
    default:
      return FALSE;
    }
}

double
bpv_render_ring_alpha (const BpvRenderState *state,
                       gsize                 layer)
{
  g_return_val_if_fail (state != NULL, 0);

  if (state->net == NULL || !trace_usable (state->net, state->trace)
      || !bpv_render_delta_known (state, layer))
    return 0;
  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* δ(n) appears as the pass arrives at a(n), before the pulses carry
       * it along W(n) into ∂C/∂W(n). */
      return layer == state->layer ? smoothstep (0.0, 0.35, state->t) : 1;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_UPDATE:
      return state->view == BPV_VIEW_GRADIENTS ? 1 : 0;
    default:
      return 0;
    }
}

/* How visible the δ rings of column n are. */
static double
ring_alpha (const Paint *p,
            gsize        n)
{
  if (p->trace == NULL)
    return 0;
  return bpv_render_ring_alpha (p->st, n);
}

static void
paint_circle_column (const Paint *p,
                     gsize        n)
{
  const BpvRenderState *st = p->st;
  const BpvColumn *c = &p->layout->columns[n];
  const double *a = unit_values (p, n);
  const double *d = unit_deltas (p, n);
  double fa = fill_alpha (p, n), ra = ring_alpha (p, n);
  double r = c->radius;
  double ring_w = MAX (3 * p->unit, 0.26 * r);
  gboolean maps = st->neuron_maps != NULL && n >= 1
                  && bpv_neuron_maps_fit (st->neuron_maps, p->net) && r >= 9;
  cairo_t *cr = p->cr;

  for (gsize j = 0; j < c->n_units; j++)
    {
      double x = c->ux[j], y = c->uy[j];
      BpvRgba fill = p->tc->node_empty;
      gboolean dim = !on_path (&st->path_edge, n, j);

      if (a != NULL)
        fill = bpv_rgba_mix (fill, bpv_render_neuron_fill (st->theme, a[j], p->a_max[n]), fa);

      cairo_save (cr);
      if (dim)
        cairo_push_group (cr);

      /* δ ring first, outside the neuron. */
      if (ra > 0 && d != NULL)
        {
          BpvRgba rc = bpv_palette_diverging (st->theme, bpv_scale_linear (d[j], p->d_max[n]));

          rc.a = ra;
          bpv_set_source_rgba (cr, rc);
          cairo_set_line_width (cr, ring_w);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, r + ring_w / 2 + 0.6 * p->unit, 0, 2 * G_PI);
          cairo_stroke (cr);
        }

      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      if (maps && fa > 0)
        {
          BpvRect box = { x - r, y - r, 2 * r, 2 * r };

          cairo_save (cr);
          cairo_clip_preserve (cr);
          bpv_neuron_map_render (cr, &box, st->neuron_maps, n, j, st->theme);
          cairo_restore (cr);
          /* The activation of the shown sample as a thick rim. */
          bpv_set_source_rgba (cr, fill);
          cairo_set_line_width (cr, MAX (0.22 * r, 2 * p->unit));
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, r - MAX (0.11 * r, p->unit), 0, 2 * G_PI);
          cairo_stroke (cr);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, r, 0, 2 * G_PI);
        }
      else
        {
          bpv_set_source_rgba (cr, fill);
          cairo_fill_preserve (cr);
        }
      bpv_set_source_rgba (cr, p->tc->node_stroke);
      cairo_set_line_width (cr, 1.2 * p->unit);
      cairo_stroke (cr);

      if (st->show_values && a != NULL && fa > 0.5 && !maps)
        {
          char buf[32];
          const char *s = VALUE_TEXT (buf, "%.2f", a[j]);
          BpvRgba tcol = luminance (fill) > 0.5 ? (BpvRgba) { 0.1, 0.1, 0.1, 1 }
                                                : (BpvRgba) { 1, 1, 1, 1 };
          double tw, th;

          /* At the labels' size, in neurons big enough for it. */
          bpv_text_measure (p->text, s, LABEL_EM * p->font, BPV_TEXT_NORMAL, &tw, &th);
          if (tw <= 1.85 * r && th <= 1.5 * r)
            bpv_text_draw (p->text, s, x, y, 0.5, 0.5, LABEL_EM * p->font, BPV_TEXT_NORMAL, tcol);
        }
      if (dim)
        {
          cairo_pop_group_to_source (cr);
          cairo_paint_with_alpha (cr, 0.3);
        }
      cairo_restore (cr);
    }
}

/* Strips and images: one pixel per unit, scaled up with crisp cells. */
static void
paint_cell_column (const Paint *p,
                   gsize        n)
{
  const BpvRenderState *st = p->st;
  const BpvColumn *c = &p->layout->columns[n];
  const double *a = unit_values (p, n);
  const double *d = unit_deltas (p, n);
  double fa = fill_alpha (p, n), ra = ring_alpha (p, n);
  cairo_surface_t *img;
  cairo_pattern_t *pattern;
  cairo_matrix_t mat;
  unsigned char *data;
  int stride;
  cairo_t *cr = p->cr;

  img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) c->grid_cols, (int) c->grid_rows);
  cairo_surface_flush (img);
  data = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  memset (data, 0, (gsize) stride * c->grid_rows);
  for (gsize i = 0; i < c->n_units; i++)
    {
      gsize col = c->kind == BPV_COLUMN_IMAGE ? i % c->grid_cols : i / c->grid_rows;
      gsize row = c->kind == BPV_COLUMN_IMAGE ? i / c->grid_cols : i % c->grid_rows;
      BpvRgba fill = p->tc->node_empty;

      if (a != NULL)
        fill = bpv_rgba_mix (fill, bpv_render_neuron_fill (st->theme, a[i], p->a_max[n]), fa);
      ((guint32 *) (void *) (data + (gsize) stride * row))[col] = bpv_rgba_to_argb32 (fill);
    }
  cairo_surface_mark_dirty (img);

  cairo_save (cr);
  pattern = cairo_pattern_create_for_surface (img);
  cairo_matrix_init_scale (&mat, 1.0 / c->cell, 1.0 / c->cell);
  cairo_matrix_translate (&mat, -c->bounds.x, -c->bounds.y);
  cairo_pattern_set_matrix (pattern, &mat);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, c->bounds.x, c->bounds.y, c->bounds.width, c->bounds.height);
  cairo_fill (cr);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (img);

  /* Separators between cells of a strip (an image stays an image). */
  if (c->kind == BPV_COLUMN_STRIP && c->cell >= 5)
    {
      bpv_set_source_rgba (cr, p->tc->background);
      cairo_set_line_width (cr, MAX (0.12 * c->cell, 0.8));
      for (gsize row = 1; row < c->grid_rows; row++)
        {
          cairo_move_to (cr, c->bounds.x, c->bounds.y + c->cell * (double) row);
          cairo_rel_line_to (cr, c->bounds.width, 0);
        }
      for (gsize col = 1; col < c->grid_cols; col++)
        {
          cairo_move_to (cr, c->bounds.x + c->cell * (double) col, c->bounds.y);
          cairo_rel_line_to (cr, 0, c->bounds.height);
        }
      cairo_stroke (cr);
    }

  /* δ: a thin strip beside each strip column. */
  if (ra > 0 && d != NULL)
    {
      double w = MAX (0.45 * c->cell, 2 * p->unit);

      for (gsize i = 0; i < c->n_units; i++)
        {
          gsize col = i / c->grid_rows, row = i % c->grid_rows;
          BpvRgba rc = bpv_palette_diverging (st->theme, bpv_scale_linear (d[i], p->d_max[n]));

          if (col + 1 != c->grid_cols && c->grid_cols > 1)
            continue;  /* only the rightmost strip has room beside it */
          rc.a = ra;
          bpv_set_source_rgba (cr, rc);
          cairo_rectangle (cr, c->bounds.x + c->bounds.width + 0.5 * p->unit,
                           c->bounds.y + c->cell * (double) row, w, c->cell);
          cairo_fill (cr);
        }
    }

  bpv_set_source_rgba (cr, p->tc->node_stroke);
  cairo_set_line_width (cr, p->unit);
  cairo_rectangle (cr, c->bounds.x, c->bounds.y, c->bounds.width, c->bounds.height);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
mark_unit (const Paint *p,
           gsize        n,
           gsize        j,
           BpvRgba      color,
           double       width)
{
  const BpvColumn *c = &p->layout->columns[n];
  cairo_t *cr = p->cr;

  cairo_save (cr);
  bpv_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  if (c->kind == BPV_COLUMN_CIRCLES)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, c->ux[j], c->uy[j], c->radius + width / 2 + 0.5 * p->unit, 0, 2 * G_PI);
    }
  else
    {
      double h = MAX (c->cell / 2 + width / 2, 3 * p->unit);

      cairo_rectangle (cr, c->ux[j] - h, c->uy[j] - h, 2 * h, 2 * h);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
paint_derivatives (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  cairo_t *cr = p->cr;

  if (!p->st->show_derivatives || p->trace == NULL)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];
      g_autofree BpDiagUnitState *state = unit_states (p, n, NULL);

      for (gsize j = 0; j < c->n_units; j++)
        {
          gboolean dead = state[j] == BP_DIAG_UNIT_DEAD;
          gboolean saturated = state[j] == BP_DIAG_UNIT_SATURATED;

          if (c->kind == BPV_COLUMN_CIRCLES)
            {
              double r = c->radius;

              if (dead)
                {
                  double h = r * 0.62;

                  cairo_save (cr);
                  bpv_set_source_rgba (cr, p->tc->dead);
                  cairo_set_line_width (cr, MAX (0.16 * r, 1.5 * p->unit));
                  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
                  cairo_move_to (cr, c->ux[j] - h, c->uy[j] - h);
                  cairo_line_to (cr, c->ux[j] + h, c->uy[j] + h);
                  cairo_move_to (cr, c->ux[j] + h, c->uy[j] - h);
                  cairo_line_to (cr, c->ux[j] - h, c->uy[j] + h);
                  cairo_stroke (cr);
                  cairo_restore (cr);
                }
              else if (saturated)
                mark_unit (p, n, j, p->tc->warning, MAX (2 * p->unit, 0.12 * r));
            }
          else if (dead)
            {
              double h = c->cell / 2;

              cairo_save (cr);
              bpv_set_source_rgba (cr, p->tc->dead);
              cairo_set_line_width (cr, MAX (0.16 * c->cell, 0.8));
              cairo_move_to (cr, c->ux[j] - h, c->uy[j] - h);
              cairo_line_to (cr, c->ux[j] + h, c->uy[j] + h);
              cairo_move_to (cr, c->ux[j] + h, c->uy[j] - h);
              cairo_line_to (cr, c->ux[j] - h, c->uy[j] + h);
              cairo_stroke (cr);
              cairo_restore (cr);
            }
          else if (saturated)
            {
              /* A warning corner: the cell stays readable. */
              double h = c->cell / 2;

              cairo_save (cr);
              bpv_set_source_rgba (cr, p->tc->warning);
              cairo_move_to (cr, c->ux[j] + h, c->uy[j] - h);
              cairo_rel_line_to (cr, 0, c->cell * 0.55);
              cairo_rel_line_to (cr, -c->cell * 0.55, -c->cell * 0.55);
              cairo_close_path (cr);
              cairo_fill (cr);
              cairo_restore (cr);
            }
        }
    }
}

/* ----------------------------------------------------------------- labels */

/* "₁₂" for 12 (plain-text subscripts for tooltips). */
static void
append_subscript (GString *s,
                  gsize    v)
{
  static const char *digits[] = { "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉" };
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GSIZE_FORMAT, v);
  for (char *c = buf; *c != '\0'; c++)
    g_string_append (s, digits[*c - '0']);
}

static const char *
activation_name (const BpLayer *L)
{
  return L->act_id != NULL ? L->act_id : (L->act != NULL ? L->act->id : "?");
}

static gboolean
rects_overlap (const BpvRect *a,
               const BpvRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width
         && a->y < b->y + b->height && b->y < a->y + a->height;
}

static gboolean
rect_inside (const BpvRect *inner,
             const BpvRect *outer)
{
  return inner->x >= outer->x && inner->y >= outer->y
         && inner->x + inner->width <= outer->x + outer->width
         && inner->y + inner->height <= outer->y + outer->height;
}

/* The box of `markup` aligned at (x, y) as bpv_text_draw aligns it. */
static BpvRect
label_box (const Paint  *p,
           const char   *markup,
           double        x,
           double        y,
           double        xalign,
           double        yalign,
           double        size,
           BpvTextFlags  flags)
{
  double w, h;

  bpv_text_measure (p->text, markup, size, flags, &w, &h);
  return (BpvRect) { x - xalign * w, y - yalign * h, w, h };
}

/* Is `box` free: inside the viewport and clear of every label placed? */
static gboolean
box_free (const Paint   *p,
          const BpvRect *box)
{
  if (!rect_inside (box, &p->visible))
    return FALSE;
  for (guint i = 0; i < p->placed->len; i++)
    if (rects_overlap (box, &g_array_index (p->placed, BpvRect, i)))
      return FALSE;
  return TRUE;
}

static void
box_take (const Paint   *p,
          const BpvRect *box)
{
  g_array_append_val (p->placed, *box);
}

/* Draws a label where it is free and takes its place; FALSE (nothing
 * drawn) where it would leave the viewport or cover another label. */
static gboolean
place_label (const Paint  *p,
             const char   *markup,
             double        x,
             double        y,
             double        xalign,
             double        yalign,
             double        size,
             BpvTextFlags  flags,
             BpvRgba       color)
{
  BpvRect box = label_box (p, markup, x, y, xalign, yalign, size, flags);

  if (!box_free (p, &box))
    return FALSE;
  box_take (p, &box);
  bpv_text_draw (p->text, markup, x, y, xalign, yalign, size, flags, color);
  return TRUE;
}

/* Draws (centred at x, top at y) the first of `choices` (NULL-terminated)
 * that fits in max_w and is free, or nothing. */
static void
draw_fitting (const Paint        *p,
              const char * const *choices,
              double              x,
              double              y,
              double              size,
              BpvTextFlags        flags,
              BpvRgba             color,
              double              max_w)
{
  for (int i = 0; choices[i] != NULL; i++)
    {
      BpvRect box = label_box (p, choices[i], x, y, 0.5, 0, size, flags);

      if (box.width <= max_w && box_free (p, &box))
        {
          box_take (p, &box);
          bpv_text_draw (p->text, choices[i], x, y, 0.5, 0, size, flags, color);
          return;
        }
    }
}

/* The header row: a(n) over every column, W(n) between them, each with a
 * muted second line, shortened (or left out) where columns are close. */
static void
paint_headers (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  double f = p->font, top = layout->columns[0].header.y, spacing = G_MAXDOUBLE;
  gboolean bundle_labels;

  if (!layout->params.show_headers || !p->st->show_labels)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    spacing = MIN (spacing, layout->columns[n].x - layout->columns[n - 1].x);
  /* Room for "W(n)" between two headers? */
  bundle_labels = spacing >= BUNDLE_LABEL_SPACING_EM * f;

  /* The titles first: they matter most. */
  for (gsize n = 0; n < layout->n_columns; n++)
    {
      g_autofree char *title = g_strdup_printf ("a(%" G_GSIZE_FORMAT ")", n);

      place_label (p, title, layout->columns[n].x, top, 0.5, 0, TITLE_EM * f, BPV_TEXT_BOLD,
                   p->tc->text);
    }

  for (gsize n = 0; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];
      g_autofree char *full = NULL, *mid = NULL, *brief = NULL;
      double room;

      if (n == 0)
        {
          full = g_strdup_printf ("input · %" G_GSIZE_FORMAT, c->n_units);
          mid = g_strdup (full);
          brief = g_strdup ("input");
        }
      else
        {
          g_autofree char *act = g_markup_escape_text (activation_name (&p->net->layers[n - 1]), -1);

          full = g_strdup_printf ("%s(z(%" G_GSIZE_FORMAT ")) · %" G_GSIZE_FORMAT, act, n, c->n_units);
          mid = g_strdup_printf ("%s · %" G_GSIZE_FORMAT, act, c->n_units);
          brief = g_strdup (act);
        }
      /* A header may use its share of the distance to its neighbours. */
      room = layout->n_columns > 1 ? (bundle_labels ? 0.5 : 0.95) * spacing : layout->params.width;
      if (n == 0 || n + 1 == layout->n_columns)
        room = MAX (room, c->header.width);
      {
        const char *subs[] = { full, mid, brief, NULL };

        draw_fitting (p, subs, c->x, top + HEADER_SUB_EM * f, LABEL_EM * f, BPV_TEXT_NORMAL,
                      p->tc->text_muted, room - 0.4 * f);
      }
    }

  if (!bundle_labels)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvBundle *b = &layout->bundles[n];
      g_autofree char *w = g_strdup_printf ("W(%" G_GSIZE_FORMAT ")", n);
      g_autofree char *g = g_strdup_printf ("∂C/∂W(%" G_GSIZE_FORMAT ")", n);
      g_autofree char *sub = g_strdup_printf ("%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT,
                                              b->rows, b->cols);
      double room = layout->columns[n].x - layout->columns[n - 1].x - 0.5 * spacing;
      gboolean grads = bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS;
      BpvRgba col = grads ? p->tc->text : p->tc->text_muted;
      const char *titles[] = { grads ? g : w, w, NULL };
      const char *subs[] = { sub, NULL };

      draw_fitting (p, titles, b->label_x, top + 0.1 * f, LABEL_EM * f, BPV_TEXT_NORMAL, col, room);
      draw_fitting (p, subs, b->label_x, top + HEADER_SUB_EM * f, LABEL_EM * f, BPV_TEXT_NORMAL,
                    p->tc->text_muted, room);
    }
}

/* How far a unit of column n reaches with its δ ring (circles). */
static double
unit_reach (const Paint *p,
            gsize        n)
{
  const BpvColumn *c = &p->layout->columns[n];
  double ring = ring_alpha (p, n) > 0 ? MAX (3 * p->unit, 0.26 * c->radius) : 0;

  return c->radius + ring + 0.6 * p->unit;
}

/* The units and weight matrices are in place before any label: labels
 * go around them, never over them. */
static void
take_units (const Paint *p)
{
  const BpvLayout *layout = p->layout;

  for (gsize n = 0; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];

      if (c->kind == BPV_COLUMN_CIRCLES)
        {
          double reach = unit_reach (p, n);

          for (gsize j = 0; j < c->n_units; j++)
            {
              BpvRect box = { c->ux[j] - reach, c->uy[j] - reach, 2 * reach, 2 * reach };

              box_take (p, &box);
            }
        }
      else
        box_take (p, &c->bounds);
      if (n > 0 && layout->bundles[n].kind == BPV_BUNDLE_MATRIX)
        box_take (p, &layout->bundles[n].matrix);
    }
}

/* Where the labels right of the output units start. */
static double
output_label_x (const Paint *p)
{
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];

  if (c->kind != BPV_COLUMN_CIRCLES)
    return c->bounds.x + c->bounds.width + LABEL_GAP_EM * p->font;
  return c->x + unit_reach (p, N) + LABEL_GAP_EM * p->font;
}

/* σ′ under each unit of a column of circles, on a pill of the background
 * (edges run under it), where it has room: the dead and saturated units
 * first, they are what the overlay is for. */
static void
paint_derivative_labels (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  cairo_t *cr = p->cr;
  double size = LABEL_EM * p->font;

  if (!p->st->show_derivatives || p->trace == NULL)
    return;
  for (int pass = 0; pass < 2; pass++)
    for (gsize n = 1; n < layout->n_columns; n++)
      {
        const BpvColumn *c = &layout->columns[n];
        g_autofree double *deriv = NULL;
        g_autofree BpDiagUnitState *state = NULL;

        if (c->kind != BPV_COLUMN_CIRCLES)
          continue;
        state = unit_states (p, n, &deriv);
        for (gsize j = 0; j < c->n_units; j++)
          {
            double dv = deriv[j];
            gboolean dead = state[j] == BP_DIAG_UNIT_DEAD;
            gboolean saturated = state[j] == BP_DIAG_UNIT_SATURATED;
            gboolean flagged = dead || saturated;
            g_autofree char *label = NULL;
            double r = c->radius;
            double ring = ring_alpha (p, n) > 0 ? MAX (3 * p->unit, 0.26 * r) : 0;
            BpvTextFlags flags = flagged ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL;
            double ty = c->uy[j] + r + ring + 0.15 * size;
            BpvRect box;

            if ((pass == 0) != flagged)
              continue;
            if (dead)
              label = g_strdup ("dead");
            else
              {
                char buf[32];

                label = g_strdup_printf ("σ′ %s", VALUE_TEXT (buf, "%.2f", dv));
              }
            box = label_box (p, label, c->ux[j], ty, 0.5, 0, size, flags);
            box.x -= box.height / 2;
            box.width += box.height;
            if (!box_free (p, &box))
              continue;
            box_take (p, &box);
            cairo_save (cr);
            bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, 0.85));
            cairo_new_sub_path (cr);
            cairo_arc (cr, box.x + box.height / 2, ty + box.height / 2, box.height / 2, G_PI / 2, 3 * G_PI / 2);
            cairo_arc (cr, box.x + box.width - box.height / 2, ty + box.height / 2, box.height / 2,
                       -G_PI / 2, G_PI / 2);
            cairo_close_path (cr);
            cairo_fill (cr);
            cairo_restore (cr);
            bpv_text_draw (p->text, label, c->ux[j], ty, 0.5, 0, size, flags,
                           dead ? p->tc->dead : saturated ? p->tc->warning : p->tc->text_muted);
          }
      }
}

/* The name of output unit j: the state's class name, else "class j" when
 * there are several outputs, else NULL (one output needs no name). */
static char *
output_name (const Paint *p,
             gsize        j,
             gsize        n_out)
{
  const char * const *names = p->st->output_names;

  if (names != NULL)
    {
      for (gsize i = 0; i < j; i++)
        if (names[i] == NULL)
          return NULL;
      return names[j] != NULL ? g_markup_escape_text (names[j], -1) : NULL;
    }
  if (n_out > 1)
    return g_strdup_printf ("class %" G_GSIZE_FORMAT, j + 1);
  return NULL;
}

/* The first line beside output unit j at level of detail `level`: 0
 * "name value" (the target on a line of its own), 1 "name value  y = t",
 * 2 "name value", 3 "value". */
static char *
output_line (const Paint  *p,
             gsize         j,
             gsize         n_out,
             const double *a,
             const double *y,
             int           level)
{
  g_autofree char *name = level < 3 ? output_name (p, j, n_out) : NULL;
  char vb[32], yb[32];
  const char *v = VALUE_TEXT (vb, "%.3f", a[j]);
  GString *s = g_string_new (NULL);

  if (name != NULL)
    g_string_append_printf (s, "<b>%s</b>  %s", name, v);
  else
    g_string_append_printf (s, "<b>%s</b>", v);
  if (level == 1)
    g_string_append_printf (s, "   y = %s", VALUE_TEXT (yb, "%g", y[j]));
  return g_string_free (s, FALSE);
}

/* Beside each output unit, in the room the level of detail allows: its
 * class name and value on one line and the target on the next; or all on
 * one line; or name and value; or the value alone.  Every unit gets the
 * same level. */
static void
paint_output_values (const Paint *p)
{
  const BpvRenderState *st = p->st;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];
  double f = p->font, size = LABEL_EM * f;
  const double *a = unit_values (p, N);
  const double *y = p->trace->target != NULL && st->show_targets && st->phase != BPV_PHASE_FORWARD
                    ? p->trace->target + p->sample * c->n_units : NULL;
  double x = output_label_x (p);
  guint before = p->placed->len;

  for (int level = 0; level < 4; level++)
    {
      gboolean fits = TRUE;

      if (level <= 1 && y == NULL)
        continue;
      for (gsize j = 0; j < c->n_units && fits; j++)
        {
          g_autofree char *l1 = output_line (p, j, c->n_units, a, y, level);
          BpvRect box = label_box (p, l1, x, c->uy[j], 0, level == 0 ? 1.0 : 0.5, size,
                                   BPV_TEXT_NORMAL);

          fits = box_free (p, &box);
          if (fits)
            box_take (p, &box);
          if (fits && level == 0)
            {
              char yb[32];
              g_autofree char *ty = g_strdup_printf ("y = %s", VALUE_TEXT (yb, "%g", y[j]));

              box = label_box (p, ty, x, c->uy[j], 0, 0, size, BPV_TEXT_NORMAL);
              fits = box_free (p, &box);
              if (fits)
                box_take (p, &box);
            }
        }
      if (!fits)
        {
          g_array_set_size (p->placed, before);
          continue;
        }
      /* Every label has its place: draw them. */
      for (gsize j = 0; j < c->n_units; j++)
        {
          g_autofree char *l1 = output_line (p, j, c->n_units, a, y, level);

          bpv_text_draw (p->text, l1, x, c->uy[j], 0, level == 0 ? 1.0 : 0.5, size,
                         BPV_TEXT_NORMAL, p->tc->text);
          if (level == 0)
            {
              char yb[32];
              g_autofree char *ty = g_strdup_printf ("y = %s", VALUE_TEXT (yb, "%g", y[j]));

              bpv_text_draw (p->text, ty, x, c->uy[j], 0, 0, size, BPV_TEXT_NORMAL, p->tc->text_muted);
            }
        }
      return;
    }
}

/* Does any edge of bundle n (as lines) or its matrix cross `box`? */
static gboolean
bundle_crosses (const Paint   *p,
                gsize          n,
                const BpvRect *label)
{
  const BpvBundle *b = &p->layout->bundles[n];
  /* Edges are up to 5 units wide (bpv_render_edge_style). */
  double w = 3 * p->unit;
  BpvRect grown = { label->x - w, label->y - w, label->width + 2 * w, label->height + 2 * w };
  const BpvRect *box = &grown;
  const BpvColumn *l = &p->layout->columns[n - 1];
  const BpvColumn *r = &p->layout->columns[n];

  if (b->kind == BPV_BUNDLE_MATRIX)
    return rects_overlap (box, &b->matrix);
  for (gsize j = 0; j < b->rows; j++)
    for (gsize k = 0; k < b->cols; k++)
      {
        /* Liang–Barsky: the segment against the box. */
        double x0 = l->ux[k], y0 = l->uy[k], dx = r->ux[j] - x0, dy = r->uy[j] - y0;
        double t0 = 0, t1 = 1;
        double pp[4] = { -dx, dx, -dy, dy };
        double qq[4] = { x0 - box->x, box->x + box->width - x0, y0 - box->y, box->y + box->height - y0 };
        gboolean out = FALSE;

        for (int i = 0; i < 4 && !out; i++)
          {
            if (pp[i] == 0)
              out = qq[i] < 0;
            else
              {
                double t = qq[i] / pp[i];

                if (pp[i] < 0)
                  t0 = MAX (t0, t);
                else
                  t1 = MIN (t1, t);
                out = t0 > t1;
              }
          }
        if (!out)
          return TRUE;
      }
  return FALSE;
}

/* The cost "C = …" with what it is under it (on one line, or broken at
 * its " · " when that is too wide), on a plate of the background, where
 * no edge crosses it and no label is: right of the output units under
 * their labels, else under or over the output column; failing that, the
 * first place clear of labels. */
static void
paint_cost (const Paint *p)
{
  const BpvRenderState *st = p->st;
  const BpvLayout *layout = p->layout;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &layout->columns[N];
  double f = p->font, cost_alpha, cost_value, tw, th, pad = 0.4 * f, below = 0;
  g_autofree char *cost_what = NULL;
  /* Just clear of the output units (the plate's padding is inside). */
  double right = output_label_x (p) - LABEL_GAP_EM * f + 1, vis_r = p->visible.x + p->visible.width;
  double under = c->bounds.y + c->bounds.height + (c->kind == BPV_COLUMN_CIRCLES ? unit_reach (p, N) - c->radius : 0);
  g_autofree char *cost = NULL, *what = NULL, *broken = NULL;
  const char *whats[2];
  BpvRgba tcol, mcol;

  switch (st->phase)
    {
    case BPV_PHASE_FORWARD:
      cost_alpha = 0;
      break;
    case BPV_PHASE_COST:
      cost_alpha = smoothstep (0.0, 0.6, st->t);
      break;
    default:
      cost_alpha = 1;
    }
  cost_what = bpv_render_cost_caption (st, &cost_value);
  if (!(cost_alpha > 0 && cost_what != NULL))
    return;

  cost = g_strdup_printf ("C = %.4g", cost_value);
  what = g_markup_escape_text (cost_what, -1);
  {
    g_auto(GStrv) parts = g_strsplit (what, " · ", -1);

    broken = g_strjoinv ("\n", parts);
  }
  whats[0] = what;
  whats[1] = broken;
  tcol = bpv_rgba_with_alpha (p->tc->text, cost_alpha);
  mcol = bpv_rgba_with_alpha (p->tc->text_muted, cost_alpha);
  bpv_text_measure (p->text, cost, TITLE_EM * f, BPV_TEXT_BOLD, &tw, &th);

  /* Below every label beside the output units. */
  for (guint i = 0; i < p->placed->len; i++)
    {
      const BpvRect *r = &g_array_index (p->placed, BpvRect, i);

      if (r->x >= right)
        below = MAX (below, r->y + r->height);
    }

  for (int pass = 0; pass < 2; pass++)
    for (int v = 0; v < 2; v++)
      {
        double ww, wh, bw, bh;
        BpvRect cand[6];

        if (v == 1 && g_str_equal (whats[0], whats[1]))
          continue;
        bpv_text_measure (p->text, whats[v], LABEL_EM * f, BPV_TEXT_NORMAL, &ww, &wh);
        bw = MAX (tw, ww) + 2 * pad;
        bh = th + wh + 0.5 * pad;
        cand[0] = (BpvRect) { right, below, bw, bh };
        cand[1] = (BpvRect) { MIN (right, vis_r - bw), below, bw, bh };
        cand[2] = (BpvRect) { c->x - bw / 2, under, bw, bh };
        cand[3] = (BpvRect) { MIN (c->x - bw / 2, vis_r - bw), under, bw, bh };
        cand[4] = (BpvRect) { right, c->bounds.y - bh, bw, bh };
        cand[5] = (BpvRect) { MIN (right, vis_r - bw), c->bounds.y - bh, bw, bh };
        for (int i = 0; i < 6; i++)
          {
            const BpvRect *box = &cand[i];

            if (!box_free (p, box) || (pass == 0 && bundle_crosses (p, N, box)))
              continue;
            box_take (p, box);
            /* On a plate of the background: nothing shows through. */
            bpv_set_source_rgba (p->cr, bpv_rgba_with_alpha (p->tc->background, 0.88 * cost_alpha));
            cairo_rectangle (p->cr, box->x, box->y, box->width, box->height);
            cairo_fill (p->cr);
            bpv_text_draw (p->text, cost, box->x + pad, box->y + 0.25 * pad, 0, 0, TITLE_EM * f,
                           BPV_TEXT_BOLD, tcol);
            bpv_text_draw (p->text, whats[v], box->x + pad, box->y + 0.25 * pad + th, 0, 0,
                           LABEL_EM * f, BPV_TEXT_NORMAL, mcol);
            return;
          }
      }
}

/* Output values and targets next to the output neurons, and the cost. */
static void
paint_outputs (const Paint *p)
{
  const BpvRenderState *st = p->st;
  gsize N = p->net->n_layers;
  const BpvColumn *c = &p->layout->columns[N];

  if (p->trace == NULL || N == 0)
    return;

  /* Output values as they arrive, then their targets. */
  if (st->show_labels && c->kind == BPV_COLUMN_CIRCLES && c->n_units <= MAX_OUTPUT_LABELS
      && fill_alpha (p, N) > 0.5)
    paint_output_values (p);

  if (st->show_cost)
    paint_cost (p);
}

/* The input's values x left of its units (circles only), when each fits. */
static void
paint_inputs (const Paint *p)
{
  const BpvColumn *c = &p->layout->columns[0];
  const double *x = unit_values (p, 0);
  double f = p->font;

  if (p->trace == NULL || !p->st->show_labels || c->kind != BPV_COLUMN_CIRCLES
      || c->n_units > MAX_OUTPUT_LABELS)
    return;
  for (gsize j = 0; j < c->n_units; j++)
    {
      char buf[32];
      const char *v = VALUE_TEXT (buf, "%.2f", x[j]);

      place_label (p, v, c->x - c->radius - LABEL_GAP_EM * f, c->uy[j], 1, 0.5, LABEL_EM * p->font,
                   BPV_TEXT_NORMAL, p->tc->text);
    }
}

/* ------------------------------------------------------------------ fault */

gboolean
bpv_render_fault_hit (const BpTrainFault *fault,
                      BpvHit             *hit)
{
  BpvHit none = BPV_HIT_INIT;

  g_return_val_if_fail (fault != NULL && hit != NULL, FALSE);

  *hit = none;
  switch (fault->kind)
    {
    case BP_TRAIN_FAULT_NONE:
      return FALSE;
    case BP_TRAIN_FAULT_GRAD_W:
    case BP_TRAIN_FAULT_PARAM_W:
      if (fault->layer < 1 || fault->unit < 1 || fault->input < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_EDGE, fault->layer, fault->unit - 1, fault->input - 1 };
      return TRUE;
    case BP_TRAIN_FAULT_INPUT:
      if (fault->unit < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_NEURON, 0, fault->unit - 1, 0 };
      return TRUE;
    case BP_TRAIN_FAULT_Z:
    case BP_TRAIN_FAULT_A:
    case BP_TRAIN_FAULT_LOSS:
    case BP_TRAIN_FAULT_GRAD_A:
    case BP_TRAIN_FAULT_DELTA:
    case BP_TRAIN_FAULT_GRAD_B:
    case BP_TRAIN_FAULT_PARAM_B:
    default:
      if (fault->layer < 1 || fault->unit < 1)
        return FALSE;
      *hit = (BpvHit) { BPV_HIT_NEURON, fault->layer, fault->unit - 1, 0 };
      return TRUE;
    }
}

/* A rounded badge naming the value ("NaN", "+Inf", "−Inf") with its box
 * aligned at (x, y) as bpv_text_draw aligns text, kept inside the content. */
static void
fault_badge (const Paint *p,
             const char  *text,
             double       x,
             double       y,
             double       xalign,
             double       yalign)
{
  const BpvRect *c = &p->layout->content;
  double size = 1.1 * p->font, tw = 0, th = 0, pad = 0.4 * p->font, w, h, r;
  cairo_t *cr = p->cr;

  bpv_text_measure (p->text, text, size, BPV_TEXT_BOLD, &tw, &th);
  w = tw + 2 * pad;
  h = th + 0.6 * pad;
  r = h / 2;
  x = CLAMP (x - xalign * w, c->x, MAX (c->x, c->x + c->width - w));
  y = CLAMP (y - yalign * h, c->y, MAX (c->y, c->y + c->height - h));
  cairo_save (cr);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, G_PI / 2);
  cairo_arc (cr, x + r, y + r, r, G_PI / 2, 1.5 * G_PI);
  cairo_close_path (cr);
  bpv_set_source_rgba (cr, p->tc->fault);
  cairo_fill_preserve (cr);
  /* A rim of the background keeps it apart from edges of any colour. */
  bpv_set_source_rgba (cr, p->tc->background);
  cairo_set_line_width (cr, 1.5 * p->unit);
  cairo_stroke (cr);
  cairo_restore (cr);
  bpv_text_draw (p->text, text, x + w / 2, y + h / 2, 0.5, 0.5, size, BPV_TEXT_BOLD,
                 p->tc->fault_text);
}

/* Two rings around unit j of column n, a wide faint one and a sharp one;
 * returns the outer radius. */
static double
fault_ring (const Paint *p,
            gsize        n,
            gsize        j)
{
  const BpvColumn *c = &p->layout->columns[n];
  double base = c->kind == BPV_COLUMN_CIRCLES ? c->radius : MAX (c->cell / 2, 3 * p->unit);
  double line = MAX (3 * p->unit, 0.16 * base), r = base + 0.7 * line + 1.5 * p->unit;
  double halo = 2.6 * line;
  cairo_t *cr = p->cr;

  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->fault, 0.3));
  cairo_set_line_width (cr, halo);
  cairo_new_sub_path (cr);
  cairo_arc (cr, c->ux[j], c->uy[j], r + line / 2 + halo / 2, 0, 2 * G_PI);
  cairo_stroke (cr);
  bpv_set_source_rgba (cr, p->tc->fault);
  cairo_set_line_width (cr, line);
  cairo_new_sub_path (cr);
  cairo_arc (cr, c->ux[j], c->uy[j], r, 0, 2 * G_PI);
  cairo_stroke (cr);
  cairo_restore (cr);
  return r + line / 2 + halo;
}

static void
paint_fault (const Paint *p)
{
  const BpTrainFault *f = &p->st->fault;
  const char *name = bp_nonfinite_name (f->value);
  cairo_t *cr = p->cr;
  BpvHit hit;

  const char *symbol;
  g_autofree char *label = NULL;

  if (!bpv_render_fault_hit (f, &hit) || !hit_valid (p, &hit))
    return;
  switch (f->kind)
    {
    case BP_TRAIN_FAULT_INPUT:   symbol = "x"; break;
    case BP_TRAIN_FAULT_Z:       symbol = "z"; break;
    case BP_TRAIN_FAULT_A:       symbol = "a"; break;
    case BP_TRAIN_FAULT_LOSS:    symbol = "C"; break;
    case BP_TRAIN_FAULT_GRAD_A:  symbol = "∂C/∂a"; break;
    case BP_TRAIN_FAULT_DELTA:   symbol = "δ"; break;
    case BP_TRAIN_FAULT_GRAD_W:  symbol = "∂C/∂W"; break;
    case BP_TRAIN_FAULT_GRAD_B:  symbol = "∂C/∂b"; break;
    case BP_TRAIN_FAULT_PARAM_W: symbol = "W"; break;
    case BP_TRAIN_FAULT_PARAM_B: symbol = "b"; break;
    case BP_TRAIN_FAULT_NONE:
    default:                     symbol = "?"; break;
    }
  /* "z = NaN": what overflowed, and to what. */
  label = g_strdup_printf ("%s = %s", symbol, name != NULL ? name : "NaN");
  name = label;
  if (hit.kind == BPV_HIT_EDGE)
    {
      const BpvBundle *b = &p->layout->bundles[hit.layer];

      if (b->kind == BPV_BUNDLE_MATRIX)
        {
          const BpvRect *m = &b->matrix;
          double cw = m->width / (double) b->cols, ch = m->height / (double) b->rows;

          outline_matrix_cells (p, hit.layer, (double) hit.j, hit.j + 1.0, (double) hit.k,
                                hit.k + 1.0, p->tc->fault, 3 * p->unit);
          fault_badge (p, name, m->x + cw * (hit.k + 1.0) + 3 * p->unit, m->y + ch * (hit.j + 0.5),
                       0, 0.5);
        }
      else
        {
          const BpvColumn *l = &p->layout->columns[hit.layer - 1];
          const BpvColumn *r = &p->layout->columns[hit.layer];
          double line = MAX (3 * p->unit, 0.12 * r->radius);
          BpvEdgeStyle halo = { bpv_rgba_with_alpha (p->tc->fault, 0.3), 0, FALSE };
          BpvEdgeStyle sharp = { p->tc->fault, 0, FALSE };

          cairo_save (cr);
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
          stroke_edge (p, cr, hit.layer, hit.j, hit.k, &halo, 3.5 * line);
          stroke_edge (p, cr, hit.layer, hit.j, hit.k, &sharp, line);
          cairo_restore (cr);
          /* The units the weight joins. */
          mark_unit (p, hit.layer - 1, hit.k, p->tc->fault, line);
          mark_unit (p, hit.layer, hit.j, p->tc->fault, line);
          fault_badge (p, name, (l->ux[hit.k] + r->ux[hit.j]) / 2,
                       (l->uy[hit.k] + r->uy[hit.j]) / 2 - 2.5 * line, 0.5, 1);
        }
      return;
    }

  {
    const BpvColumn *c = &p->layout->columns[hit.layer];
    gboolean output = hit.layer + 1 == p->layout->n_columns;
    double outer;

    if (f->kind == BP_TRAIN_FAULT_INPUT)
      {
        /* Bad data: the whole input column is suspect. */
        double m = 2 * (c->kind == BPV_COLUMN_CIRCLES ? c->radius : c->cell) + 6 * p->unit;
        double dash[2] = { 7 * p->unit, 4 * p->unit };

        cairo_save (cr);
        bpv_set_source_rgba (cr, p->tc->fault);
        cairo_set_line_width (cr, 2.5 * p->unit);
        cairo_set_dash (cr, dash, 2, 0);
        cairo_rectangle (cr, c->bounds.x - m / 2, c->bounds.y - m / 2,
                         c->bounds.width + m, c->bounds.height + m);
        cairo_stroke (cr);
        cairo_restore (cr);
      }
    if (c->kind == BPV_COLUMN_CIRCLES)
      outer = fault_ring (p, hit.layer, hit.j);
    else
      {
        outer = MAX (c->cell / 2, 3 * p->unit) + 4 * p->unit;
        mark_unit (p, hit.layer, hit.j, p->tc->fault, 3 * p->unit);
      }
    /* Beside the unit, or above it at the output (its values are beside). */
    if (output)
      fault_badge (p, name, c->ux[hit.j], c->uy[hit.j] - outer, 0.5, 1);
    else
      fault_badge (p, name, c->ux[hit.j] + outer, c->uy[hit.j], 0, 0.5);
  }
}

/* ------------------------------------------------------------------ entry */

static void
paint_init (Paint                *p,
            cairo_t              *cr,
            const BpvLayout      *layout,
            const BpvRenderState *state)
{
  memset (p, 0, sizeof *p);
  p->cr = cr;
  p->layout = layout;
  p->st = state;
  p->net = state->net;
  p->trace = trace_usable (state->net, state->trace) ? state->trace : NULL;
  p->tc = bpv_theme_colors (state->theme);
  p->sample = p->trace != NULL ? MIN (state->sample, p->trace->batch - 1) : 0;
  p->font = layout->font_size;
  p->unit = layout->font_size / 16.0;
  {
    double x0, y0, x1, y1;

    bpv_layout_to_world (layout, 0, 0, &x0, &y0);
    bpv_layout_to_world (layout, layout->params.width, layout->params.height, &x1, &y1);
    p->visible = (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
  }
  compute_maxima (p);
}

void
bpv_network_render (cairo_t              *cr,
                    const BpvLayout      *layout,
                    const BpvRenderState *state)
{
  Paint p;
  gboolean path;

  g_return_if_fail (cr != NULL && layout != NULL && state != NULL && state->net != NULL);
  g_return_if_fail (bpv_layout_fits (layout, state->net));

  paint_init (&p, cr, layout, state);
  path = state->path_edge.kind == BPV_HIT_EDGE && hit_valid (&p, &state->path_edge);

  cairo_save (cr);
  bpv_set_source_rgba (cr, p.tc->background);
  cairo_paint (cr);

  paint_bundles (&p);
  if (path)
    paint_path (&p);
  p.text = bpv_text_new (cr);

  cairo_save (cr);
  apply_view (cr, layout);
  if (hit_valid (&p, &state->selection))
    {
      if (state->selection.kind == BPV_HIT_EDGE)
        emphasise_edge (&p, state->selection.layer, state->selection.j, state->selection.k,
                        bpv_rgba_with_alpha (p.tc->selection, 0.55), 5 * p.unit);
      else
        emphasise_neuron_edges (&p, state->selection.layer, state->selection.j, p.tc->selection);
    }
  if (hit_valid (&p, &state->hover) && !bpv_hit_equal (&state->hover, &state->selection))
    {
      if (state->hover.kind == BPV_HIT_EDGE)
        emphasise_edge (&p, state->hover.layer, state->hover.j, state->hover.k,
                        bpv_rgba_with_alpha (p.tc->hover, 0.45), 4 * p.unit);
      else
        emphasise_neuron_edges (&p, state->hover.layer, state->hover.j, p.tc->hover);
    }
  cairo_restore (cr);

  paint_pulses (&p);

  cairo_save (cr);
  apply_view (cr, layout);
  for (gsize n = 0; n < layout->n_columns; n++)
    {
      if (layout->columns[n].kind == BPV_COLUMN_CIRCLES)
        paint_circle_column (&p, n);
      else
        paint_cell_column (&p, n);
    }
  paint_derivatives (&p);

  /* Units at the ends of a hovered or selected edge, the hovered neuron. */
  {
    const BpvHit *marks[3] = { &state->selection, &state->hover, path ? &state->path_edge : NULL };
    BpvRgba colors[3] = { p.tc->selection, p.tc->hover, p.tc->selection };

    for (int i = 0; i < 3; i++)
      {
        const BpvHit *h = marks[i];

        if (h == NULL || !hit_valid (&p, h))
          continue;
        if (h->kind == BPV_HIT_NEURON)
          mark_unit (&p, h->layer, h->j, colors[i], 3 * p.unit);
        else
          {
            mark_unit (&p, h->layer - 1, h->k, colors[i], 2.5 * p.unit);
            mark_unit (&p, h->layer, h->j, colors[i], 2.5 * p.unit);
          }
      }
  }

  /* Labels by priority: each one takes its place only where no label
   * drawn before it is (level of detail). */
  p.placed = g_array_new (FALSE, FALSE, sizeof (BpvRect));
  take_units (&p);
  paint_headers (&p);
  paint_outputs (&p);
  paint_inputs (&p);
  paint_derivative_labels (&p);
  paint_fault (&p);
  cairo_restore (cr);

  g_array_unref (p.placed);
  bpv_text_free (p.text);
  cairo_restore (cr);
}

/* ----------------------------------------------------------------- legend */

enum
{
  ITEM_SCALE,
  ITEM_LINES,
  ITEM_FILL,
  ITEM_RING,
  ITEM_SATURATED,
  ITEM_DEAD,
  ITEM_FAULT,
  N_ITEMS
};

static gboolean
legend_has (const BpvRenderState *state,
            int                   kind)
{
  switch (kind)
    {
    case ITEM_RING:
      return state->trace != NULL
             && (state->view == BPV_VIEW_GRADIENTS || state->phase == BPV_PHASE_BACKWARD);
    case ITEM_SATURATED:
    case ITEM_DEAD:
      return state->show_derivatives && state->trace != NULL;
    case ITEM_FAULT:
      return state->fault.kind != BP_TRAIN_FAULT_NONE;
    default:
      return TRUE;
    }
}

/* What the edges show, from bpv_render_bundle_view, the same decision
 * the painter takes: "W(n)", "∂C/∂W(n), log |·| over 4 decades", or during
 * the backward pass both, each with the layers it applies to. */
static char *
legend_scale_caption (const BpvRenderState *state)
{
  const char *scale = state->scale == BPV_SCALE_GLOBAL ? "one scale for all layers" : "scaled per layer";
  gsize N = state->net != NULL ? state->net->n_layers : 0;
  GString *s = g_string_new (NULL);
  gsize first = 1;

  for (gsize n = 1; n <= N; n++)
    {
      BpvView v = bpv_render_bundle_view (state, n);

      if (n < N && bpv_render_bundle_view (state, n + 1) == v)
        continue;
      /* A run first…n of the same view. */
      if (first == 1 && n == N)
        g_string_append (s, v == BPV_VIEW_GRADIENTS ? "∂C/∂W(n), log |·| over 4 decades" : "W(n)");
      else
        {
          const char *w = v == BPV_VIEW_GRADIENTS ? "∂C/∂W" : "W";

          g_string_append_printf (s, "%s%s(%" G_GSIZE_FORMAT ")", s->len > 0 ? ", " : "", w, first);
          if (n > first)
            g_string_append_printf (s, "–%s(%" G_GSIZE_FORMAT ")", w, n);
          g_string_append (s, v == BPV_VIEW_GRADIENTS ? " gradients (log |·|)" : " weights");
        }
      first = n + 1;
    }
  if (N == 0)
    g_string_append (s, state->view == BPV_VIEW_GRADIENTS ? "∂C/∂W(n), log |·| over 4 decades" : "W(n)");
  g_string_append_printf (s, " · %s", scale);
  return g_string_free (s, FALSE);
}

/* One normaliser for the legend's ends, or 0 when the bundles show
 * different quantities (weights and gradients have no common scale). */
static double
legend_global_max (const BpvRenderState *state)
{
  double m = 0;

  if (state->net == NULL || state->scale != BPV_SCALE_GLOBAL)
    return 0;
  for (gsize n = 1; n <= state->net->n_layers; n++)
    {
      if (bpv_render_bundle_view (state, n) != bpv_render_bundle_view (state, 1))
        return 0;
      m = MAX (m, bpv_render_edge_max (state, n));
    }
  return m;
}

char *
bpv_render_cost_caption (const BpvRenderState *state,
                         double               *value)
{
  const BpTrace *t;
  const char *id;
  const char *when;
  double v;

  g_return_val_if_fail (state != NULL && state->net != NULL, NULL);

  t = trace_usable (state->net, state->trace) ? state->trace : NULL;
  if (t == NULL || !isfinite (t->loss))
    return NULL;
  /* A trace of one row (e.g. the one a training snapshot carries, whose
   * .loss is its whole batch's) shows that sample's cost. */
  v = t->batch == 1 ? t->per_sample_loss[0] : t->loss;
  if (!isfinite (v))
    return NULL;
  if (value != NULL)
    *value = v;
  id = state->net->cost_id != NULL ? state->net->cost_id : "cost";
  when = state->phase == BPV_PHASE_UPDATE ? " · before the step" : "";
  if (t->batch == 1)
    return g_strdup_printf ("%s · this sample%s", id, when);
  return g_strdup_printf ("%s · %s over this batch of %" G_GSIZE_FORMAT "%s", id,
                          state->net->reduction == BP_REDUCTION_SUM ? "sum" : "mean", t->batch, when);
}

char *
bpv_render_legend_caption (const BpvRenderState *state)
{
  g_return_val_if_fail (state != NULL, NULL);

  return legend_scale_caption (state);
}

/* Widths of the legend's items at font size f; `text` measures. */
#define LEGEND_FAULT "NaN/Inf: training stopped here"

/* The legend's geometry, in units of its font size f (never below
 * BPV_TEXT_MIN_SIZE × the state's text scale; every label is drawn at f). */
#define LEGEND_EM_PER_WIDTH (1.0 / 70.0)  /* f follows the width… */
#define LEGEND_FONT_MAX     20.0          /* …up to this (before text_scale) */
#define LEGEND_PAD_EM       1.0           /* left and right of the rows */
#define LEGEND_GAP_EM       1.8           /* between two items of a row */
#define LEGEND_ROW_EM       3.0           /* one row of items */
#define LEGEND_TOP_EM       0.3           /* above the first row */
#define LEGEND_BOTTOM_EM    0.6           /* below the last */
/* The colour bar: its caption above, its end values either side. */
#define LEGEND_BAR_MIN_EM   8.0           /* shortest bar */
#define LEGEND_BAR_Y_EM     1.45          /* bar top, below the row's top */
#define LEGEND_BAR_H_EM     1.3           /* tall enough for its "0" inside */
#define LEGEND_BAR_GAP_EM   0.3           /* between the bar and its end values */
/* The line key: a sample stroke and its name, two lines in the row. */
#define LEGEND_STROKE_EM    2.6
#define LEGEND_STROKE_TEXT_EM 3.2         /* where the name starts */
#define LEGEND_STROKE_Y1_EM 0.85
#define LEGEND_STROKE_Y2_EM 2.1
/* A marked circle, and its name after it. */
#define LEGEND_MARK_R_EM    0.55
#define LEGEND_MARK_X_EM    0.8
#define LEGEND_MARK_TEXT_EM 2.2

/* The items drawn as a marked circle and a name (the others have none). */
static const char *const legend_mark_labels[N_ITEMS] = {
  [ITEM_FILL] = "fill: a(n) of the sample",
  [ITEM_RING] = "ring: δ(n) = ∂C/∂z(n)",
  [ITEM_SATURATED] = "saturated: σ′(z) ≈ 0",
  [ITEM_DEAD] = "dead: z ≤ 0 for every sample",
  [ITEM_FAULT] = LEGEND_FAULT,
};

/* The colour bar's end labels: the global scale's values, else − and +. */
static void
legend_bar_ends (const BpvRenderState *state,
                 char                **lo,
                 char                **hi)
{
  double global_max = legend_global_max (state);

  if (global_max > 0)
    {
      /* ∞ when a value is not finite (max_abs counts NaN so). */
      *lo = isfinite (global_max) ? g_strdup_printf ("−%.2g", global_max) : g_strdup ("−Inf");
      *hi = isfinite (global_max) ? g_strdup_printf ("+%.2g", global_max) : g_strdup ("+Inf");
    }
  else
    {
      *lo = g_strdup ("<b>−</b>");
      *hi = g_strdup ("<b>+</b>");
    }
}

static double
legend_item_width (BpvText              *text,
                   const BpvRenderState *state,
                   int                   kind,
                   double                f)
{
  double w = 0, w2 = 0;

  switch (kind)
    {
    case ITEM_SCALE:
      {
        g_autofree char *caption = legend_scale_caption (state);
        g_autofree char *lo = NULL, *hi = NULL;
        double wl, wh;

        legend_bar_ends (state, &lo, &hi);
        bpv_text_measure (text, caption, f, BPV_TEXT_NORMAL, &w, NULL);
        bpv_text_measure (text, lo, f, BPV_TEXT_NORMAL, &wl, NULL);
        bpv_text_measure (text, hi, f, BPV_TEXT_NORMAL, &wh, NULL);
        return MAX (w, wl + wh + (LEGEND_BAR_MIN_EM + 2 * LEGEND_BAR_GAP_EM) * f);
      }
    case ITEM_LINES:
      bpv_text_measure (text, "negative (dashed)", f, BPV_TEXT_NORMAL, &w, NULL);
      bpv_text_measure (text, "|value| → width", f, BPV_TEXT_NORMAL, &w2, NULL);
      return LEGEND_STROKE_TEXT_EM * f + MAX (w, w2);
    default:
      if (kind < 0 || kind >= N_ITEMS || legend_mark_labels[kind] == NULL)
        return 0;
      bpv_text_measure (text, legend_mark_labels[kind], f, BPV_TEXT_NORMAL, &w, NULL);
      return LEGEND_MARK_TEXT_EM * f + w;
    }
}

static double
legend_font (const BpvRenderState *state,
             double                width)
{
  double scale = state->text_scale > 0 ? state->text_scale : 1.0;

  return CLAMP (width * LEGEND_EM_PER_WIDTH, BPV_TEXT_MIN_SIZE, LEGEND_FONT_MAX) * scale;
}

static double
legend_row_height (double f)
{
  return LEGEND_ROW_EM * f;
}

/* Lays the items out in rows of `width`; an item that does not fit in a
 * row, or in `max_rows` rows, is left out (item_row −1).  Returns the
 * number of rows. */
static int
legend_flow (BpvText              *text,
             const BpvRenderState *state,
             double                width,
             double                f,
             int                   max_rows,
             double               *item_x,
             int                  *item_row)
{
  double pad = LEGEND_PAD_EM * f, gap = LEGEND_GAP_EM * f, x = pad;
  int row = 0;

  for (int kind = 0; kind < N_ITEMS; kind++)
    {
      double w;

      item_row[kind] = -1;
      if (!legend_has (state, kind))
        continue;
      w = legend_item_width (text, state, kind, f);
      if (w > width - 2 * pad)
        continue;
      if (x > pad && x + w > width - pad)
        {
          if (row + 1 >= max_rows)
            continue;
          row++;
          x = pad;
        }
      item_x[kind] = x;
      item_row[kind] = row;
      x += w + gap;
    }
  return row + 1;
}

double
bpv_network_legend_height (const BpvRenderState *state,
                           double                width)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  BpvText *text;
  double f, x[N_ITEMS];
  int row[N_ITEMS], rows;

  g_return_val_if_fail (state != NULL, 0);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  text = bpv_text_new (cr);
  f = legend_font (state, width);
  rows = legend_flow (text, state, width, f, G_MAXINT, x, row);
  bpv_text_free (text);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return rows * legend_row_height (f) + (LEGEND_TOP_EM + LEGEND_BOTTOM_EM) * f;
}

double
bpv_network_canvas_legend_height (const BpvRenderState *state,
                                  double                width,
                                  double                height)
{
  g_return_val_if_fail (state != NULL, 0);

  BpvRenderState both = *state;
  double want, f = legend_font (state, width), pads = (LEGEND_TOP_EM + LEGEND_BOTTOM_EM) * f;
  double rows;

  /* Room for the legend of either view (the gradients' has the δ ring and
   * a longer caption): the network must not jump when G is pressed or
   * the backward pass begins. */
  both.view = BPV_VIEW_GRADIENTS;
  want = MAX (bpv_network_legend_height (state, width), bpv_network_legend_height (&both, width));
  /* …nor at a stop of the backward pass (its caption names the layers
   * already drawn as gradients). */
  if (state->net != NULL && state->trace != NULL)
    for (gsize n = 1; n <= state->net->n_layers; n++)
      {
        both = *state;
        both.phase = BPV_PHASE_BACKWARD;
        both.layer = n;
        both.t = 1.0;
        want = MAX (want, bpv_network_legend_height (&both, width));
      }

  /* The network keeps most of the canvas: the legend gets the rows that
   * fit in 30 % of it (the others are left out, see legend_flow). */
  if (want <= height * 0.3)
    return want;
  rows = MAX (floor ((height * 0.3 - pads) / legend_row_height (f)), 1.0);
  return MIN (want, rows * legend_row_height (f) + pads);
}

static void
legend_paint_scale (cairo_t              *cr,
                    BpvText              *text,
                    const BpvRenderState *state,
                    const BpvThemeColors *tc,
                    double                ix,
                    double                top,
                    double                w,
                    double                f)
{
  g_autofree char *caption = legend_scale_caption (state);
  g_autofree char *lo = NULL, *hi = NULL;
  double wl, wh, bar_y = top + LEGEND_BAR_Y_EM * f, bar_h = LEGEND_BAR_H_EM * f;
  double bx, bw;
  cairo_pattern_t *grad;

  legend_bar_ends (state, &lo, &hi);
  bpv_text_measure (text, lo, f, BPV_TEXT_NORMAL, &wl, NULL);
  bpv_text_measure (text, hi, f, BPV_TEXT_NORMAL, &wh, NULL);
  bx = ix + wl + LEGEND_BAR_GAP_EM * f;
  bw = w - wl - wh - 2 * LEGEND_BAR_GAP_EM * f;
  grad = cairo_pattern_create_linear (bx, 0, bx + bw, 0);
  for (int i = 0; i <= 16; i++)
    {
      BpvRgba c = bpv_palette_diverging (state->theme, i / 8.0 - 1.0);

      cairo_pattern_add_color_stop_rgb (grad, i / 16.0, c.r, c.g, c.b);
    }
  bpv_text_draw (text, caption, ix, top + 0.1 * f, 0, 0, f, BPV_TEXT_NORMAL, tc->text);
  cairo_set_source (cr, grad);
  cairo_rectangle (cr, bx, bar_y, bw, bar_h);
  cairo_fill (cr);
  cairo_pattern_destroy (grad);
  bpv_set_source_rgba (cr, tc->grid);
  cairo_set_line_width (cr, f / 16.0);
  cairo_rectangle (cr, bx, bar_y, bw, bar_h);
  cairo_stroke (cr);
  bpv_text_draw (text, lo, ix, bar_y + bar_h / 2, 0, 0.5, f, BPV_TEXT_NORMAL, tc->text_muted);
  bpv_text_draw (text, hi, ix + w, bar_y + bar_h / 2, 1, 0.5, f, BPV_TEXT_NORMAL, tc->text_muted);
  /* Zero sits on the palette's middle (light, or dark in the dark theme). */
  {
    BpvRgba mid = bpv_palette_diverging (state->theme, 0);

    bpv_text_draw (text, "0", bx + bw / 2, bar_y + bar_h / 2, 0.5, 0.5, f, BPV_TEXT_NORMAL,
                   luminance (mid) > 0.5 ? (BpvRgba) { 0.1, 0.1, 0.1, 1 } : (BpvRgba) { 0.95, 0.95, 0.95, 1 });
  }
}

static void
legend_paint_lines (cairo_t              *cr,
                    BpvText              *text,
                    const BpvRenderState *state,
                    const BpvThemeColors *tc,
                    double                ix,
                    double                top,
                    double                f)
{
  BpvEdgeStyle pos = bpv_render_edge_style (BPV_VIEW_WEIGHTS, state->theme, 1, 1);
  BpvEdgeStyle neg = bpv_render_edge_style (BPV_VIEW_WEIGHTS, state->theme, -1, 1);
  double unit = f / 16.0, y1 = top + LEGEND_STROKE_Y1_EM * f, y2 = top + LEGEND_STROKE_Y2_EM * f;
  double dash[2] = { 5 * unit + 0.75 * neg.width * unit, 3.5 * unit + 0.5 * neg.width * unit };

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  bpv_set_source_rgba (cr, pos.color);
  cairo_set_line_width (cr, 0.5 * pos.width * unit);
  cairo_move_to (cr, ix, y1);
  cairo_rel_line_to (cr, LEGEND_STROKE_EM * f, 0);
  cairo_stroke (cr);
  bpv_set_source_rgba (cr, neg.color);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_move_to (cr, ix, y2);
  cairo_rel_line_to (cr, LEGEND_STROKE_EM * f, 0);
  cairo_stroke (cr);
  cairo_restore (cr);
  bpv_text_draw (text, "positive", ix + LEGEND_STROKE_TEXT_EM * f, y1, 0, 0.5, f, BPV_TEXT_NORMAL, tc->text);
  bpv_text_draw (text, "negative (dashed)", ix + LEGEND_STROKE_TEXT_EM * f, y2, 0, 0.5, f,
                 BPV_TEXT_NORMAL, tc->text);
}

static void
legend_paint_mark (cairo_t              *cr,
                   BpvText              *text,
                   const BpvRenderState *state,
                   const BpvThemeColors *tc,
                   int                   kind,
                   double                ix,
                   double                cy,
                   double                f)
{
  double unit = f / 16.0, r = LEGEND_MARK_R_EM * f, cx = ix + LEGEND_MARK_X_EM * f;

  cairo_new_sub_path (cr);
  cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
  bpv_set_source_rgba (cr, kind == ITEM_FILL ? bpv_palette_diverging (state->theme, 0.8)
                                            : tc->node_empty);
  cairo_fill_preserve (cr);
  bpv_set_source_rgba (cr, tc->node_stroke);
  cairo_set_line_width (cr, unit);
  cairo_stroke (cr);
  if (kind == ITEM_RING || kind == ITEM_SATURATED || kind == ITEM_FAULT)
    {
      bpv_set_source_rgba (cr, kind == ITEM_RING ? bpv_palette_diverging (state->theme, -0.9)
                               : kind == ITEM_FAULT ? tc->fault : tc->warning);
      cairo_set_line_width (cr, 3 * unit);
      cairo_new_sub_path (cr);
      cairo_arc (cr, cx, cy, r + 2.2 * unit, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  if (kind == ITEM_DEAD)
    {
      double h = r * 0.62;

      bpv_set_source_rgba (cr, tc->dead);
      cairo_set_line_width (cr, 2 * unit);
      cairo_move_to (cr, cx - h, cy - h);
      cairo_line_to (cr, cx + h, cy + h);
      cairo_move_to (cr, cx + h, cy - h);
      cairo_line_to (cr, cx - h, cy + h);
      cairo_stroke (cr);
    }
  bpv_text_draw (text, legend_mark_labels[kind], ix + LEGEND_MARK_TEXT_EM * f, cy, 0, 0.5, f,
                 BPV_TEXT_NORMAL, tc->text);
}

void
bpv_network_render_legend (cairo_t              *cr,
                           const BpvRenderState *state,
                           const BpvRect        *rect)
{
  const BpvThemeColors *tc;
  double f, x[N_ITEMS];
  int row[N_ITEMS], max_rows;
  BpvText *text;

  g_return_if_fail (cr != NULL && state != NULL && rect != NULL);

  tc = bpv_theme_colors (state->theme);
  f = legend_font (state, rect->width);
  max_rows = MAX ((int) floor ((rect->height - (LEGEND_TOP_EM + LEGEND_BOTTOM_EM) * f + 0.5)
                               / legend_row_height (f)), 0);

  cairo_save (cr);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, rect->height);
  cairo_clip (cr);
  bpv_set_source_rgba (cr, tc->panel);
  cairo_paint (cr);
  if (max_rows == 0)
    {
      cairo_restore (cr);
      return;
    }
  text = bpv_text_new (cr);
  legend_flow (text, state, rect->width, f, max_rows, x, row);

  for (int kind = 0; kind < N_ITEMS; kind++)
    {
      double ix, top;

      if (row[kind] < 0)
        continue;
      ix = rect->x + x[kind];
      top = rect->y + LEGEND_TOP_EM * f + row[kind] * legend_row_height (f);
      if (kind == ITEM_SCALE)
        legend_paint_scale (cr, text, state, tc, ix, top, legend_item_width (text, state, kind, f), f);
      else if (kind == ITEM_LINES)
        legend_paint_lines (cr, text, state, tc, ix, top, f);
      else
        legend_paint_mark (cr, text, state, tc, kind, ix, top + legend_row_height (f) / 2, f);
    }
  bpv_text_free (text);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------- page */

void
bpv_network_render_page (cairo_t               *cr,
                         const BpvRenderState  *state,
                         const BpvLayoutParams *params,
                         const char            *title,
                         double                 width,
                         double                 height)
{
  const BpvThemeColors *tc;
  BpvLayoutParams lp;
  g_autoptr(BpvLayout) layout = NULL;
  double f, title_h, legend_h, net_h;
  BpvRect legend;

  g_return_if_fail (cr != NULL && state != NULL && state->net != NULL && params != NULL);

  tc = bpv_theme_colors (state->theme);
  f = CLAMP (MIN (width / 60.0, height / 34.0), BPV_TEXT_MIN_SIZE, 26.0)
      * (state->text_scale > 0 ? state->text_scale : 1.0);
  title_h = 2.6 * f;
  legend_h = bpv_network_legend_height (state, width - 2 * f);
  net_h = MAX (height - title_h - legend_h - 1.2 * f, 50);

  cairo_save (cr);
  bpv_set_source_rgba (cr, tc->background);
  cairo_paint (cr);

  {
    BpvText *text = bpv_text_new (cr);
    GString *sub = g_string_new (NULL);
    double tw = 0;

    for (gsize n = 0; n <= state->net->n_layers; n++)
      g_string_append_printf (sub, "%s%" G_GSIZE_FORMAT, n > 0 ? "-" : "",
                              n == 0 ? state->net->n_inputs : state->net->layers[n - 1].out);
    g_string_append (sub, state->view == BPV_VIEW_GRADIENTS ? " · gradients" : " · weights");
    if (state->trace != NULL && state->trace->batch > 0)
      g_string_append_printf (sub, " · sample %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                              MIN (state->sample, state->trace->batch - 1) + 1, state->trace->batch);
    switch (state->phase)
      {
      case BPV_PHASE_FORWARD:
        g_string_append_printf (sub, " · forward through W(%" G_GSIZE_FORMAT ")", state->layer);
        break;
      case BPV_PHASE_COST:
        g_string_append (sub, " · cost");
        break;
      case BPV_PHASE_BACKWARD:
        g_string_append_printf (sub, " · backward through W(%" G_GSIZE_FORMAT ")", state->layer);
        break;
      case BPV_PHASE_UPDATE:
        g_string_append (sub, " · update");
        break;
      case BPV_PHASE_IDLE:
      default:
        break;
      }
    if (title != NULL && *title != '\0')
      {
        g_autofree char *escaped = g_markup_escape_text (title, -1);

        tw = bpv_text_draw (text, escaped, f, 0.7 * f, 0, 0, 1.3 * f, BPV_TEXT_BOLD, tc->text);
        tw += 0.9 * f;
      }
    {
      g_autofree char *escaped = g_markup_escape_text (sub->str, -1);

      bpv_text_draw (text, escaped, f + tw, 0.7 * f + 1.3 * f * 0.62, 0, 0.5, f,
                     BPV_TEXT_NORMAL, tc->text_muted);
    }
    g_string_free (sub, TRUE);
    bpv_text_free (text);
  }

  lp = *params;
  lp.width = width;
  lp.height = net_h;
  layout = bpv_layout_new (state->net, &lp);
  cairo_save (cr);
  cairo_translate (cr, 0, title_h);
  cairo_rectangle (cr, 0, 0, width, net_h);
  cairo_clip (cr);
  bpv_network_render (cr, layout, state);
  cairo_restore (cr);

  legend = (BpvRect) { f, height - legend_h - 0.6 * f, width - 2 * f, legend_h };
  bpv_network_render_legend (cr, state, &legend);
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- tooltip */

char *
bpv_render_describe_hit (const BpvRenderState *state,
                         const BpvHit         *hit)
{
  const BpNetwork *net;
  gboolean have_trace;
  gsize s;
  GString *out;

  g_return_val_if_fail (state != NULL && state->net != NULL && hit != NULL, NULL);

  net = state->net;
  have_trace = trace_usable (net, state->trace);
  s = have_trace ? MIN (state->sample, state->trace->batch - 1) : 0;
  out = g_string_new (NULL);

  if (hit->kind == BPV_HIT_NEURON)
    {
      if (hit->layer > net->n_layers
          || hit->j >= (hit->layer == 0 ? net->n_inputs : net->layers[hit->layer - 1].out))
        goto none;
      g_string_append_printf (out, "a(%" G_GSIZE_FORMAT ")", hit->layer);
      append_subscript (out, hit->j + 1);
      if (!have_trace)
        {
          if (hit->layer > 0)
            g_string_append_printf (out, "   %s", activation_name (&net->layers[hit->layer - 1]));
          return g_string_free (out, FALSE);
        }
      if (hit->layer == 0)
        {
          char xb[32];

          g_string_append_printf (out, " = x = %s",
                                  VALUE_TEXT (xb, "%.4g", state->trace->input[s * net->n_inputs + hit->j]));
        }
      else
        {
          gsize l = hit->layer - 1;
          const BpLayer *L = &net->layers[l];
          double z = bp_trace_z (state->trace, l, s)[hit->j];
          double a = bp_trace_a (state->trace, l, s)[hit->j];
          char ab[32], zb[32], db[32], sb[32];

          /* Only what this stop has computed, as the fills and rings. */
          if (!bpv_render_forward_known (state, hit->layer))
            {
              g_string_append (out, " = ?   z = ?   δ = ?");
              return g_string_free (out, FALSE);
            }
          g_string_append_printf (out, " = %s   z = %s   δ = %s", VALUE_TEXT (ab, "%.4g", a),
                                  VALUE_TEXT (zb, "%.4g", z),
                                  bpv_render_delta_known (state, hit->layer)
                                  ? VALUE_TEXT (db, "%.3g", bp_trace_dC_dz (state->trace, l, s)[hit->j])
                                  : "?");
          if (L->act->df != NULL)
            g_string_append_printf (out, "   σ′ = %s",
                                    VALUE_TEXT (sb, "%.3g", L->act->df (z, a, L->act_params)));
        }
      return g_string_free (out, FALSE);
    }
  if (hit->kind == BPV_HIT_EDGE)
    {
      const BpLayer *L;

      if (hit->layer < 1 || hit->layer > net->n_layers)
        goto none;
      L = &net->layers[hit->layer - 1];
      if (hit->j >= L->out || hit->k >= L->in)
        goto none;
      g_string_append_printf (out, "W(%" G_GSIZE_FORMAT ")", hit->layer);
      append_subscript (out, hit->j + 1);
      if (hit->j + 1 >= 10 || hit->k + 1 >= 10)
        g_string_append (out, ",");
      append_subscript (out, hit->k + 1);
      {
        char wb[32], gb[32];

        /* ∂C/∂W(n) = δ(n) a(n−1)ᵀ: known with δ(n) (no trace: the
         * gradients as they are). */
        g_string_append_printf (out, " = %s   ∂C/∂W = %s",
                                VALUE_TEXT (wb, "%.4g", L->W[hit->j * L->in + hit->k]),
                                !have_trace || bpv_render_delta_known (state, hit->layer)
                                ? VALUE_TEXT (gb, "%.3g", L->dW[hit->j * L->in + hit->k]) : "?");
      }
      return g_string_free (out, FALSE);
    }
none:
  g_string_free (out, TRUE);
  return NULL;
}

/* ------------------------------------------------------------------ cache */

BpvRenderCache *
bpv_render_cache_new (void)
{
  return g_new0 (BpvRenderCache, 1);
}

void
bpv_render_cache_prepare (BpvRenderCache       *cache,
                          const BpvLayout      *layout,
                          const BpvRenderState *state)
{
  BpvRenderState st;
  Paint p;

  g_return_if_fail (cache != NULL && layout != NULL && state != NULL && state->net != NULL);
  g_return_if_fail (bpv_layout_fits (layout, state->net));

  st = *state;
  st.cache = cache;
  paint_init (&p, NULL, layout, &st);
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      get_tile (&p, n, SRC_WEIGHTS);
      get_tile (&p, n, SRC_GRADIENTS);
      if (st.old_params != NULL)
        get_tile (&p, n, SRC_OLD);
    }
}

void
bpv_render_cache_invalidate (BpvRenderCache *cache)
{
  g_return_if_fail (cache != NULL);

  for (gsize n = 0; n <= BP_MAX_LAYERS; n++)
    for (int i = 0; i < CACHE_SLOTS; i++)
      {
        g_clear_pointer (&cache->tiles[n][i].surface, cairo_surface_destroy);
        cache->tiles[n][i].key = 0;
        cache->tiles[n][i].used = 0;
      }
}

void
bpv_render_cache_free (BpvRenderCache *cache)
{
  if (cache == NULL)
    return;
  bpv_render_cache_invalidate (cache);
  g_free (cache);
}
