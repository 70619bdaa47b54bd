/* bpv-layout.c — geometry of a network picture and hit-testing. */
#include "config.h"
#include "bpv-layout.h"

#include <gio/gio.h>

#include <math.h>

#include "bpv-text.h"

#define DEFAULT_MAX_CIRCLES 32
#define DEFAULT_MAX_EDGES   300
/* Smallest cell of a strip before it wraps into another strip. */
#define MIN_STRIP_CELL      6.0
/* How far (widget units) a point may be from an edge's line and still hit. */
#define EDGE_HIT_TOLERANCE  5.0

/* Room around the network, in units of the base font f (the renderer's
 * labels are sized in f too, TITLE_EM and LABEL_EM in bpv-render-private.h). */
#define FONT_PER_WIDTH      (1.0 / 64.0)  /* f grows with the viewport… */
#define FONT_PER_HEIGHT     (1.0 / 34.0)
#define FONT_MAX            22.0          /* …up to this (before text_scale) */
#define HEADER_EM           3.0           /* "a(n)" and its second line */
#define LEFT_EM             1.5
#define LEFT_VALUES_EM      4.4           /* the input's values left of it */
#define RIGHT_EM            2.5
#define RIGHT_LABELS_EM     9.0           /* class name, value and target */
#define BOTTOM_EM           3.4           /* the cost under the output */
/* Output units get labels beside them up to this many. */
#define MAX_LABELLED_UNITS  16
/* Pitch of a column of circles: at most this many radii, at least this
 * many f (two lines of labels), whatever the radius. */
#define PITCH_RADII         3.6
#define PITCH_MIN_EM        2.7
/* The margin: this share of the viewport's smaller side, 6 to 32 px. */
#define MARGIN_SHARE        0.025
#define MARGIN_MIN          6.0
#define MARGIN_MAX          32.0
/* The network's area never shrinks below this (px) either way. */
#define CONTENT_MIN         10.0
/* Circles: at most this share of the content's height (or this many f),
 * and a column's units together at most this share; never below 2 px.
 * Where the viewport is narrow they shrink until the gaps between
 * columns are this many radii. */
#define RADIUS_SHARE        0.09
#define RADIUS_MAX_EM       2.4
#define COLUMN_SHARE        0.36
#define RADIUS_MIN          2.0
#define GAP_RADII           5
/* A strip's cells at most this many f; an input image at most this share
 * of the width and its cells at most this many f. */
#define STRIP_CELL_MAX_EM   1.2
#define IMAGE_SHARE         0.2
#define IMAGE_CELL_MAX_EM   1.6
/* A weight matrix's gap is this much wider than a bundle of lines; it
 * keeps this share of the gap (at most this many f) clear either side and
 * at least 1 px of width. */
#define MATRIX_GAP_WEIGHT   1.5
#define LINES_GAP_WEIGHT    1.0
#define MATRIX_PAD_SHARE    0.14
#define MATRIX_PAD_MAX_EM   2.5
#define MATRIX_MIN_WIDTH    1.0
/* W(n)'s label: this many f below the margin. */
#define BUNDLE_LABEL_Y_EM   0.75
/* Skip connections: arcs over the columns, in levels this many f apart
 * (a skip nested inside another is one level lower), between the
 * headers and the columns. */
#define ARC_LEVEL_EM        1.6
/* An arc's peak: this share of its level down from the level's top
 * (its label goes above). */
#define ARC_PEAK_SHARE      0.75
/* An arc's ends: this many line units (bpv-render's 1/16 f) above the
 * columns' tops, leaving its source this share of a radius right of the
 * centre and landing this share left of it (so that a chain of skips,
 * 1→3 then 3→5, reads as separate arcs).  A cubic's peak is this share
 * of the way to its control points.  The hit-test follows the curve in
 * this many straight pieces. */
#define LINE_UNITS_PER_EM   16.0
#define SKIP_GAP_UNITS      3.0
#define SKIP_END_SHIFT      0.45
#define SKIP_PEAK_SHARE     0.75
#define SKIP_HIT_PIECES     24
/* The grab handle at a selected arc's start (bpv_layout_skip_handle): a
 * disc this many f across in radius, never under this many pixels, and
 * grabbed this many pixels outside it too. */
#define SKIP_HANDLE_EM      0.45
#define SKIP_HANDLE_MIN_PX  7.0
#define SKIP_HANDLE_SLACK   3.0
/* A bundle's bounds reach this far (px) beyond its ends for line widths
 * and caps. */
#define BUNDLE_OVERHANG     4
/* The cost: this many f under the output column, and this share of the
 * radius more under circles. */
#define COST_GAP_EM         0.45
#define COST_GAP_RADII      0.4
/* A point hits a unit within this share of its radius outside it; a
 * hit's bounds (bpv_layout_hit_bounds) reach this many radii around a
 * unit. */
#define UNIT_HIT_SLACK      0.15
#define SHOW_UNIT_RADII     1.6
/* A drop gap's marker is this many f wide (at least 2 px); the − and +
 * buttons that change a layer's width are this many f square (at least
 * 6 px), this many f either side of its centre. */
