/* bpv-heatmap.c — decision maps and per-neuron maps of 2-D-input networks. */
#include "config.h"
#include "bpv-heatmap.h"

#include <math.h>
#include <string.h>

#include "bpv-text.h"

/* A probability's decision threshold (the default boundary, and a binary
 * target's class), and half its range: the scale a probability map is
 * drawn on. */
#define PROBABILITY_THRESHOLD   0.5
#define PROBABILITY_HALF        0.5
/* A plane fitted to data reaches this share of its range beyond it (at
 * least this much, for data on a line). */
#define PLANE_MARGIN            0.1
#define PLANE_MARGIN_MIN        1e-3
/* The adaptive map computes a cell point by point when a corner is this
 * share of the half-range from the boundary (plus what the output moves
 * over the cell), or when the output moves more than this share over it. */
#define REFINE_NEAR             0.01
#define REFINE_STEEP            0.2
/* The map's colours over the background: a class tinted by this much plus
 * a share of the confidence above chance; a value washed out to this much,
 * so that the data points on top stay readable. */
#define CLASS_TINT_BASE         0.18
#define CLASS_TINT_SPAN         0.42
#define VALUE_TINT              0.62
/* Data points: training rows filled with an outline this share of the
 * radius (at least 0.8); test rows hollow, a ring this share of the radius
 * over an outline this share, and this much bigger. */
#define POINT_OUTLINE           0.22
#define POINT_OUTLINE_MIN       0.8
#define TEST_RING               0.45
#define TEST_RING_OUTLINE       0.75
#define TEST_POINT_SCALE        1.05
/* The map panel: labels at f, the panel's smaller side over 28 (11 to 20
 * px) unless the style says; points this fraction of the plot's smaller
 * side (2.5 to 7 px); no plot smaller than 4 px. */
#define MAP_SIZE_EMS            28.0
#define MAP_FONT_MIN            11.0
#define MAP_FONT_MAX            20.0
#define POINT_PER_SIZE          90.0
#define POINT_MIN               2.5
#define POINT_MAX               7.0
#define PLOT_MIN                4
/* The boundary: text colour at this opacity, f / 8 wide (at least 1.5);
 * the plot's frame 1 px. */
#define BOUNDARY_ALPHA          0.85
#define BOUNDARY_PER_FONT       8.0
#define BOUNDARY_MIN_WIDTH      1.5
#define FRAME_WIDTH             1.0
/* Axes, in f: room left (tick labels and the rotated y name), right, top
 * and below (tick labels and the x name); a tick every 5 f across and 4 f
 * up (2 to 8 of them), this long, its label this far from it (on y, half
 * a label's height must fit the panel). */
#define AXIS_LEFT_EM            3.4
#define AXIS_RIGHT_EM           0.6
#define AXIS_TOP_EM             0.6
#define AXIS_BOTTOM_EM          3.0
#define TICK_X_EMS              5
#define TICK_Y_EMS              4
#define TICKS_MIN               2
#define TICKS_MAX               8
#define TICK_EM                 0.35
#define TICK_LABEL_GAP_EM       0.4
#define TICK_Y_LABEL_GAP_EM     0.45
#define TICK_LABEL_HALF_EM      0.65
/* Rounding in the tick loop: the last tick is kept within this share of a
 * step, and a tick this close to 0 is printed as 0 (not 1e-17). */
#define TICK_SLACK              1e-9
#define TICK_ZERO               1e-12

/* ------------------------------------------------------------------ data */

BpvDecisionMap *
bpv_decision_map_new (gsize nx,
                      gsize ny)
{
  BpvDecisionMap *map;

  g_return_val_if_fail (nx > 0 && ny > 0, NULL);

  map = g_new0 (BpvDecisionMap, 1);
  map->nx = nx;
  map->ny = ny;
  map->values = g_new0 (double, nx * ny);
  map->plane = (BpvPlane) { -1, 1, -1, 1 };
  map->boundary = PROBABILITY_THRESHOLD;
  return map;
}

void
bpv_decision_map_free (BpvDecisionMap *map)
{
  if (map == NULL)
    return;
  g_free (map->values);
  g_free (map->classes);
  g_free (map);
}

