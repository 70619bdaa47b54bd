/* bpv-render-legend.c — the legend under the network: the diverging
 * colour bar with what the edges show, the line key, and a marked circle
 * for each overlay in use; laid out in rows of the width given.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <math.h>

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
                   bpv_rgba_luminance (mid) > 0.5 ? (BpvRgba) { 0.1, 0.1, 0.1, 1 } : (BpvRgba) { 0.95, 0.95, 0.95, 1 });
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