#define DROP_GAP_EM         0.35
#define DROP_GAP_MIN        2.0
#define WIDTH_BUTTON_EM     1.15
#define WIDTH_BUTTON_MIN    6.0
#define WIDTH_BUTTON_GAP_EM 1.8

static gint serial_counter;

static guint64
next_serial (void)
{
  return (guint64) (guint) g_atomic_int_add (&serial_counter, 1) + 1;
}

void
bpv_layout_params_init (BpvLayoutParams *params,
                        double           width,
                        double           height)
{
  g_return_if_fail (params != NULL);

  *params = (BpvLayoutParams) {
    .width = width,
    .height = height,
    .zoom = 1.0,
    .max_circles = DEFAULT_MAX_CIRCLES,
    .max_edges = DEFAULT_MAX_EDGES,
    .show_headers = TRUE,
  };
}

static gsize
width_of (const BpNetwork *net,
          gsize            n)
{
  return n == 0 ? net->n_inputs : net->layers[n - 1].out;
}

/* The level of the skip into a(n) (1 the highest … lowest), 0 without one:
 * 1 + the levels of the skips nested inside it, so that arcs do not cross
 * over each other's peaks. */
static gsize
arc_level (const BpNetwork *net,
           gsize            n)
{
  const BpLayer *L = &net->layers[n - 1];
  gsize level = 1;

  if (L->type != BP_LAYER_DENSE || L->skip_from < 0)
    return 0;
  for (gsize m = 1; m <= net->n_layers; m++)
    {
      const BpLayer *M = &net->layers[m - 1];

      if (m < n && M->type == BP_LAYER_DENSE && M->skip_from >= L->skip_from)
        level = MAX (level, arc_level (net, m) + 1);
    }
  return level;
}

void
bpv_layout_free (BpvLayout *layout)
{
  if (layout == NULL)
    return;
  for (gsize n = 0; n < layout->n_columns; n++)
    {
      g_free (layout->columns[n].ux);
      g_free (layout->columns[n].uy);
    }
  g_free (layout->columns);
  g_free (layout->bundles);
  g_free (layout);
}

gboolean
bpv_layout_fits (const BpvLayout *layout,
                 const BpNetwork *net)
{
  g_return_val_if_fail (layout != NULL && net != NULL, FALSE);

  if (layout->n_columns != net->n_layers + 1)
    return FALSE;
  for (gsize n = 0; n < layout->n_columns; n++)
    if (layout->columns[n].n_units != width_of (net, n))
      return FALSE;
  /* The same widths with another kind of layer or skip are another picture. */
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpLayer *L = &net->layers[n - 1];
      const BpvBundle *b = &layout->bundles[n];

      if ((b->kind == BPV_BUNDLE_ONE_TO_ONE) != (L->type != BP_LAYER_DENSE)
          || b->skip_from != (L->type == BP_LAYER_DENSE ? L->skip_from : -1))
        return FALSE;
    }
  return TRUE;
}

gboolean
bpv_layout_check_drawable (const BpNetwork  *net,
                           GError          **error)
{
  g_return_val_if_fail (net != NULL, FALSE);

  for (gsize l = 0; l < net->n_layers; l++)
    switch (net->layers[l].type)
      {
      case BP_LAYER_DENSE:
      case BP_LAYER_BATCHNORM:
      case BP_LAYER_LAYERNORM:
      case BP_LAYER_DROPOUT:
        break;
      default:
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                     "layer %" G_GSIZE_FORMAT " is of a type the canvas does not know (%d)",
                     l + 1, (int) net->layers[l].type);
        return FALSE;
      }
  return TRUE;
}

static BpvRect
rect_union (BpvRect a,
            BpvRect b)
{
  double x0 = MIN (a.x, b.x), y0 = MIN (a.y, b.y);
  double x1 = MAX (a.x + a.width, b.x + b.width);
  double y1 = MAX (a.y + a.height, b.y + b.height);
  BpvRect r = { x0, y0, x1 - x0, y1 - y0 };

  return r;
}

/* Cells of a strip of n units in a column of height h: one strip while
 * cells stay ≥ MIN_STRIP_CELL, more side by side otherwise. */
static void
strip_shape (gsize   n,
             double  h,
             double  max_cell,
             double *cell,
             gsize  *cols,
             gsize  *rows)
{
  double c = MIN (h / (double) n, max_cell);
  gsize r = n, k = 1;

  if (c < MIN_STRIP_CELL)
    {
      gsize fit = MAX ((gsize) floor (h / MIN_STRIP_CELL), 1);

      k = (n + fit - 1) / fit;
      r = (n + k - 1) / k;
      c = MIN (h / (double) r, max_cell);
    }
  *cell = c;
  *cols = k;
  *rows = r;
}