BpvNeuronMaps *
bpv_neuron_maps_new (const BpNetwork *net,
                     gsize            grid)
{
  BpvNeuronMaps *maps;

  g_return_val_if_fail (net != NULL && grid > 0, NULL);

  maps = g_new0 (BpvNeuronMaps, 1);
  maps->grid = grid;
  maps->n_layers = net->n_layers;
  maps->widths = g_new0 (gsize, MAX (net->n_layers, 1));
  maps->maps = g_new0 (double *, MAX (net->n_layers, 1));
  maps->max_abs = g_new0 (double, MAX (net->n_layers, 1));
  maps->plane = (BpvPlane) { -1, 1, -1, 1 };
  for (gsize l = 0; l < net->n_layers; l++)
    {
      maps->widths[l] = net->layers[l].out;
      maps->maps[l] = g_new0 (double, net->layers[l].out * grid * grid);
    }
  return maps;
}

void
bpv_neuron_maps_free (BpvNeuronMaps *maps)
{
  if (maps == NULL)
    return;
  for (gsize l = 0; l < maps->n_layers; l++)
    g_free (maps->maps[l]);
  g_free (maps->maps);
  g_free (maps->widths);
  g_free (maps->max_abs);
  g_free (maps);
}

gboolean
bpv_neuron_maps_fit (const BpvNeuronMaps *maps,
                     const BpNetwork     *net)
{
  g_return_val_if_fail (maps != NULL && net != NULL, FALSE);

  if (maps->n_layers != net->n_layers)
    return FALSE;
  for (gsize l = 0; l < net->n_layers; l++)
    if (maps->widths[l] != net->layers[l].out)
      return FALSE;
  return TRUE;
}

void
bpv_plane_for_dataset (const BpDataset *ds,
                       BpvPlane        *plane)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  double mx, my;

  g_return_if_fail (ds != NULL && plane != NULL);

  if (ds->n_features >= 2)
    for (gsize i = 0; i < ds->n_rows; i++)
      {
        double x = ds->X[i * ds->n_features], y = ds->X[i * ds->n_features + 1];

        if (!isfinite (x) || !isfinite (y))
          continue;
        x0 = MIN (x0, x);
        x1 = MAX (x1, x);
        y0 = MIN (y0, y);
        y1 = MAX (y1, y);
      }
  if (!(x1 >= x0) || !(y1 >= y0))
    {
      *plane = (BpvPlane) { -1, 1, -1, 1 };
      return;
    }
  mx = MAX ((x1 - x0) * PLANE_MARGIN, PLANE_MARGIN_MIN);
  my = MAX ((y1 - y0) * PLANE_MARGIN, PLANE_MARGIN_MIN);
  *plane = (BpvPlane) { x0 - mx, x1 + mx, y0 - my, y1 + my };
}

/* --------------------------------------------------------------- compute */

/* Point i of an nx × ny grid over the plane, row 0 at the top. */
static inline void
grid_point (const BpvPlane *plane,
            gsize           nx,
            gsize           ny,
            gsize           i,
            double         *x)
{
  gsize row = i / nx, col = i % nx;

  x[0] = plane->x_min + ((double) col + 0.5) * (plane->x_max - plane->x_min) / (double) nx;
  x[1] = plane->y_max - ((double) row + 0.5) * (plane->y_max - plane->y_min) / (double) ny;
}

/* A stream of points to run through the network, BPV_HEATMAP_BATCH at a
 * time.  A point below nd is decision point i; from nd on, neuron-map
 * point i − nd. */
typedef struct
{
  const BpNetwork *net;
  BpTrace         *trace;
  const BpvPlane  *plane;
  BpvDecisionMap  *decision;
  BpvNeuronMaps   *neurons;
  gsize            nd;
  gsize            fill;
  gsize            idx[BPV_HEATMAP_BATCH];
  double           x[2 * BPV_HEATMAP_BATCH];
} Stream;

