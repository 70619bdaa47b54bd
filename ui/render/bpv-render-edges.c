/* bpv-render-edges.c — the bundles between the columns: every edge as a
 * line (weakest first) or, for big layers, the weight matrix as one scaled
 * image; the hovered and selected edges, the paths from an edge to the
 * output, and the pulses of the forward and backward pass.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <math.h>
#include <stdlib.h>

/* The update phase interpolates edge values live below this many edges on
 * screen, and cross-fades the cached tiles above it. */
#define LIVE_UPDATE_MAX_EDGES 200

/* NaN edges sort after every finite one (|s| ≤ 1): they lie on top. */
#define NAN_ORDER               2.0f
/* A matrix image's colours from a lookup table of the diverging scale in
 * 2 × LUT_HALF + 1 steps over [−1, 1]. */
#define LUT_HALF                128
#define LUT_SIZE                (2 * LUT_HALF + 1)
/* A weight matrix: the fans that join it to its columns (grid colour at
 * this opacity), its cell separators (background at this opacity, never
 * wider than 1). */
#define MATRIX_FAN_ALPHA        0.28
#define MATRIX_SEPARATOR_ALPHA  0.8
#define MATRIX_SEPARATOR_MAX    1.0
/* Opacities at which a tile is not painted at all, or painted plainly:
 * within less than one step of 8-bit alpha of 0 and 1. */
#define ALPHA_INVISIBLE         0.003
#define ALPHA_OPAQUE            0.997
/* The backward stop at n turns W(n) into ∂C/∂W(n) over the end of the stop
 * (from this t on), once its pulses have carried δ(n) along it. */
#define GRADIENT_FADE_START     0.55
/* An emphasised edge: at least this wide (u); a matrix cell's outline
 * this many u wide, the cell at least this many u across. */
#define EMPHASIS_MIN_WIDTH      1.5
#define CELL_OUTLINE_UNITS      2
#define CELL_MARK_MIN_UNITS     6
/* The path from an edge: everything veiled in the background at this
 * opacity, then the edge with a halo this many u wide, and the fan it
 * feeds with a fainter, narrower one. */
#define PATH_VEIL_ALPHA         0.78
#define PATH_HALO_UNITS         4
#define PATH_FAN_ALPHA          0.35
#define PATH_FAN_HALO_UNITS     2
/* Pulses: at least this many u across; on an edge, this fraction of it
 * plus a share for |value|, coloured from this far along the diverging
 * scale; on a matrix, a wavefront this fraction of the matrix wide (at
 * least this many u), glowing at this opacity, its line this many u wide
 * and reaching this many u past the matrix. */
#define PULSE_MIN_UNITS         3
#define PULSE_RADIUS_BASE       0.12
#define PULSE_RADIUS_SPAN       0.2
#define PULSE_HUE_BASE          0.6
#define PULSE_HUE_SPAN          0.4
#define WAVE_PER_WIDTH          0.06
#define WAVE_MIN_UNITS          4
#define WAVE_GLOW_ALPHA         0.55
#define WAVE_LINE_UNITS         2
#define WAVE_OVERHANG_UNITS     3

/* A dropout layer's edges: a kept unit's line this many u wide; a dropped
 * unit's dashed (dashes this many u) in the grid's colour at this opacity. */
#define MASK_KEPT_UNITS         2.0
#define MASK_DROPPED_DASH_UNITS 3.0
#define MASK_DROPPED_ALPHA      0.6

/* A skip connection's arc (its geometry is the layout's,
 * bpv_layout_skip_arc): this many u wide (its arrowhead this many u long);
 * in the gradients view from this base to base + span wide and from this
 * opacity up. */
#define SKIP_WIDTH_UNITS        2.0
#define SKIP_HEAD_UNITS         7.0
#define SKIP_GRAD_WIDTH_BASE    1.0
#define SKIP_GRAD_WIDTH_SPAN    6.0
#define EDGE_SKIP_ALPHA_BASE    0.25
/* The selected arc's grab handle (bpv_layout_skip_handle sizes the disc):
 * a ring in the background colour this many u wide around it, and a grip
 * dot this share of its radius. */