BpvLayout *
bpv_layout_new (const BpNetwork       *net,
                const BpvLayoutParams *params)
{
  BpvLayout *layout;
  gsize N, n_cols, max_circles, max_edges;
  double W, H, font, margin, header_h, right_room, bottom_room;
  double x0, x1, y0, y1, Wc, Hc, yc, r, max_pitch, gap_unit = 0, arc_room = 0;
  double *col_w, *gap_w;
  gsize levels = 0;

  g_return_val_if_fail (net != NULL && params != NULL, NULL);
  g_return_val_if_fail (params->width > 0 && params->height > 0, NULL);

  N = net->n_layers;
  n_cols = N + 1;
  layout = g_new0 (BpvLayout, 1);
  layout->params = *params;
  if (!(layout->params.zoom > 0))
    layout->params.zoom = 1.0;
  max_circles = params->max_circles > 0 ? params->max_circles : DEFAULT_MAX_CIRCLES;
  max_edges = params->max_edges > 0 ? params->max_edges : DEFAULT_MAX_EDGES;
  layout->n_columns = n_cols;
  layout->columns = g_new0 (BpvColumn, n_cols);
  layout->bundles = g_new0 (BpvBundle, n_cols);
  layout->serial = next_serial ();

  W = params->width;
  H = params->height;
  if (!(layout->params.text_scale > 0))
    layout->params.text_scale = 1.0;
  /* Never below the readable minimum: when that leaves too little room,
   * the renderer shows fewer labels, not smaller ones. */
  font = CLAMP (MIN (W * FONT_PER_WIDTH, H * FONT_PER_HEIGHT), BPV_TEXT_MIN_SIZE, FONT_MAX)
         * layout->params.text_scale;
  margin = CLAMP (MARGIN_SHARE * MIN (W, H), MARGIN_MIN, MARGIN_MAX);
  header_h = params->show_headers ? HEADER_EM * font : 0;
  right_room = (width_of (net, N) <= MIN (max_circles, MAX_LABELLED_UNITS) ? RIGHT_LABELS_EM : RIGHT_EM) * font;
  bottom_room = BOTTOM_EM * font;
  layout->font_size = font;
  for (gsize n = 1; n <= N; n++)
    levels = MAX (levels, arc_level (net, n));
  arc_room = (double) levels * ARC_LEVEL_EM * font;

  x0 = margin + (net->n_inputs <= MIN (max_circles, MAX_LABELLED_UNITS) ? LEFT_VALUES_EM : LEFT_EM) * font;
  x1 = W - margin - right_room;
  y0 = margin + header_h + arc_room;
  y1 = H - margin - bottom_room;
  Wc = MAX (x1 - x0, CONTENT_MIN);
  Hc = MAX (y1 - y0, CONTENT_MIN);
  yc = y0 + Hc / 2;

  /* Kinds of columns and bundles. */
  for (gsize n = 0; n < n_cols; n++)
    {
      BpvColumn *c = &layout->columns[n];
      gsize units = width_of (net, n);

      c->n_units = units;
      c->ux = g_new0 (double, units);
      c->uy = g_new0 (double, units);
      if (units <= max_circles)
        c->kind = BPV_COLUMN_CIRCLES;
      else if (n == 0 && params->input_image_width > 0
               && params->input_image_width * params->input_image_height == units)
        c->kind = BPV_COLUMN_IMAGE;
      else
        c->kind = BPV_COLUMN_STRIP;
      if (n > 0)
        {
          BpvBundle *b = &layout->bundles[n];

          const BpLayer *L = &net->layers[n - 1];

          b->rows = units;
          b->cols = width_of (net, n - 1);
          b->skip_from = L->type == BP_LAYER_DENSE ? L->skip_from : -1;
          if (L->type != BP_LAYER_DENSE)
            {
              /* γ or a mask: one line per unit, never a matrix. */
              b->n_edges = b->rows;
              b->kind = BPV_BUNDLE_ONE_TO_ONE;
            }
          else
            {
              b->n_edges = b->rows * b->cols;
              b->kind = b->n_edges > max_edges ? BPV_BUNDLE_MATRIX : BPV_BUNDLE_EDGES;
            }
        }
    }

  /* One radius for every column of circles: the tallest column decides,
   * and a lone unit does not become a balloon. */
  r = MIN (Hc * RADIUS_SHARE, font * RADIUS_MAX_EM);
  for (gsize n = 0; n < n_cols; n++)
    if (layout->columns[n].kind == BPV_COLUMN_CIRCLES)
      r = MIN (r, COLUMN_SHARE * Hc / (double) layout->columns[n].n_units);
  r = MAX (r, RADIUS_MIN);
  /* Units are spread by this radius, before a narrow viewport shrinks the
   * circles: a deep network keeps the height it has. */
  max_pitch = MAX (PITCH_RADII * r, PITCH_MIN_EM * font);

  col_w = g_new0 (double, n_cols);
  gap_w = g_new0 (double, n_cols);
  for (int pass = 0; pass < 2; pass++)
    {
      double used = 0, weights = 0;

      for (gsize n = 0; n < n_cols; n++)
        {
          BpvColumn *c = &layout->columns[n];

          switch (c->kind)
            {
            case BPV_COLUMN_CIRCLES:
              c->radius = r;
              col_w[n] = 2 * r;
              break;
            case BPV_COLUMN_STRIP:
              strip_shape (c->n_units, Hc, font * STRIP_CELL_MAX_EM, &c->cell, &c->grid_cols, &c->grid_rows);
              c->radius = c->cell / 2;
              col_w[n] = c->cell * (double) c->grid_cols;
              break;
            case BPV_COLUMN_IMAGE:
              c->grid_cols = params->input_image_width;
              c->grid_rows = params->input_image_height;
              c->cell = MIN (MIN (Hc / (double) c->grid_rows,
                                  IMAGE_SHARE * Wc / (double) c->grid_cols), font * IMAGE_CELL_MAX_EM);
              c->radius = c->cell / 2;
              col_w[n] = c->cell * (double) c->grid_cols;
              break;
            }
          used += col_w[n];
          if (n > 0)
            {
              gap_w[n] = layout->bundles[n].kind == BPV_BUNDLE_MATRIX ? MATRIX_GAP_WEIGHT : LINES_GAP_WEIGHT;
              weights += gap_w[n];
            }
        }
      gap_unit = weights > 0 ? MAX (Wc - used, 0) / weights : 0;
      /* Narrow viewport: shrink the circles just enough that the gaps
       * are five radii wide, so edges stay visible. */
      if (n_cols > 1 && gap_unit < GAP_RADII * r && pass == 0)
        {
          double circles = 0, others = 0;

          for (gsize n = 0; n < n_cols; n++)
            if (layout->columns[n].kind == BPV_COLUMN_CIRCLES)
              circles += 2;
            else
              others += col_w[n];
          r = MAX (MIN (r, (Wc - others) / (circles + GAP_RADII * weights)), RADIUS_MIN);
        }
      else
        break;
    }

  /* Columns left to right; a single column (no layers) is centred. */
  {
    double total = 0, x;

    for (gsize n = 0; n < n_cols; n++)
      total += col_w[n] + (n > 0 ? gap_w[n] * gap_unit : 0);
    x = x0 + MAX (Wc - total, 0) / 2;
    for (gsize n = 0; n < n_cols; n++)
      {
        BpvColumn *c = &layout->columns[n];
        gsize units = c->n_units;

        if (n > 0)
          x += gap_w[n] * gap_unit;
        c->x = x + col_w[n] / 2;
        x += col_w[n];

        if (c->kind == BPV_COLUMN_CIRCLES)
          {
            double pitch = units > 1 ? MIN (Hc / (double) units, max_pitch) : 0;
            double top = yc - pitch * (double) (units - 1) / 2;

            for (gsize i = 0; i < units; i++)
              {
                c->ux[i] = c->x;
                c->uy[i] = top + pitch * (double) i;
              }
            c->bounds = (BpvRect) { c->x - r, top - r, 2 * r, pitch * (double) (units - 1) + 2 * r };
          }
        else
          {
            double w = c->cell * (double) c->grid_cols;
            double h = c->cell * (double) c->grid_rows;
            double left = c->x - w / 2, top = yc - h / 2;

            for (gsize i = 0; i < units; i++)
              {
                gsize col, row;

                if (c->kind == BPV_COLUMN_IMAGE)
                  {
                    col = i % c->grid_cols;
                    row = i / c->grid_cols;
                  }
                else
                  {
                    /* Strips fill top to bottom, then the next strip. */
                    col = i / c->grid_rows;
                    row = i % c->grid_rows;
                  }
                c->ux[i] = left + c->cell * ((double) col + 0.5);
                c->uy[i] = top + c->cell * ((double) row + 0.5);
              }
            c->bounds = (BpvRect) { left, top, w, h };
          }
        c->header = (BpvRect) { c->x - MAX (col_w[n], 8 * font) / 2, margin,
                                MAX (col_w[n], 8 * font), header_h };
      }
  }

  /* Bundles. */
  for (gsize n = 1; n < n_cols; n++)
    {
      BpvBundle *b = &layout->bundles[n];
      const BpvColumn *left = &layout->columns[n - 1];
      const BpvColumn *right = &layout->columns[n];
      double xl = left->bounds.x + left->bounds.width;
      double xr = right->bounds.x;

      b->label_x = (xl + xr) / 2;
      b->label_y = margin + BUNDLE_LABEL_Y_EM * font;
      b->bounds = rect_union (left->bounds, right->bounds);
      b->bounds.x = left->x;
      b->bounds.width = right->x - left->x;

      if (b->kind == BPV_BUNDLE_MATRIX)
        {
          double pad = MIN (MATRIX_PAD_SHARE * (xr - xl), MATRIX_PAD_MAX_EM * font);
          double top, h;

          if (right->kind == BPV_COLUMN_CIRCLES && right->n_units > 1)
            {
              double pitch = right->uy[1] - right->uy[0];

              top = right->uy[0] - pitch / 2;
              h = pitch * (double) right->n_units;
            }
          else if (right->kind == BPV_COLUMN_CIRCLES)
            {
              top = right->bounds.y;
              h = right->bounds.height;
            }
          else
            {
              top = right->bounds.y;
              h = right->bounds.height;
              if (right->grid_cols == 1)
                h = right->cell * (double) right->n_units;
            }
          b->matrix = (BpvRect) { xl + pad, top, MAX (xr - xl - 2 * pad, MATRIX_MIN_WIDTH), h };
          b->bounds = rect_union (b->bounds, b->matrix);
        }
      /* Room for line widths and caps. */
      b->bounds.x -= BUNDLE_OVERHANG;
      b->bounds.y -= BUNDLE_OVERHANG;
      b->bounds.width += 2 * BUNDLE_OVERHANG;
      b->bounds.height += 2 * BUNDLE_OVERHANG;
      if (b->skip_from >= 0)
        b->arc_peak_y = margin + header_h
                        + ((double) (levels - arc_level (net, n)) + ARC_PEAK_SHARE) * ARC_LEVEL_EM * font;
    }

  {
    const BpvColumn *out = &layout->columns[n_cols - 1];

    layout->cost_x = out->x;
    layout->cost_y = out->bounds.y + out->bounds.height + COST_GAP_EM * font
                     + (out->kind == BPV_COLUMN_CIRCLES ? COST_GAP_RADII * r : 0);
  }

  layout->content = (BpvRect) { 0, 0, W, H };
  g_free (col_w);
  g_free (gap_w);
  return layout;
}