static void
stream_flush (Stream *st)
{
  const BpNetwork *net = st->net;
  gsize N = net->n_layers, n_out = bp_network_n_outputs (net);

  if (st->fill == 0)
    return;
  bp_network_forward (net, st->trace, st->x, st->fill);
  for (gsize s = 0; s < st->fill; s++)
    {
      gsize i = st->idx[s];
      const double *out = st->trace->a[N - 1] + s * n_out;

      if (i < st->nd)
        {
          BpvDecisionMap *d = st->decision;

          if (n_out == 1)
            d->values[i] = out[0];
          else
            {
              gsize best = 0;

              for (gsize c = 1; c < n_out; c++)
                if (out[c] > out[best])
                  best = c;
              d->values[i] = out[best];
              d->classes[i] = (guint8) MIN (best, 255);
            }
          d->n_evaluated++;
        }
      else
        {
          BpvNeuronMaps *m = st->neurons;
          gsize q = i - st->nd, gg = m->grid * m->grid;

          for (gsize l = 0; l < N; l++)
            {
              gsize out_l = net->layers[l].out;
              const double *a = st->trace->a[l] + s * out_l;
              double *map = m->maps[l];

              for (gsize j = 0; j < out_l; j++)
                {
                  map[j * gg + q] = a[j];
                  if (fabs (a[j]) > m->max_abs[l])
                    m->max_abs[l] = fabs (a[j]);
                }
            }
        }
    }
  st->fill = 0;
}

static void
stream_push (Stream *st,
             gsize   i)
{
  if (i < st->nd)
    grid_point (st->plane, st->decision->nx, st->decision->ny, i, st->x + 2 * st->fill);
  else
    grid_point (st->plane, st->neurons->grid, st->neurons->grid, i - st->nd, st->x + 2 * st->fill);
  st->idx[st->fill++] = i;
  if (st->fill == BPV_HEATMAP_BATCH)
    stream_flush (st);
}

/* Lattice coordinates 0, S, 2S, …, n − 1 along one axis. */
static gsize *
lattice (gsize  n,
         gsize *count)
{
  gsize m = (n - 1 + BPV_HEATMAP_STEP - 1) / BPV_HEATMAP_STEP + 1;
  gsize *v = g_new (gsize, m);

  for (gsize i = 0; i < m; i++)
    v[i] = MIN (i * BPV_HEATMAP_STEP, n - 1);
  *count = m;
  return v;
}

