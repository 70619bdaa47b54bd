/* bpv-render-nodes.c — the columns of units: circles filled by a(n) with
 * their δ rings, or strips and images of one cell per unit; the marks
 * around units, and the dead and saturated units of the σ′ overlay.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <math.h>
#include <string.h>

/* Neurons that show what they compute over the input plane
 * (state->neuron_maps) need this radius (world units) for it to read;
 * their a(n) is then a rim this fraction of the radius wide (at least
 * 2 u), inset by half of it. */
#define MAP_MIN_RADIUS          9
#define MAP_RIM_PER_RADIUS      0.22
#define MAP_RIM_MIN_UNITS       2
#define MAP_RIM_INSET           0.11
/* A neuron's outline. */
#define NODE_STROKE_UNITS       1.2
/* A value is printed inside a neuron once it is half filled, and only
 * where it fits in this fraction of the radius across and down. */
#define VALUE_MIN_FILL          0.5
#define VALUE_MAX_WIDTH         1.85
#define VALUE_MAX_HEIGHT        1.5
/* Units off the path from state->path_edge fade to this opacity. */
#define OFF_PATH_ALPHA          0.3
/* Strips: separators at least this wide (world units); δ in a strip beside
 * the rightmost column of cells, this fraction of a cell (at least 2 u)
 * and half a unit clear of it. */
#define STRIP_SEPARATOR_MIN     0.8
#define STRIP_DELTA_PER_CELL    0.45
#define STRIP_DELTA_MIN_UNITS   2
#define STRIP_DELTA_GAP_UNITS   0.5
/* Marks around a unit: half a unit clear of a circle. */
#define MARK_GAP_UNITS          0.5
/* The σ′ overlay: a dead unit's cross this fraction of the radius (or
 * cell) wide, at least 1.5 u (0.8 in a cell); a saturated circle's ring
 * this fraction of the radius, at least 2 u; a saturated cell's warning
 * corner this fraction of the cell. */
#define DEAD_WIDTH_PER_RADIUS   0.16
#define DEAD_MIN_UNITS          1.5
#define DEAD_CELL_MIN_WIDTH     0.8
#define SATURATED_PER_RADIUS    0.12
#define SATURATED_MIN_UNITS     2
#define SATURATED_CORNER        0.55

/* A dropped unit of a dropout layer: veiled in the grid's colour at this
 * opacity and crossed out, the cross's arms this fraction of the radius
 * (or half cell) from the centre, its lines this many u wide. */
#define DROPPED_VEIL_ALPHA      0.75
#define DROPPED_CROSS_PER_RADIUS 0.7
#define DROPPED_CROSS_UNITS     1.6

double
_bpv_render_ring_width (const Paint *p,
                        double       radius)
{
  return MAX (RING_MIN_UNITS * p->unit, RING_PER_RADIUS * radius);
}

/* The fill of unit j of a(n): empty, mixed towards its activation as the
 * column fills (fa). */
static BpvRgba
unit_fill (const Paint  *p,
           gsize         n,
           const double *a,
           gsize         j,
           double        fa)
{
  BpvRgba fill = p->tc->node_empty;

  if (a != NULL)
    fill = bpv_rgba_mix (fill, bpv_render_neuron_fill (p->st->theme, a[j], p->a_max[n]), fa);
  return fill;
}

/* The colour of δ(n)_j = d at opacity ra (the column's ring alpha). */
static BpvRgba
delta_color (const Paint *p,
             gsize        n,
             double       d,
             double       ra)
{
  BpvRgba rc = bpv_palette_diverging (p->st->theme, bpv_scale_linear (d, p->d_max[n]));

  rc.a = ra;
  return rc;
}