void
bpv_layout_set_view (BpvLayout *layout,
                     double     zoom,
                     double     pan_x,
                     double     pan_y)
{
  g_return_if_fail (layout != NULL);

  layout->params.zoom = zoom > 0 ? zoom : 1.0;
  layout->params.pan_x = pan_x;
  layout->params.pan_y = pan_y;
  layout->serial = next_serial ();
}

void
bpv_layout_to_world (const BpvLayout *layout,
                     double           wx,
                     double           wy,
                     double          *x,
                     double          *y)
{
  *x = (wx - layout->params.pan_x) / layout->params.zoom;
  *y = (wy - layout->params.pan_y) / layout->params.zoom;
}

void
bpv_layout_to_widget (const BpvLayout *layout,
                      double           x,
                      double           y,
                      double          *wx,
                      double          *wy)
{
  *wx = x * layout->params.zoom + layout->params.pan_x;
  *wy = y * layout->params.zoom + layout->params.pan_y;
}

static gboolean
in_rect (const BpvRect *r,
         double         x,
         double         y)
{
  return x >= r->x && x < r->x + r->width && y >= r->y && y < r->y + r->height;
}

/* The unit of column c under world point (x, y), or -1. */
static gssize
column_hit (const BpvColumn *c,
            double           x,
            double           y,
            double           slack)
{
  if (c->n_units == 0)
    return -1;
  if (c->kind == BPV_COLUMN_CIRCLES)
    {
      double pitch = c->n_units > 1 ? c->uy[1] - c->uy[0] : 1.0;
      double fi = pitch > 0 ? round ((y - c->uy[0]) / pitch) : 0;
      gsize i = (gsize) CLAMP (fi, 0.0, (double) (c->n_units - 1));
      double dx = x - c->ux[i], dy = y - c->uy[i];
      double reach = c->radius + slack;

      return dx * dx + dy * dy <= reach * reach ? (gssize) i : -1;
    }
  else
    {
      double fc, fr;
      gsize col, row, i;

      if (!in_rect (&c->bounds, x, y))
        return -1;
      fc = floor ((x - c->bounds.x) / c->cell);
      fr = floor ((y - c->bounds.y) / c->cell);
      col = (gsize) CLAMP (fc, 0.0, (double) (c->grid_cols - 1));
      row = (gsize) CLAMP (fr, 0.0, (double) (c->grid_rows - 1));
      i = c->kind == BPV_COLUMN_IMAGE ? row * c->grid_cols + col : col * c->grid_rows + row;
      return i < c->n_units ? (gssize) i : -1;
    }
}