/* The adaptive decision map (see the header). */
static void
decision_adaptive (Stream *st)
{
  BpvDecisionMap *d = st->decision;
  gsize nx = d->nx, mx, my;
  g_autofree gsize *lx = lattice (d->nx, &mx);
  g_autofree gsize *ly = lattice (d->ny, &my);
  g_autofree guint8 *done = g_new0 (guint8, d->nx * d->ny);
  g_autofree guint8 *refine = g_new0 (guint8, (mx - 1) * (my - 1));
  double lo = INFINITY, hi = -INFINITY, half, near, steep;
  gboolean multi = d->classes != NULL;

  for (gsize a = 0; a < my; a++)
    for (gsize b = 0; b < mx; b++)
      {
        gsize i = ly[a] * nx + lx[b];

        stream_push (st, i);
        done[i] = 1;
      }
  stream_flush (st);

  for (gsize a = 0; a < my; a++)
    for (gsize b = 0; b < mx; b++)
      {
        double v = d->values[ly[a] * nx + lx[b]];

        lo = MIN (lo, v);
        hi = MAX (hi, v);
      }
  if (multi)
    half = PROBABILITY_HALF;
  else if (lo >= 0 && hi <= 1)
    half = PROBABILITY_HALF;  /* a probability: the scale the map is drawn on */
  else
    half = MAX (fabs (hi - d->boundary), fabs (lo - d->boundary));
  near = REFINE_NEAR * half;
  steep = REFINE_STEEP * half;

  /* Cells to compute point by point. */
  for (gsize a = 0; a + 1 < my; a++)
    for (gsize b = 0; b + 1 < mx; b++)
      {
        gsize c[4] = { ly[a] * nx + lx[b], ly[a] * nx + lx[b + 1],
                       ly[a + 1] * nx + lx[b], ly[a + 1] * nx + lx[b + 1] };
        double vmin = INFINITY, vmax = -INFINITY;
        gboolean r = FALSE;

        for (int q = 0; q < 4; q++)
          {
            double v = d->values[c[q]];

            vmin = MIN (vmin, v);
            vmax = MAX (vmax, v);
            if (!isfinite (v))
              r = TRUE;
            if (multi && d->classes[c[q]] != d->classes[c[0]])
              r = TRUE;
            if (!multi && (v < d->boundary) != (d->values[c[0]] < d->boundary))
              r = TRUE;
          }
        /* Near the boundary compared with how much the output moves over
         * the cell: a bump between the corners could cross it. */
        if (!multi && MIN (fabs (vmin - d->boundary), fabs (vmax - d->boundary)) < near + (vmax - vmin))
          r = TRUE;
        if (vmax - vmin > steep)
          r = TRUE;
        if (!r)
          continue;
        refine[a * (mx - 1) + b] = 1;
        for (gsize row = ly[a]; row <= ly[a + 1]; row++)
          for (gsize col = lx[b]; col <= lx[b + 1]; col++)
            if (!done[row * nx + col])
              {
                stream_push (st, row * nx + col);
                done[row * nx + col] = 1;
              }
      }
  stream_flush (st);

  /* The flat rest, bilinearly between the lattice values. */
  for (gsize a = 0; a + 1 < my; a++)
    for (gsize b = 0; b + 1 < mx; b++)
      {
        gsize r0 = ly[a], r1 = ly[a + 1], c0 = lx[b], c1 = lx[b + 1];
        double v00 = d->values[r0 * nx + c0], v01 = d->values[r0 * nx + c1];
        double v10 = d->values[r1 * nx + c0], v11 = d->values[r1 * nx + c1];

        if (refine[a * (mx - 1) + b])
          continue;
        for (gsize row = r0; row <= r1; row++)
          for (gsize col = c0; col <= c1; col++)
            {
              gsize i = row * nx + col;
              double u, v;

              if (done[i])
                continue;
              u = c1 > c0 ? (double) (col - c0) / (double) (c1 - c0) : 0;
              v = r1 > r0 ? (double) (row - r0) / (double) (r1 - r0) : 0;
              d->values[i] = (v00 * (1 - u) + v01 * u) * (1 - v) + (v10 * (1 - u) + v11 * u) * v;
              if (multi)
                d->classes[i] = d->classes[r0 * nx + c0];
              done[i] = 1;
            }
      }
}

gboolean
bpv_heatmap_compute (const BpNetwork *net,
                     const BpvPlane  *plane,
                     BpvDecisionMap  *decision,
                     BpvNeuronMaps   *neurons,
                     BpTrace         *trace)
{
  g_autoptr(BpTrace) own = NULL;
  g_autoptr(BpNetwork) eval = NULL;
  Stream *st;
  gsize nd, ng, n_out;

  g_return_val_if_fail (net != NULL && plane != NULL, FALSE);
  /* The maps are what the network predicts: batch norm from its running
   * statistics (a grid is no batch of data, and its passes must not move
   * them), dropout passing everything.  A plain network is the same
   * either way and is not copied. */
  if (!net->eval && !bp_network_is_plain (net))
    {
      eval = bp_network_copy (net);
      eval->eval = TRUE;
      net = eval;
    }
  g_return_val_if_fail (neurons == NULL || bpv_neuron_maps_fit (neurons, net), FALSE);
  if (net->n_inputs != 2 || net->n_layers == 0)
    return FALSE;
  if (trace != NULL && (!bp_trace_fits (trace, net) || trace->capacity < BPV_HEATMAP_BATCH))
    return FALSE;
  if (trace == NULL)
    trace = own = bp_trace_new (net, BPV_HEATMAP_BATCH);

  n_out = bp_network_n_outputs (net);
  nd = decision != NULL ? decision->nx * decision->ny : 0;
  ng = neurons != NULL ? neurons->grid * neurons->grid : 0;

  st = g_new0 (Stream, 1);
  st->net = net;
  st->trace = trace;
  st->plane = plane;
  st->decision = decision;
  st->neurons = neurons;
  st->nd = nd;

  if (decision != NULL)
    {
      decision->plane = *plane;
      decision->n_outputs = n_out;
      decision->n_evaluated = 0;
      if (n_out > 1 && decision->classes == NULL)
        decision->classes = g_new0 (guint8, nd);
      if (n_out <= 1)
        g_clear_pointer (&decision->classes, g_free);

      if (decision->exact || decision->nx < 2 * BPV_HEATMAP_STEP + 1
          || decision->ny < 2 * BPV_HEATMAP_STEP + 1)
        for (gsize i = 0; i < nd; i++)
          stream_push (st, i);
      else
        decision_adaptive (st);
    }
  if (neurons != NULL)
    {
      neurons->plane = *plane;
      memset (neurons->max_abs, 0, net->n_layers * sizeof (double));
      for (gsize q = 0; q < ng; q++)
        stream_push (st, nd + q);
    }
  stream_flush (st);

  if (decision != NULL)
    {
      decision->v_min = INFINITY;
      decision->v_max = -INFINITY;
      for (gsize i = 0; i < nd; i++)
        {
          decision->v_min = MIN (decision->v_min, decision->values[i]);
          decision->v_max = MAX (decision->v_max, decision->values[i]);
        }
    }
  g_free (st);
  return TRUE;
}