void
_bpv_render_paint_circles (const Paint *p,
                           gsize        n)
{
  const BpvRenderState *st = p->st;
  const BpvColumn *c = &p->layout->columns[n];
  const double *a = _bpv_render_unit_values (p, n);
  const double *d = _bpv_render_unit_deltas (p, n);
  double fa = _bpv_render_fill_alpha (p, n), ra = _bpv_render_column_ring_alpha (p, n);
  double r = c->radius;
  double ring_w = _bpv_render_ring_width (p, r);
  gboolean maps = st->neuron_maps != NULL && n >= 1
                  && bpv_neuron_maps_fit (st->neuron_maps, p->net) && r >= MAP_MIN_RADIUS;
  cairo_t *cr = p->cr;

  for (gsize j = 0; j < c->n_units; j++)
    {
      double x = c->ux[j], y = c->uy[j];
      BpvRgba fill = unit_fill (p, n, a, j, fa);
      gboolean dim = !_bpv_render_on_path (&st->path_edge, n, j);

      cairo_save (cr);
      if (dim)
        cairo_push_group (cr);

      /* δ ring first, outside the neuron. */
      if (ra > 0 && d != NULL)
        {
          bpv_set_source_rgba (cr, delta_color (p, n, d[j], ra));
          cairo_set_line_width (cr, ring_w);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, r + ring_w / 2 + RING_GAP_UNITS * p->unit, 0, 2 * G_PI);
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
          cairo_set_line_width (cr, MAX (MAP_RIM_PER_RADIUS * r, MAP_RIM_MIN_UNITS * p->unit));
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, r - MAX (MAP_RIM_INSET * r, p->unit), 0, 2 * G_PI);
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
      cairo_set_line_width (cr, NODE_STROKE_UNITS * p->unit);
      cairo_stroke (cr);

      if (st->show_values && a != NULL && fa > VALUE_MIN_FILL && !maps)
        {
          char buf[32];
          const char *s = VALUE_TEXT (buf, "%.2f", a[j]);
          BpvRgba tcol = bpv_rgba_luminance (fill) > INK_LUMINANCE_SPLIT ? INK_ON_LIGHT : INK_ON_DARK;
          double tw, th;

          /* At the labels' size, in neurons big enough for it. */
          bpv_text_measure (p->text, s, LABEL_EM * p->font, BPV_TEXT_NORMAL, &tw, &th);
          if (tw <= VALUE_MAX_WIDTH * r && th <= VALUE_MAX_HEIGHT * r)
            bpv_text_draw (p->text, s, x, y, 0.5, 0.5, LABEL_EM * p->font, BPV_TEXT_NORMAL, tcol);
        }
      if (dim)
        {
          cairo_pop_group_to_source (cr);
          cairo_paint_with_alpha (cr, OFF_PATH_ALPHA);
        }
      cairo_restore (cr);
    }
}