static double
segment_distance2 (double px, double py,
                   double ax, double ay,
                   double bx, double by)
{
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  double qx, qy;

  t = CLAMP (t, 0.0, 1.0);
  qx = ax + t * dx - px;
  qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

/* The arc from above column `from` to above column n, its peak where the
 * arc into a(n) has its peak (world units). */
static void
arc_between (const BpvLayout *layout,
             gsize            from_column,
             gsize            n,
             double           x[4],
             double           y[4])
{
  const BpvBundle *b = &layout->bundles[n];
  const BpvColumn *from = &layout->columns[from_column];
  const BpvColumn *to = &layout->columns[n];
  double gap = SKIP_GAP_UNITS * (layout->font_size / LINE_UNITS_PER_EM);

  x[0] = from->x + SKIP_END_SHIFT * from->radius;
  y[0] = from->bounds.y - gap;
  x[3] = to->x - SKIP_END_SHIFT * to->radius;
  y[3] = to->bounds.y - gap;
  x[1] = x[0];
  y[1] = y[0] + (b->arc_peak_y - y[0]) / SKIP_PEAK_SHARE;
  x[2] = x[3];
  y[2] = y[3] + (b->arc_peak_y - y[3]) / SKIP_PEAK_SHARE;
}

gboolean
bpv_layout_skip_arc (const BpvLayout *layout,
                     gsize            n,
                     double           x[4],
                     double           y[4])
{
  g_return_val_if_fail (layout != NULL && x != NULL && y != NULL, FALSE);

  if (n < 1 || n >= layout->n_columns || layout->bundles[n].skip_from < 0)
    return FALSE;
  arc_between (layout, (gsize) layout->bundles[n].skip_from, n, x, y);
  return TRUE;
}

gboolean
bpv_layout_skip_arc_from (const BpvLayout *layout,
                          gsize            n,
                          gsize            from,
                          double           x[4],
                          double           y[4])
{
  g_return_val_if_fail (layout != NULL && x != NULL && y != NULL, FALSE);

  if (n < 1 || n >= layout->n_columns || from >= n || layout->bundles[n].skip_from < 0)
    return FALSE;
  arc_between (layout, from, n, x, y);
  return TRUE;
}

gboolean
bpv_layout_skip_handle (const BpvLayout *layout,
                        gsize            n,
                        double          *wx,
                        double          *wy,
                        double          *radius)
{
  double x[4], y[4];

  g_return_val_if_fail (layout != NULL && wx != NULL && wy != NULL && radius != NULL, FALSE);

  if (!bpv_layout_skip_arc (layout, n, x, y))
    return FALSE;
  bpv_layout_to_widget (layout, x[0], y[0], wx, wy);
  *radius = MAX (SKIP_HANDLE_MIN_PX, SKIP_HANDLE_EM * layout->font_size * layout->params.zoom);
  return TRUE;
}

gboolean
bpv_layout_skip_handle_at (const BpvLayout *layout,
                           gsize            n,
                           double           wx,
                           double           wy)
{
  double cx, cy, r;

  g_return_val_if_fail (layout != NULL, FALSE);

  if (!bpv_layout_skip_handle (layout, n, &cx, &cy, &r))
    return FALSE;
  r += SKIP_HANDLE_SLACK;
  return (wx - cx) * (wx - cx) + (wy - cy) * (wy - cy) <= r * r;
}

/* The skip arc nearest world point (x, y) within `tol`, if any. */
static gboolean
skip_hit (const BpvLayout *layout,
          double           x,
          double           y,
          double           tol,
          BpvHit          *hit)
{
  double best = tol * tol;
  gboolean found = FALSE;

  for (gsize n = 1; n < layout->n_columns; n++)
    {
      double cx[4], cy[4], px, py;

      if (!bpv_layout_skip_arc (layout, n, cx, cy))
        continue;
      px = cx[0];
      py = cy[0];
      for (int i = 1; i <= SKIP_HIT_PIECES; i++)
        {
          double t = (double) i / SKIP_HIT_PIECES, u = 1 - t;
          double qx = u * u * u * cx[0] + 3 * u * u * t * cx[1] + 3 * u * t * t * cx[2] + t * t * t * cx[3];
          double qy = u * u * u * cy[0] + 3 * u * u * t * cy[1] + 3 * u * t * t * cy[2] + t * t * t * cy[3];
          double d2 = segment_distance2 (x, y, px, py, qx, qy);

          if (d2 <= best)
            {
              best = d2;
              *hit = (BpvHit) { BPV_HIT_SKIP, n, (gsize) layout->bundles[n].skip_from, 0 };
              found = TRUE;
            }
          px = qx;
          py = qy;
        }
    }
  return found;
}

gboolean
bpv_layout_hit_test (const BpvLayout *layout,
                     double           wx,
                     double           wy,
                     BpvHit          *hit)
{
  double x, y, tol;

  g_return_val_if_fail (layout != NULL && hit != NULL, FALSE);

  *hit = (BpvHit) BPV_HIT_INIT;
  bpv_layout_to_world (layout, wx, wy, &x, &y);
  tol = EDGE_HIT_TOLERANCE / layout->params.zoom;

  for (gsize n = 0; n < layout->n_columns; n++)
    {
      gssize i = column_hit (&layout->columns[n], x, y, UNIT_HIT_SLACK * layout->columns[n].radius);

      if (i >= 0)
        {
          *hit = (BpvHit) { BPV_HIT_NEURON, n, (gsize) i, 0 };
          return TRUE;
        }
    }

  if (skip_hit (layout, x, y, tol, hit))
    return TRUE;

  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvBundle *b = &layout->bundles[n];
      const BpvColumn *left = &layout->columns[n - 1];
      const BpvColumn *right = &layout->columns[n];

      if (b->kind == BPV_BUNDLE_MATRIX)
        {
          if (in_rect (&b->matrix, x, y))
            {
              double fj = floor ((y - b->matrix.y) / b->matrix.height * (double) b->rows);
              double fk = floor ((x - b->matrix.x) / b->matrix.width * (double) b->cols);

              *hit = (BpvHit) { BPV_HIT_EDGE, n,
                                (gsize) CLAMP (fj, 0.0, (double) (b->rows - 1)),
                                (gsize) CLAMP (fk, 0.0, (double) (b->cols - 1)) };
              return TRUE;
            }
          continue;
        }
      if (x < left->x || x > right->x)
        continue;
      {
        double best = tol * tol;
        gboolean found = FALSE;

        for (gsize j = 0; j < b->rows; j++)
          for (gsize k = 0; k < b->cols; k++)
            {
              double d2;

              if (b->kind == BPV_BUNDLE_ONE_TO_ONE && k != j)
                continue;
              d2 = segment_distance2 (x, y, left->ux[k], left->uy[k],
                                             right->ux[j], right->uy[j]);
              if (d2 <= best)
                {
                  best = d2;
                  *hit = (BpvHit) { BPV_HIT_EDGE, n, j, k };
                  found = TRUE;
                }
            }
        if (found)
          return TRUE;
      }
    }
  return FALSE;
}