/* ------------------------------------------------------------------ draw */

void
bpv_decision_style_init (BpvDecisionStyle *style)
{
  g_return_if_fail (style != NULL);

  *style = (BpvDecisionStyle) {
    .theme = BPV_THEME_LIGHT,
    .show_axes = TRUE,
    .boundary = PROBABILITY_THRESHOLD,
  };
}

/* A "nice" tick step for a range (1, 2 or 5 × 10^k), about n ticks. */
static double
nice_step (double range,
           int    n)
{
  double raw = range / MAX (n, 1), p = pow (10, floor (log10 (raw))), m = raw / p;

  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void
paint_map_image (cairo_t       *cr,
                 const BpvRect *rect,
                 guint32      (*color) (gsize i, gconstpointer data),
                 gconstpointer  data,
                 gsize          nx,
                 gsize          ny,
                 cairo_filter_t filter)
{
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) nx, (int) ny);
  cairo_pattern_t *pattern;
  cairo_matrix_t m;
  unsigned char *pix;
  int stride;

  cairo_surface_flush (img);
  pix = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  for (gsize r = 0; r < ny; r++)
    {
      guint32 *row = (guint32 *) (void *) (pix + (gsize) stride * r);

      for (gsize c = 0; c < nx; c++)
        row[c] = color (r * nx + c, data);
    }
  cairo_surface_mark_dirty (img);

  pattern = cairo_pattern_create_for_surface (img);
  cairo_matrix_init_scale (&m, (double) nx / rect->width, (double) ny / rect->height);
  cairo_matrix_translate (&m, -rect->x, -rect->y);
  cairo_pattern_set_matrix (pattern, &m);
  cairo_pattern_set_filter (pattern, filter);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, rect->height);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (img);
}

typedef struct
{
  const BpvDecisionMap *map;
  BpvTheme              theme;
  double                boundary;
  double                half;      /* value distance from the boundary to full colour */
  const BpvThemeColors *tc;
} DecisionColors;

static guint32
decision_color (gsize         i,
                gconstpointer data)
{
  const DecisionColors *d = data;
  const BpvDecisionMap *map = d->map;
  BpvRgba c;

  if (map->classes != NULL)
    {
      double chance = 1.0 / (double) map->n_outputs;
      double conf = (map->values[i] - chance) / (1.0 - chance);

      c = bpv_rgba_mix (d->tc->background, bpv_palette_category (map->classes[i]),
                        CLASS_TINT_BASE + CLASS_TINT_SPAN * CLAMP (conf, 0.0, 1.0));
    }
  else
    {
      double v = bpv_scale_linear (map->values[i] - d->boundary, d->half);

      /* Washed out so that the data points on top stay readable. */
      c = bpv_rgba_mix (d->tc->background, bpv_palette_diverging (d->theme, v), VALUE_TINT);
    }
  return bpv_rgba_to_argb32 (c);
}

/* The level set values = boundary by marching squares, one segment per
 * cell crossed (short segments: cheap). */