/* Strips and images: one pixel per unit, scaled up with crisp cells. */
void
_bpv_render_paint_cells (const Paint *p,
                         gsize        n)
{
  const BpvColumn *c = &p->layout->columns[n];
  const double *a = _bpv_render_unit_values (p, n);
  const double *d = _bpv_render_unit_deltas (p, n);
  double fa = _bpv_render_fill_alpha (p, n), ra = _bpv_render_column_ring_alpha (p, n);
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
      BpvRgba fill = unit_fill (p, n, a, i, fa);

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
  if (c->kind == BPV_COLUMN_STRIP && c->cell >= CELL_SEPARATOR_MIN)
    {
      bpv_set_source_rgba (cr, p->tc->background);
      cairo_set_line_width (cr, MAX (CELL_SEPARATOR_PER_CELL * c->cell, STRIP_SEPARATOR_MIN));
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
      double w = MAX (STRIP_DELTA_PER_CELL * c->cell, STRIP_DELTA_MIN_UNITS * p->unit);

      for (gsize i = 0; i < c->n_units; i++)
        {
          gsize col = i / c->grid_rows, row = i % c->grid_rows;

          if (col + 1 != c->grid_cols && c->grid_cols > 1)
            continue;  /* only the rightmost strip has room beside it */
          bpv_set_source_rgba (cr, delta_color (p, n, d[i], ra));
          cairo_rectangle (cr, c->bounds.x + c->bounds.width + STRIP_DELTA_GAP_UNITS * p->unit,
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

void
_bpv_render_mark_unit (const Paint *p,
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
      cairo_arc (cr, c->ux[j], c->uy[j], c->radius + width / 2 + MARK_GAP_UNITS * p->unit, 0, 2 * G_PI);
    }
  else
    {
      double h = MAX (c->cell / 2 + width / 2, MARK_MIN_HALF_UNITS * p->unit);

      cairo_rectangle (cr, c->ux[j] - h, c->uy[j] - h, 2 * h, 2 * h);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* The path of a dead unit's cross: two diagonals h from (x, y) each way. */
static void
cross_path (cairo_t *cr,
            double   x,
            double   y,
            double   h)
{
  cairo_move_to (cr, x - h, y - h);
  cairo_line_to (cr, x + h, y + h);
  cairo_move_to (cr, x + h, y - h);
  cairo_line_to (cr, x - h, y + h);
}

void
_bpv_render_paint_derivatives (const Paint *p)
{
  const BpvLayout *layout = p->layout;
  cairo_t *cr = p->cr;

  if (!p->st->show_derivatives || p->trace == NULL)
    return;
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];
      g_autofree BpDiagUnitState *state = NULL;

      if (p->net->layers[n - 1].type == BP_LAYER_DROPOUT)
        continue;  /* no activation, no σ′ */
      state = _bpv_render_unit_states (p, n, NULL);

      for (gsize j = 0; j < c->n_units; j++)
        {
          gboolean dead = state[j] == BP_DIAG_UNIT_DEAD;
          gboolean saturated = state[j] == BP_DIAG_UNIT_SATURATED;

          if (c->kind == BPV_COLUMN_CIRCLES)
            {
              double r = c->radius;

              if (dead)
                {
                  double h = r * DEAD_CROSS_PER_RADIUS;

                  cairo_save (cr);
                  bpv_set_source_rgba (cr, p->tc->dead);
                  cairo_set_line_width (cr, MAX (DEAD_WIDTH_PER_RADIUS * r, DEAD_MIN_UNITS * p->unit));
                  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
                  cross_path (cr, c->ux[j], c->uy[j], h);
                  cairo_stroke (cr);
                  cairo_restore (cr);
                }
              else if (saturated)
                _bpv_render_mark_unit (p, n, j, p->tc->warning,
                                       MAX (SATURATED_MIN_UNITS * p->unit, SATURATED_PER_RADIUS * r));
            }
          else if (dead)
            {
              double h = c->cell / 2;

              cairo_save (cr);
              bpv_set_source_rgba (cr, p->tc->dead);
              cairo_set_line_width (cr, MAX (DEAD_WIDTH_PER_RADIUS * c->cell, DEAD_CELL_MIN_WIDTH));
              cross_path (cr, c->ux[j], c->uy[j], h);
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
              cairo_rel_line_to (cr, 0, c->cell * SATURATED_CORNER);
              cairo_rel_line_to (cr, -c->cell * SATURATED_CORNER, -c->cell * SATURATED_CORNER);
              cairo_close_path (cr);
              cairo_fill (cr);
              cairo_restore (cr);
            }
        }
    }
}

/* A quiz answer's units: a translucent accent band around each with a
 * crisp ring at its inner side, clear of the δ ring, so that the fill and
 * the ring still read; a cell of a strip or an image gets the ring as a
 * square.  On a cairo_t in world units. */
void
_bpv_render_paint_highlight_units (const Paint *p)
{
  const BpvRenderState *st = p->st;
  cairo_t *cr = p->cr;

  for (gsize i = 0; st->highlights != NULL && i < st->n_highlights; i++)
    {
      const BpvHit *h = &st->highlights[i];
      const BpvColumn *c;
      double r;

      if (h->kind != BPV_HIT_NEURON || !_bpv_render_hit_valid (p, h))
        continue;
      c = &p->layout->columns[h->layer];
      if (c->kind != BPV_COLUMN_CIRCLES)
        {
          _bpv_render_mark_unit (p, h->layer, h->j, p->tc->accent, HIGHLIGHT_RING_UNITS * p->unit);
          continue;
        }
      r = c->radius + _bpv_render_ring_width (p, c->radius) + HIGHLIGHT_GAP_UNITS * p->unit;
      cairo_save (cr);
      cairo_new_path (cr);
      bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->accent, HIGHLIGHT_HALO_ALPHA));
      cairo_set_line_width (cr, HIGHLIGHT_BAND_UNITS * p->unit);
      cairo_arc (cr, c->ux[h->j], c->uy[h->j], r + HIGHLIGHT_BAND_UNITS * p->unit / 2, 0, 2 * G_PI);
      cairo_stroke (cr);
      bpv_set_source_rgba (cr, p->tc->accent);
      cairo_set_line_width (cr, HIGHLIGHT_RING_UNITS * p->unit);
      cairo_arc (cr, c->ux[h->j], c->uy[h->j], r + HIGHLIGHT_RING_UNITS * p->unit / 2, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
}

void
_bpv_render_paint_dropped (const Paint *p)
{
  cairo_t *cr = p->cr;

  for (gsize n = 1; n <= p->net->n_layers; n++)
    {
      const BpvColumn *c = &p->layout->columns[n];
      const double *mask;

      if (p->net->layers[n - 1].type != BP_LAYER_DROPOUT || _bpv_render_fill_alpha (p, n) <= 0)
        continue;
      mask = _bpv_render_layer_values (p, n, SRC_WEIGHTS);
      if (mask == NULL)
        continue;
      cairo_save (cr);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      for (gsize j = 0; j < c->n_units; j++)
        {
          double x = c->ux[j], y = c->uy[j], r = c->radius;
          double arm = DROPPED_CROSS_PER_RADIUS * r;

          if (mask[j] != 0)
            continue;
          bpv_set_source_rgba (cr, bpv_rgba_with_alpha (p->tc->grid, DROPPED_VEIL_ALPHA));
          if (c->kind == BPV_COLUMN_CIRCLES)
            {
              cairo_new_sub_path (cr);
              cairo_arc (cr, x, y, r, 0, 2 * G_PI);
            }
          else
            cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
          cairo_fill (cr);
          bpv_set_source_rgba (cr, p->tc->text_muted);
          cairo_set_line_width (cr, MIN (DROPPED_CROSS_UNITS * p->unit, r / 2));
          cross_path (cr, x, y, arm);
          cairo_stroke (cr);
        }
      cairo_restore (cr);
    }
}