#define SKIP_HANDLE_RING_UNITS  1.5
#define SKIP_HANDLE_GRIP_SHARE  0.35

/* --------------------------------------------------------------- bundles */

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
      double dash[2] = { EDGE_DASH_ON_UNITS * unit + EDGE_DASH_ON_PER_WIDTH * w,
                         EDGE_DASH_OFF_UNITS * unit + w };

      cairo_set_dash (cr, dash, 2, 0);
    }
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

void
_bpv_render_stroke_edge (const Paint        *p,
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
  gsize count = b->n_edges;
  g_autofree EdgeOrder *order = g_new (EdgeOrder, count);

  for (gsize i = 0; i < count; i++)
    {
      double v = values[i];

      order[i].index = (guint) i;
      order[i].s = isnan (v) ? NAN_ORDER : (float) fabs (_bpv_render_view_scale (view, v, max));
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

      {
        gsize j, k;

        _bpv_render_edge_ends (b, e, &j, &k);
        _bpv_render_stroke_edge (p, cr, n, j, k, &style, 0);
      }
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
  guint32 lut[LUT_SIZE];

  /* A lookup table: 100 k weights per frame while training. */
  for (int i = 0; i < LUT_SIZE; i++)
    lut[i] = bpv_rgba_to_argb32 (bpv_palette_diverging (p->st->theme, (i - LUT_HALF) / (double) LUT_HALF));

  cairo_surface_flush (img);
  data = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  for (gsize j = 0; j < b->rows; j++)
    {
      guint32 *row = (guint32 *) (void *) (data + (gsize) stride * j);
      const double *w = values + j * b->cols;

      for (gsize k = 0; k < b->cols; k++)
        {
          double s = _bpv_render_view_scale (view, w[k], max);

          row[k] = isnan (s) ? bpv_rgba_to_argb32 (p->tc->warning)
                             : lut[(int) lround (s * LUT_HALF) + LUT_HALF];
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
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->grid, MATRIX_FAN_ALPHA));
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
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, MATRIX_SEPARATOR_ALPHA));
  cairo_set_line_width (cr, MIN (MATRIX_SEPARATOR_MAX, CELL_SEPARATOR_PER_CELL * MIN (cw, ch)));
  if (cw >= CELL_SEPARATOR_MIN)
    for (gsize k = 1; k < b->cols; k++)
      {
        cairo_move_to (cr, m->x + cw * (double) k, m->y);
        cairo_rel_line_to (cr, 0, m->height);
      }
  if (ch >= CELL_SEPARATOR_MIN)
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

/* A dropout layer's one-to-one edges: a kept unit's a line of the grid's
 * colour, a dropped one's a short dashed stub (nothing passes it). */