static void
trace_boundary (cairo_t              *cr,
                const BpvDecisionMap *map,
                const BpvRect        *rect,
                double                level)
{
  double cw = rect->width / (double) map->nx, ch = rect->height / (double) map->ny;

  for (gsize r = 0; r + 1 < map->ny; r++)
    for (gsize c = 0; c + 1 < map->nx; c++)
      {
        double v[4] = {
          map->values[r * map->nx + c] - level,
          map->values[r * map->nx + c + 1] - level,
          map->values[(r + 1) * map->nx + c + 1] - level,
          map->values[(r + 1) * map->nx + c] - level,
        };
        /* Corners at cell centres: (c, r), (c+1, r), (c+1, r+1), (c, r+1). */
        static const double cx[4] = { 0, 1, 1, 0 }, cy[4] = { 0, 0, 1, 1 };
        double px[4], py[4];
        int n = 0;

        for (int e = 0; e < 4; e++)
          {
            int f = (e + 1) % 4;

            if ((v[e] < 0) != (v[f] < 0))
              {
                double t = v[e] / (v[e] - v[f]);

                px[n] = rect->x + ((double) c + 0.5 + cx[e] + (cx[f] - cx[e]) * t) * cw;
                py[n] = rect->y + ((double) r + 0.5 + cy[e] + (cy[f] - cy[e]) * t) * ch;
                n++;
              }
          }
        if (n >= 2)
          {
            cairo_move_to (cr, px[0], py[0]);
            cairo_line_to (cr, px[1], py[1]);
          }
        if (n == 4)
          {
            cairo_move_to (cr, px[2], py[2]);
            cairo_line_to (cr, px[3], py[3]);
          }
      }
}

/* Class boundaries of a multiclass map: the cell sides between different
 * argmax classes. */
static void
trace_class_edges (cairo_t              *cr,
                   const BpvDecisionMap *map,
                   const BpvRect        *rect)
{
  double cw = rect->width / (double) map->nx, ch = rect->height / (double) map->ny;

  for (gsize r = 0; r < map->ny; r++)
    for (gsize c = 0; c < map->nx; c++)
      {
        guint8 k = map->classes[r * map->nx + c];

        if (c + 1 < map->nx && map->classes[r * map->nx + c + 1] != k)
          {
            cairo_move_to (cr, rect->x + (double) (c + 1) * cw, rect->y + (double) r * ch);
            cairo_rel_line_to (cr, 0, ch);
          }
        if (r + 1 < map->ny && map->classes[(r + 1) * map->nx + c] != k)
          {
            cairo_move_to (cr, rect->x + (double) c * cw, rect->y + (double) (r + 1) * ch);
            cairo_rel_line_to (cr, cw, 0);
          }
      }
}

static BpvRgba
point_color (const BpDataset *ds,
             gsize            i,
             BpvTheme         theme)
{
  const double *y = ds->Y + i * ds->n_targets;

  if (ds->n_targets > 1)
    {
      gsize best = 0;

      for (gsize c = 1; c < ds->n_targets; c++)
        if (y[c] > y[best])
          best = c;
      return bpv_palette_category ((guint) best);
    }
  if (ds->task == BP_TASK_BINARY)
    return bpv_palette_diverging (theme, y[0] >= PROBABILITY_THRESHOLD ? 1.0 : -1.0);
  return bpv_palette_diverging (theme, CLAMP (y[0], -1.0, 1.0));
}

static void
paint_points (cairo_t         *cr,
              const BpDataset *ds,
              const BpvPlane  *plane,
              const BpvRect   *rect,
              double           radius,
              gboolean         rings,
              BpvTheme         theme)
{
  const BpvThemeColors *tc = bpv_theme_colors (theme);

  if (ds == NULL || ds->n_features < 2)
    return;
  for (gsize i = 0; i < ds->n_rows; i++)
    {
      double x = ds->X[i * ds->n_features], y = ds->X[i * ds->n_features + 1];
      double px = rect->x + (x - plane->x_min) / (plane->x_max - plane->x_min) * rect->width;
      double py = rect->y + (plane->y_max - y) / (plane->y_max - plane->y_min) * rect->height;
      BpvRgba c = point_color (ds, i, theme);

      if (!isfinite (px) || !isfinite (py))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, radius, 0, 2 * G_PI);
      if (rings)
        {
          /* Test rows: a thick ring in the class colour over a thin
           * outline, hollow so they never pass for training rows. */
          bpv_set_source_rgba (cr, tc->text);
          cairo_set_line_width (cr, radius * TEST_RING_OUTLINE);
          cairo_stroke_preserve (cr);
          bpv_set_source_rgba (cr, c);
          cairo_set_line_width (cr, radius * TEST_RING);
          cairo_stroke (cr);
        }
      else
        {
          bpv_set_source_rgba (cr, c);
          cairo_fill_preserve (cr);
          bpv_set_source_rgba (cr, tc->text);
          cairo_set_line_width (cr, MAX (radius * POINT_OUTLINE, POINT_OUTLINE_MIN));
          cairo_stroke (cr);
        }
    }
}