void
bpv_layout_neuron_center (const BpvLayout *layout,
                          gsize            layer,
                          gsize            j,
                          double          *wx,
                          double          *wy)
{
  const BpvColumn *c;

  g_return_if_fail (layout != NULL && layer < layout->n_columns);
  c = &layout->columns[layer];
  g_return_if_fail (j < c->n_units);
  bpv_layout_to_widget (layout, c->ux[j], c->uy[j], wx, wy);
}

gboolean
bpv_layout_hit_bounds (const BpvLayout *layout,
                       const BpvHit    *hit,
                       BpvRect         *rect)
{
  double ax, ay, bx, by, pad;

  g_return_val_if_fail (layout != NULL && hit != NULL && rect != NULL, FALSE);

  if (hit->kind == BPV_HIT_NEURON)
    {
      const BpvColumn *c;

      if (hit->layer >= layout->n_columns || hit->j >= layout->columns[hit->layer].n_units)
        return FALSE;
      c = &layout->columns[hit->layer];
      pad = c->radius * SHOW_UNIT_RADII;
      ax = c->ux[hit->j] - pad;
      ay = c->uy[hit->j] - pad;
      bx = c->ux[hit->j] + pad;
      by = c->uy[hit->j] + pad;
    }
  else if (hit->kind == BPV_HIT_EDGE)
    {
      const BpvBundle *b;

      if (hit->layer < 1 || hit->layer >= layout->n_columns)
        return FALSE;
      b = &layout->bundles[hit->layer];
      if (hit->j >= b->rows || hit->k >= b->cols
          || (b->kind == BPV_BUNDLE_ONE_TO_ONE && hit->j != hit->k))
        return FALSE;
      if (b->kind == BPV_BUNDLE_MATRIX)
        {
          double cw = b->matrix.width / (double) b->cols;
          double ch = b->matrix.height / (double) b->rows;

          ax = b->matrix.x + cw * (double) hit->k - 2;
          ay = b->matrix.y + ch * (double) hit->j - 2;
          bx = ax + cw + 4;
          by = ay + ch + 4;
        }
      else
        {
          const BpvColumn *l = &layout->columns[hit->layer - 1];
          const BpvColumn *r = &layout->columns[hit->layer];

          ax = MIN (l->ux[hit->k], r->ux[hit->j]) - 6;
          ay = MIN (l->uy[hit->k], r->uy[hit->j]) - 6;
          bx = MAX (l->ux[hit->k], r->ux[hit->j]) + 6;
          by = MAX (l->uy[hit->k], r->uy[hit->j]) + 6;
        }
    }
  else if (hit->kind == BPV_HIT_SKIP)
    {
      double cx[4], cy[4];

      /* The curve lies inside its control points' box. */
      if (!bpv_layout_skip_arc (layout, hit->layer, cx, cy)
          || hit->j != (gsize) layout->bundles[hit->layer].skip_from)
        return FALSE;
      ax = MIN (cx[0], cx[3]) - 6;
      bx = MAX (cx[0], cx[3]) + 6;
      ay = MIN (MIN (cy[0], cy[1]), MIN (cy[2], cy[3])) - 6;
      by = MAX (MAX (cy[0], cy[1]), MAX (cy[2], cy[3])) + 6;
    }
  else
    return FALSE;

  bpv_layout_to_widget (layout, ax, ay, &ax, &ay);
  bpv_layout_to_widget (layout, bx, by, &bx, &by);
  *rect = (BpvRect) { ax, ay, bx - ax, by - ay };
  return TRUE;
}