static void
paint_mask_lines (const Paint  *p,
                  cairo_t      *cr,
                  gsize         n,
                  const double *mask)
{
  const BpvBundle *b = &p->layout->bundles[n];
  const BpvColumn *l = &p->layout->columns[n - 1];
  const BpvColumn *r = &p->layout->columns[n];

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (gsize j = 0; j < b->rows; j++)
    {
      gboolean kept = mask == NULL || mask[j] != 0;

      if (kept)
        {
          bpv_set_source_rgba (cr, p->tc->text_muted);
          cairo_set_line_width (cr, MASK_KEPT_UNITS * p->unit);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      else
        {
          double dash[2] = { MASK_DROPPED_DASH_UNITS * p->unit, MASK_DROPPED_DASH_UNITS * p->unit };

          bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->grid, MASK_DROPPED_ALPHA));
          cairo_set_line_width (cr, p->unit);
          cairo_set_dash (cr, dash, 2, 0);
        }
      cairo_move_to (cr, l->ux[j], l->uy[j]);
      cairo_line_to (cr, r->ux[j], r->uy[j]);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

/* A bundle in world coordinates on `cr`. */
void
_bpv_render_paint_bundle (const Paint *p,
                          cairo_t     *cr,
                          gsize        n,
                          EdgeSource   src)
{
  const double *values = _bpv_render_layer_values (p, n, src);
  double max = _bpv_render_source_max (p, n, src);

  if (p->net->layers[n - 1].type == BP_LAYER_DROPOUT)
    paint_mask_lines (p, cr, n, values);
  else if (p->layout->bundles[n].kind == BPV_BUNDLE_MATRIX)
    paint_matrix (p, cr, n, values, _bpv_render_source_view (src), max);
  else
    paint_edge_lines (p, cr, n, values, _bpv_render_source_view (src), max);
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

  if (alpha <= ALPHA_INVISIBLE)
    return;
  if (p->st->cache != NULL)
    {
      Tile *tile = _bpv_render_tile_get (p, n, src);

      if (tile == NULL)
        return;
      cairo_set_source_surface (cr, tile->surface, tile->x, tile->y);
      if (alpha >= ALPHA_OPAQUE)
        cairo_paint (cr);
      else
        cairo_paint_with_alpha (cr, alpha);
      return;
    }

  cairo_save (cr);
  _bpv_render_apply_view (cr, p->layout);
  if (alpha >= ALPHA_OPAQUE)
    _bpv_render_paint_bundle (p, cr, n, src);
  else
    {
      cairo_push_group (cr);
      _bpv_render_paint_bundle (p, cr, n, src);
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
  const double *w_new = _bpv_render_layer_values (p, n, SRC_WEIGHTS);
  const double *w_old = _bpv_render_layer_values (p, n, SRC_OLD);
  double t = _bpv_render_ease (p->st->t);
  gsize count = b->n_edges;

  if (p->net->layers[n - 1].type == BP_LAYER_DROPOUT)
    {
      show_bundle (p, n, SRC_WEIGHTS, 1.0);
      return;
    }
  g_autofree double *v = g_new (double, count);

  for (gsize i = 0; i < count; i++)
    v[i] = w_old[i] + (w_new[i] - w_old[i]) * t;
  cairo_save (p->cr);
  _bpv_render_apply_view (p->cr, p->layout);
  paint_edge_lines (p, p->cr, n, v, BPV_VIEW_WEIGHTS, p->w_max[n]);
  cairo_restore (p->cr);
}

void
_bpv_render_paint_bundles (const Paint *p)
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
      EdgeSource rest = _bpv_render_bundle_source (p, n);

      switch (st->phase)
        {
        case BPV_PHASE_BACKWARD:
          /* bundle_source: gradients for the layers backprop has passed. */
          if (n > st->layer)
            show_bundle (p, n, rest, 1.0);
          else if (n == st->layer)
            {
              double g = _bpv_render_smoothstep (GRADIENT_FADE_START, 1.0, st->t);

              show_bundle (p, n, SRC_WEIGHTS, 1.0 - g);
              show_bundle (p, n, SRC_GRADIENTS, g);
            }
          else
            show_bundle (p, n, rest, 1.0);
          break;

        case BPV_PHASE_UPDATE:
          if (st->old_params == NULL)
            show_bundle (p, n, SRC_WEIGHTS, 1.0);
          else if (live_update && p->layout->bundles[n].kind != BPV_BUNDLE_MATRIX)
            paint_interpolated_bundle (p, n);
          else
            {
              double t = _bpv_render_ease (st->t);

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

/* ----------------------------------------------------------------- skips */

/* The root mean square of ∂C/∂a(n) of the shown sample: what flows back
 * along the skip into a(n) (it is added into ∂C/∂a(j)); NAN unknown. */
double
_bpv_render_skip_rms (const BpvRenderState *st,
                      const BpTrace        *trace,
                      gsize                 n,
                      gsize                 sample)
{
  const double *g;
  gsize out = st->net->layers[n - 1].out;
  double sum = 0;

  if (trace == NULL || !bpv_render_delta_known (st, n))
    return NAN;
  g = bp_trace_dC_da (trace, n - 1, sample);
  if (g == NULL)
    return NAN;
  for (gsize i = 0; i < out; i++)
    sum += g[i] * g[i];
  return sqrt (sum / (double) out);
}

static double
skip_gradient (const Paint *p,
               gsize        n)
{
  return _bpv_render_skip_rms (p->st, p->trace, n, p->sample);
}

double
_bpv_render_skip_value (const Paint *p,
                        gsize        n,
                        double      *max)
{
  double m = 0;

  for (gsize i = 1; i <= p->net->n_layers; i++)
    if (p->layout->bundles[i].skip_from >= 0)
      {
        double g = skip_gradient (p, i);

        if (isfinite (g))
          m = MAX (m, g);
      }
  if (max != NULL)
    *max = m;
  return skip_gradient (p, n);
}

/* The arc of the skip into a(n) (bpv_layout_skip_arc), on `cr`, world
 * units; its end in (*x1, *y1) when not NULL. */
static void
skip_arc_path (const Paint *p,
               cairo_t     *cr,
               gsize        n,
               double      *x1,
               double      *y1)
{
  double x[4], y[4];

  if (!bpv_layout_skip_arc (p->layout, n, x, y))
    return;
  cairo_move_to (cr, x[0], y[0]);
  cairo_curve_to (cr, x[1], y[1], x[2], y[2], x[3], y[3]);
  if (x1 != NULL)
    *x1 = x[3];
  if (y1 != NULL)
    *y1 = y[3];
}

/* How the arc into a(n) is drawn: the muted text colour and the base
 * width (line units) in the weights view; in the gradients view its own
 * colour (the theme's selection), as strong as the gradient scale puts
 * it, or the warning colour when the gradient is not finite. */
static void
skip_style (const Paint *p,
            gsize        n,
            BpvRgba     *color,
            double      *width)
{
  gboolean grads = bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS;
  double max = 0;
  double g = _bpv_render_skip_value (p, n, &max);

  *color = p->tc->text_muted;
  *width = SKIP_WIDTH_UNITS;
  if (grads && isfinite (g))
    {
      double s = fabs (bpv_scale_log (g, max, GRAD_DECADES));

      *color = bpv_rgba_with_alpha (p->tc->selection, EDGE_SKIP_ALPHA_BASE + (1 - EDGE_SKIP_ALPHA_BASE) * s);
      *width = SKIP_GRAD_WIDTH_BASE + SKIP_GRAD_WIDTH_SPAN * s * s;
    }
  else if (grads && isnan (g) && p->trace != NULL && bpv_render_delta_known (p->st, n))
    *color = p->tc->warning;
}

/* The arc into a(n) and its arrowhead (a(j) is added into a(n)), on a
 * cairo_t in world units with round caps. */
static void
stroke_skip (const Paint *p,
             gsize        n,
             BpvRgba      color,
             double       width)
{
  cairo_t *cr = p->cr;
  double head = SKIP_HEAD_UNITS * p->unit, tip_x = 0, tip_y = 0;

  bpv_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width * p->unit);
  cairo_set_dash (cr, NULL, 0, 0);
  skip_arc_path (p, cr, n, &tip_x, &tip_y);
  cairo_stroke (cr);
  cairo_move_to (cr, tip_x, tip_y);
  cairo_rel_line_to (cr, -head / 2, -head);
  cairo_rel_line_to (cr, head, 0);
  cairo_close_path (cr);
  cairo_fill (cr);
}

void
_bpv_render_emphasise_skip (const Paint *p,
                            gsize        n,
                            BpvRgba      halo,
                            double       halo_width)
{
  cairo_t *cr = p->cr;
  BpvRgba color;
  double width;

  if (p->layout->bundles[n].skip_from < 0)
    return;
  skip_style (p, n, &color, &width);
  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_dash (cr, NULL, 0, 0);
  bpv_set_source_rgba (cr, halo);
  /* Wider than the arc on both sides, then the arc again on top. */
  cairo_set_line_width (cr, width * p->unit + 2 * halo_width);
  skip_arc_path (p, cr, n, NULL, NULL);
  cairo_stroke (cr);
  stroke_skip (p, n, color, width);
  cairo_restore (cr);
}

void
_bpv_render_paint_skip_handle (const Paint *p,
                               gsize        n)
{
  cairo_t *cr = p->cr;
  double wx, wy, r, x[4], y[4];
  double zoom = p->layout->params.zoom > 0 ? p->layout->params.zoom : 1;

  if (!bpv_layout_skip_handle (p->layout, n, &wx, &wy, &r)
      || !bpv_layout_skip_arc (p->layout, n, x, y))
    return;
  /* The layout sizes it in pixels (something to grab at any zoom); here
   * the view's transform is applied. */
  r /= zoom;
  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x[0], y[0], r, 0, 2 * G_PI);
  bpv_set_source_rgba (cr, p->tc->selection);
  cairo_fill_preserve (cr);
  bpv_set_source_rgba (cr, p->tc->background);
  cairo_set_line_width (cr, SKIP_HANDLE_RING_UNITS * p->unit);
  cairo_stroke (cr);
  /* A smaller dot inside: the grip. */
  cairo_arc (cr, x[0], y[0], r * SKIP_HANDLE_GRIP_SHARE, 0, 2 * G_PI);
  bpv_set_source_rgba (cr, p->tc->background);
  cairo_fill (cr);
  cairo_restore (cr);
}

void
_bpv_render_paint_skips (const Paint *p)
{
  cairo_t *cr = p->cr;

  cairo_save (cr);
  _bpv_render_apply_view (cr, p->layout);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (gsize n = 1; n <= p->net->n_layers; n++)
    {
      BpvRgba color;
      double width;

      if (p->layout->bundles[n].skip_from < 0)
        continue;
      skip_style (p, n, &color, &width);
      stroke_skip (p, n, color, width);
    }
  cairo_restore (cr);
}

/* -------------------------------------------------- highlights and paths */

void
_bpv_render_outline_cells (const Paint *p,
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
  double min = CELL_MARK_MIN_UNITS * p->unit;

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
void
_bpv_render_emphasise_edge (const Paint *p,
                            gsize        n,
                            gsize        j,
                            gsize        k,
                            BpvRgba      halo,
                            double       halo_width)
{
  const BpvBundle *b = &p->layout->bundles[n];

  if (b->kind == BPV_BUNDLE_MATRIX)
    {
      _bpv_render_outline_cells (p, n, (double) j, j + 1.0, (double) k, k + 1.0, halo,
                                 CELL_OUTLINE_UNITS * p->unit);
      return;
    }
  if (b->kind == BPV_BUNDLE_ONE_TO_ONE && j != k)
    return;
  {
    EdgeSource src = _bpv_render_bundle_source (p, n);
    const double *values = _bpv_render_layer_values (p, n, src);
    double v = values != NULL ? values[_bpv_render_edge_index (b, j, k)] : 1;
    BpvEdgeStyle style = bpv_render_edge_style (_bpv_render_source_view (src), p->st->theme, v,
                                                _bpv_render_source_max (p, n, src));
    BpvEdgeStyle h = style;

    cairo_save (p->cr);
    cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_ROUND);
    if (halo_width > 0)
      {
        h.dashed = FALSE;
        h.color = halo;
        _bpv_render_stroke_edge (p, p->cr, n, j, k, &h, halo_width);
      }
    cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_BUTT);
    style.color.a = 1.0;
    style.width = MAX (style.width, EMPHASIS_MIN_WIDTH);
    _bpv_render_stroke_edge (p, p->cr, n, j, k, &style, 0);
    cairo_restore (p->cr);
  }
}

/* The fan of a neuron: its incoming and outgoing edges. */
void
_bpv_render_emphasise_neuron (const Paint *p,
                              gsize        n,
                              gsize        j,
                              BpvRgba      color)
{
  gsize N = p->net->n_layers;

  if (n >= 1)
    {
      const BpvBundle *b = &p->layout->bundles[n];

      if (b->kind == BPV_BUNDLE_MATRIX)
        _bpv_render_outline_cells (p, n, (double) j, j + 1.0, 0, (double) b->cols, color,
                                   CELL_OUTLINE_UNITS * p->unit);
      else if (b->kind == BPV_BUNDLE_ONE_TO_ONE)
        _bpv_render_emphasise_edge (p, n, j, j, color, 0);
      else
        for (gsize k = 0; k < b->cols; k++)
          _bpv_render_emphasise_edge (p, n, j, k, color, 0);
    }
  if (n + 1 <= N)
    {
      const BpvBundle *b = &p->layout->bundles[n + 1];

      if (b->kind == BPV_BUNDLE_MATRIX)
        _bpv_render_outline_cells (p, n + 1, 0, (double) b->rows, (double) j, j + 1.0, color,
                                   CELL_OUTLINE_UNITS * p->unit);
      else if (b->kind == BPV_BUNDLE_ONE_TO_ONE)
        _bpv_render_emphasise_edge (p, n + 1, j, j, color, 0);
      else
        for (gsize jj = 0; jj < b->rows; jj++)
          _bpv_render_emphasise_edge (p, n + 1, jj, j, color, 0);
    }
}

/* Is unit j of column n on a path from edge W(i)_jk to the output? */
gboolean
_bpv_render_on_path (const BpvHit *path,
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
  return _bpv_render_bundle_source (p, n);
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
  _bpv_render_apply_view (p->cr, p->layout);
  cairo_rectangle (p->cr, b->matrix.x + cw * (double) k0, b->matrix.y + ch * (double) j0,
                   cw * (double) (k1 - k0), ch * (double) (j1 - j0));
  cairo_clip (p->cr);
  cairo_set_matrix (p->cr, &m);
  show_bundle (p, n, path_source (p, n), 1.0);
  cairo_restore (p->cr);
}

/* Dims everything, then brings back the paths from W(i)_jk to the output:
 * the edge, the fan out of a(i)_j, and every bundle after it. */
void
_bpv_render_paint_path (const Paint *p)
{
  const BpvHit *e = &p->st->path_edge;
  const BpvLayout *layout = p->layout;
  gsize N = p->net->n_layers;
  cairo_t *cr = p->cr;

  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->background, PATH_VEIL_ALPHA));
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
  _bpv_render_apply_view (cr, layout);
  _bpv_render_emphasise_edge (p, e->layer, e->j, e->k, p->tc->selection, PATH_HALO_UNITS * p->unit);
  if (e->layer + 1 <= N)
    {
      const BpvBundle *b = &layout->bundles[e->layer + 1];

      if (b->kind == BPV_BUNDLE_MATRIX)
        _bpv_render_outline_cells (p, e->layer + 1, 0, (double) b->rows, (double) e->j, e->j + 1.0,
                                   p->tc->selection, CELL_OUTLINE_UNITS * p->unit);
      else
        for (gsize jj = 0; jj < b->rows; jj++)
          _bpv_render_emphasise_edge (p, e->layer + 1, jj, e->j,
                                      bpv_rgba_with_alpha (p->tc->selection, PATH_FAN_ALPHA),
                                      PATH_FAN_HALO_UNITS * p->unit);
    }
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- pulses */