void
bpv_decision_map_render (cairo_t                *cr,
                         const BpvRect          *rect,
                         const BpvDecisionMap   *map,
                         const BpDataset        *train,
                         const BpDataset        *test,
                         const BpvDecisionStyle *style)
{
  BpvDecisionStyle defaults;
  const BpvThemeColors *tc;
  DecisionColors dc;
  BpvRect plot;
  double f, radius;
  BpvText *text;

  g_return_if_fail (cr != NULL && rect != NULL && map != NULL);

  if (style == NULL)
    {
      bpv_decision_style_init (&defaults);
      style = &defaults;
    }
  tc = bpv_theme_colors (style->theme);
  f = style->font_size > 0 ? style->font_size
                           : CLAMP (MIN (rect->width, rect->height) / MAP_SIZE_EMS,
                                    MAP_FONT_MIN, MAP_FONT_MAX);
  /* Every label at f, never below the readable minimum. */
  f = MAX (f, BPV_TEXT_MIN_SIZE) * (style->text_scale > 0 ? style->text_scale : 1.0);
  plot = *rect;
  if (style->show_axes)
    {
      plot.x += AXIS_LEFT_EM * f;
      plot.width -= AXIS_LEFT_EM * f + AXIS_RIGHT_EM * f;
      plot.y += AXIS_TOP_EM * f;
      plot.height -= AXIS_BOTTOM_EM * f + AXIS_TOP_EM * f;
    }
  if (plot.width < PLOT_MIN || plot.height < PLOT_MIN)
    return;
  radius = style->point_radius > 0 ? style->point_radius
                                   : CLAMP (MIN (plot.width, plot.height) / POINT_PER_SIZE,
                                            POINT_MIN, POINT_MAX);

  cairo_save (cr);
  dc.map = map;
  dc.theme = style->theme;
  dc.boundary = style->boundary;
  dc.tc = tc;
  if (map->v_min >= 0 && map->v_max <= 1)
    dc.half = PROBABILITY_HALF;
  else
    dc.half = MAX (fabs (map->v_max - style->boundary), fabs (map->v_min - style->boundary));
  paint_map_image (cr, &plot, decision_color, &dc, map->nx, map->ny, CAIRO_FILTER_BILINEAR);

  /* The decision boundary. */
  cairo_save (cr);
  cairo_rectangle (cr, plot.x, plot.y, plot.width, plot.height);
  cairo_clip (cr);
  if (map->classes != NULL)
    trace_class_edges (cr, map, &plot);
  else
    trace_boundary (cr, map, &plot, style->boundary);
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (tc->text, BOUNDARY_ALPHA));
  cairo_set_line_width (cr, MAX (f / BOUNDARY_PER_FONT, BOUNDARY_MIN_WIDTH));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);

  paint_points (cr, train, &map->plane, &plot, radius, FALSE, style->theme);
  paint_points (cr, test, &map->plane, &plot, radius * TEST_POINT_SCALE, TRUE, style->theme);
  cairo_restore (cr);

  bpv_set_source_rgba (cr, tc->grid);
  cairo_set_line_width (cr, FRAME_WIDTH);
  cairo_rectangle (cr, plot.x, plot.y, plot.width, plot.height);
  cairo_stroke (cr);

  text = bpv_text_new (cr);
  if (style->show_axes)
    {
      const BpvPlane *pl = &map->plane;
      double sx = nice_step (pl->x_max - pl->x_min,
                             (int) CLAMP (plot.width / (TICK_X_EMS * f), TICKS_MIN, TICKS_MAX));
      double sy = nice_step (pl->y_max - pl->y_min,
                             (int) CLAMP (plot.height / (TICK_Y_EMS * f), TICKS_MIN, TICKS_MAX));

      bpv_set_source_rgba (cr, tc->grid);
      for (double v = ceil (pl->x_min / sx) * sx; v <= pl->x_max + TICK_SLACK * sx; v += sx)
        {
          double px = plot.x + (v - pl->x_min) / (pl->x_max - pl->x_min) * plot.width;
          g_autofree char *s = g_strdup_printf ("%g", fabs (v) < TICK_ZERO * sx ? 0.0 : v);
          double w;

          cairo_move_to (cr, px, plot.y + plot.height);
          cairo_rel_line_to (cr, 0, TICK_EM * f);
          cairo_stroke (cr);
          /* A label the panel would cut is left out. */
          bpv_text_measure (text, s, f, BPV_TEXT_NORMAL, &w, NULL);
          if (px - w / 2 >= rect->x && px + w / 2 <= rect->x + rect->width)
            bpv_text_draw (text, s, px, plot.y + plot.height + TICK_LABEL_GAP_EM * f, 0.5, 0, f,
                           BPV_TEXT_NORMAL, tc->text_muted);
        }
      for (double v = ceil (pl->y_min / sy) * sy; v <= pl->y_max + TICK_SLACK * sy; v += sy)
        {
          double py = plot.y + (pl->y_max - v) / (pl->y_max - pl->y_min) * plot.height;
          g_autofree char *s = g_strdup_printf ("%g", fabs (v) < TICK_ZERO * sy ? 0.0 : v);

          cairo_move_to (cr, plot.x, py);
          cairo_rel_line_to (cr, -TICK_EM * f, 0);
          cairo_stroke (cr);
          if (py - TICK_LABEL_HALF_EM * f >= rect->y && py + TICK_LABEL_HALF_EM * f <= rect->y + rect->height)
            bpv_text_draw (text, s, plot.x - TICK_Y_LABEL_GAP_EM * f, py, 1, 0.5, f,
                           BPV_TEXT_NORMAL, tc->text_muted);
        }
      {
        g_autofree char *xl = g_markup_escape_text (style->x_label != NULL ? style->x_label : "x₁", -1);
        g_autofree char *yl = g_markup_escape_text (style->y_label != NULL ? style->y_label : "x₂", -1);

        bpv_text_draw (text, xl, plot.x + plot.width / 2, rect->y + rect->height, 0.5, 1, f,
                       BPV_TEXT_NORMAL, tc->text);
        cairo_save (cr);
        cairo_translate (cr, rect->x, plot.y + plot.height / 2);
        cairo_rotate (cr, -G_PI / 2);
        bpv_text_draw (text, yl, 0, 0, 0.5, 0, f, BPV_TEXT_NORMAL, tc->text);
        cairo_restore (cr);
      }
    }
  bpv_text_free (text);
  cairo_restore (cr);
}

typedef struct
{
  const double *values;
  double        max;
  BpvTheme      theme;
} UnitColors;

static guint32
unit_color (gsize         i,
            gconstpointer data)
{
  const UnitColors *u = data;

  return bpv_rgba_to_argb32 (bpv_palette_diverging (u->theme, bpv_scale_linear (u->values[i], u->max)));
}

void
bpv_neuron_map_render (cairo_t             *cr,
                       const BpvRect       *rect,
                       const BpvNeuronMaps *maps,
                       gsize                layer,
                       gsize                j,
                       BpvTheme             theme)
{
  UnitColors u;
  gsize g;

  g_return_if_fail (cr != NULL && rect != NULL && maps != NULL);

  if (layer < 1 || layer > maps->n_layers || j >= maps->widths[layer - 1])
    return;
  g = maps->grid;
  u.values = maps->maps[layer - 1] + j * g * g;
  u.max = maps->max_abs[layer - 1];
  u.theme = theme;
  paint_map_image (cr, rect, unit_color, &u, g, g, CAIRO_FILTER_BILINEAR);
}