gboolean
bpv_hit_equal (const BpvHit *a,
               const BpvHit *b)
{
  if (a->kind != b->kind)
    return FALSE;
  if (a->kind == BPV_HIT_NONE)
    return TRUE;
  return a->layer == b->layer && a->j == b->j
         && (a->kind == BPV_HIT_NEURON || a->k == b->k);
}

/* ------------------------------------------------------------ drag and drop */

/* Half the width a column claims for drops onto it, world units: its own
 * box, at least a quarter of the distance to its neighbours. */
static double
column_half_width (const BpvLayout *layout,
                   gsize            n)
{
  const BpvColumn *c = &layout->columns[n];
  double half = MAX (c->bounds.width, c->header.width) / 2;
  double gap = G_MAXDOUBLE;

  if (n > 0)
    gap = MIN (gap, c->x - layout->columns[n - 1].x);
  if (n + 1 < layout->n_columns)
    gap = MIN (gap, layout->columns[n + 1].x - c->x);
  if (gap == G_MAXDOUBLE)
    gap = 4 * half;
  return CLAMP (half, gap / 4, gap / 3);
}

gboolean
bpv_layout_drop_slot (const BpvLayout *layout,
                      double           wx,
                      double           wy,
                      BpvDropSlot     *slot)
{
  double x, y;
  gsize nc;

  g_return_val_if_fail (layout != NULL && slot != NULL, FALSE);

  slot->kind = BPV_DROP_NONE;
  slot->index = 0;
  nc = layout->n_columns;
  if (nc < 2)
    return FALSE;
  bpv_layout_to_world (layout, wx, wy, &x, &y);
  for (gsize n = 1; n < nc; n++)
    if (fabs (x - layout->columns[n].x) <= column_half_width (layout, n))
      {
        slot->kind = BPV_DROP_LAYER;
        slot->index = n - 1;
        return TRUE;
      }
  slot->kind = BPV_DROP_GAP;
  for (gsize c = 0; c + 1 < nc; c++)
    if (x < layout->columns[c + 1].x)
      {
        slot->index = c;
        return TRUE;
      }
  slot->index = nc - 2;
  return TRUE;
}