/* A quiz answer's edges and skip arcs: a wide accent halo under the edge
 * drawn again opaque (a cell outline in a weight matrix), on a cairo_t in
 * world units.  Neurons are ringed later, over the columns. */
void
_bpv_render_paint_highlight_edges (const Paint *p)
{
  const BpvRenderState *st = p->st;
  BpvRgba halo = bpv_rgba_with_alpha (p->tc->accent, HIGHLIGHT_HALO_ALPHA);

  for (gsize i = 0; st->highlights != NULL && i < st->n_highlights; i++)
    {
      const BpvHit *h = &st->highlights[i];

      if (!_bpv_render_hit_valid (p, h))
        continue;
      if (h->kind == BPV_HIT_EDGE)
        _bpv_render_emphasise_edge (p, h->layer, h->j, h->k, halo, HIGHLIGHT_HALO_UNITS * p->unit);
      else if (h->kind == BPV_HIT_SKIP)
        _bpv_render_emphasise_skip (p, h->layer, halo, HIGHLIGHT_HALO_UNITS * p->unit);
    }
}

void
_bpv_render_paint_pulses (const Paint *p)
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
  t = _bpv_render_ease (st->t);
  size = MAX (MIN (l->radius, r->radius), PULSE_MIN_UNITS * p->unit);

  cairo_save (cr);
  _bpv_render_apply_view (cr, layout);
  if (b->kind == BPV_BUNDLE_MATRIX)
    {
      /* A wavefront sweeping the matrix: forward left to right (over the
       * inputs k), backward right to left. */
      const BpvRect *m = &b->matrix;
      double x = backward ? m->x + m->width * (1 - t) : m->x + m->width * t;
      double band = MAX (m->width * WAVE_PER_WIDTH, WAVE_MIN_UNITS * p->unit);
      cairo_pattern_t *glow = cairo_pattern_create_linear (x - band, 0, x + band, 0);
      BpvRgba c = backward ? p->tc->selection : p->tc->pulse;

      cairo_pattern_add_color_stop_rgba (glow, 0, c.r, c.g, c.b, 0);
      cairo_pattern_add_color_stop_rgba (glow, 0.5, c.r, c.g, c.b, WAVE_GLOW_ALPHA);
      cairo_pattern_add_color_stop_rgba (glow, 1, c.r, c.g, c.b, 0);
      cairo_set_source (cr, glow);
      cairo_rectangle (cr, x - band, m->y - WAVE_OVERHANG_UNITS * p->unit, 2 * band,
                       m->height + 2 * WAVE_OVERHANG_UNITS * p->unit);
      cairo_fill (cr);
      cairo_pattern_destroy (glow);
      bpv_set_source_rgba (cr, c);
      cairo_set_line_width (cr, WAVE_LINE_UNITS * p->unit);
      cairo_move_to (cr, x, m->y - WAVE_OVERHANG_UNITS * p->unit);
      cairo_rel_line_to (cr, 0, m->height + 2 * WAVE_OVERHANG_UNITS * p->unit);
      cairo_stroke (cr);
    }
  else
    {
      const BpLayer *L = &p->net->layers[n - 1];
      const double *a_prev = _bpv_render_unit_values (p, n - 1);
      /* Dropout: a(n−1) passes where the mask keeps it; its δ comes back
       * the same way (ones before any pass). */
      const double *W = _bpv_render_layer_values (p, n, SRC_WEIGHTS);
      const double *dW = L->type == BP_LAYER_DROPOUT ? _bpv_render_unit_deltas (p, n) : L->dW;
      double cmax = 0, gmax = L->type == BP_LAYER_DROPOUT ? p->d_max[n] : p->g_max[n];

      /* Forward: what travels is the contribution W_jk a_k; backward, the
       * gradient ∂C/∂W_jk. */
      if (!backward && a_prev != NULL)
        for (gsize e = 0; e < b->n_edges; e++)
          {
            gsize j, k;

            _bpv_render_edge_ends (b, e, &j, &k);
            cmax = MAX (cmax, fabs ((W != NULL ? W[e] : 1) * a_prev[k]));
          }
      for (gsize e = 0; e < b->n_edges; e++)
        {
          gsize j, k;
          double v, s, x, y, rad;
          BpvRgba c;

          _bpv_render_edge_ends (b, e, &j, &k);
          if (L->type == BP_LAYER_DROPOUT && W != NULL && W[e] == 0)
            continue;  /* a dropped unit passes nothing either way */
          if (backward && dW == NULL)
            {
              v = 1;
              s = 1;
            }
          else if (backward)
            {
              v = dW[e];
              s = bpv_scale_log (v, gmax, GRAD_DECADES);
            }
          else if (a_prev != NULL)
            {
              v = (W != NULL ? W[e] : 1) * a_prev[k];
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
          rad = size * (PULSE_RADIUS_BASE + PULSE_RADIUS_SPAN * fabs (s));
          c = bpv_palette_diverging (st->theme,
                                     (v < 0 ? -1 : 1) * (PULSE_HUE_BASE + PULSE_HUE_SPAN * fabs (s)));
          bpv_set_source_rgba (cr, c);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, rad, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}