gboolean
bpv_layout_column_rect (const BpvLayout *layout,
                        gsize            n,
                        BpvRect         *rect)
{
  const BpvColumn *c;
  double half, x0, y0, x1, y1;

  g_return_val_if_fail (layout != NULL && rect != NULL, FALSE);

  if (n >= layout->n_columns)
    return FALSE;
  c = &layout->columns[n];
  half = column_half_width (layout, n);
  bpv_layout_to_widget (layout, c->x - half, MIN (c->header.y, c->bounds.y), &x0, &y0);
  bpv_layout_to_widget (layout, c->x + half, c->bounds.y + c->bounds.height, &x1, &y1);
  *rect = (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
  return TRUE;
}

gboolean
bpv_layout_drop_rect (const BpvLayout   *layout,
                      const BpvDropSlot *slot,
                      BpvRect           *rect)
{
  double x0, y0, x1, y1, top, bottom;
  gsize nc;

  g_return_val_if_fail (layout != NULL && slot != NULL && rect != NULL, FALSE);

  nc = layout->n_columns;
  top = layout->content.y;
  bottom = layout->content.y + layout->content.height;
  if (slot->kind == BPV_DROP_GAP && slot->index + 1 < nc)
    {
      double mid = (layout->columns[slot->index].x + layout->columns[slot->index + 1].x) / 2;
      double w = MAX (layout->font_size * DROP_GAP_EM, DROP_GAP_MIN);

      bpv_layout_to_widget (layout, mid - w / 2, top, &x0, &y0);
      bpv_layout_to_widget (layout, mid + w / 2, bottom, &x1, &y1);
    }
  else if (slot->kind == BPV_DROP_LAYER && slot->index + 1 < nc)
    return bpv_layout_column_rect (layout, slot->index + 1, rect);
  else
    return FALSE;
  rect->x = x0;
  rect->y = y0;
  rect->width = x1 - x0;
  rect->height = y1 - y0;
  return TRUE;
}

gboolean
bpv_layout_header_layer (const BpvLayout *layout,
                         double           wx,
                         double           wy,
                         gsize           *layer)
{
  double x, y;

  g_return_val_if_fail (layout != NULL, FALSE);

  bpv_layout_to_world (layout, wx, wy, &x, &y);
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      const BpvColumn *c = &layout->columns[n];
      double half = MAX (c->header.width / 2, column_half_width (layout, n));

      if (c->header.height > 0 && fabs (x - c->x) <= half
          && y >= c->header.y && y < c->header.y + c->header.height)
        {
          if (layer != NULL)
            *layer = n - 1;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
bpv_layout_width_buttons (const BpvLayout *layout,
                          gsize            layer,
                          BpvRect         *minus,
                          BpvRect         *plus)
{
  const BpvColumn *c;
  double side, gap, top, x0, y0, x1, y1;

  g_return_val_if_fail (layout != NULL && minus != NULL && plus != NULL, FALSE);

  if (layer + 1 >= layout->n_columns)
    return FALSE;
  c = &layout->columns[layer + 1];
  /* On the header's first line, either side of its "a(n)": the space
   * under the header belongs to the first unit. */
  side = MAX (layout->font_size * WIDTH_BUTTON_EM, WIDTH_BUTTON_MIN);
  gap = layout->font_size * WIDTH_BUTTON_GAP_EM;
  top = c->header.y;
  bpv_layout_to_widget (layout, c->x - gap - side, top, &x0, &y0);
  bpv_layout_to_widget (layout, c->x - gap, top + side, &x1, &y1);
  *minus = (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
  bpv_layout_to_widget (layout, c->x + gap, top, &x0, &y0);
  bpv_layout_to_widget (layout, c->x + gap + side, top + side, &x1, &y1);
  *plus = (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
  return TRUE;
}

int
bpv_layout_width_button_at (const BpvLayout *layout,
                            gsize            n_layers,
                            double           wx,
                            double           wy,
                            gsize           *layer)
{
  g_return_val_if_fail (layout != NULL, 0);

  for (gsize l = 0; l < n_layers && l + 1 < layout->n_columns; l++)
    {
      BpvRect m, p;

      if (!bpv_layout_width_buttons (layout, l, &m, &p))
        continue;
      if (in_rect (&m, wx, wy) || in_rect (&p, wx, wy))
        {
          if (layer != NULL)
            *layer = l;
          return in_rect (&m, wx, wy) ? -1 : +1;
        }
    }
  return 0;
}
